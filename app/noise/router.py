"""The published method of the Noise Score (a controversy's score is in app/controversies)."""

from __future__ import annotations

import hashlib

import orjson
from fastapi import APIRouter, Request, Response
from starlette.types import Scope

from app.etags import etag_matches
from app.json_route import JsonRoute
from app.noise import service
from app.noise.schemas import Methodology
from app.request_scope import ETAG_DECIDED, header

router = APIRouter(tags=["noise"], route_class=JsonRoute)


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
