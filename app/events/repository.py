"""The outbox table through its SQLModel."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.controversy import Controversy
from app.models.event import OutboxEvent

# Transaction-level advisory lock id held from the append to the COMMIT: appends (and so
# their ids) are serialised, so ids are in commit order and a reader resuming after id N can
# never miss an event that commits later with a smaller id.
OUTBOX_LOCK = 727011


async def append(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Append events in this transaction (ids assigned in commit order)."""
    await session.execute(select(func.pg_advisory_xact_lock(OUTBOX_LOCK)))
    await session.execute(insert(OutboxEvent), list(rows))


async def after(
    session: AsyncSession,
    after_id: int | None,
    *,
    limit: int,
    controversy_ids: Sequence[uuid.UUID] = (),
    types: Sequence[str] = (),
) -> Sequence[OutboxEvent]:
    """Events after `after_id` (all when None), oldest first."""
    statement = select(OutboxEvent).order_by(col(OutboxEvent.id)).limit(limit)
    if after_id is not None:
        statement = statement.where(col(OutboxEvent.id) > after_id)
    if controversy_ids:
        statement = statement.where(col(OutboxEvent.controversy_id).in_(controversy_ids))
    if types:
        # `side.*` is every side event; the pattern is safe: types match ^[a-z_]+\.[a-z_*]+$.
        kinds = [t.removesuffix("*") + "%" for t in types if t.endswith(".*")]
        exact = [t for t in types if not t.endswith(".*")]
        statement = statement.where(
            or_(col(OutboxEvent.type).in_(exact), *(col(OutboxEvent.type).like(k) for k in kinds))
        )
    return (await session.scalars(statement)).all()


async def newest_id(session: AsyncSession) -> int | None:
    """The id of the newest committed event."""
    found: int | None = await session.scalar(select(func.max(OutboxEvent.id)))
    return found


async def oldest_id(session: AsyncSession) -> int | None:
    """The id of the oldest event still kept."""
    found: int | None = await session.scalar(select(func.min(OutboxEvent.id)))
    return found


async def controversy_id(session: AsyncSession, id_or_slug: str) -> uuid.UUID | None:
    """A controversy named by id or slug, archived ones included (their events stay)."""
    try:
        named = col(Controversy.id) == uuid.UUID(id_or_slug)
    except ValueError:
        named = col(Controversy.slug) == id_or_slug
    found: uuid.UUID | None = await session.scalar(select(Controversy.id).where(named))
    return found


async def controversy_brief(
    session: AsyncSession, controversy_id: uuid.UUID
) -> tuple[str, int] | None:
    """A controversy's slug and card version."""
    row = (
        await session.execute(
            select(Controversy.slug, Controversy.version).where(
                col(Controversy.id) == controversy_id
            )
        )
    ).one_or_none()
    return (row[0], row[1]) if row is not None else None


async def prune(session: AsyncSession, *, older_than: datetime, keep_after_id: int) -> int:
    """Delete events older than `older_than` with ids up to `keep_after_id`."""
    result = await session.execute(
        delete(OutboxEvent).where(
            col(OutboxEvent.occurred_at) < older_than, col(OutboxEvent.id) <= keep_after_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
