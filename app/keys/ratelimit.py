"""Per-key rate limits with the `limits` library (memory, or Redis shared by all processes).

Fail open: when the storage errs or is slow, the request is served without rate headers and
a warning is logged; the storage is then left alone for a few seconds (a small circuit
breaker), so an outage costs each request nothing.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import Scope

logger = logging.getLogger(__name__)

STATE_KEY = "rate_limit"
RETRY_STORAGE_AFTER_SECONDS = 5.0


@dataclass(frozen=True)
class RateLimitStatus:
    """The outcome of one hit: the limit, what is left, seconds until the window resets."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        """The RateLimit-* headers (and Retry-After when refused)."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_seconds))
        return headers


def make_storage(redis_url: str | None, timeout: float) -> Storage:
    """Redis storage with short socket timeouts when configured, else process memory."""
    if not redis_url:
        return MemoryStorage()
    scheme, rest = redis_url.split("://", 1)
    storage = storage_from_string(
        f"async+{scheme}://{rest}",
        wrap_exceptions=True,
        connect_timeout=timeout,
        stream_timeout=timeout,
        max_connections=50,
    )
    assert isinstance(storage, Storage)
    return storage


class KeyRateLimiter:
    """A fixed one-minute window per key, counted in the configured storage."""

    def __init__(self, storage: Storage, *, timeout: float) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)
        self.timeout = timeout
        self._skip_until = 0.0
        self._in_memory = isinstance(storage, MemoryStorage)

    async def hit(self, key_id: str, limit: int) -> RateLimitStatus | None:
        """Count one request; None when the storage is unavailable (fail open)."""
        if time.monotonic() < self._skip_until:
            return None
        item = RateLimitItemPerMinute(limit)
        try:
            if self._in_memory:  # nothing to wait for: no timeout to arm
                allowed = await self.limiter.hit(item, key_id)
                stats = await self.limiter.get_window_stats(item, key_id)
            else:
                async with asyncio.timeout(self.timeout * 4):
                    allowed = await self.limiter.hit(item, key_id)
                    stats = await self.limiter.get_window_stats(item, key_id)
        except Exception as exc:  # any storage failure: serve without limits for a moment
            self._skip_until = time.monotonic() + RETRY_STORAGE_AFTER_SECONDS
            logger.warning(
                "rate-limit storage unavailable, serving without limits: %s",
                type(exc).__name__,
            )
            return None
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return RateLimitStatus(
            allowed=allowed, limit=limit, remaining=stats.remaining, reset_seconds=reset
        )

    async def peek(self, key_id: str, limit: int) -> RateLimitStatus | None:
        """The key's current window, without counting a request (fail open, as `hit`)."""
        if time.monotonic() < self._skip_until:
            return None
        item = RateLimitItemPerMinute(limit)
        try:
            if self._in_memory:
                stats = await self.limiter.get_window_stats(item, key_id)
            else:
                async with asyncio.timeout(self.timeout * 4):
                    stats = await self.limiter.get_window_stats(item, key_id)
        except Exception as exc:  # fail open, as for hits
            self._skip_until = time.monotonic() + RETRY_STORAGE_AFTER_SECONDS
            logger.warning("rate-limit storage unavailable: %s", type(exc).__name__)
            return None
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return RateLimitStatus(
            allowed=True, limit=limit, remaining=stats.remaining, reset_seconds=reset
        )

    async def refund(self, key_id: str, limit: int) -> bool:
        """Give one request back to the key's current window; False when the storage errs."""
        if time.monotonic() < self._skip_until:
            return False
        item = RateLimitItemPerMinute(limit)
        try:
            async with asyncio.timeout(self.timeout * 4):
                await self.storage.incr(item.key_for(key_id), item.get_expiry(), amount=-1)
        except Exception as exc:  # fail open, as for hits
            self._skip_until = time.monotonic() + RETRY_STORAGE_AFTER_SECONDS
            logger.warning("rate-limit storage unavailable for a refund: %s", type(exc).__name__)
            return False
        return True


async def refund_revalidation(scope: Scope, status: RateLimitStatus) -> RateLimitStatus:
    """Give back the hit of a conditional GET answered 304; the status to show after it."""
    key = scope["state"].get("api_key")
    key_id = getattr(key, "id", None)
    if key_id is None:
        return status
    limiter: KeyRateLimiter = scope["app"].state.keys.limiter
    if not await limiter.refund(str(key_id), status.limit):
        return status
    return RateLimitStatus(
        allowed=True,
        limit=status.limit,
        remaining=min(status.limit, status.remaining + 1),
        reset_seconds=status.reset_seconds,
    )
