"""Timeline and mention read endpoints."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep
from app.enums import Platform
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.timeline import service
from app.timeline.schemas import MentionRead, TimelineItem

router = APIRouter(tags=["timeline"])


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
