"""Noise Score endpoints and the published method."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.controversies import service as controversy_service
from app.deps import AuthorDep, IdOrSlug, IfMatch, NowDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.etags import version_etag
from app.noise import inputs, service
from app.noise.schemas import (
    Methodology,
    NoiseHistory,
    NoiseInputsRead,
    NoiseInputsUpdate,
    NoiseRead,
)
from app.schemas_base import UTCDatetime

router = APIRouter(tags=["noise"])


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
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.current(
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
    interval: Literal["hour", "day", "week"] = "day",
) -> NoiseHistory:
    """The score as the API would have said it at each step (at most 1,000 points)."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    end = to or now
    start = from_ or _days_before(end, 30)
    return await service.history(
        session,
        controversy_id=controversy_id,
        start=start,
        end=end,
        interval=interval,
        settings=settings,
    )


@router.get("/methodology", operation_id="getMethodology")
async def get_methodology(settings: SettingsDep) -> Methodology:
    """The Noise Score method as data: formulas, weights, half-life, bands, version."""
    return service.methodology(settings)


@router.get("/controversies/{id_or_slug}/noise/inputs", operation_id="getNoiseInputs")
async def get_noise_inputs(
    id_or_slug: IdOrSlug, session: SessionDep, response: Response
) -> NoiseInputsRead:
    """The editorial inputs: industry impact and per-component overrides."""
    result = await inputs.get(session, id_or_slug=id_or_slug)
    response.headers["ETag"] = version_etag(result.version)
    return result


@router.patch(
    "/controversies/{id_or_slug}/noise/inputs",
    operation_id="updateNoiseInputs",
    responses=problem_responses(412, 428),
)
async def update_noise_inputs(
    id_or_slug: IdOrSlug,
    data: NoiseInputsUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> NoiseInputsRead:
    """Set industry impact or overrides (null clears one); the score is recomputed."""
    result = await inputs.update(
        session,
        id_or_slug=id_or_slug,
        data=data,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(result.version)
    return result
