"""Forecast read endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep
from app.forecasts import service
from app.forecasts.schemas import ForecastRead
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page

router = APIRouter(tags=["forecasts"])


@router.get("/controversies/{id_or_slug}/forecasts", operation_id="listForecasts")
async def list_forecasts(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ForecastRead]:
    """Forecasts newest first; a newer one supersedes the older ones, which stay readable."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.list_forecasts(
        session, controversy_id=controversy_id, cursor=cursor, limit=limit
    )
