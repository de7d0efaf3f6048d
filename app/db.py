"""Engine and sessions: bounded waits everywhere, so a sick database is a fast 503, never a hang."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app import db_errors
from app.config import Settings


def async_url(url: str) -> str:
    """Turn any PostgreSQL URL into one for the asyncpg driver."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))
    raise ValueError("DATABASE_URL must be a postgresql:// URL")


def sync_url(url: str) -> str:
    """The same server as a plain postgresql:// URL (for logs and tools)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def make_engine(url: str, settings: Settings) -> AsyncEngine:
    """An asyncpg engine with a bounded pool, and timeouts on connecting and on every statement.

    No pre-ping (it costs three round trips per checkout): a connection found dead is
    invalidated when it fails, with every older one in the pool, and the request gets a 503.
    """
    engine = create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args={
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "TimeZone": "UTC",
                # Prepared statements would otherwise switch to a generic plan that cannot see
                # how selective a search or filter value is (e.g. `q` walking the whole noise
                # index instead of the GIN one); planning per execution costs far less.
                "plan_cache_mode": "force_custom_plan",
                "application_name": "controversy-api",
            },
            "timeout": settings.db_connect_timeout_seconds,
            # The client-side limit: a frozen server (no answer at all) is given up on here.
            "command_timeout": settings.db_command_timeout_seconds,
        },
    )
    event.listen(engine.sync_engine, "handle_error", _drop_broken_connections)
    return engine


def _drop_broken_connections(context: ExceptionContext) -> None:
    # A statement that timed out on the client, or a server that is shutting down or starting,
    # leaves a connection nobody should reuse: marking the error a disconnect makes SQLAlchemy
    # close it (and recycle the pool) instead of handing it to the next request.
    if _ends_the_connection(context.original_exception):
        context.is_disconnect = True


def _ends_the_connection(error: BaseException) -> bool:
    if isinstance(error, TimeoutError | OSError | asyncpg.PostgresConnectionError):
        return True
    state = db_errors.sqlstate(error) or ""
    return state.startswith("08") or state in _CONNECTION_ENDING_STATES


# admin_shutdown, crash_shutdown, cannot_connect_now
_CONNECTION_ENDING_STATES = frozenset({"57P01", "57P02", "57P03"})


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit when the caller succeeds, roll back when it raises (CLI, jobs)."""
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


@contextmanager
def database(settings: Settings) -> Iterator[tuple[str, bool]]:
    """The database URL and whether it is the embedded one (started here, stopped on exit)."""
    if settings.database_url:
        yield settings.database_url, False
        return
    from app.embedded import EmbeddedPostgres

    embedded = EmbeddedPostgres(settings.data_dir)
    url = embedded.start()
    logging.getLogger("app.db").info(
        "using the embedded PostgreSQL", extra={"data_dir": str(embedded.data_dir)}
    )
    try:
        yield url, True
    finally:
        embedded.stop()
