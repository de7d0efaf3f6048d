"""Which errors mean "the database cannot serve right now" (a 503), not a bug (a 500)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# SQLSTATE classes: 08 connection exception, 53 insufficient resources (too many connections),
# 57 operator intervention (shutdown, starting up 57P03, statement timeout 57014), 58 system
# error. Single states: serialization failure and deadlock (a retry succeeds), lock timeout.
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})
_UNAVAILABLE_STATES = frozenset({"40001", "40P01", "55P03"})
# undefined_table, undefined_column, undefined_function: the schema is behind the code (the
# database was emptied or rolled back under a running service), so this instance is not ready.
SCHEMA_MISSING = frozenset({"42P01", "42703", "42883"})

_TRANSPORT_ERRORS = (
    OSError,  # refused, reset, unresolvable host; TimeoutError (command timeout) is one too
    PoolTimeoutError,  # no pooled connection became free in time
    DisconnectionError,
    asyncpg.InterfaceError,  # "connection is closed", a connection lost mid-protocol
    asyncpg.PostgresConnectionError,
)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE an error carries, if any."""
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def causes(exc: BaseException) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`) and what it was raised from, outermost first."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 12:
        current = pending.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def _unavailable_state(state: str | None) -> bool:
    return state is not None and (
        state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_STATES or state in SCHEMA_MISSING
    )


def is_database_unavailable(exc: BaseException) -> bool:
    """True when an error means the database is down, starting, frozen, overloaded or behind."""
    for cause in causes(exc):
        if _unavailable_state(sqlstate(cause)) or isinstance(cause, _TRANSPORT_ERRORS):
            return True
        if isinstance(cause, DBAPIError) and (
            cause.connection_invalidated or isinstance(cause, InterfaceError)
        ):
            return True
    return False


def schema_missing(exc: BaseException) -> bool:
    """True when the error says a table, column or function the code needs does not exist."""
    return any(sqlstate(cause) in SCHEMA_MISSING for cause in causes(exc))


def describe(exc: BaseException) -> str:
    """A short, secret-free name of an error for the logs: its class and innermost SQLSTATE."""
    innermost = causes(exc)[-1]
    state = sqlstate(innermost)
    suffix = f" {state}" if state else ""
    return f"{type(exc).__name__} ({type(innermost).__name__}{suffix})"
