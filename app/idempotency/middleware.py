"""Idempotency-Key on POST: a retry with the same key and body replays the first answer.

Same key, other body: 422. Same key while the first attempt runs: 409. Answers below 500
are kept for 24 hours; a 5xx (or a crash) releases the key so the retry runs for real.
Keys are scoped to the caller's credentials, so two clients never see each other's answers.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response
from app.idempotency import repository
from app.keys import service as keys_service

logger = logging.getLogger(__name__)

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = ("content-type", "location", "etag")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            await _problem(
                scope,
                receive,
                send,
                400,
                "invalid-idempotency-key",
                "Invalid Idempotency-Key",
                "Idempotency-Key must be 1–255 visible ASCII characters.",
            )
            return
        body = await _read_body(receive)
        owner = owner_of(headers.get("authorization"))
        request_hash = fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b"").decode(), body
        )
        engine = scope["app"].state.engine
        try:
            claimed = await repository.claim(engine, owner, key, request_hash)
            if not claimed:
                await self._answer_repeat(scope, receive, send, engine, owner, key, request_hash)
                return
        except (OSError, TimeoutError, DBAPIError) as exc:
            logger.warning("idempotency store unavailable: %s", type(exc).__name__)
            await _problem(
                scope,
                receive,
                send,
                503,
                "unavailable",
                "Service unavailable",
                "The database is unreachable; retry shortly.",
                retry_after="5",
            )
            return
        await self._first_attempt(scope, send, body, engine, owner, key)

    async def _first_attempt(
        self, scope: Scope, send: Send, body: bytes, engine: object, owner: str, key: str
    ) -> None:
        status = 500
        start_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            nonlocal status, start_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                start_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            await repository.release(engine, owner, key)  # type: ignore[arg-type]
            raise
        if status >= 500:
            await repository.release(engine, owner, key)  # type: ignore[arg-type]
            return
        kept = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in start_headers
            if name.decode("latin-1").lower() in _REPLAYED_HEADERS
        ]
        try:
            await repository.complete(engine, owner, key, status, kept, b"".join(chunks))  # type: ignore[arg-type]
        except (OSError, TimeoutError, DBAPIError) as exc:
            # The answer is already sent; the key stays "running" and frees itself later.
            logger.warning("could not store an idempotent answer: %s", type(exc).__name__)

    async def _answer_repeat(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        engine: object,
        owner: str,
        key: str,
        request_hash: str,
    ) -> None:
        record = await repository.existing(engine, owner, key)  # type: ignore[arg-type]
        if record is None:  # released between our claim and this read: ask for a retry
            await _problem(
                scope,
                receive,
                send,
                409,
                "idempotency-in-progress",
                "Conflict",
                "A request with this Idempotency-Key is being processed; retry.",
                retry_after="1",
            )
            return
        if record.request_hash != request_hash:
            await _problem(
                scope,
                receive,
                send,
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was used with a different request body.",
            )
            return
        if record.state != "done":
            await _problem(
                scope,
                receive,
                send,
                409,
                "idempotency-in-progress",
                "Conflict",
                "A request with this Idempotency-Key is still being processed.",
                retry_after="1",
            )
            return
        if not await _credentials_still_valid(scope):
            # A revoked or expired key gets its 401 from the app, not a stored answer.
            await self.app(scope, _empty_body, send)
            return
        raw = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in record.response_headers or []
        ]
        raw.append((b"idempotent-replayed", b"true"))
        raw.append((b"content-length", str(len(record.response_body or b"")).encode()))
        await send(
            {"type": "http.response.start", "status": record.response_status, "headers": raw}
        )
        await send({"type": "http.response.body", "body": record.response_body or b""})


def owner_of(authorization: str | None) -> str:
    """The namespace of a caller's keys: a hash of the credentials it sent."""
    return hashlib.sha256((authorization or "").encode()).hexdigest()


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests "the same request" for a key."""
    digest = hashlib.sha256()
    for part in (method, path, query):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


async def _credentials_still_valid(scope: Scope) -> bool:
    authorization = Headers(scope=scope).get("authorization", "")
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return False
    app = scope["app"]
    async with app.state.sessionmaker() as session:
        key = await keys_service.authenticate(
            session, secret=secret.strip(), settings=app.state.settings, now=datetime.now(UTC)
        )
    return key is not None


async def _empty_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _problem(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    retry_after: str | None = None,
) -> None:
    response = problem_response(
        status=status,
        type_slug=slug,
        title=title,
        detail=detail,
        instance=scope.get("path"),
        headers={"Retry-After": retry_after} if retry_after else None,
    )
    await response(scope, receive, send)
