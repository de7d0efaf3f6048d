"""A worker: PgQueuer's queue manager and scheduler over one asyncpg connection, the jobs of
app/worker/jobs.py, and a fan-out woken by the outbox's notifications.

Any number of workers may run (`controversy-api worker`, or one inside `serve`): PgQueuer
hands each job to exactly one of them (`FOR UPDATE SKIP LOCKED`), its scheduler runs each
cron slot once across all of them, and the fan-out is serialised by a row lock on its cursor.
A worker that loses its database keeps trying to reconnect; jobs it held are picked up again
by another (or by itself) once their heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
from pgqueuer import AsyncpgDriver, PgQueuer, Queries, QueueManager
from pgqueuer.models import Job, Schedule
from pgqueuer.types import QueueEntrypoint, QueueExecutionMode

from app.changes import ChangeFeed
from app.config import Settings
from app.db import make_engine, make_sessionmaker, sync_url
from app.queue import read_payload
from app.webhooks import delivery as webhooks
from app.worker import jobs

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 2.0
DISPATCH_EVERY_SECONDS = 30.0  # besides each notification, in case one was missed
HEARTBEAT = timedelta(seconds=30)


class Worker:
    """One worker process's (or one in-process worker's) queue consumer."""

    def __init__(self, database_url: str, settings: Settings) -> None:
        self.url = database_url
        self.settings = settings
        self.stop = asyncio.Event()
        self._wake = asyncio.Event()
        self.ready = asyncio.Event()

    def _on_outbox(self, item: str) -> None:
        self._wake.set()

    @asynccontextmanager
    async def _context(self) -> AsyncIterator[jobs.JobContext]:
        # A pool of its own: a slow receiver or a long recompute never takes the API's.
        settings = self.settings.model_copy(
            update={"db_pool_size": max(2, min(self.settings.worker_concurrency // 2, 20))}
        )
        engine = make_engine(self.url, settings)
        context = jobs.JobContext(
            sessions=make_sessionmaker(engine),
            client=webhooks.http_client(settings),
            settings=settings,
        )
        try:
            yield context
        finally:
            await context.client.aclose()
            await engine.dispose()

    async def run(self) -> None:
        """Work until `stop` is set, reconnecting after database failures."""
        feed = ChangeFeed(self.url, connect_timeout=self.settings.db_connect_timeout_seconds)
        feed.subscribe("e", self._on_outbox)
        async with self._context() as context, feed.running():
            fan_out = asyncio.create_task(self._fan_out(context), name="webhook-fan-out")
            try:
                while not self.stop.is_set():
                    try:
                        await self._run_queue(context)
                    except Exception as exc:  # the database went away: start again
                        logger.warning(
                            "worker lost the queue; reconnecting",
                            extra={"error": type(exc).__name__},
                        )
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self.stop.wait(), RECONNECT_SECONDS)
            finally:
                fan_out.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fan_out

    async def drain(self) -> None:
        """Fan out new events, then run every job due now (and those they queue) and return:
        a one-off pass (tests, scripts) instead of a long-running worker."""
        async with self._context() as context:
            await webhooks.dispatch(context.sessions)
            connection = await asyncpg.connect(
                sync_url(self.url), timeout=self.settings.db_connect_timeout_seconds
            )
            try:
                manager = QueueManager(_DueNow(AsyncpgDriver(connection)))
                for name, job in jobs.JOBS.items():
                    manager.entrypoint(name)(_queued(name, job, context))
                await manager.run(
                    dequeue_timeout=timedelta(seconds=1),
                    batch_size=max(1, self.settings.worker_concurrency // 2),
                    max_concurrent_tasks=self.settings.worker_concurrency,
                    mode=QueueExecutionMode.drain,
                )
            finally:
                connection.terminate()

    async def _run_queue(self, context: jobs.JobContext) -> None:
        connection = await asyncpg.connect(
            sync_url(self.url), timeout=self.settings.db_connect_timeout_seconds
        )
        try:
            pgq = PgQueuer.from_asyncpg_connection(connection)
            for name, job in jobs.JOBS.items():
                pgq.entrypoint(name)(_queued(name, job, context))
            for name, expression in jobs.SCHEDULES.items():
                pgq.schedule(name, expression)(_scheduled(name, jobs.JOBS[name], context))
            stopper = asyncio.create_task(self._stop_on_signal(pgq))
            self.ready.set()
            try:
                await pgq.run(
                    dequeue_timeout=timedelta(seconds=5),
                    batch_size=max(1, self.settings.worker_concurrency // 2),
                    max_concurrent_tasks=self.settings.worker_concurrency,
                    shutdown_on_listener_failure=True,
                    heartbeat_timeout=HEARTBEAT,
                )
            finally:
                stopper.cancel()
        finally:
            connection.terminate()

    async def _stop_on_signal(self, pgq: PgQueuer) -> None:
        await self.stop.wait()
        pgq.shutdown.set()

    async def _fan_out(self, context: jobs.JobContext) -> None:
        # Woken by each outbox notification (several in a burst make one pass), and every
        # DISPATCH_EVERY_SECONDS in case the listening connection missed some.
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), DISPATCH_EVERY_SECONDS)
            self._wake.clear()
            try:
                await webhooks.dispatch(context.sessions)
            except Exception as exc:
                logger.warning("webhook fan-out failed", extra={"error": type(exc).__name__})
                await asyncio.sleep(RECONNECT_SECONDS)


class _DueNow(Queries):
    """Queries whose idea of "work left" is the jobs due now: a drain then stops when only
    later retries remain, instead of waiting out their backoff."""

    async def queued_work(self, entrypoints: list[QueueEntrypoint]) -> int:
        return await self.eligible_queued_work(entrypoints)


def _queued(name: str, job: jobs.Job, context: jobs.JobContext) -> Callable[[Job], Awaitable[None]]:
    async def run(queued: Job) -> None:
        await jobs.timed(name, job(context, read_payload(queued.payload)))

    return run


def _scheduled(
    name: str, job: jobs.Job, context: jobs.JobContext
) -> Callable[[Schedule], Awaitable[None]]:
    async def run(schedule: Schedule) -> None:
        await jobs.timed(name, job(context, {}))

    return run
