"""A controversy's Noise Score: now, over time, and its editorial inputs.

The controversy's own endpoints answer with its whole card, so they live with the card, in
app/cards/router.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.controversies import service
from app.deps import IdOrSlug, IfMatch, NowDep, SessionDep, SettingsDep, WriterDep
from app.enums import HistoryInterval
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.noise import service as noise_service
from app.noise.schemas import NoiseHistory, NoiseInputsRead, NoiseInputsUpdate, NoiseRead
from app.schemas_base import UTCDatetime

router = APIRouter(tags=["noise"], route_class=JsonRoute)
INPUTS = "/controversies/{id_or_slug}/noise/inputs"


@router.get(INPUTS, operation_id="getNoiseInputs")
async def get_noise_inputs(
    id_or_slug: IdOrSlug, session: SessionDep, response: Response
) -> NoiseInputsRead:
    """The editorial inputs: industry impact and per-component overrides."""
    controversy_id = await service.resolve(session, id_or_slug=id_or_slug)
    result = await service.inputs(session, controversy_id=controversy_id)
    response.headers["ETag"] = version_etag(result.version)
    return result


@router.patch(INPUTS, operation_id="updateNoiseInputs", responses=problem_responses(412, 428))
async def update_noise_inputs(
    id_or_slug: IdOrSlug,
    data: NoiseInputsUpdate,
    writer: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> NoiseInputsRead:
    """Set industry impact or overrides (null clears one); the score is recomputed."""
    result = await service.update_inputs(
        writer, id_or_slug=id_or_slug, data=data, if_match=if_match
    )
    response.headers["ETag"] = version_etag(result.version)
    return result


@router.get("/controversies/{id_or_slug}/noise", operation_id="getNoise")
async def get_noise(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    at: Annotated[
        UTCDatetime | None, Query(description="Evaluate the decay at this time (RFC 3339).")
    ] = None,
) -> NoiseRead:
    """The Noise Score now (or at `at`), with each component, its source and contribution."""
    controversy_id = await service.resolve(session, id_or_slug=id_or_slug)
    return await noise_service.current(
        session, controversy_id=controversy_id, at=at or now, settings=settings
    )


def _days_before(moment: datetime, days: int) -> datetime:
    try:
        return moment - timedelta(days=days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


@router.get("/controversies/{id_or_slug}/noise/history", operation_id="getNoiseHistory")
async def get_noise_history(
    id_or_slug: IdOrSlug,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    from_: Annotated[
        UTCDatetime | None, Query(alias="from", description="Default: 30 days before `to`.")
    ] = None,
    to: Annotated[UTCDatetime | None, Query(description="Default: now.")] = None,
    interval: HistoryInterval = HistoryInterval.day,
) -> NoiseHistory:
    """The score as the API would have said it at each step (at most 1,000 points)."""
    controversy_id = await service.resolve(session, id_or_slug=id_or_slug)
    end = to or now
    start = from_ or _days_before(end, 30)
    return await noise_service.history(
        session,
        controversy_id=controversy_id,
        start=start,
        end=end,
        interval=interval,
        settings=settings,
    )
