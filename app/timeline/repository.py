"""SQL for timeline events and mentions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_TIMELINE_PART_EVENTS = """
  (SELECT e.occurred_at AS at, e.id, 'event' AS kind, to_jsonb(e) AS doc
     FROM timeline_events e
    WHERE e.controversy_id = :cid AND e.archived_at IS NULL {after_e}
    ORDER BY e.occurred_at DESC, e.id DESC LIMIT :limit)"""

_TIMELINE_PART_MENTIONS = """
  (SELECT m.published_at AS at, m.id, 'mention' AS kind, to_jsonb(m) AS doc
     FROM mentions m
    WHERE m.controversy_id = :cid {after_m}
    ORDER BY m.published_at DESC, m.id DESC LIMIT :limit)"""


async def timeline_page(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    kinds: tuple[str, ...],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """Events and mentions merged newest first: each side walks its own index, then merge."""
    params: dict[str, Any] = {"cid": controversy_id, "limit": limit}
    after_e = after_m = ""
    if after is not None:
        params["after_at"], params["after_id"] = after
        after_e = "AND (e.occurred_at, e.id) < (:after_at, :after_id)"
        after_m = "AND (m.published_at, m.id) < (:after_at, :after_id)"
    parts = []
    if "event" in kinds:
        parts.append(_TIMELINE_PART_EVENTS.format(after_e=after_e))
    if "mention" in kinds:
        parts.append(_TIMELINE_PART_MENTIONS.format(after_m=after_m))
    sql = " UNION ALL ".join(parts) + " ORDER BY at DESC, id DESC LIMIT :limit"
    return list((await session.execute(text(sql), params)).all())


async def mentions_page(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    platform: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """A page of mentions, newest first."""
    params: dict[str, Any] = {"cid": controversy_id, "limit": limit}
    clauses = ["controversy_id = :cid"]
    if platform:
        clauses.append("platform = :platform")
        params["platform"] = platform
    if after is not None:
        clauses.append("(published_at, id) < (:after_at, :after_id)")
        params["after_at"], params["after_id"] = after
    sql = (
        "SELECT * FROM mentions WHERE "
        + " AND ".join(clauses)
        + " ORDER BY published_at DESC, id DESC LIMIT :limit"
    )
    return list((await session.execute(text(sql), params)).mappings().all())
