"""The timeline of a controversy: milestones and source posts, merged newest first."""

from __future__ import annotations

import heapq
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.controversies import service as controversy_service
from app.controversies.writes import RowKind, archive_or_restore, write_to
from app.errors import Conflict, ValidationFailed, found_or_404
from app.models.timeline import Mention, TimelineEvent
from app.pagination import cursor_datetime, cursor_uuid, make_page, read_cursor
from app.timeline import repository
from app.timeline.schemas import (
    EventCreate,
    EventPage,
    EventRead,
    EventUpdate,
    IngestResult,
    MentionBatch,
    MentionPage,
    MentionRead,
    TimelineEventItem,
    TimelineMentionItem,
    TimelinePage,
)
from app.writer import Writer

# A milestone may be the latest activity of its controversy: it feeds the score's decay.
EVENT = RowKind(TimelineEvent, "event", feeds_the_score=True)
FUTURE_TOLERANCE = timedelta(minutes=5)


def _after(cursor: str | None, name: str) -> tuple[datetime, uuid.UUID] | None:
    return read_cursor(cursor, name, cursor_datetime, cursor_uuid)


def _item(row: TimelineEvent | Mention) -> TimelineEventItem | TimelineMentionItem:
    if isinstance(row, TimelineEvent):
        return TimelineEventItem(at=row.occurred_at, event=EventRead.model_validate(row))
    return TimelineMentionItem(at=row.published_at, mention=MentionRead.model_validate(row))


def _at(row: TimelineEvent | Mention) -> tuple[datetime, uuid.UUID]:
    moment = row.occurred_at if isinstance(row, TimelineEvent) else row.published_at
    return moment, row.id


async def timeline(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    kind: str | None,
    cursor: str | None,
    limit: int,
) -> TimelinePage:
    """Milestones and mentions merged, newest first: each walks its own index, then merge."""
    name = f"timeline:{kind or 'all'}"
    after = _after(cursor, name)
    parts: list[list[TimelineEvent | Mention]] = []
    if kind in (None, "event"):
        parts.append(
            list(
                await repository.events_page(session, controversy_id, after=after, limit=limit + 1)
            )
        )
    if kind in (None, "mention"):
        mentions = repository.mentions_page(
            session, controversy_id, platform=None, after=after, limit=limit + 1
        )
        parts.append(list(await mentions))
    merged = list(heapq.merge(*parts, key=_at, reverse=True))[: limit + 1]
    return make_page(merged, limit=limit, name=name, position=_at, item=_item, page=TimelinePage)


async def events(
    session: AsyncSession, *, controversy_id: uuid.UUID, cursor: str | None, limit: int
) -> EventPage:
    """Live milestones newest first."""
    rows = await repository.events_page(
        session, controversy_id, after=_after(cursor, "events"), limit=limit + 1
    )
    return make_page(
        rows,
        limit=limit,
        name="events",
        position=lambda row: (row.occurred_at, row.id),
        item=EventRead.model_validate,
        page=EventPage,
    )


async def mentions(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    platform: str | None,
    cursor: str | None,
    limit: int,
) -> MentionPage:
    """Mentions newest first, optionally of one platform."""
    name = f"mentions:{platform or 'all'}"
    rows = await repository.mentions_page(
        session, controversy_id, platform=platform, after=_after(cursor, name), limit=limit + 1
    )
    return make_page(
        rows,
        limit=limit,
        name=name,
        position=lambda row: (row.published_at, row.id),
        item=MentionRead.model_validate,
        page=MentionPage,
    )


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


async def ingest_mentions(writer: Writer, *, id_or_slug: str, batch: MentionBatch) -> IngestResult:
    """Upsert up to 1,000 mentions in one statement; the noise is recomputed once."""
    _check_batch(batch, writer.now)
    async with write_to(writer, id_or_slug) as unit:
        posts = batch.mentions
        columns: dict[str, list[Any]] = {
            "platform": [m.platform.value for m in posts],
            **{name: [getattr(m, name) for m in posts] for name in repository.MENTION_FIELDS},
        }
        created, updated = await repository.upsert_mentions(writer.session, unit.id, columns)
        if created + updated < len(posts):
            # Some were left alone: unchanged, or owned by another controversy (a 409 then,
            # and the whole batch rolls back). Only then is it worth asking which.
            keys = list(zip(columns["platform"], columns["external_id"], strict=True))
            taken = await repository.owned_elsewhere(writer.session, unit.id, keys)
            if taken:
                raise Conflict(
                    f"{len(taken)} mention(s) already belong to another controversy.",
                    extra={
                        "conflicts": [{"platform": p, "external_id": e} for p, e in taken[:100]]
                    },
                )
        result = IngestResult(
            created=created, updated=updated, unchanged=len(posts) - created - updated
        )
        if created or updated:
            unit.changed(score_input=True)
            await unit.record("mentions", unit.id, "ingest", result.model_dump())
    return result


async def _event(
    session: AsyncSession, controversy_id: uuid.UUID, event_id: uuid.UUID
) -> EventRead:
    found = await repository.live_event(session, controversy_id, event_id)
    return EventRead.model_validate(
        found_or_404(found, f"event with id '{event_id}' in this controversy")
    )


async def read_event(session: AsyncSession, id_or_slug: str, event_id: uuid.UUID) -> EventRead:
    """One live milestone."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await _event(session, controversy_id, event_id)


def _check_event_time(occurred_at: datetime, now: datetime) -> None:
    future = _refuse_future(occurred_at, now, "occurred_at")
    if future is not None:
        raise ValidationFailed("A milestone cannot be dated in the future.", errors=[future])


async def create_event(writer: Writer, id_or_slug: str, data: EventCreate) -> EventRead:
    """Add a milestone; the noise is recomputed (it may be the latest activity)."""
    _check_event_time(data.occurred_at, writer.now)
    async with write_to(writer, id_or_slug) as unit:
        values = {**data.model_dump(mode="python"), "kind": data.kind.value}
        event_id = await unit.add(EVENT, values, data)
    return await _event(writer.session, unit.id, event_id)


async def update_event(
    writer: Writer, id_or_slug: str, event_id: uuid.UUID, data: EventUpdate, if_match: str | None
) -> EventRead:
    """Change a milestone (If-Match required)."""
    if data.occurred_at is not None:
        _check_event_time(data.occurred_at, writer.now)
    async with write_to(writer, id_or_slug) as unit:
        await unit.update(EVENT, event_id, data, if_match)
    return await _event(writer.session, unit.id, event_id)


async def set_event_archived(
    writer: Writer, id_or_slug: str, event_id: uuid.UUID, archived: bool, if_match: str | None
) -> EventRead | None:
    """A milestone archived leaves the timeline and the score."""
    return await archive_or_restore(writer, id_or_slug, EVENT, event_id, archived, if_match, _event)
