"""Controversy read endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.controversies import service
from app.controversies.repository import ListFilters
from app.controversies.schemas import (
    CategoryCount,
    ControversyCreate,
    ControversyRead,
    ControversySummary,
    ControversyUpdate,
    SortName,
)
from app.deps import AuthorDep, IdOrSlug, IfMatch, NowDep, SessionDep, SettingsDep
from app.enums import Category, Stage
from app.errors import problem_responses
from app.etags import version_etag
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
    response: Response,
    settings: SettingsDep,
    now: NowDep,
    at: Annotated[
        UTCDatetime | None, Query(description="Evaluate the decay at this time (RFC 3339).")
    ] = None,
) -> ControversyRead:
    """The whole card: sides, actors, noise, latest forecast, latest timeline items."""
    card = await service.get_card(session, id_or_slug=id_or_slug, at=at or now, settings=settings)
    response.headers["ETag"] = version_etag(card.version, card.noise.score)
    return card


@router.get("/categories", operation_id="listCategories")
async def list_categories(session: SessionDep) -> list[CategoryCount]:
    """Every category with its count of live controversies."""
    return await service.categories(session)


@router.post(
    "/controversies",
    operation_id="createControversy",
    status_code=201,
    responses=problem_responses(409),
)
async def create_controversy(
    data: ControversyCreate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
) -> ControversyRead:
    """Create a controversy; its noise state is computed in the same transaction."""
    card = await service.create(session, data=data, author=author, now=now, settings=settings)
    response.headers["Location"] = f"/v1/controversies/{card.id}"
    response.headers["ETag"] = version_etag(card.version, card.noise.score)
    return card


@router.patch(
    "/controversies/{id_or_slug}",
    operation_id="updateControversy",
    responses=problem_responses(409, 412, 428),
)
async def update_controversy(
    id_or_slug: IdOrSlug,
    data: ControversyUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> ControversyRead:
    """Change some fields (send the card's ETag in If-Match)."""
    card = await service.update(
        session,
        id_or_slug=id_or_slug,
        data=data,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(card.version, card.noise.score)
    return card


@router.delete(
    "/controversies/{id_or_slug}",
    operation_id="archiveControversy",
    status_code=204,
    responses=problem_responses(412, 428),
)
async def archive_controversy(
    id_or_slug: IdOrSlug, session: SessionDep, author: AuthorDep, if_match: IfMatch = None
) -> Response:
    """Archive: hidden from every read, kept in the database, restorable."""
    await service.archive(session, id_or_slug=id_or_slug, if_match=if_match, author=author)
    return Response(status_code=204)


@router.post("/controversies/{id_or_slug}/restore", operation_id="restoreControversy")
async def restore_controversy(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
) -> ControversyRead:
    """Bring an archived controversy back."""
    card = await service.restore(
        session, id_or_slug=id_or_slug, author=author, now=now, settings=settings
    )
    response.headers["ETag"] = version_etag(card.version, card.noise.score)
    return card
