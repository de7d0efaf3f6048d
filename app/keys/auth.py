"""The `/v1` dependency: authenticate the bearer key, rate-limit it, check origin and scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import Scope as AsgiScope

from app.errors import Forbidden, TooManyRequests, Unauthorized
from app.keys import service
from app.keys.ratelimit import STATE_KEY
from app.keys.runtime import runtime_of
from app.keys.schemas import AuthenticatedKey, KeyKind, Scope, normalize_origin
from app.request_scope import RATE_NOT_CHARGED, request_time

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer ck_sec_…` (or `ck_pub_…`).",
)

ADMIN_GROUPS = frozenset({"keys", "audit", "webhooks"})
ANY_KEY_GROUPS = frozenset({"usage"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STREAM_PATH = "/v1/stream"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="controversy-api"'}
# One message for missing, unknown, revoked and expired keys: nothing tells them apart.
_UNAUTHORIZED = "A valid API key is required: send `Authorization: Bearer <key>`."


def route_group(scope: AsgiScope) -> str:
    """The first path segment after /v1 (`controversies`, `keys`, …) of the request."""
    # The path as routed (root_path removed), so the group is the one of the matched route.
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", ""))
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.removeprefix("/v1/").split("/", 1)[0] or "root"


def required_scope(method: str, group: str) -> Scope | None:
    """The scope a request needs; None when any valid key will do."""
    if group in ANY_KEY_GROUPS:
        return None
    if group in ADMIN_GROUPS:
        return Scope.admin
    return Scope.read if method.upper() in READ_METHODS else Scope.write


def _origin_allowed(key: AuthenticatedKey, origin: str | None) -> bool:
    # Browsers always send Origin on cross-origin requests; a request without one is not
    # from a web page, and the binding exists to stop other sites from using the key.
    if key.kind != KeyKind.publishable or origin is None:
        return True
    try:
        return normalize_origin(origin) in key.origins
    except ValueError:
        return False


async def authorize(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AuthenticatedKey:
    """Authenticate the request's key; 401, 403 or 429 problems otherwise."""
    now = request_time(request.scope)
    secret = credentials.credentials if credentials else None
    in_url = secret is None and request.url.path == STREAM_PATH
    if in_url:
        # A browser's EventSource cannot send headers: the stream takes a publishable key
        # (public by nature, origin-checked below) from its URL, and only that kind.
        secret = request.query_params.get("key")
    key = await authenticate(request.app, secret, now)
    if in_url and key.kind != KeyKind.publishable:
        raise Unauthorized(
            "Only a publishable key may be sent in the URL: send a secret key in the"
            " Authorization header.",
            headers=_CHALLENGE,
        )
    await admit(
        request.app,
        request.scope["state"],
        key=key,
        method=request.method,
        group=route_group(request.scope),
        origin=request.headers.get("origin"),
        now=now,
    )
    return key


def bearer_secret(authorization: str | None) -> str | None:
    """The credentials of an `Authorization: Bearer …` header (as HTTPBearer reads them)."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    return credentials if scheme.lower() == "bearer" and credentials else None


async def authenticate(app: Any, secret: str | None, now: datetime) -> AuthenticatedKey:
    """The live key of a bearer secret (from memory when it can); 401 otherwise."""
    if not secret:
        raise Unauthorized(_UNAUTHORIZED, headers=_CHALLENGE)
    key = await service.authenticate(
        app.state.read_sessionmaker,
        secret=secret,
        settings=app.state.settings,
        now=now,
        cache=runtime_of(app).cache,
    )
    if key is None:
        raise Unauthorized(_UNAUTHORIZED, headers=_CHALLENGE)
    return key


async def admit(
    app: Any,
    state: dict[str, Any],
    *,
    key: AuthenticatedKey,
    method: str,
    group: str,
    origin: str | None,
    now: datetime,
    charged: bool = True,
) -> None:
    """Count the request against the key's limit, record its use, check origin and scope.

    `charged=False` for a revalidation already known to be answered 304: it costs nothing,
    so the limit is only looked at (for the headers), never counted and refunded.
    """
    state["api_key"] = key
    runtime = runtime_of(app)
    if charged:
        status = await runtime.limiter.hit(str(key.id), key.rate_limit)
    else:
        status = await runtime.limiter.peek(str(key.id), key.rate_limit)
        state[RATE_NOT_CHARGED] = True
    state[STATE_KEY] = status
    if status is not None and not status.allowed:
        raise TooManyRequests(
            f"This key is limited to {status.limit} requests per minute.",
            headers=status.headers(),
        )
    runtime.usage.record(key.id, group, now)
    if not _origin_allowed(key, origin):
        raise Forbidden("This key may not be used from this origin.")
    scope = required_scope(method, group)
    if scope is not None and scope.value not in key.scopes:
        raise Forbidden(f"This key lacks the '{scope.value}' scope this request needs.")


CurrentKey = Annotated[AuthenticatedKey, Depends(authorize)]
