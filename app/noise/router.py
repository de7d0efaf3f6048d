"""Noise Score endpoints and the published method."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, NowDep, SessionDep, SettingsDep
from app.noise import service
from app.noise.schemas import Methodology, NoiseHistory, NoiseRead
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
    start = from_ or end - timedelta(days=30)
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
