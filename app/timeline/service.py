"""Timeline reads: merged events and mentions, and mentions alone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.service import Author
from app.config import Settings
from app.controversies import service as controversy_service
from app.errors import Conflict, NotFound, ValidationFailed
from app.noise import service as noise_service
from app.pagination import Page, cursor_datetime, cursor_uuid, make_page, read_cursor
from app.timeline import repository
from app.timeline.schemas import (
    EventCreate,
    EventRead,
    EventUpdate,
    IngestResult,
    MentionBatch,
    MentionRead,
    TimelineEventItem,
    TimelineItem,
    TimelineMentionItem,
)

_ITEM = TypeAdapter(TimelineItem)


def _after(cursor: str | None, name: str) -> tuple[datetime, uuid.UUID] | None:
    return read_cursor(cursor, name, cursor_datetime, cursor_uuid)


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
    return make_page(
        rows, limit=limit, name=name, position=lambda row: (row.at, row.id), item=_item
    )


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
    return make_page(
        rows,
        limit=limit,
        name=name,
        position=lambda row: (row["published_at"], row["id"]),
        item=MentionRead.model_validate,
    )


FUTURE_TOLERANCE = timedelta(minutes=5)


def _refuse_future(when: datetime, now: datetime, field: str) -> dict[str, str] | None:
    # A time in the future would become the story's last activity and pin it to the top of
    # "loudest now" until that time comes; a little clock skew is tolerated.
    if when > now + FUTURE_TOLERANCE:
        return {"location": "body", "field": field, "message": "more than 5 minutes in the future"}
    return None


def _check_batch(batch: MentionBatch, now: datetime) -> None:
    errors = []
    seen: dict[tuple[str, str], int] = {}
    for index, mention in enumerate(batch.mentions):
        key = (mention.platform.value, mention.external_id)
        if key in seen:
            errors.append(
                {
                    "location": "body",
                    "field": f"mentions.{index}.external_id",
                    "message": f"duplicates mentions.{seen[key]} in this batch",
                }
            )
        seen[key] = index
        future = _refuse_future(mention.published_at, now, f"mentions.{index}.published_at")
        if future is not None:
            errors.append(future)
    if errors:
        raise ValidationFailed(f"{len(errors)} mention(s) refused.", errors=errors[:100])


async def ingest_mentions(
    session: AsyncSession,
    *,
    id_or_slug: str,
    batch: MentionBatch,
    author: Author,
    now: datetime,
    settings: Settings,
) -> IngestResult:
    """Upsert up to 1,000 mentions in one statement, then recompute the noise once."""
    _check_batch(batch, now)
    row = await controversy_service.lock_live(session, id_or_slug=id_or_slug)
    mentions = batch.mentions
    columns: dict[str, list[Any]] = {
        "platform": [m.platform.value for m in mentions],
        **{name: [getattr(m, name) for m in mentions] for name in repository.MENTION_FIELDS},
    }
    created, updated = await repository.upsert_mentions(session, row.id, columns)
    if created + updated < len(mentions):
        # Some were left alone: unchanged, or owned by another controversy (a 409 then, and
        # the whole batch rolls back). Only then is it worth asking which.
        keys = list(zip(columns["platform"], columns["external_id"], strict=True))
        taken = await repository.owned_elsewhere(session, row.id, keys)
        if taken:
            raise Conflict(
                f"{len(taken)} mention(s) already belong to another controversy.",
                extra={"conflicts": [{"platform": p, "external_id": e} for p, e in taken[:100]]},
            )
    unchanged = len(mentions) - created - updated
    result = IngestResult(created=created, updated=updated, unchanged=unchanged)
    if created or updated:
        await controversy_service.touch(session, controversy_id=row.id)
        await noise_service.recompute(session, controversy_id=row.id, now=now, settings=settings)
        await audit_service.record(
            session,
            author=author,
            resource="mentions",
            resource_id=row.id,
            action="ingest",
            changes=result.model_dump(),
        )
    return result


async def get_event(
    session: AsyncSession, *, controversy_id: uuid.UUID, event_id: uuid.UUID
) -> EventRead:
    """One live event."""
    row = await repository.event(session, controversy_id, event_id)
    if row is None:
        raise NotFound(f"No event with id '{event_id}' in this controversy.")
    return EventRead.model_validate(row)


async def create_event(
    session: AsyncSession,
    *,
    id_or_slug: str,
    data: EventCreate,
    author: Author,
    now: datetime,
    settings: Settings,
) -> EventRead:
    """Add a milestone; the noise is recomputed (it may be the latest activity)."""
    _check_event_time(data.occurred_at, now)
    row = await controversy_service.lock_live(session, id_or_slug=id_or_slug)
    event_id = uuid.uuid4()
    values = {"id": event_id, "controversy_id": row.id, **data.model_dump(mode="python")}
    values["kind"] = data.kind.value
    await repository.insert_event(session, values)
    await _after_event_write(session, row.id, now, settings)
    await audit_service.record(
        session,
        author=author,
        resource="event",
        resource_id=event_id,
        action="create",
        changes=data.model_dump(mode="json"),
    )
    return await get_event(session, controversy_id=row.id, event_id=event_id)


def _check_event_time(occurred_at: datetime, now: datetime) -> None:
    future = _refuse_future(occurred_at, now, "occurred_at")
    if future is not None:
        raise ValidationFailed("A milestone cannot be dated in the future.", errors=[future])


async def _after_event_write(
    session: AsyncSession, controversy_id: uuid.UUID, now: datetime, settings: Settings
) -> None:
    await controversy_service.touch(session, controversy_id=controversy_id)
    await noise_service.recompute(
        session, controversy_id=controversy_id, now=now, settings=settings
    )


async def update_event(
    session: AsyncSession,
    *,
    id_or_slug: str,
    event_id: uuid.UUID,
    data: EventUpdate,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> EventRead:
    """Change a milestone (If-Match required)."""
    if data.occurred_at is not None:
        _check_event_time(data.occurred_at, now)
    controversy_id = await controversy_service.update_child(
        session,
        table="timeline_events",
        resource="event",
        id_or_slug=id_or_slug,
        row_id=event_id,
        data=data,
        if_match=if_match,
        author=author,
        after_write=lambda cid: _after_event_write(session, cid, now, settings),
    )
    return await get_event(session, controversy_id=controversy_id, event_id=event_id)


async def set_event_archived(
    session: AsyncSession,
    *,
    id_or_slug: str,
    event_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> EventRead | None:
    """Archive (If-Match required) or restore a milestone."""
    controversy_id = await controversy_service.set_child_archived(
        session,
        table="timeline_events",
        resource="event",
        id_or_slug=id_or_slug,
        row_id=event_id,
        archived=archived,
        if_match=if_match,
        author=author,
        after_write=lambda cid: _after_event_write(session, cid, now, settings),
    )
    if archived:
        return None
    return await get_event(session, controversy_id=controversy_id, event_id=event_id)
