"""Forecasts of a controversy: the newest is the card's; the older ones stay readable."""

from __future__ import annotations

from fastapi import APIRouter

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep
from app.forecasts import service
from app.forecasts.schemas import ForecastCreate, ForecastPage, ForecastRead, ForecastUpdate
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from app.row_routes import Schemas, add_resource_routes

router = APIRouter(tags=["forecasts"], route_class=JsonRoute)


@router.get("/controversies/{id_or_slug}/forecasts", operation_id="listForecasts")
async def list_forecasts(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ForecastPage:
    """Forecasts newest first; a newer one supersedes the older ones, which stay readable."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.list_forecasts(
        session, controversy_id=controversy_id, cursor=cursor, limit=limit
    )


add_resource_routes(
    router, "forecast", "forecasts", Schemas(ForecastRead, ForecastCreate, ForecastUpdate), service
)
