"""New events to every stream of this process, read once per notification, not per client.

The outbox trigger announces each committed event (`e:<id>`) on the change channel every
process listens to (app/changes.py). On a notification the hub reads the events after the
last one it saw — one query, however many clients; none when this process has no stream —
and hands them to each subscriber's queue. A subscriber too slow to keep up is marked
behind and catches up from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.changes import ChangeFeed
from app.events import service
from app.events.schemas import ChangeEvent

logger = logging.getLogger(__name__)

QUEUE_SIZE = 1_000
READ_BATCH = 500

STREAMS = Gauge("event_streams_open", "Open /v1/stream connections of this process.")
FANNED_OUT = Counter(
    "events_fanned_out_total", "Committed events read by this process's hub for its streams."
)
FELL_BEHIND = Counter(
    "event_streams_fell_behind_total",
    "Times a stream's queue overflowed and it caught up from the database.",
)


class Subscriber:
    """One stream's queue of new events."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[ChangeEvent] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.behind = False  # events were dropped: read the rest from the database

    def offer(self, event: ChangeEvent) -> None:
        """Queue an event, or note that this subscriber fell behind."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            if not self.behind:
                FELL_BEHIND.inc()
            self.behind = True


class EventHub:
    """This process's fan-out of committed events to its streams."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], feed: ChangeFeed) -> None:
        self.sessions = sessions
        self.subscribers: set[Subscriber] = set()
        self.last_id: int | None = None
        self._announced = 0  # the newest id a notification named
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        feed.subscribe("e", self._on_announced)

    def _on_announced(self, item: str) -> None:
        if item.isdigit():
            self._announced = max(self._announced, int(item))
        self._wanted.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Read new events whenever they are announced, for the app's lifetime."""
        self._task = asyncio.create_task(self._run())
        try:
            yield
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscribe(self) -> Subscriber:
        """A new subscriber, receiving every event committed from now on."""
        subscriber = Subscriber()
        self.subscribers.add(subscriber)
        STREAMS.inc()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop delivering to a subscriber."""
        if subscriber in self.subscribers:
            self.subscribers.discard(subscriber)
            STREAMS.dec()

    async def _run(self) -> None:
        while True:
            try:
                if self.last_id is None:
                    async with self.sessions() as session:
                        self.last_id = await service.newest_id(session) or 0
                await self._wanted.wait()
                self._wanted.clear()
                if not self.subscribers:
                    # Nobody listens here: note where the outbox stands (the notification
                    # names it) instead of reading events no stream would receive.
                    self.last_id = max(self.last_id, self._announced)
                    continue
                await self._read_new()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away: retry on the next announcement
                logger.warning("event hub could not read new events", exc_info=True)
                await asyncio.sleep(0.5)
                self._wanted.set()

    async def _read_new(self) -> None:
        while True:
            async with self.sessions() as session:
                events = await service.after(session, self.last_id, limit=READ_BATCH)
            for event in events:
                for subscriber in list(self.subscribers):
                    subscriber.offer(event)
                self.last_id = event.id
            FANNED_OUT.inc(len(events))
            if len(events) < READ_BATCH:
                return
