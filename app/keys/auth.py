"""The `/v1` dependency: authenticate the bearer key, rate-limit it, check origin and scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.deps import NowDep, SessionDep, SettingsDep
from app.errors import Forbidden, TooManyRequests, Unauthorized
from app.keys import service
from app.keys.ratelimit import STATE_KEY
from app.keys.runtime import runtime_of
from app.keys.schemas import AuthenticatedKey, KeyKind, Scope, normalize_origin

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer ck_sec_…` (or `ck_pub_…`).",
)

ADMIN_GROUPS = frozenset({"keys", "audit"})
ANY_KEY_GROUPS = frozenset({"usage"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="controversy-api"'}
# One message for missing, unknown, revoked and expired keys: nothing tells them apart.
_UNAUTHORIZED = "A valid API key is required: send `Authorization: Bearer <key>`."


def route_group(request: Request) -> str:
    """The first path segment after /v1 (`controversies`, `keys`, …) of the request."""
    # The path as routed (root_path removed), so the group is the one of the matched route.
    path = str(request.scope.get("path", ""))
    root = str(request.scope.get("root_path", ""))
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
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AuthenticatedKey:
    """Authenticate the request's key; 401, 403 or 429 problems otherwise."""
    if credentials is None:
        raise Unauthorized(_UNAUTHORIZED, headers=_CHALLENGE)
    key = await service.authenticate(
        session, secret=credentials.credentials, settings=settings, now=now
    )
    if key is None:
        raise Unauthorized(_UNAUTHORIZED, headers=_CHALLENGE)
    request.state.api_key = key
    runtime = runtime_of(request.app)
    status = await runtime.limiter.hit(str(key.id), key.rate_limit)
    setattr(request.state, STATE_KEY, status)
    if status is not None and not status.allowed:
        raise TooManyRequests(
            f"This key is limited to {status.limit} requests per minute.",
            headers=status.headers(),
        )
    group = route_group(request)
    runtime.usage.record(key.id, group, now)
    if not _origin_allowed(key, request.headers.get("origin")):
        raise Forbidden("This key may not be used from this origin.")
    scope = required_scope(request.method, group)
    if scope is not None and scope.value not in key.scopes:
        raise Forbidden(f"This key lacks the '{scope.value}' scope this request needs.")
    return key


CurrentKey = Annotated[AuthenticatedKey, Depends(authorize)]
