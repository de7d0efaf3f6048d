"""The timeline: milestones and source posts, merged or apart; mention ingest."""

from __future__ import annotations

from fastapi import APIRouter

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep, WriterDep
from app.enums import Platform
from app.errors import problem_responses
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from app.row_routes import Schemas, add_resource_routes
from app.timeline import schemas, service

router = APIRouter(tags=["timeline"], route_class=JsonRoute)


@router.get("/controversies/{id_or_slug}/timeline", operation_id="listTimeline")
async def list_timeline(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    kind: schemas.TimelineKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> schemas.TimelinePage:
    """Milestones and source posts merged, newest first."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.timeline(
        session, controversy_id=controversy_id, kind=kind, cursor=cursor, limit=limit
    )


@router.get("/controversies/{id_or_slug}/events", operation_id="listEvents")
async def list_events(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> schemas.EventPage:
    """Milestones, newest first."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.events(session, controversy_id=controversy_id, cursor=cursor, limit=limit)


@router.get("/controversies/{id_or_slug}/mentions", operation_id="listMentions")
async def list_mentions(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    platform: Platform | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> schemas.MentionPage:
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
    id_or_slug: IdOrSlug, batch: schemas.MentionBatch, writer: WriterDep
) -> schemas.IngestResult:
    """Upsert up to 1,000 mentions by (platform, external_id); the noise is recomputed once."""
    return await service.ingest_mentions(writer, id_or_slug=id_or_slug, batch=batch)


add_resource_routes(
    router,
    "event",
    "events",
    Schemas(schemas.EventRead, schemas.EventCreate, schemas.EventUpdate),
    service,
)
