"""The job queue: PgQueuer's tables in our PostgreSQL (migration 0007), and how jobs get on it.

Jobs are enqueued in the caller's transaction — on the same connection — so a job exists
exactly when the write that wanted it committed; PgQueuer's trigger wakes the workers with a
NOTIFY at COMMIT. Workers (app/worker) take jobs with `FOR UPDATE SKIP LOCKED`, so each job
runs once however many of them there are. This module knows only the job names and payloads;
the work itself is in the features the worker calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
from pgqueuer import Queries
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Job names (PgQueuer entrypoints).
DELIVER_WEBHOOK = "webhooks.deliver"
DISPATCH_WEBHOOKS = "webhooks.dispatch"
RECOMPUTE_ACTOR = "noise.recompute_actor"
RECOMPUTE_ALL = "noise.recompute_all"
SCAN_LEVELS = "noise.scan_levels"
PRUNE = "maintenance.prune"

QUEUE_TABLE = "pgqueuer"


async def _queries(session: AsyncSession) -> Queries:
    # The session's own asyncpg connection: the INSERT joins the caller's transaction.
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return Queries.from_asyncpg_connection(raw.driver_connection)


def payload(**values: Any) -> bytes:
    """A job's payload: JSON (ids as text)."""
    return orjson.dumps(values, default=str)


def read_payload(data: bytes | None) -> dict[str, Any]:
    """A job's payload back as a dict."""
    found = orjson.loads(data or b"{}")
    return found if isinstance(found, dict) else {}


async def enqueue(
    session: AsyncSession,
    entrypoint: str,
    data: bytes,
    *,
    after: timedelta | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Put one job on the queue in this transaction (`after`: not before then; `dedupe_key`:
    skipped while a job with the same key is still queued)."""
    queries = await _queries(session)
    await queries.enqueue(
        entrypoint, data, execute_after=after, dedupe_key=dedupe_key, on_conflict="skip"
    )


async def enqueue_many(session: AsyncSession, entrypoint: str, items: Sequence[bytes]) -> None:
    """Put several jobs of one kind on the queue in this transaction, in one statement."""
    if not items:
        return
    queries = await _queries(session)
    await queries.enqueue(
        [entrypoint] * len(items), list(items), [0] * len(items), on_conflict="skip"
    )


async def depth(session: AsyncSession) -> list[tuple[str, str, int]]:
    """Jobs on the queue by name and status (queued, picked, …)."""
    rows = await session.execute(
        text(f"SELECT entrypoint, status::text, count(*) FROM {QUEUE_TABLE} GROUP BY 1, 2")
    )
    return [(str(name), str(status), int(count)) for name, status, count in rows.all()]
