"""The hot path: the reads clients repeat all day, answered without the framework's layers.

Web and mobile clients mostly read cards and the loudest list, again and again. Served through
FastAPI's routing and dependency injection, each such read spends about 300 µs in the framework
before any of our code runs — more than the whole read costs from memory (bench/load.py). So
these few GETs are answered here, above the router, by the very same functions their routes
call: the same query models validate them (anything invalid falls through to the route, which
answers the 422), the same `authenticate` and `admit` check the key, limit and scope, the same
`card_response` and `list_response` build the answer, and the same error handlers render
problems. The edge around this layer still adds the request id, ETag/304 bookkeeping,
rate-limit headers, CORS, gzip, metrics and the access log. Everything else is routed as usual.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import Response
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from app import db_errors
from app.cards.router import card_response, list_response
from app.cards.schemas import LIST_FILTERS, CardQuery, ListQuery
from app.errors import (
    AppError,
    app_error_response,
    internal_error_response,
    unavailable_response,
)
from app.keys.auth import admit, authenticate, bearer_secret
from app.noise.router import methodology_response
from app.request_scope import ROUTE_TEMPLATE, header, request_time

logger = logging.getLogger(__name__)

_CARD = re.compile(r"^/v1/controversies/([^/]{1,200})$")

Handler = Callable[[Any, Scope, str], Awaitable[Response]]


class HotReads:
    """Answer the hottest GETs directly; pass everything else to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _route(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        template, handler, argument = found
        try:
            response = await handler(scope["app"], scope, argument)
        except _FallThrough:
            await self.app(scope, receive, send)
            return
        except AppError as exc:
            response = app_error_response(exc, scope["path"])
        except Exception as exc:
            response = _unexpected(exc, scope["path"])
        scope["state"][ROUTE_TEMPLATE] = template
        await response(scope, receive, send)


class _FallThrough(Exception):
    """The hot path does not answer this one: the routed app will (e.g. with a 422)."""


def _route(scope: Scope) -> tuple[str, Handler, str] | None:
    if scope.get("root_path"):
        return None
    path: str = scope["path"]
    if path == "/v1/controversies":
        return "/v1/controversies", _list, ""
    if path == "/v1/methodology":
        return "/v1/methodology", _methodology, ""
    matched = _CARD.match(path)
    if matched is not None:
        return "/v1/controversies/{id_or_slug}", _card, matched.group(1)
    return None


def _query(scope: Scope, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    # Parameters named in `lists` may repeat and are gathered into lists; any other repeated
    # parameter falls through to the routed path, which knows what that means.
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    query: dict[str, Any] = {}
    for name, value in pairs:
        if name in lists:
            query.setdefault(name, []).append(value)
        elif name in query:
            raise _FallThrough
        else:
            query[name] = value
    return query


async def _admitted(app: Any, scope: Scope, group: str = "controversies") -> None:
    await (await _admission(app, scope, group))(True)


async def _admission(app: Any, scope: Scope, group: str) -> Callable[[bool], Awaitable[None]]:
    # Authenticate now (a 401 comes first); count against the limit when the answer is known.
    now = request_time(scope)
    key = await authenticate(app, bearer_secret(header(scope, b"authorization")), now)

    async def admitted(charged: bool) -> None:
        await admit(
            app,
            scope["state"],
            key=key,
            method="GET",
            group=group,
            origin=header(scope, b"origin"),
            now=now,
            charged=charged,
        )

    return admitted


async def _card(app: Any, scope: Scope, id_or_slug: str) -> Response:
    try:
        query = CardQuery.model_validate(_query(scope))
    except ValidationError as exc:
        raise _FallThrough from exc
    if_none_match = header(scope, b"if-none-match")
    if if_none_match is not None and len(if_none_match) > 1000:
        raise _FallThrough
    admission = await _admission(app, scope, "controversies")
    return await card_response(app, scope, id_or_slug, query, if_none_match, admission)


async def _list(app: Any, scope: Scope, _: str) -> Response:
    try:
        query = ListQuery.model_validate(_query(scope, LIST_FILTERS))
    except ValidationError as exc:
        raise _FallThrough from exc
    await _admitted(app, scope)
    return await list_response(app, scope, query)


async def _methodology(app: Any, scope: Scope, _: str) -> Response:
    await _admitted(app, scope, group="methodology")
    return methodology_response(scope)


def _unexpected(exc: Exception, path: str) -> Response:
    # This layer sits outside the framework's error middleware: it renders its own 503 and 500.
    if db_errors.is_database_unavailable(exc):
        logger.warning("database unavailable: %s", db_errors.describe(exc))
        return unavailable_response(path)
    logger.exception("unhandled error", exc_info=exc)
    return internal_error_response(path)
