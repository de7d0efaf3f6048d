"""Webhooks and the job queue with real processes: `serve` and `controversy-api worker`
subprocesses on one database, a receiver on a loopback port checking signatures."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.receiver import Answer, running_receiver
from tests.servers import BIN, ServedApi, _env, running_worker, served_api

WORKER_ENV = {
    "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
}


@pytest.fixture(scope="module")
def api(shared_database: str) -> Iterator[ServedApi]:
    # The API alone: the work is left to the worker processes below.
    env = {**WORKER_ENV, "WORKER_IN_PROCESS": "false"}
    with served_api(shared_database, env=env) as served:
        yield served


async def create_webhook(http: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await http.post("/v1/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def events_since(http: httpx.AsyncClient, after_id: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = (await http.get("/v1/changes", params=params)).json()
        found += [e for e in page["data"] if e["id"] > after_id]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


async def newest_event_id(http: httpx.AsyncClient) -> int:
    events = await events_since(http, 0)
    return max((e["id"] for e in events), default=0)


async def test_two_workers_deliver_each_event_exactly_once(
    api: ServedApi,
    shared_database: str,
) -> None:
    with (
        running_receiver() as receiver,
        running_worker(shared_database, env=WORKER_ENV),
        running_worker(shared_database, env=WORKER_ENV),
    ):
        async with api.client() as http:
            webhook = await create_webhook(http, receiver.url)
            start = await newest_event_id(http)

            async def story(n: int) -> None:
                made = await http.post(
                    "/v1/controversies",
                    json={"slug": f"twice-{n}", "title": f"Story {n}", "category": "safety",
                          "stage": "emerging"},
                )  # fmt: skip
                assert made.status_code == 201, made.text
                side = await http.post(f"/v1/controversies/{made.json()['id']}/sides",
                                       json={"label": "For"})  # fmt: skip
                assert side.status_code == 201, side.text

            await asyncio.gather(*(story(n) for n in range(40)))
            expected = await events_since(http, start)
            assert len(expected) == 80
            got = receiver.wait_for(len(expected), timeout=60)
            await asyncio.sleep(1.0)  # anything sent twice would arrive by now
            got = receiver.snapshot()
    messages = [r.verified(webhook["secret"]) for r in got]
    assert len({r.id for r in got}) == len(got) == len(expected)
    assert sorted(m["data"]["id"] for m in messages) == sorted(e["id"] for e in expected)


async def test_a_receiver_that_fails_then_recovers_gets_the_event_once(
    api: ServedApi,
    shared_database: str,
) -> None:
    answers = (Answer(500), Answer(502), Answer(200))
    with running_receiver(*answers) as receiver, running_worker(shared_database, env=WORKER_ENV):
        async with api.client() as http:
            webhook = await create_webhook(http, receiver.url, event_types=["controversy.created"])
            made = await http.post(
                "/v1/controversies",
                json={"slug": "flaky", "title": "Flaky", "category": "safety", "stage": "emerging"},
            )
            assert made.status_code == 201
            receiver.wait_for(3, timeout=30)
            deliveries = await _settled(http, webhook)
    got = receiver.snapshot()
    assert len(got) == 3 and len({r.id for r in got}) == 1
    assert got[-1].verified(webhook["secret"])["data"]["controversy_slug"] == "flaky"
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("succeeded", 3)]


async def _settled(http: httpx.AsyncClient, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    for _ in range(100):
        page = await http.get(f"/v1/webhooks/{webhook['id']}/deliveries")
        items: list[dict[str, Any]] = page.json()["data"]
        if items and all(d["status"] != "pending" for d in items):
            return items
        await asyncio.sleep(0.1)
    raise AssertionError("the deliveries did not settle")


async def test_an_influence_change_is_rescored_by_a_worker(
    api: ServedApi,
    shared_database: str,
) -> None:
    async with api.client() as http:
        made = await http.post(
            "/v1/controversies",
            json={"slug": "rescored", "title": "R", "category": "safety", "stage": "emerging"},
        )
        cid = made.json()["id"]
        actor = (await http.post("/v1/actors", json={"name": "A lab", "kind": "organization",
                                                      "influence": 30})).json()  # fmt: skip
        side = (await http.post(f"/v1/controversies/{cid}/sides", json={"label": "A"})).json()
        await http.post(
            f"/v1/controversies/{cid}/sides/{side['id']}/stances", json={"actor_id": actor["id"]}
        )
        noise_url = f"/v1/controversies/{cid}/noise"
        assert (await http.get(noise_url)).json()["components"]["star_power"]["value"] == 10
        changed = await http.patch(
            f"/v1/actors/{actor['id']}", json={"influence": 90}, headers={"If-Match": "*"}
        )
        assert changed.status_code == 200
        # No worker yet: the job waits on the queue, committed with the change.
        assert (await http.get(noise_url)).json()["components"]["star_power"]["value"] == 10
        with running_worker(shared_database, env=WORKER_ENV):
            for _ in range(100):
                star = (await http.get(noise_url)).json()["components"]["star_power"]["value"]
                if star == 30:
                    break
                await asyncio.sleep(0.1)
    assert star == 30


async def test_readiness_does_not_wait_for_a_slow_receiver(shared_database: str) -> None:
    env = {**WORKER_ENV, "WORKER_IN_PROCESS": "true", "WEBHOOK_TIMEOUT_SECONDS": "30"}
    with (
        running_receiver(Answer(200, delay=8.0)) as receiver,
        served_api(shared_database, env=env) as served,
    ):
        async with served.client() as http:
            await create_webhook(http, receiver.url)
            for n in range(15):
                await http.post(
                    "/v1/controversies",
                    json={"slug": f"slow-{n}", "title": "S", "category": "safety",
                          "stage": "emerging"},
                )  # fmt: skip
            receiver.wait_for(10, timeout=30)  # the worker is now waiting on the receiver
            assert len(receiver.snapshot()) < 30
            ready = await http.get("/readyz", timeout=2.0)
            assert ready.status_code == 200, ready.text
            listed = await http.get("/v1/controversies", params={"limit": 5}, timeout=2.0)
            assert listed.status_code == 200
            metrics = (await http.get("/metrics", timeout=2.0)).text
    assert 'job_queue_depth{job="webhooks.deliver",status="picked"}' in metrics


def test_recompute_all_waits_for_the_workers_and_shows_progress(
    api: ServedApi,
    shared_database: str,
) -> None:
    with running_worker(shared_database, env=WORKER_ENV):
        result = subprocess.run(
            [str(BIN), "recompute-all"],
            env=_env(shared_database, {"LOG_LEVEL": "ERROR"}),
            capture_output=True,
            timeout=120,
            check=True,
        )
    summary = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert summary["finished"] is True
    assert summary["recomputed"] > 0
    assert f"recomputed {summary['recomputed']:,} of" in result.stderr.decode()
