"""The per-app state of the keys feature: rate limiter, usage recorder, origin cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from app.changes import ChangeFeed
from app.config import Settings
from app.keys import origins
from app.keys.cache import KeyCache
from app.keys.origins import OriginCache
from app.keys.ratelimit import KeyRateLimiter, make_storage
from app.keys.usage import UsageRecorder


@dataclass
class KeysRuntime:
    """What the keys feature keeps in memory for one app instance."""

    limiter: KeyRateLimiter
    usage: UsageRecorder
    origins: OriginCache
    cache: KeyCache

    @classmethod
    def from_settings(cls, settings: Settings, feed: ChangeFeed | None) -> KeysRuntime:
        """A runtime for these settings (Redis storage when REDIS_URL is set)."""
        storage = make_storage(settings.redis_url, settings.redis_timeout_seconds)
        origin_cache = OriginCache(ttl=settings.key_origins_cache_seconds)
        if feed is not None:
            feed.subscribe("k", lambda _item: origins.invalidate())
        return cls(
            limiter=KeyRateLimiter(storage, timeout=settings.redis_timeout_seconds),
            usage=UsageRecorder(last_used_interval=settings.key_last_used_interval_seconds),
            origins=origin_cache,
            cache=KeyCache(feed),
        )


def install(app: FastAPI, settings: Settings, feed: ChangeFeed | None = None) -> KeysRuntime:
    """Attach a runtime to the app (as `app.state.keys`)."""
    runtime = KeysRuntime.from_settings(settings, feed)
    app.state.keys = runtime
    return runtime


def runtime_of(app: FastAPI) -> KeysRuntime:
    """The app's keys runtime."""
    runtime: KeysRuntime = app.state.keys
    return runtime


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """Run the usage flusher for the app's lifetime (needs app.state.sessionmaker)."""
    settings: Settings = app.state.settings
    async with runtime_of(app).usage.running(
        app.state.sessionmaker, every=settings.usage_flush_seconds
    ):
        yield


async def flush_usage(app: FastAPI) -> int:
    """Write the app's pending usage counters now (tests and shutdown)."""
    return await runtime_of(app).usage.flush(app.state.sessionmaker)
