"""What each job does: a thin layer from a queued payload to the feature that does the work."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import queue
from app.actors import service as actors_service
from app.config import Settings
from app.controversies.writes import rescore
from app.events import service as events_service
from app.noise import service as noise_service
from app.webhooks import delivery as webhooks
from app.worker import metrics
from app.writer import Author, Writer

logger = logging.getLogger(__name__)


@dataclass
class JobContext:
    """What every job is given: sessions of the worker's own pool, its HTTP client, settings."""

    sessions: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient
    settings: Settings


async def timed(name: str, work: Awaitable[object]) -> None:
    """Run a job's work with its metrics (and its failure logged, then raised to the queue)."""
    started = time.perf_counter()
    try:
        await work
    except Exception:
        metrics.JOBS.labels(name, "failed").inc()
        logger.exception("job failed", extra={"job": name})
        raise
    finally:
        metrics.JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    metrics.JOBS.labels(name, "done").inc()


async def deliver_webhook(context: JobContext, data: dict[str, object]) -> None:
    """One attempt of one delivery (and what follows: done, a retry queued, or failed)."""
    result = await webhooks.deliver(
        context.sessions,
        context.client,
        delivery_id=uuid.UUID(str(data["delivery"])),
        manual=bool(data.get("manual", False)),
        settings=context.settings,
    )
    if result.outcome is not None:
        outcome = "succeeded" if result.outcome.succeeded else "failed"
        metrics.WEBHOOK_ATTEMPTS.labels(outcome).inc()
        metrics.WEBHOOK_ATTEMPT_SECONDS.observe(result.outcome.latency_ms / 1000)
    if result.finished is not None:
        metrics.WEBHOOK_DELIVERIES.labels(result.finished).inc()
    if result.lag_seconds is not None:
        metrics.WEBHOOK_DELIVERY_LAG.observe(max(result.lag_seconds, 0.0))


async def dispatch_webhooks(context: JobContext, data: dict[str, object]) -> None:
    """Fan new outbox events out to deliveries."""
    await webhooks.dispatch(context.sessions)


async def recompute_actor(context: JobContext, data: dict[str, object]) -> None:
    """Rescore every controversy an actor stands in (its influence changed)."""
    actor_id = uuid.UUID(str(data["actor"]))
    author = Author(actor=str(data.get("author") or "worker"))
    async with context.sessions() as session:
        ids = await actors_service.controversies_of(session, actor_id)
    for controversy_id in ids:
        async with context.sessions() as session, session.begin():
            writer = Writer(
                session=session, author=author, now=datetime.now(UTC), settings=context.settings
            )
            await rescore(writer, controversy_id)


async def recompute_all(context: JobContext, data: dict[str, object]) -> None:
    """One batch of a `recompute-all` run, then the next batch's job."""
    run_id = uuid.UUID(str(data["run"]))
    more = await noise_service.recompute_batch(
        context.sessions, run_id, now=datetime.now(UTC), settings=context.settings
    )
    if more:
        async with context.sessions() as session, session.begin():
            await queue.enqueue(session, queue.RECOMPUTE_ALL, queue.payload(run=run_id))


async def scan_levels(context: JobContext, data: dict[str, object]) -> None:
    """Announce level bands moved by decay alone."""
    moved = await noise_service.scan_levels(
        context.sessions, now=datetime.now(UTC), settings=context.settings
    )
    if moved:
        logger.info("noise levels moved by decay", extra={"moved": moved})


async def prune(context: JobContext, data: dict[str, object]) -> None:
    """Forget what is past its retention: outbox events (never those not yet fanned out to
    webhooks), finished deliveries; and disable endpoints failing for too long."""
    now = datetime.now(UTC)
    settings = context.settings
    async with context.sessions() as session, session.begin():
        cursor = await webhooks.dispatch_cursor(session)
        events = await events_service.prune(
            session,
            older_than=now - timedelta(days=settings.outbox_retention_days),
            keep_after_id=cursor,
        )
    deliveries = await webhooks.prune_deliveries(context.sessions, now=now, settings=settings)
    disabled = await webhooks.disable_long_failing(context.sessions, now=now, settings=settings)
    logger.info(
        "pruned",
        extra={"events": events, "deliveries": deliveries, "webhooks_disabled": disabled},
    )


Job = Callable[[JobContext, dict[str, object]], Awaitable[None]]

# Every queued job by name; the scheduled ones also run on their cron schedule.
JOBS: dict[str, Job] = {
    queue.DELIVER_WEBHOOK: deliver_webhook,
    queue.DISPATCH_WEBHOOKS: dispatch_webhooks,
    queue.RECOMPUTE_ACTOR: recompute_actor,
    queue.RECOMPUTE_ALL: recompute_all,
    queue.SCAN_LEVELS: scan_levels,
    queue.PRUNE: prune,
}
SCHEDULES: dict[str, str] = {
    # A safety net: the worker fans out on every outbox notification already.
    queue.DISPATCH_WEBHOOKS: "* * * * *",
    queue.SCAN_LEVELS: "* * * * *",
    queue.PRUNE: "17 * * * *",
}
