"""Forecasts of a controversy: the newest is the card's; the older ones stay readable."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep, WriterDep
from app.etags import version_etag
from app.forecasts import service
from app.forecasts.schemas import ForecastCreate, ForecastRead, ForecastUpdate
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.row_routes import RowRoutes, add_row_routes

router = APIRouter(tags=["forecasts"], route_class=JsonRoute)


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


@router.post(
    "/controversies/{id_or_slug}/forecasts", operation_id="createForecast", status_code=201
)
async def create_forecast(
    id_or_slug: IdOrSlug, data: ForecastCreate, writer: WriterDep, response: Response
) -> ForecastRead:
    """Add a forecast; it becomes the card's forecast and supersedes the previous one."""
    forecast = await service.create_forecast(writer, id_or_slug, data)
    response.headers["ETag"] = version_etag(forecast.version)
    response.headers["Location"] = f"/v1/controversies/{id_or_slug}/forecasts/{forecast.id}"
    return forecast


add_row_routes(
    router,
    RowRoutes(
        noun="forecast",
        segment="forecasts",
        id_name="forecast_id",
        read_model=ForecastRead,
        update_model=ForecastUpdate,
        read=service.read_forecast,
        update=service.update_forecast,
        set_archived=service.set_forecast_archived,
        read_doc="One forecast, superseded or not.",
        update_doc="Review a forecast or correct it (send its ETag in If-Match).",
        archive_doc="Archive a forecast (hidden, restorable).",
        restore_doc="Bring an archived forecast back.",
    ),
)
