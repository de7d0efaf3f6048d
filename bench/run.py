"""Benchmarks: card and list latency, mention ingest throughput. Prints figures; asserts nothing.

    .venv/bin/python bench/run.py                       # embedded PostgreSQL
    BENCH_SERVER_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/run.py

Runs the app in-process (httpx over ASGI): the figures are app + database, without a network.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.demo.loader import load_demo
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate
from app.main import create_app
from app.migrations import upgrade

SYNTHETIC = int(os.environ.get("BENCH_CONTROVERSIES", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))


def _database(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


async def _admin(server: str, sql: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _latency(name: str, call: Callable[[], Awaitable[httpx.Response]]) -> None:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = await call()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{name:<38} p50 {statistics.median(timings):6.2f} ms   p95 {p95:6.2f} ms")


async def _synthetic(url: str, n: int) -> None:
    connection = await asyncpg.connect(url)
    now = datetime.now(UTC)
    try:
        await connection.execute(
            "INSERT INTO controversies (id, slug, title, category, stage, summary,"
            " noise_composite, last_activity_at, hot_key)"
            " SELECT gen_random_uuid(), 'bench-' || i, 'Benchmark story ' || i, 'other',"
            " 'emerging', 'A synthetic story for the benchmark.', (i % 100)::float8,"
            " $1::timestamptz - (i || ' minutes')::interval,"
            " log(2.0, greatest((i % 100)::numeric, 1e-9))::float8"
            "   + extract(epoch FROM $1::timestamptz - (i || ' minutes')::interval) / 604800"
            " FROM generate_series(1, $2) AS i",
            now,
            n,
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def main() -> None:
    server = os.environ.get("BENCH_SERVER_URL")
    embedded = None
    if server is None:
        from app.embedded import EmbeddedPostgres

        embedded = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="controversy-bench-")))
        server = embedded.start()
    name = f"ct_bench_{uuid.uuid4().hex[:8]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    url = _database(server, name)
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(database_url=url, seed_demo_on_empty=False)
        engine = make_engine(url, settings)
        async with make_sessionmaker(engine)() as session, session.begin():
            await load_demo(session, settings=settings)
            key = await keys_service.create_key(
                session,
                data=KeyCreate.model_validate(
                    {
                        "name": "bench",
                        "kind": "secret",
                        "scopes": ["read", "write"],
                        "rate_limit": 1_000_000,
                    }
                ),
                settings=settings,
            )
        await engine.dispose()
        await _synthetic(url, SYNTHETIC)
        app = create_app(settings, database_url=url)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {key.key}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers
            ) as client:
                print(f"{SYNTHETIC + 11} controversies, {ROUNDS} requests per figure")
                await _latency(
                    "GET card (gpt-2-staged-release)",
                    lambda: client.get("/v1/controversies/gpt-2-staged-release"),
                )
                await _latency(
                    "GET list sort=noise limit=20", lambda: client.get("/v1/controversies")
                )
                await _latency(
                    "GET list q=copyright",
                    lambda: client.get("/v1/controversies", params={"q": "copyright"}),
                )
                await _latency(
                    "GET timeline",
                    lambda: client.get("/v1/controversies/gpt-2-staged-release/timeline"),
                )
                await _ingest(client)
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if embedded is not None:
            embedded.stop()


async def _ingest(client: httpx.AsyncClient) -> None:
    base = datetime.now(UTC) - timedelta(days=1)
    batches = [
        [
            {
                "platform": ("hackernews", "reddit", "x", "bluesky")[i % 4],
                "external_id": f"bench-{b}-{i}",
                "published_at": (base + timedelta(seconds=b * 1000 + i)).isoformat(),
                "audience": i * 10,
                "score": i,
                "comments": i % 13,
            }
            for i in range(1000)
        ]
        for b in range(20)
    ]
    path = "/v1/controversies/gpt-2-staged-release/mentions"
    started = time.perf_counter()
    for batch in batches:
        response = await client.post(path, json={"mentions": batch})
        assert response.status_code == 200, response.text
    elapsed = time.perf_counter() - started
    print(f"{'ingest 20 × 1,000 new mentions':<38} {20_000 / elapsed:8.0f} mentions/s")
    started = time.perf_counter()
    for batch in batches:
        await client.post(path, json={"mentions": batch})
    elapsed = time.perf_counter() - started
    print(f"{'re-ingest the same (all unchanged)':<38} {20_000 / elapsed:8.0f} mentions/s")
    concurrent = [
        [{**m, "external_id": f"{m['external_id']}-c"} for m in batch] for batch in batches
    ]
    started = time.perf_counter()
    await asyncio.gather(*(client.post(path, json={"mentions": b}) for b in concurrent))
    elapsed = time.perf_counter() - started
    print(f"{'20 concurrent batches to one story':<38} {20_000 / elapsed:8.0f} mentions/s")


if __name__ == "__main__":
    asyncio.run(main())
