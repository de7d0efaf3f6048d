"""The timeline: milestones and source posts, merged or apart; mention ingest."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep, WriterDep
from app.enums import Platform
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.row_routes import RowRoutes, add_row_routes
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
    id_or_slug: IdOrSlug, batch: MentionBatch, writer: WriterDep
) -> IngestResult:
    """Upsert up to 1,000 mentions by (platform, external_id); the noise is recomputed once."""
    return await service.ingest_mentions(writer, id_or_slug=id_or_slug, batch=batch)


@router.post("/controversies/{id_or_slug}/events", operation_id="createEvent", status_code=201)
async def create_event(
    id_or_slug: IdOrSlug, data: EventCreate, writer: WriterDep, response: Response
) -> EventRead:
    """Add a milestone to the timeline."""
    event = await service.create_event(writer, id_or_slug, data)
    response.headers["ETag"] = version_etag(event.version)
    response.headers["Location"] = f"/v1/controversies/{id_or_slug}/events/{event.id}"
    return event


add_row_routes(
    router,
    RowRoutes(
        noun="event",
        segment="events",
        id_name="event_id",
        read_model=EventRead,
        update_model=EventUpdate,
        read=service.read_event,
        update=service.update_event,
        set_archived=service.set_event_archived,
        read_doc="One milestone.",
        update_doc="Change a milestone (send its ETag in If-Match).",
        archive_doc="Archive a milestone (hidden, restorable).",
        restore_doc="Bring an archived milestone back.",
    ),
)
