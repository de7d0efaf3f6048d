"""The timeline: milestones and source posts, merged or apart; mention ingest."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep, WriterDep
from app.enums import Platform
from app.errors import problem_responses
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.row_routes import Schemas, add_resource_routes
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


add_resource_routes(
    router, "event", "events", Schemas(EventRead, EventCreate, EventUpdate), service
)
