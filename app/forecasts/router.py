"""Forecasts of a controversy: the newest is the card's; the older ones stay readable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, IfMatch, NowDep, ReadSessionDep, SessionDep, WriterDep
from app.enums import Category
from app.errors import problem_responses
from app.etags import version_etag
from app.forecasts import service
from app.forecasts.schemas import (
    DueScenarioPage,
    ForecastCreate,
    ForecastPage,
    ForecastRead,
    ForecastUpdate,
    ResolutionWrite,
    ScenarioRead,
    TrackRecordRead,
)
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from app.row_routes import CONTROVERSY, Schemas, add_resource_routes
from app.schemas_base import UTCDatetime
from app.validation import Name

router = APIRouter(tags=["forecasts"], route_class=JsonRoute)
SCENARIO = CONTROVERSY + "/forecasts/{forecast_id}/scenarios/{scenario_id}"
ForecastId = Annotated[uuid.UUID, Path(description="The forecast's id.")]
ScenarioId = Annotated[uuid.UUID, Path(description="The scenario's id.")]
_CHANGE_PROBLEMS = problem_responses(409, 412, 428)


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


@router.get(SCENARIO, operation_id="getScenario")
async def get_scenario(
    id_or_slug: IdOrSlug,
    forecast_id: ForecastId,
    scenario_id: ScenarioId,
    session: ReadSessionDep,
    response: Response,
) -> ScenarioRead:
    """One scenario with its resolution and scores; its ETag is what resolving it needs."""
    scenario = await service.read_scenario(session, id_or_slug, forecast_id, scenario_id)
    response.headers["ETag"] = version_etag(scenario.version)
    return scenario


@router.put(SCENARIO + "/resolution", operation_id="resolveScenario", responses=_CHANGE_PROBLEMS)
async def resolve_scenario(
    id_or_slug: IdOrSlug,
    forecast_id: ForecastId,
    scenario_id: ScenarioId,
    data: ResolutionWrite,
    writer: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> ScenarioRead:
    """Resolve a scorable scenario — happened, did not happen, or annulled — or correct its
    resolution (If-Match with the scenario's ETag). Audited; scores use the latest."""
    scenario = await service.set_resolution(
        writer, id_or_slug, forecast_id, scenario_id, data, if_match
    )
    response.headers["ETag"] = version_etag(scenario.version)
    return scenario


@router.delete(
    SCENARIO + "/resolution", operation_id="withdrawResolution", responses=_CHANGE_PROBLEMS
)
async def withdraw_resolution(
    id_or_slug: IdOrSlug,
    forecast_id: ForecastId,
    scenario_id: ScenarioId,
    writer: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> ScenarioRead:
    """Withdraw a resolution made in error: the scenario is open again (If-Match, audited)."""
    scenario = await service.set_resolution(
        writer, id_or_slug, forecast_id, scenario_id, None, if_match
    )
    response.headers["ETag"] = version_etag(scenario.version)
    return scenario


@router.get("/forecasts/due", operation_id="listDueScenarios")
async def list_due_scenarios(
    session: SessionDep,
    now: NowDep,
    at: Annotated[
        UTCDatetime | None,
        Query(description="Due as of this time (RFC 3339); default: now."),
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> DueScenarioPage:
    """The editors' queue: scorable scenarios whose horizon has passed (before the UTC day of
    `at`) and that are still unresolved, oldest horizon first."""
    return await service.due_scenarios(session, at=at or now, cursor=cursor, limit=limit)


@router.get("/forecasts/track-record", operation_id="getTrackRecord")
async def get_track_record(
    session: SessionDep,
    generated_by: Annotated[Name | None, Query(description="Only this generator.")] = None,
    controversy: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Only this controversy (id or slug)."),
    ] = None,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    from_: Annotated[
        UTCDatetime | None, Query(alias="from", description="Resolved at or after this time.")
    ] = None,
    to: Annotated[UTCDatetime | None, Query(description="Resolved before this time.")] = None,
) -> TrackRecordRead:
    """Brier score, log loss, Brier skill and calibration over the resolved scenarios the
    filters select (annulled ones excluded), overall and per generator."""
    return await service.track_record(
        session,
        generated_by=generated_by,
        controversy=controversy,
        category=category,
        resolved_from=from_,
        resolved_to=to,
    )
