"""The controversy row through its SQLModel: find it, lock it, mark it changed, its inputs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.changes import mark_changed
from app.models.controversy import Controversy
from app.models.noise import NoiseOverride


def _named(id_or_slug: str) -> ColumnElement[bool]:
    try:
        return col(Controversy.id) == uuid.UUID(id_or_slug)
    except ValueError:
        return col(Controversy.slug) == id_or_slug


def _live(archived: bool | None) -> list[ColumnElement[bool]]:
    if archived is None:
        return []
    archived_at = col(Controversy.archived_at)
    return [archived_at.is_not(None) if archived else archived_at.is_(None)]


async def live_id(session: AsyncSession, id_or_slug: str) -> uuid.UUID | None:
    """The id of a live controversy named by id or slug."""
    found: uuid.UUID | None = await session.scalar(
        select(Controversy.id).where(_named(id_or_slug), *_live(False))
    )
    return found


async def lock(
    session: AsyncSession, id_or_slug: str, *, archived: bool | None = False
) -> Controversy | None:
    """Lock a controversy named by id or slug for this transaction (every write starts here)."""
    statement = select(Controversy).where(_named(id_or_slug), *_live(archived))
    row: Controversy | None = await session.scalar(statement.with_for_update(key_share=True))
    if row is not None:  # locked to be written: its cached card goes when the write commits
        mark_changed(session, "c", row.id)
    return row


async def insert_new(session: AsyncSession, values: Mapping[str, Any]) -> uuid.UUID | None:
    """Insert a controversy; None when the slug is taken (archived ones included)."""
    statement = (
        insert(Controversy)
        .values(dict(values))
        .on_conflict_do_nothing(index_elements=[col(Controversy.slug)])
        .returning(col(Controversy.id))
    )
    inserted: uuid.UUID | None = await session.scalar(statement)
    if inserted is not None:
        mark_changed(session, "c", inserted)
    return inserted


async def touch(session: AsyncSession, controversy_id: uuid.UUID) -> int:
    """Mark the card changed (version and updated_at); returns the new version."""
    mark_changed(session, "c", controversy_id)
    statement = (
        update(Controversy)
        .where(col(Controversy.id) == controversy_id)
        .values(version=col(Controversy.version) + 1, updated_at=func.now())
        .returning(col(Controversy.version))
    )
    version: int = (await session.execute(statement)).scalar_one()
    return version


async def slug_taken(session: AsyncSession, slug: str, except_id: uuid.UUID) -> bool:
    """True when another controversy (archived included) has this slug."""
    taken = await session.scalar(
        select(Controversy.id).where(
            col(Controversy.slug) == slug, col(Controversy.id) != except_id
        )
    )
    return taken is not None


async def inputs(
    session: AsyncSession, controversy_id: uuid.UUID
) -> tuple[int, int, dict[str, int]]:
    """The editorial noise inputs: the card's version, industry impact, the overrides."""
    version, impact = (
        await session.execute(
            select(Controversy.version, Controversy.industry_impact).where(
                col(Controversy.id) == controversy_id
            )
        )
    ).one()
    rows = await session.execute(
        select(NoiseOverride.component, NoiseOverride.value).where(
            col(NoiseOverride.controversy_id) == controversy_id
        )
    )
    return version, impact, {component: value for component, value in rows}


async def set_industry_impact(session: AsyncSession, controversy_id: uuid.UUID, value: int) -> None:
    """Store a new industry impact."""
    await session.execute(
        update(Controversy)
        .where(col(Controversy.id) == controversy_id)
        .values(industry_impact=value)
    )


async def set_override(
    session: AsyncSession, controversy_id: uuid.UUID, component: str, value: int | None
) -> None:
    """Set one component override, or clear it (back to the derived value) with None."""
    mine = (
        col(NoiseOverride.controversy_id) == controversy_id,
        col(NoiseOverride.component) == component,
    )
    if value is None:
        await session.execute(delete(NoiseOverride).where(*mine))
        return
    statement = insert(NoiseOverride).values(
        controversy_id=controversy_id, component=component, value=value
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[col(NoiseOverride.controversy_id), col(NoiseOverride.component)],
            set_={"value": statement.excluded.value, "updated_at": func.now()},
        )
    )
