"""One unit of work per write request: a 2xx is sent only after its COMMIT returned.

Every request with a method that may write (POST, PUT, PATCH, DELETE) gets one session, held
here for the whole request. The answer the app produces is held back; on a 2xx the session
commits first and only then is the answer sent. Anything else rolls back. A COMMIT that fails
becomes a 503 problem (or a 500 for a genuine bug), never a 2xx. This is structural: a route
cannot forget to commit, and cannot answer before its commit.

`Idempotency-Key` on a POST lives in the same transaction: the key is taken with a
transaction-level advisory lock (so a second attempt in flight gets 409 at once, and a crashed
attempt frees it with its connection), and the answer is stored in the write's own transaction,
so the record and the write exist or vanish together. A retry after a committed write replays
the stored answer; a retry after a failed one runs again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import db_errors
from app.changes import ChangeFeed, changes_of
from app.errors import problem_response, unavailable_response
from app.idempotency import repository as idempotency
from app.keys import service as keys_service
from app.request_scope import SESSION_STATE_KEY

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED_HEADERS = frozenset({"content-type", "location", "etag"})


@dataclass
class HeldAnswer:
    """A response captured from the app, sent later (after the COMMIT)."""

    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)

    async def capture(self, message: Message) -> None:
        """An ASGI `send` that keeps the response instead of sending it."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def succeeded(self) -> bool:
        """A 2xx: the write is to be committed."""
        return 200 <= self.status < 300

    def to_stored(self, request_hash: str) -> idempotency.StoredAnswer:
        """What a replay needs: status, the headers worth repeating, the body."""
        kept = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in self.headers
            if name.decode("latin-1").lower() in _REPLAYED_HEADERS
        ]
        return idempotency.StoredAnswer(request_hash, self.status, kept, b"".join(self.chunks))

    async def send_to(self, send: Send) -> None:
        """Send the held response."""
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"".join(self.chunks)})


class UnitOfWorkMiddleware:
    """Commit every write before its answer starts; idempotent POST retries (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key") if scope["method"] == "POST" else None
        if key is not None and not _IDEMPOTENCY_KEY.match(key):
            await _problem(
                scope,
                send,
                400,
                "invalid-idempotency-key",
                "Invalid Idempotency-Key",
                "Idempotency-Key must be 1–255 visible ASCII characters.",
            )
            return
        async with scope["app"].state.sessionmaker() as session:
            state = scope.setdefault("state", {})
            state[SESSION_STATE_KEY] = session
            try:
                answer = await self._run(scope, receive, session, key, headers)
            except Exception as exc:
                await _rollback_quietly(session)
                if not db_errors.is_database_unavailable(exc):
                    raise
                logger.warning("write not committed: %s", db_errors.describe(exc))
                await unavailable_response(scope.get("path"))(scope, _no_body, send)
                return
            finally:
                state.pop(SESSION_STATE_KEY, None)
        await answer.send_to(send)

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        session: AsyncSession,
        key: str | None,
        headers: Headers,
    ) -> HeldAnswer:
        if key is None:
            answer = await self._call_app(scope, receive)
            await _finish(session, answer, scope["app"].state.changes)
            return answer
        body = await _read_body(receive)
        owner = owner_of(headers.get("authorization"))
        request_hash = fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b"").decode(), body
        )
        if not await idempotency.try_lock(session, owner, key):
            await session.rollback()
            return _held_problem(
                scope,
                409,
                "idempotency-in-progress",
                "Conflict",
                "A request with this Idempotency-Key is being processed; retry shortly.",
                retry_after="1",
            )
        previous = await idempotency.stored(session, owner, key)
        if previous is not None:
            return await self._repeat(
                scope, _replay(body, receive), session, previous, request_hash, headers
            )
        answer = await self._call_app(scope, _replay(body, receive))
        if answer.succeeded:
            await idempotency.store(
                session, owner, key, request_hash, answer.to_stored(request_hash)
            )
        await _finish(session, answer, scope["app"].state.changes)
        return answer

    async def _repeat(
        self,
        scope: Scope,
        receive: Receive,
        session: AsyncSession,
        previous: idempotency.StoredAnswer,
        request_hash: str,
        headers: Headers,
    ) -> HeldAnswer:
        if previous.request_hash != request_hash:
            await session.rollback()
            return _held_problem(
                scope,
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was used with a different request.",
            )
        if not await _credentials_still_valid(scope, headers):
            # A revoked or expired key gets its 401 from the app, never the stored answer.
            answer = await self._call_app(scope, receive)
            await _finish(session, answer, scope["app"].state.changes)
            return answer
        await session.rollback()
        return HeldAnswer(
            status=previous.status,
            headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in previous.headers]
            + [
                (b"idempotent-replayed", b"true"),
                (b"content-length", str(len(previous.body)).encode()),
            ],
            chunks=[previous.body],
        )

    async def _call_app(self, scope: Scope, receive: Receive) -> HeldAnswer:
        answer = HeldAnswer()
        await self.app(scope, receive, answer.capture)
        return answer


async def _finish(session: AsyncSession, answer: HeldAnswer, feed: ChangeFeed) -> None:
    # The one place a write is committed; a failure here propagates and becomes a 503 or 500.
    if not answer.succeeded:
        await session.rollback()
        return
    await session.commit()
    # Read-your-writes in this process: its caches forget before the answer is sent (other
    # processes hear of the change from the database's notification).
    for kind, item in changes_of(session):
        feed.publish_locally(kind, item)


async def _rollback_quietly(session: AsyncSession) -> None:
    try:
        await session.rollback()
    except Exception as exc:  # the connection is gone; the server rolls back by itself
        logger.debug("rollback after a failed write also failed: %s", type(exc).__name__)


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


async def _credentials_still_valid(scope: Scope, headers: Headers) -> bool:
    scheme, _, secret = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return False
    app = scope["app"]
    key = await keys_service.authenticate(
        app.state.read_sessionmaker,
        secret=secret.strip(),
        settings=app.state.settings,
        now=datetime.now(UTC),
        cache=app.state.keys.cache,
    )
    return key is not None


def _replay(body: bytes, receive: Receive) -> Receive:
    # The body was read here already: hand it to the app once, then listen to the client again.
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _no_body() -> Message:
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


def _held_problem(
    scope: Scope,
    status: int,
    slug: str,
    title: str,
    detail: str,
    retry_after: str | None = None,
) -> HeldAnswer:
    response = problem_response(
        status=status,
        type_slug=slug,
        title=title,
        detail=detail,
        instance=scope.get("path"),
        headers={"Retry-After": retry_after} if retry_after else None,
    )
    return HeldAnswer(
        status=status, headers=list(response.raw_headers), chunks=[bytes(response.body)]
    )


async def _problem(
    scope: Scope, send: Send, status: int, slug: str, title: str, detail: str
) -> None:
    await _held_problem(scope, status, slug, title, detail).send_to(send)
