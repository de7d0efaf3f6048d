"""Timeline and mention read endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response

from app.controversies import service as controversy_service
from app.deps import AuthorDep, IdOrSlug, IfMatch, NowDep, SessionDep, SettingsDep
from app.enums import Platform
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.timeline import service
from app.timeline.schemas import (
    EventCreate,
    EventRead,
    EventUpdate,
    IngestResult,
    MentionBatch,
    MentionRead,
    TimelineItem,
)

router = APIRouter(tags=["timeline"], route_class=JsonRoute)


@router.get("/controversies/{id_or_slug}/timeline", operation_id="listTimeline")
async def list_timeline(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    kind: Literal["event", "mention"] | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[TimelineItem]:
    """Milestones and source posts merged, newest first."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.timeline(
        session, controversy_id=controversy_id, kind=kind, cursor=cursor, limit=limit
    )


@router.get("/controversies/{id_or_slug}/mentions", operation_id="listMentions")
async def list_mentions(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    platform: Platform | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[MentionRead]:
    """Source posts, newest first."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.mentions(
        session, controversy_id=controversy_id, platform=platform, cursor=cursor, limit=limit
    )


@router.post(
    "/controversies/{id_or_slug}/mentions",
    operation_id="ingestMentions",
    responses=problem_responses(409),
)
async def ingest_mentions(
    id_or_slug: IdOrSlug,
    batch: MentionBatch,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
) -> IngestResult:
    """Upsert up to 1,000 mentions by (platform, external_id); the noise is recomputed once."""
    return await service.ingest_mentions(
        session, id_or_slug=id_or_slug, batch=batch, author=author, now=now, settings=settings
    )


EventId = Annotated[uuid.UUID, Path(description="The event's id.")]


@router.post("/controversies/{id_or_slug}/events", operation_id="createEvent", status_code=201)
async def create_event(
    id_or_slug: IdOrSlug,
    data: EventCreate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
) -> EventRead:
    """Add a milestone to the timeline."""
    event = await service.create_event(
        session, id_or_slug=id_or_slug, data=data, author=author, now=now, settings=settings
    )
    response.headers["ETag"] = version_etag(event.version)
    response.headers["Location"] = f"/v1/controversies/{id_or_slug}/events/{event.id}"
    return event


@router.get("/controversies/{id_or_slug}/events/{event_id}", operation_id="getEvent")
async def get_event(
    id_or_slug: IdOrSlug, event_id: EventId, session: SessionDep, response: Response
) -> EventRead:
    """One milestone."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    event = await service.get_event(session, controversy_id=controversy_id, event_id=event_id)
    response.headers["ETag"] = version_etag(event.version)
    return event


@router.patch(
    "/controversies/{id_or_slug}/events/{event_id}",
    operation_id="updateEvent",
    responses=problem_responses(412, 428),
)
async def update_event(
    id_or_slug: IdOrSlug,
    event_id: EventId,
    data: EventUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> EventRead:
    """Change a milestone (send its ETag in If-Match)."""
    event = await service.update_event(
        session,
        id_or_slug=id_or_slug,
        event_id=event_id,
        data=data,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(event.version)
    return event


@router.delete(
    "/controversies/{id_or_slug}/events/{event_id}",
    operation_id="archiveEvent",
    status_code=204,
    responses=problem_responses(412, 428),
)
async def archive_event(
    id_or_slug: IdOrSlug,
    event_id: EventId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    if_match: IfMatch = None,
) -> Response:
    """Archive a milestone (hidden, restorable)."""
    await service.set_event_archived(
        session,
        id_or_slug=id_or_slug,
        event_id=event_id,
        archived=True,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    return Response(status_code=204)


@router.post("/controversies/{id_or_slug}/events/{event_id}/restore", operation_id="restoreEvent")
async def restore_event(
    id_or_slug: IdOrSlug,
    event_id: EventId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
) -> EventRead:
    """Bring an archived milestone back."""
    event = await service.set_event_archived(
        session,
        id_or_slug=id_or_slug,
        event_id=event_id,
        archived=False,
        if_match=None,
        author=author,
        now=now,
        settings=settings,
    )
    assert event is not None
    return event
