"""Actors through their SQLModel, and where each one stands."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.actor import Actor
from app.models.controversy import Controversy
from app.models.side import Side, Stance
from app.repository_base import fresh


def _escaped(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def page(
    session: AsyncSession,
    *,
    q: str | None,
    kind: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> Sequence[Actor]:
    """Live actors by name, strictly after a (name, id) keyset position."""
    statement = select(Actor).where(col(Actor.archived_at).is_(None))
    if q:
        statement = statement.where(col(Actor.name_key).like(f"%{_escaped(q)}%", escape="\\"))
    if kind:
        statement = statement.where(col(Actor.kind) == kind)
    if after is not None:
        statement = statement.where(tuple_(col(Actor.name), col(Actor.id)) > tuple_(*after))
    ordered = statement.order_by(col(Actor.name), col(Actor.id)).limit(limit)
    return (await session.scalars(ordered)).all()


async def live(session: AsyncSession, actor_id: uuid.UUID) -> Actor | None:
    """A live actor."""
    found: Actor | None = await session.scalar(
        fresh(select(Actor).where(col(Actor.id) == actor_id, col(Actor.archived_at).is_(None)))
    )
    return found


async def stands(session: AsyncSession, actor_id: uuid.UUID) -> Sequence[Any]:
    """Where an actor stands: each live stance with its controversy and side, loudest first."""
    statement: Any = (
        sa_select(
            col(Controversy.id),
            col(Controversy.slug),
            col(Controversy.title),
            col(Side.id).label("side_id"),
            col(Side.label),
            col(Stance.claim),
        )
        .select_from(Stance)
        .join(Side, (col(Side.id) == col(Stance.side_id)) & col(Side.archived_at).is_(None))
        .join(
            Controversy,
            (col(Controversy.id) == col(Stance.controversy_id))
            & col(Controversy.archived_at).is_(None),
        )
        .where(col(Stance.actor_id) == actor_id, col(Stance.archived_at).is_(None))
        .order_by(col(Controversy.hot_key).desc(), col(Controversy.id))
    )
    rows: Sequence[Any] = (await session.execute(statement)).all()
    return rows


async def by_name_key(session: AsyncSession, name_key: str) -> uuid.UUID | None:
    """The actor with this normalised name, archived or not."""
    found: uuid.UUID | None = await session.scalar(
        select(Actor.id).where(col(Actor.name_key) == name_key)
    )
    return found


async def controversies_of(session: AsyncSession, actor_id: uuid.UUID) -> list[uuid.UUID]:
    """The controversies where an actor has a live stance, in id order (the lock order)."""
    rows = await session.scalars(
        select(Stance.controversy_id)
        .where(col(Stance.actor_id) == actor_id, col(Stance.archived_at).is_(None))
        .distinct()
        .order_by(col(Stance.controversy_id))
    )
    return list(rows)


async def live_stance_count(session: AsyncSession, actor_id: uuid.UUID) -> int:
    """How many live stances an actor has in live controversies."""
    count = await session.scalar(
        select(func.count())
        .select_from(Stance)
        .join(Controversy, col(Controversy.id) == col(Stance.controversy_id))
        .where(
            col(Stance.actor_id) == actor_id,
            col(Stance.archived_at).is_(None),
            col(Controversy.archived_at).is_(None),
        )
    )
    return int(count or 0)
