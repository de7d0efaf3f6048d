"""Sides and stances through their SQLModels."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.actor import Actor
from app.models.side import Side, Stance
from app.repository_base import fresh


async def live_sides(
    session: AsyncSession, controversy_id: uuid.UUID, side_id: uuid.UUID | None = None
) -> Sequence[Side]:
    """The live sides of a controversy (or the one asked for), in display order."""
    statement = select(Side).where(
        col(Side.controversy_id) == controversy_id, col(Side.archived_at).is_(None)
    )
    if side_id is not None:
        statement = statement.where(col(Side.id) == side_id)
    return (
        await session.scalars(fresh(statement.order_by(col(Side.position), col(Side.label))))
    ).all()


async def live_stances(
    session: AsyncSession, side_ids: Sequence[uuid.UUID], stance_id: uuid.UUID | None = None
) -> Sequence[tuple[Stance, Actor]]:
    """The live stances on these sides with their actors, loudest actor first: one query."""
    statement = (
        select(Stance, Actor)
        .join(Actor, col(Actor.id) == col(Stance.actor_id))
        .where(col(Stance.side_id).in_(side_ids), col(Stance.archived_at).is_(None))
    )
    if stance_id is not None:
        statement = statement.where(col(Stance.id) == stance_id)
    ordered = statement.order_by(col(Actor.influence).desc(), col(Actor.name), col(Stance.id))
    return [(stance, actor) for stance, actor in (await session.execute(fresh(ordered))).all()]


async def live_stance(
    session: AsyncSession, controversy_id: uuid.UUID, stance_id: uuid.UUID
) -> tuple[Stance, Actor] | None:
    """A live stance on a live side of the controversy, with its actor."""
    statement = (
        select(Stance, Actor)
        .join(Actor, col(Actor.id) == col(Stance.actor_id))
        .join(Side, (col(Side.id) == col(Stance.side_id)) & col(Side.archived_at).is_(None))
        .where(
            col(Stance.id) == stance_id,
            col(Stance.controversy_id) == controversy_id,
            col(Stance.archived_at).is_(None),
        )
    )
    found = (await session.execute(fresh(statement))).one_or_none()
    return (found[0], found[1]) if found is not None else None


async def label_taken(
    session: AsyncSession, controversy_id: uuid.UUID, label: str, except_id: uuid.UUID | None
) -> bool:
    """True when a live side of the controversy already has this label."""
    statement = select(Side.id).where(
        col(Side.controversy_id) == controversy_id,
        col(Side.label) == label,
        col(Side.archived_at).is_(None),
    )
    if except_id is not None:
        statement = statement.where(col(Side.id) != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def live_stance_of(
    session: AsyncSession, controversy_id: uuid.UUID, actor_id: uuid.UUID
) -> uuid.UUID | None:
    """The live stance of an actor in a controversy, if any."""
    found: uuid.UUID | None = await session.scalar(
        select(Stance.id).where(
            col(Stance.controversy_id) == controversy_id,
            col(Stance.actor_id) == actor_id,
            col(Stance.archived_at).is_(None),
        )
    )
    return found
