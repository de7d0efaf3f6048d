"""Forecast read endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.controversies import service as controversy_service
from app.deps import AuthorDep, IdOrSlug, IfMatch, NowDep, SessionDep
from app.errors import problem_responses
from app.etags import version_etag
from app.forecasts import service
from app.forecasts.schemas import ForecastCreate, ForecastRead, ForecastUpdate
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page

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


ForecastId = Annotated[uuid.UUID, Path(description="The forecast's id.")]


@router.post(
    "/controversies/{id_or_slug}/forecasts", operation_id="createForecast", status_code=201
)
async def create_forecast(
    id_or_slug: IdOrSlug,
    data: ForecastCreate,
    session: SessionDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
) -> ForecastRead:
    """Add a forecast; it becomes the card's forecast and supersedes the previous one."""
    forecast = await service.create_forecast(
        session, id_or_slug=id_or_slug, data=data, author=author, now=now
    )
    response.headers["ETag"] = version_etag(forecast.version)
    return forecast


@router.get("/controversies/{id_or_slug}/forecasts/{forecast_id}", operation_id="getForecast")
async def get_forecast(
    id_or_slug: IdOrSlug, forecast_id: ForecastId, session: SessionDep, response: Response
) -> ForecastRead:
    """One forecast, superseded or not."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    forecast = await service.get_forecast(
        session, controversy_id=controversy_id, forecast_id=forecast_id
    )
    response.headers["ETag"] = version_etag(forecast.version)
    return forecast


@router.patch(
    "/controversies/{id_or_slug}/forecasts/{forecast_id}",
    operation_id="updateForecast",
    responses=problem_responses(412, 428),
)
async def update_forecast(
    id_or_slug: IdOrSlug,
    forecast_id: ForecastId,
    data: ForecastUpdate,
    session: SessionDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> ForecastRead:
    """Review a forecast or correct it."""
    forecast = await service.update_forecast(
        session,
        id_or_slug=id_or_slug,
        forecast_id=forecast_id,
        data=data,
        if_match=if_match,
        author=author,
    )
    response.headers["ETag"] = version_etag(forecast.version)
    return forecast


@router.delete(
    "/controversies/{id_or_slug}/forecasts/{forecast_id}",
    operation_id="archiveForecast",
    status_code=204,
    responses=problem_responses(412, 428),
)
async def archive_forecast(
    id_or_slug: IdOrSlug,
    forecast_id: ForecastId,
    session: SessionDep,
    author: AuthorDep,
    if_match: IfMatch = None,
) -> Response:
    """Archive a forecast (hidden, restorable)."""
    await service.set_forecast_archived(
        session,
        id_or_slug=id_or_slug,
        forecast_id=forecast_id,
        archived=True,
        if_match=if_match,
        author=author,
    )
    return Response(status_code=204)


@router.post(
    "/controversies/{id_or_slug}/forecasts/{forecast_id}/restore",
    operation_id="restoreForecast",
)
async def restore_forecast(
    id_or_slug: IdOrSlug, forecast_id: ForecastId, session: SessionDep, author: AuthorDep
) -> ForecastRead:
    """Bring an archived forecast back."""
    forecast = await service.set_forecast_archived(
        session,
        id_or_slug=id_or_slug,
        forecast_id=forecast_id,
        archived=False,
        if_match=None,
        author=author,
    )
    assert forecast is not None
    return forecast
