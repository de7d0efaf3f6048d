"""Engine, sessions and the one dependency that commits or rolls back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

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
    """An asyncpg engine with a bounded pool and a statement timeout."""
    return create_async_engine(
        async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
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
            "timeout": 5,
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit when the caller succeeds, roll back when it raises."""
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
