"""Words for people: GET /v1/meta (labels of every enum value) and GET /methodology (HTML).

Both are the same for every request of a process: built once, kept in app.state as bytes with
their ETag, and answered 304 when If-None-Match names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import orjson
from fastapi import APIRouter, Request, Response
from starlette.types import Scope

from app.etags import etag_matches
from app.json_route import JsonRoute
from app.meta import service
from app.meta.schemas import Meta
from app.request_scope import ETAG_DECIDED, header

router = APIRouter(tags=["meta"], route_class=JsonRoute)
"""Under /v1, behind the key check (a `read` key)."""

page_router = APIRouter(include_in_schema=False)
"""Public: the methodology page needs no key, like /healthz and /docs."""

# A page that runs no script and loads nothing: its only style is inline.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline';"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/meta", operation_id="getMeta", response_model=Meta)
async def get_meta(request: Request) -> Response:
    """A label and a one-line meaning for every value of every enum a client displays."""
    return _cached(
        request.scope,
        "meta_json",
        lambda: orjson.dumps(service.meta().model_dump(mode="json")),
        media_type="application/json",
    )


@page_router.get("/methodology")
async def get_methodology_page(request: Request) -> Response:
    """The Noise Score method for people, as an HTML page."""
    settings = request.app.state.settings
    return _cached(
        request.scope,
        "methodology_html",
        lambda: service.methodology_page(settings).encode("utf-8"),
        media_type="text/html; charset=utf-8",
        headers=_PAGE_HEADERS,
    )


def _cached(
    scope: Scope,
    name: str,
    build: Callable[[], bytes],
    *,
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    # Built on the first request of the process, then served from app.state.
    state = scope["app"].state
    cached: tuple[bytes, str] | None = getattr(state, name, None)
    if cached is None:
        body = build()
        cached = (body, 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"')
        setattr(state, name, cached)
    body, etag = cached
    scope["state"][ETAG_DECIDED] = True
    answer_headers = {**(headers or {}), "ETag": etag}
    if etag_matches(header(scope, b"if-none-match"), etag):
        return Response(status_code=304, headers=answer_headers)
    return Response(body, media_type=media_type, headers=answer_headers)
