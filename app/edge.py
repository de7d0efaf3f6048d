"""The edge: everything every request needs before and after the app, in one pure-ASGI pass.

Request id, access log, metrics, HEAD, input that PostgreSQL cannot store, the body size
limit, ETag/304 and the rate-limit headers are done here in a single layer: as separate
middlewares (asgi-correlation-id, prometheus-fastapi-instrumentator, Starlette's and ours)
they cost about 300 µs per request, three times what FastAPI's routing costs, on a card that
is otherwise served from memory. CORS and gzip stay Starlette's own middlewares, engaged only
for the requests that need them (an `Origin`, an `Accept-Encoding: gzip`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Sequence
from typing import Any

from asgi_correlation_id import correlation_id
from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response
from app.etags import etag_matches
from app.hot_reads import HotReads
from app.keys.origins import KeyOriginsCORSMiddleware, OriginCache
from app.keys.ratelimit import STATE_KEY, RateLimitStatus, refund_revalidation
from app.request_scope import ETAG_DECIDED, RATE_NOT_CHARGED, ROUTE_TEMPLATE, header

access_logger = logging.getLogger("app.access")

REQUESTS = Counter(
    "http_requests_total",
    "Requests by method, status class and route.",
    ["method", "status", "handler"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer, by method and route.",
    ["method", "handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Values that change with the clock alone (the time the decay was evaluated, the decay
# itself) are left out of a hashed ETag: a weak ETag means "semantically the same", and the
# score and level — which do count — are in the hash.
_VOLATILE = re.compile(rb'"(as_of|decay)":("[^"]*"|[-0-9.eE+]+)')


class Edge:
    """The outermost layer of the app (see the module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        origin_cache: OriginCache,
        cors_origins: Sequence[str],
        cors_headers: Sequence[str],
        exposed_headers: Sequence[str],
    ) -> None:
        app = Revalidation(HotReads(app))
        self.app = app
        self.max_body_bytes = max_body_bytes

        def cors(inner: ASGIApp) -> ASGIApp:
            return KeyOriginsCORSMiddleware(
                inner,
                origin_cache=origin_cache,
                allow_origins=cors_origins,
                allow_methods=["GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"],
                allow_headers=cors_headers,
                expose_headers=exposed_headers,
                max_age=600,
            )

        self.gzip = GZipMiddleware(app, minimum_size=500)
        self.cors = cors(app)
        self.cors_and_gzip = cors(self.gzip)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = _RequestFacts(scope["headers"])
        request_id = request.request_id or os.urandom(16).hex()
        token = correlation_id.set(request_id)
        method = scope["method"]
        scope = {**scope, "method": "GET"} if method == "HEAD" else scope
        scope.setdefault("state", {})
        reply = _Reply(send, request_id, head=method == "HEAD")
        try:
            refused = self._refusal(scope, request)
            if refused is not None:
                await refused(scope, receive, reply.send)
            else:
                await self._inner(request)(scope, self._limited(receive), reply.send)
        except _BodyTooLarge:
            if reply.started:
                raise
            await self._too_large(scope)(scope, receive, reply.send)
        finally:
            handler = _route_template(scope)
            elapsed = time.perf_counter() - started
            REQUESTS.labels(method, f"{reply.status // 100}xx", handler).inc()
            LATENCY.labels(method, handler).observe(elapsed)
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "request",
                    extra={
                        "method": method,
                        "path": scope["path"],
                        "status": reply.status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            correlation_id.reset(token)

    def _inner(self, request: _RequestFacts) -> ASGIApp:
        if request.origin is not None:
            return self.cors_and_gzip if request.gzip else self.cors
        return self.gzip if request.gzip else self.app

    def _refusal(self, scope: Scope, request: _RequestFacts) -> ASGIApp | None:
        query = scope.get("query_string", b"").lower()
        if b"%00" in query or b"\x00" in query or "\x00" in scope.get("path", ""):
            return problem_response(
                status=422,
                type_slug="validation-error",
                title="Validation failed",
                detail="NUL characters are not allowed in the path or query.",
                instance=scope.get("path"),
                errors=[{"location": "query", "field": "", "message": "contains NUL"}],
            )
        declared = request.content_length
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return self._too_large(scope)
        return None

    def _too_large(self, scope: Scope) -> ASGIApp:
        return problem_response(
            status=413,
            type_slug="payload-too-large",
            title="Payload too large",
            detail=f"Request bodies are limited to {self.max_body_bytes} bytes.",
            instance=scope.get("path"),
        )

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge(self.max_body_bytes)
            return message

        return limited_receive


class _BodyTooLarge(HTTPException):
    # An HTTPException, so FastAPI's body reader re-raises it instead of answering 400.
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Request bodies are limited to {max_bytes} bytes.")


class _RequestFacts:
    """The request headers the edge needs, read in one pass."""

    __slots__ = ("content_length", "gzip", "origin", "request_id")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.request_id: str | None = None
        self.origin: str | None = None
        self.gzip = False
        self.content_length: str | None = None
        for name, value in raw:
            if name == b"x-request-id":
                text = value.decode("latin-1")
                self.request_id = text if _REQUEST_ID.match(text) else None
            elif name == b"origin":
                self.origin = value.decode("latin-1")
            elif name == b"accept-encoding":
                self.gzip = b"gzip" in value.lower()
            elif name == b"content-length":
                self.content_length = value.decode("latin-1")


class _Reply:
    """The response on its way out: the request id on it, and no body for a HEAD."""

    def __init__(self, send: Send, request_id: str, *, head: bool) -> None:
        self._send = send
        self._request_id = request_id.encode("latin-1")
        self._head = head
        self.started = False
        self.status = 500

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.started = True
            message["headers"] = [*message.get("headers", ()), (b"x-request-id", self._request_id)]
        elif message["type"] == "http.response.body" and self._head:
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await self._send(message)


class Revalidation:
    """ETags and 304s on successful JSON GETs, and the rate-limit headers on every answer.

    Inside gzip, so an ETag names the document, whatever its encoding on the wire.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def revalidated_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                await _add_rate_headers(scope, headers, message["status"])
                if not scope["state"].get(ETAG_DECIDED) and _wants_etag(scope, message, headers):
                    held = message  # the body decides the ETag, or a 304
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await _finish_with_etag(scope, send, held, b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, revalidated_send)


def _wants_etag(scope: Scope, message: Message, headers: MutableHeaders) -> bool:
    return (
        scope["method"] == "GET"
        and message["status"] == 200
        and headers.get("content-type", "").startswith("application/json")
    )


async def _finish_with_etag(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    headers = MutableHeaders(scope=start)
    # A route may set its own (version-based) ETag; otherwise hash the body.
    etag = headers.get("etag") or (
        'W/"' + hashlib.blake2b(_VOLATILE.sub(b"", body), digest_size=16).hexdigest() + '"'
    )
    headers["etag"] = etag
    if etag_matches(header(scope, b"if-none-match"), etag):
        del headers["content-length"]
        del headers["content-type"]
        await _add_rate_headers(scope, headers, 304)
        await send({"type": "http.response.start", "status": 304, "headers": start["headers"]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _add_rate_headers(scope: Scope, headers: MutableHeaders, status_code: int) -> None:
    status: Any = scope["state"].get(STATE_KEY)
    if not isinstance(status, RateLimitStatus):
        return
    if status_code == 304 and not scope["state"].get(RATE_NOT_CHARGED):
        # A revalidation answered 304 costs the client nothing: the hit is given back, once.
        status = await refund_revalidation(scope, status)
        scope["state"][STATE_KEY] = status
        scope["state"][RATE_NOT_CHARGED] = True
    for name, value in status.headers().items():
        headers[name] = value  # replaces what a 429 problem already carries


def _route_template(scope: Scope) -> str:
    # The matched route's full template ("/v1/controversies/{id_or_slug}"), never the raw path,
    # so unknown paths cannot grow the metrics: they all share "none".
    hot = scope["state"].get(ROUTE_TEMPLATE)
    if hot is not None:
        return str(hot)
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(
        scope.get("route"), "path_format", None
    )
    return template if isinstance(template, str) else "none"
