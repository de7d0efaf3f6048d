"""Request counts per key, day and route group: counted in memory, flushed in the background.

The request path only increments a dict entry; a background task writes the counters every
few seconds (and at shutdown) with one upsert, and moves `last_used_at` forward at most once
a minute per key. A crash loses at most the last few seconds of counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import session_scope
from app.keys import repository

logger = logging.getLogger(__name__)

UsageKey = tuple[uuid.UUID, date, str]


class UsageRecorder:
    """In-memory counters of this process, flushed to `key_usage` by `flush()`."""

    def __init__(self, *, last_used_interval: float) -> None:
        self.last_used_interval = last_used_interval
        self._counts: Counter[UsageKey] = Counter()
        self._last_seen: dict[uuid.UUID, datetime] = {}
        self._last_written: dict[uuid.UUID, float] = {}
        self._lock = asyncio.Lock()

    def record(self, key_id: uuid.UUID, route_group: str, now: datetime) -> None:
        """Count one request (no I/O)."""
        self._counts[(key_id, now.date(), route_group)] += 1
        self._last_seen[key_id] = now

    def pending(self, key_id: uuid.UUID) -> dict[tuple[date, str], int]:
        """This key's counts not yet written to the database."""
        return {(day, group): n for (kid, day, group), n in self._counts.items() if kid == key_id}

    def _due_last_used(self) -> dict[uuid.UUID, datetime]:
        now = time.monotonic()
        due = {
            key_id: at
            for key_id, at in self._last_seen.items()
            if now - self._last_written.get(key_id, float("-inf")) >= self.last_used_interval
        }
        for key_id in due:
            del self._last_seen[key_id]
            self._last_written[key_id] = now
        return due

    async def flush(self, maker: async_sessionmaker[AsyncSession]) -> int:
        """Write pending counters and due last_used_at values; returns the requests written."""
        async with self._lock:
            counts, self._counts = self._counts, Counter()
            last_used = self._due_last_used()
            if not counts and not last_used:
                return 0
            try:
                async for session in session_scope(maker):
                    await repository.add_usage(session, dict(counts))
                    await repository.touch_last_used(session, last_used)
            except Exception as exc:  # keep the counts for the next attempt
                self._counts.update(counts)
                for key_id, at in last_used.items():
                    self._last_seen.setdefault(key_id, at)
                    self._last_written.pop(key_id, None)
                logger.warning("could not write key usage: %s", type(exc).__name__)
                return 0
            return sum(counts.values())

    @asynccontextmanager
    async def running(
        self, maker: async_sessionmaker[AsyncSession], *, every: float
    ) -> AsyncIterator[None]:
        """Flush every `every` seconds while the app runs, and once more at shutdown."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                # Shielded: a shutdown never interrupts a write half-way.
                await asyncio.shield(self.flush(maker))

        task = asyncio.create_task(loop(), name="key-usage-flush")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.flush(maker)
