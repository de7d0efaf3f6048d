"""The change feed of this process: PostgreSQL `LISTEN` on one channel, fanned out locally.

Triggers (migration 0004) announce every committed change to a controversy (`c:<id>`) or an
API key (`k:<id>`); `*` stands for "everything" (after a TRUNCATE). Each process keeps one
dedicated connection listening, and hands each notification to the local subscribers (the
caches), so a change made by any worker of any instance reaches all of them within
milliseconds. While that connection is down, `healthy` is False and the caches serve nothing
from memory: a notification may have been missed, so only the database can be trusted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from app.db import sync_url

logger = logging.getLogger(__name__)

CHANNEL = "controversy_api_changes"
EVERYTHING = "*"

Subscriber = Callable[[str], None]
_CHANGED = "changed"


def mark_changed(session: Any, kind: str, item: object = EVERYTHING) -> None:
    """Note on a write's session what it changes (`c` and a controversy id, `k` for keys), to
    tell this process at once when it commits; other processes hear it from the database."""
    session.info.setdefault(_CHANGED, set()).add((kind, str(item)))


def changes_of(session: Any) -> set[tuple[str, str]]:
    """What a committed write changed; everything, if it did not say (never too little)."""
    changed: set[tuple[str, str]] = session.info.get(_CHANGED, set())
    return changed or {("c", EVERYTHING)}


class ChangeFeed:
    """One LISTEN connection and the local subscribers of each kind of change."""

    def __init__(
        self,
        database_url: str,
        *,
        connect_timeout: float = 3.0,
        check_every: float = 2.0,
        retry_after: float = 0.5,
    ) -> None:
        self.dsn = sync_url(database_url)
        self.connect_timeout = connect_timeout
        self.check_every = check_every
        self.retry_after = retry_after
        self._subscribers: dict[str, list[Subscriber]] = {}
        self._connection: Any = None
        self._healthy = False
        self._stopping = False
        self._listening = asyncio.Event()

    @property
    def healthy(self) -> bool:
        """True while notifications are being received (caches may be trusted)."""
        return self._healthy

    def subscribe(self, kind: str, subscriber: Subscriber) -> None:
        """Call `subscriber(id)` for each change of `kind` ('c', 'k'); id may be '*'."""
        self._subscribers.setdefault(kind, []).append(subscriber)

    def publish_locally(self, kind: str, item: str = EVERYTHING) -> None:
        """Tell this process's subscribers at once (a write of ours just committed)."""
        for subscriber in self._subscribers.get(kind, ()):
            subscriber(item)

    def _reset_everything(self) -> None:
        # Notifications may have been missed while we were not listening.
        for kind in self._subscribers:
            self.publish_locally(kind)

    def _on_notification(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        kind, _, item = payload.partition(":")
        self.publish_locally(kind, item or EVERYTHING)

    def _set_unhealthy(self) -> None:
        if self._healthy and not self._stopping:
            logger.warning("change feed lost; caches bypassed until it is back")
        self._healthy = False
        self._reset_everything()

    async def _listen_once(self) -> None:
        connection = await asyncpg.connect(self.dsn, timeout=self.connect_timeout)
        self._connection = connection
        try:
            await connection.add_listener(CHANNEL, self._on_notification)
            # Anything cached before this moment may have missed a change: start clean.
            self._reset_everything()
            self._healthy = True
            self._listening.set()
            while not connection.is_closed():
                await asyncio.sleep(self.check_every)
                # A frozen or silently dropped connection never says so: ask it.
                await connection.fetchval("SELECT 1", timeout=self.check_every)
        finally:
            self._set_unhealthy()
            self._connection = None
            connection.terminate()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting whenever the connection is lost."""
        while True:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: retry shortly
                logger.debug("change feed reconnecting: %s", type(exc).__name__)
            await asyncio.sleep(self.retry_after)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[ChangeFeed]:
        """Listen for the lifetime of the app."""
        self._listening = asyncio.Event()
        self._stopping = False
        task = asyncio.create_task(self.run(), name="change-feed")
        try:
            # Start serving once listening, or without caches if the database is slow to answer.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.connect_timeout):
                    await self._listening.wait()
            yield self
        finally:
            self._stopping = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
