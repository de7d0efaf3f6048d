"""The queue's periodic jobs on a real database: the level scan, pruning, recompute-all."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import queue
from app.config import Settings
from app.noise import service as noise_service
from app.worker import jobs
from tests.api.test_writes import create_controversy

Sessions = async_sessionmaker[AsyncSession]


async def level_events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    page = await client.get("/v1/changes", params={"type": "noise.level_changed", "limit": 100})
    items: list[dict[str, Any]] = page.json()["data"]
    return items


async def make_loud(client: httpx.AsyncClient, card: dict[str, Any]) -> dict[str, Any]:
    url = f"/v1/controversies/{card['id']}/noise/inputs"
    etag = (await client.get(url)).headers["etag"]
    loud = {name: 95 for name in ("reach", "engagement", "star_power", "cross_platform")}
    response = await client.patch(
        url, json={"industry_impact": 95, "overrides": loud}, headers={"If-Match": etag}
    )
    assert response.status_code == 200, response.text
    noise: dict[str, Any] = (await client.get(f"/v1/controversies/{card['id']}")).json()["noise"]
    return noise


async def test_decay_alone_moving_the_band_is_announced_once(
    client: httpx.AsyncClient, sessionmaker: Sessions, settings: Settings
) -> None:
    card = await create_controversy(client)
    noise = await make_loud(client, card)
    announced = await level_events(client)
    assert announced[-1]["payload"]["to"] == noise["level"]

    # Nothing is due yet: a scan now announces nothing.
    now = datetime.now(UTC)
    assert await noise_service.scan_levels(sessionmaker, now=now, settings=settings) == 0
    # Weeks later, with no writes, the story has gone quieter by decay alone.
    later = now + timedelta(days=21)
    assert await noise_service.scan_levels(sessionmaker, now=later, settings=settings) == 1
    after = await level_events(client)
    assert len(after) == len(announced) + 1
    moved = after[-1]
    quieter = (
        await client.get(f"/v1/controversies/{card['id']}/noise", params={"at": later.isoformat()})
    ).json()
    assert moved["payload"] == {
        "from": noise["level"],
        "to": quieter["level"],
        "score": quieter["score"],
    }
    assert moved["controversy_id"] == card["id"]
    # Said once: the same scan again finds nothing new.
    assert await noise_service.scan_levels(sessionmaker, now=later, settings=settings) == 0


async def test_the_scan_skips_archived_controversies(
    client: httpx.AsyncClient, sessionmaker: Sessions, settings: Settings
) -> None:
    card = await create_controversy(client)
    await make_loud(client, card)
    archived = await client.delete(f"/v1/controversies/{card['id']}", headers={"If-Match": "*"})
    assert archived.status_code == 204, archived.text
    later = datetime.now(UTC) + timedelta(days=21)
    assert await noise_service.scan_levels(sessionmaker, now=later, settings=settings) == 0


async def test_pruning_keeps_recent_events_and_those_not_yet_fanned_out(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    settings: Settings,
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    card = await create_controversy(client)
    for label in ("A", "B"):
        await client.post(f"/v1/controversies/{card['id']}/sides", json={"label": label})
    async with sessionmaker() as session, session.begin():
        ids = list(await session.scalars(text("SELECT id FROM outbox_events ORDER BY id")))
        assert len(ids) == 3
        # The first two are old; the dispatcher has fanned out only the first.
        await session.execute(
            text("UPDATE outbox_events SET occurred_at = now() - interval '8 days' WHERE id <= :i"),
            {"i": ids[1]},
        )
        await session.execute(
            text("UPDATE webhook_dispatch_cursor SET last_event_id = :i"), {"i": ids[0]}
        )
    context = jobs.JobContext(sessions=sessionmaker, client=httpx.AsyncClient(), settings=settings)
    await jobs.prune(context, {})
    async with sessionmaker() as session:
        left = list(await session.scalars(text("SELECT id FROM outbox_events ORDER BY id")))
    assert left == ids[1:]  # the old one fanned out went; the old one waiting stayed
    await context.client.aclose()


async def test_recompute_all_through_the_queue_goes_in_batches_and_reports_progress(
    client: httpx.AsyncClient,
    sessionmaker: Sessions,
    run_jobs: Callable[[], Awaitable[None]],
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(noise_service, "RECOMPUTE_BATCH", 2)
    for n in range(5):
        await create_controversy(client, slug=f"story-{n}")
    async with sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE controversies SET noise_composite = 0"))
        run_id = await noise_service.start_recompute_run(session)
        await queue.enqueue(session, queue.RECOMPUTE_ALL, queue.payload(run=run_id))
    await run_jobs()
    async with sessionmaker() as session:
        run = await noise_service.recompute_run(session, run_id)
        composites = list(await session.scalars(text("SELECT noise_composite FROM controversies")))
        runs = await session.scalar(
            text("SELECT count(*) FROM pgqueuer_log WHERE entrypoint = :e"),
            {"e": queue.RECOMPUTE_ALL},
        )
    assert (run.total, run.done, run.changed) == (5, 5, 5)
    assert run.finished_at is not None
    assert all(c > 0 for c in composites)
    assert runs >= 3  # three batches of at most two


async def test_a_run_that_is_finished_does_nothing_more(
    sessionmaker: Sessions, settings: Settings
) -> None:
    async with sessionmaker() as session, session.begin():
        run_id = await noise_service.start_recompute_run(session)
    assert not await noise_service.recompute_batch(
        sessionmaker, run_id, now=datetime.now(UTC), settings=settings
    )
    assert not await noise_service.recompute_batch(
        sessionmaker, uuid.uuid4(), now=datetime.now(UTC), settings=settings
    )
