"""What the edge, the hot path and the routes read from, and leave in, a request's ASGI scope."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.types import Scope

# The route compared If-None-Match with its own ETag already (and answered 304 if it matched),
# so the edge need not hold the body back to do it again.
ETAG_DECIDED = "etag_decided"
# The request was not counted against its key's rate limit (a 304 known in advance): the
# edge has nothing to refund.
RATE_NOT_CHARGED = "rate_not_charged"
# The route template of a request answered by the hot path (app/hot_reads.py), for metrics.
ROUTE_TEMPLATE = "route_template"
# The write request's session, opened by the unit of work and handed to the route.
SESSION_STATE_KEY = "unit_of_work_session"


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value (`name` in lower case), without building a Headers object."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def request_time(scope: Scope) -> datetime:
    """The request's time: one clock reading, so every value in an answer is evaluated at one
    time."""
    state = scope.setdefault("state", {})
    now: datetime | None = state.get("request_time")
    if now is None:
        now = state["request_time"] = datetime.now(UTC)
    return now
