"""Acknowledged means committed: the API as a `serve` subprocess behind a fault proxy.

Every check of what the database holds goes to it directly, never through the proxy, so no
fault can hide what was really committed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from app.migrations import upgrade
from tests.faults.pgproxy import PgProxy, upstream_from_url
from tests.servers import ServedApi, create_key, served_api

# Short limits so a fault is felt in seconds: the pool wait and the per-statement limits.
POOL_TIMEOUT = 1.0
STATEMENT_TIMEOUT_MS = 2000
COMMAND_TIMEOUT = STATEMENT_TIMEOUT_MS / 1000 + 1.0
FAULT_ENV = {
    "DB_POOL_TIMEOUT_SECONDS": str(POOL_TIMEOUT),
    "DB_CONNECT_TIMEOUT_SECONDS": "1",
    "DB_STATEMENT_TIMEOUT_MS": str(STATEMENT_TIMEOUT_MS),
}
# The most a request may wait on a sick database: a pool wait, then one statement, plus the
# time to close what broke and answer. A bound on hanging, not a speed target.
WORST_WAIT = POOL_TIMEOUT + COMMAND_TIMEOUT + 3.0


@pytest.fixture(scope="module")
def served_database(fresh_database: Callable[[], str]) -> str:
    url = fresh_database()
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def proxy(served_database: str) -> Iterator[PgProxy]:
    with PgProxy(upstream_from_url(served_database)) as running:
        yield running


@pytest.fixture(scope="module")
def api(served_database: str, proxy: PgProxy) -> Iterator[ServedApi]:
    key = create_key(served_database)
    with served_api(proxy.url_for(served_database), key=key, env=FAULT_ENV) as served:
        yield served


@pytest.fixture(autouse=True)
def healthy(proxy: PgProxy) -> Iterator[None]:
    proxy.reset()
    yield
    proxy.reset()


async def count(url: str, sql: str, *args: Any) -> int:
    """A count read straight from the database (not through the proxy)."""
    connection = await asyncpg.connect(url)
    try:
        value: int = await connection.fetchval(sql, *args)
        return value
    finally:
        await connection.close()


async def settled_count(url: str, sql: str, *args: Any, within: float = 2.0) -> int:
    """The count once a cut connection's transaction has settled: a backend that received its
    COMMIT may still be committing when the client has already been answered."""
    deadline = asyncio.get_running_loop().time() + within
    value = await count(url, sql, *args)
    while value == 0 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        value = await count(url, sql, *args)
    return value


async def new_controversy(http: httpx.AsyncClient) -> str:
    slug = f"fault-{uuid.uuid4().hex[:10]}"
    response = await http.post(
        "/v1/controversies",
        json={"slug": slug, "title": "A story", "category": "safety", "stage": "emerging"},
    )
    assert response.status_code == 201, response.text
    controversy_id: str = response.json()["id"]
    return controversy_id


def milestone(title: str) -> dict[str, str]:
    return {"occurred_at": "2026-11-01T00:00:00Z", "title": title, "kind": "other"}


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0


async def wait_until_healthy(http: httpx.AsyncClient, path: str, within: float = 15.0) -> float:
    """Seconds until `path` answers 200 again."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if (await http.get(path)).status_code == 200:
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} did not recover within {within} s")


# ----------------------------------------------------------------------- commits


async def test_a_write_whose_commit_is_cut_is_never_acknowledged(
    api: ServedApi, proxy: PgProxy, served_database: str
) -> None:
    async with api.client() as http:
        controversy_id = await new_controversy(http)
        title = f"cut-{uuid.uuid4().hex}"
        cuts = proxy.stats().cuts
        proxy.cut_at(b"COMMIT", when="before")
        response = await http.post(
            f"/v1/controversies/{controversy_id}/events", json=milestone(title)
        )
        assert proxy.stats().cuts == cuts + 1
        assert_unavailable(response)
        rows = "SELECT count(*) FROM timeline_events WHERE title = $1"
        assert await count(served_database, rows, title) == 0
        # The service recovers by itself: the same write now goes through, once.
        retried = await http.post(
            f"/v1/controversies/{controversy_id}/events", json=milestone(title)
        )
        assert retried.status_code == 201, retried.text
        assert (await http.get(retried.headers["location"])).status_code == 200
        assert await count(served_database, rows, title) == 1


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_retry_with_the_same_key_after_a_cut_commit_makes_exactly_one_row(
    api: ServedApi, proxy: PgProxy, served_database: str, when: str
) -> None:
    async with api.client() as http:
        controversy_id = await new_controversy(http)
        title = f"retry-{when}-{uuid.uuid4().hex}"
        url = f"/v1/controversies/{controversy_id}/events"
        headers = {"Idempotency-Key": f"key-{title}"}
        cuts = proxy.stats().cuts
        proxy.cut_at(b"COMMIT", when=when)  # type: ignore[arg-type]
        first = await http.post(url, json=milestone(title), headers=headers)
        assert proxy.stats().cuts == cuts + 1
        assert_unavailable(first)  # never a 2xx for a write whose COMMIT was not confirmed
        rows = "SELECT count(*) FROM timeline_events WHERE title = $1"
        committed = await settled_count(served_database, rows, title)
        if when == "before":
            assert committed == 0
        # After the COMMIT went out, the server decides: it commits when the whole message
        # (through its Sync) arrived before the cut, and rolls back otherwise. Either way the
        # client was told 503, and the retry below must make exactly one row.
        assert committed in (0, 1)

        # The database is healthy again: the retry is answered at once, never a lasting 409.
        retry = await http.post(url, json=milestone(title), headers=headers)
        assert retry.status_code == 201, retry.text
        replayed = retry.headers.get("idempotent-replayed") == "true"
        assert replayed == (committed == 1)
        again = await http.post(url, json=milestone(title), headers=headers)
        assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
        assert again.json() == retry.json()
        assert await count(served_database, rows, title) == 1


async def test_five_hundred_creates_are_each_readable_at_once(
    api: ServedApi, served_database: str
) -> None:
    misses = 0
    async with api.client() as http:
        controversy_id = await new_controversy(http)
        for index in range(500):
            created = await http.post(
                f"/v1/controversies/{controversy_id}/events",
                json=milestone(f"sequential-{index}"),
                headers={"Idempotency-Key": f"seq-{controversy_id}-{index}"},
            )
            assert created.status_code == 201, created.text
            read = await http.get(created.headers["location"])
            misses += read.status_code != 200
            # The answer of the first attempt is already stored: a retry replays it.
            if index % 50 == 0:
                retry = await http.post(
                    f"/v1/controversies/{controversy_id}/events",
                    json=milestone(f"sequential-{index}"),
                    headers={"Idempotency-Key": f"seq-{controversy_id}-{index}"},
                )
                assert retry.headers.get("idempotent-replayed") == "true", retry.text
    assert misses == 0
    rows = "SELECT count(*) FROM timeline_events WHERE title LIKE 'sequential-%'"
    assert await count(served_database, rows) == 500


async def test_an_etag_read_right_after_a_write_is_current(api: ServedApi) -> None:
    async with api.client() as http:
        controversy_id = await new_controversy(http)
        for index in range(50):
            mention = {
                "platform": "reddit",
                "external_id": f"{controversy_id}-{index}",
                "url": "https://example.com/post",
                "published_at": "2026-11-01T00:00:00Z",
                "score": index,
            }
            ingested = await http.post(
                f"/v1/controversies/{controversy_id}/mentions", json={"mentions": [mention]}
            )
            assert ingested.status_code == 200, ingested.text
            card = await http.get(f"/v1/controversies/{controversy_id}")
            patched = await http.patch(
                f"/v1/controversies/{controversy_id}",
                json={"summary": f"revision {index}"},
                headers={"If-Match": card.headers["etag"]},
            )
            assert patched.status_code == 200, patched.text


# ------------------------------------------------------------------ sick database


async def test_a_frozen_database_gives_fast_503s_then_recovers(
    api: ServedApi, proxy: PgProxy
) -> None:
    async with api.client(timeout=60) as http:
        controversy_id = await new_controversy(http)
        paths = [
            f"/v1/controversies/{controversy_id}",
            "/v1/controversies?sort=recent",
            f"/v1/controversies/{controversy_id}/timeline",
        ]

        async def timed(path: str) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            response = await http.get(path)
            return response, time.monotonic() - started

        proxy.freeze()
        results = await asyncio.gather(*(timed(paths[i % len(paths)]) for i in range(30)))
        ready, ready_wait = await timed("/readyz")
        proxy.thaw()

        statuses = Counter(response.status_code for response, _ in results)
        assert set(statuses) <= {200, 503}, statuses
        for response, _ in results:
            if response.status_code == 503:
                assert_unavailable(response)
        assert statuses[503] > 0  # nothing can be read from a frozen database
        worst = max(waited for _, waited in results)
        assert worst < WORST_WAIT, f"a request waited {worst:.1f} s on a frozen database"
        assert ready.status_code == 503 and ready_wait < WORST_WAIT
        await wait_until_healthy(http, paths[0])
        await wait_until_healthy(http, "/readyz")


async def test_a_database_that_is_starting_up_is_503_not_500(
    api: ServedApi, proxy: PgProxy
) -> None:
    async with api.client() as http:
        controversy_id = await new_controversy(http)
        proxy.drop_all()
        proxy.starting_up(True)
        answers = [
            await http.get(f"/v1/controversies/{controversy_id}"),
            await http.post(f"/v1/controversies/{controversy_id}/events", json=milestone("x")),
            await http.get("/v1/controversies"),
        ]
        for response in answers:
            assert_unavailable(response)
        assert (await http.get("/readyz")).status_code == 503
        proxy.starting_up(False)
        await wait_until_healthy(http, f"/v1/controversies/{controversy_id}")


async def test_dropped_and_refused_connections_are_503_then_recover(
    api: ServedApi, proxy: PgProxy
) -> None:
    async with api.client() as http:
        controversy_id = await new_controversy(http)
        proxy.refuse(True)
        proxy.drop_all()
        answers = [await http.get(f"/v1/controversies/{controversy_id}") for _ in range(5)]
        for response in answers:
            assert_unavailable(response)
        proxy.refuse(False)
        await wait_until_healthy(http, f"/v1/controversies/{controversy_id}")
