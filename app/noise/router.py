"""Noise Score endpoints and the published method."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from starlette.types import Scope

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, NowDep, SessionDep, SettingsDep
from app.etags import etag_matches
from app.json_route import JsonRoute
from app.noise import service
from app.noise.schemas import Methodology, NoiseHistory, NoiseRead
from app.request_scope import ETAG_DECIDED, header
from app.schemas_base import UTCDatetime

router = APIRouter(tags=["noise"], route_class=JsonRoute)


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


@router.get("/methodology", operation_id="getMethodology", response_model=Methodology)
async def get_methodology(request: Request) -> Response:
    """The Noise Score method as data: formulas, weights, half-life, bands, version."""
    return methodology_response(request.scope)


def methodology_response(scope: Scope) -> Response:
    """The method, serialized once per process (shared with the hot path)."""
    app = scope["app"]
    cached: tuple[bytes, str] | None = getattr(app.state, "methodology_json", None)
    if cached is None:
        body = orjson.dumps(service.methodology(app.state.settings).model_dump(mode="json"))
        cached = (body, 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')
        app.state.methodology_json = cached
    body, etag = cached
    scope["state"][ETAG_DECIDED] = True
    if etag_matches(header(scope, b"if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})
