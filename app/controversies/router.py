"""Controversy read endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.controversies import service
from app.controversies.repository import ListFilters
from app.controversies.schemas import CategoryCount, ControversyRead, ControversySummary, SortName
from app.deps import IdOrSlug, NowDep, SessionDep, SettingsDep
from app.enums import Category, Stage
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.schemas_base import UTCDatetime

router = APIRouter(tags=["controversies"])


@router.get("/controversies", operation_id="listControversies")
async def list_controversies(
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    category: Category | None = None,
    stage: Stage | None = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    actor: Annotated[uuid.UUID | None, Query(description="An actor id.")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Full-text search.")
    ] = None,
    min_noise: Annotated[int | None, Query(ge=0, le=100)] = None,
    updated_since: Annotated[UTCDatetime | None, Query()] = None,
    sort: SortName = "noise",
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ControversySummary]:
    """List live controversies, loudest now first by default."""
    filters = ListFilters(
        category=category,
        stage=stage,
        tag=tag,
        actor_id=actor,
        q=q,
        min_noise=min_noise,
        updated_since=updated_since,
    )
    return await service.list_controversies(
        session,
        filters=filters,
        sort=sort,
        cursor=cursor,
        limit=limit,
        now=now,
        settings=settings,
    )


@router.get("/controversies/{id_or_slug}", operation_id="getControversy")
async def get_controversy(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    at: Annotated[
        UTCDatetime | None, Query(description="Evaluate the decay at this time (RFC 3339).")
    ] = None,
) -> ControversyRead:
    """The whole card: sides, actors, noise, latest forecast, latest timeline items."""
    return await service.get_card(session, id_or_slug=id_or_slug, at=at or now, settings=settings)


@router.get("/categories", operation_id="listCategories")
async def list_categories(session: SessionDep) -> list[CategoryCount]:
    """Every category with its count of live controversies."""
    return await service.categories(session)
