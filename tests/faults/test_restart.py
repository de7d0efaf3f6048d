"""A real PostgreSQL stopped and started again under a read loop: only 2xx and 503, then back.

The server is an embedded PostgreSQL of this test alone (the one the wheel ships), so stopping
it disturbs nothing else; the API is a real `serve` process reading over a real socket.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from app.embedded import EmbeddedPostgres
from app.migrations import upgrade
from tests.servers import ServedApi, create_key, served_api

ENV = {"DB_POOL_TIMEOUT_SECONDS": "1", "DB_CONNECT_TIMEOUT_SECONDS": "1"}


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[tuple[EmbeddedPostgres, str]]:
    # mkdtemp, not tmp_path: as root the embedded server's own user must reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="controversy-restart-"))
    embedded = EmbeddedPostgres(folder)
    try:
        url = embedded.start()
        yield embedded, url
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def api(own_postgres: tuple[EmbeddedPostgres, str]) -> Iterator[ServedApi]:
    _, server_url = own_postgres
    name = f"restart_{uuid.uuid4().hex[:8]}"
    asyncio.run(_create_database(server_url, name))
    url = server_url.replace("/postgres?", f"/{name}?")
    upgrade(url)
    with served_api(url, key=create_key(url), env=ENV) as served:
        yield served


async def _create_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _restart(embedded: EmbeddedPostgres, down_for: float) -> None:
    server: Any = embedded._server
    server.stop()  # pg_ctl stop: sessions are ended (57P01), new ones refused
    time.sleep(down_for)
    server.ensure_postgres_running()  # pg_ctl start, then waits until it accepts connections


async def test_a_restart_under_reads_gives_only_2xx_and_503_then_recovers(
    own_postgres: tuple[EmbeddedPostgres, str], api: ServedApi
) -> None:
    embedded, _ = own_postgres
    async with api.client(timeout=30) as http:
        created = await http.post(
            "/v1/controversies",
            json={"slug": "restart", "title": "A story", "category": "other", "stage": "emerging"},
        )
        assert created.status_code == 201, created.text
        paths = ["/v1/controversies/restart", "/v1/controversies?sort=recent", "/readyz"]
        statuses: Counter[int] = Counter()
        unexpected: list[str] = []
        restarted_at: float | None = None
        recovered_at: float | None = None
        streak = 0

        restart = asyncio.create_task(asyncio.to_thread(_restart, embedded, 2.0))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for path in paths:
                response = await http.get(path)
                statuses[response.status_code] += 1
                if response.status_code not in (200, 503):
                    unexpected.append(f"{path} {response.status_code} {response.text[:200]}")
                elif response.status_code == 503:
                    assert int(response.headers["retry-after"]) > 0
                ok = response.status_code == 200
                streak = streak + 1 if ok else 0
            if restart.done() and restarted_at is None:
                await restart
                restarted_at = time.monotonic()
            if restarted_at is not None and streak >= 3 * len(paths):
                recovered_at = time.monotonic()
                break
            await asyncio.sleep(0.05)

    assert not unexpected, unexpected
    assert statuses[503] > 0, statuses  # the outage was seen, and answered as such
    assert restarted_at is not None and recovered_at is not None, statuses
    assert recovered_at - restarted_at < 15, "the service did not recover by itself"
