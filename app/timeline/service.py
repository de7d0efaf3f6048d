"""Timeline reads: merged events and mentions, and mentions alone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BadCursor
from app.pagination import Page, cursor_datetime, cursor_uuid, decode_cursor, encode_cursor
from app.timeline import repository
from app.timeline.schemas import (
    EventRead,
    MentionRead,
    TimelineEventItem,
    TimelineItem,
    TimelineMentionItem,
)

_ITEM = TypeAdapter(TimelineItem)


def _after(cursor: str | None, name: str) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    key = decode_cursor(cursor, name)
    if len(key) != 2:
        raise BadCursor("The cursor is not valid; start again without one.")
    return cursor_datetime(key[0]), cursor_uuid(key[1])


def _item(row: Any) -> TimelineEventItem | TimelineMentionItem:
    if row.kind == "event":
        return TimelineEventItem(at=row.at, event=EventRead.model_validate(row.doc))
    return TimelineMentionItem(at=row.at, mention=MentionRead.model_validate(row.doc))


async def timeline(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> Page[TimelineItem]:
    """Events and mentions merged, newest first."""
    name = f"timeline:{kind or 'all'}"
    kinds = (kind,) if kind else ("event", "mention")
    rows = await repository.timeline_page(
        session,
        controversy_id=controversy_id,
        kinds=kinds,
        after=_after(cursor, name),
        limit=limit + 1,
    )
    items = [_item(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(name, [last.at.isoformat(), str(last.id)])
    return Page[TimelineItem](data=items, next_cursor=next_cursor)


async def mentions(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    platform: str | None,
    cursor: str | None,
    limit: int,
) -> Page[MentionRead]:
    """Mentions newest first, optionally of one platform."""
    name = f"mentions:{platform or 'all'}"
    rows = await repository.mentions_page(
        session,
        controversy_id=controversy_id,
        platform=platform,
        after=_after(cursor, name),
        limit=limit + 1,
    )
    items = [MentionRead.model_validate(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(name, [last["published_at"].isoformat(), str(last["id"])])
    return Page[MentionRead](data=items, next_cursor=next_cursor)
