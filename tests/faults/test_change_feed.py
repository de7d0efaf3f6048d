"""Caches across processes: two real `serve` processes on one database, over real sockets.

What one process writes, the other learns from PostgreSQL's notifications: a revoked key is
refused everywhere within a second, a changed card is served fresh everywhere within a second,
and the process that wrote never serves its own stale copy.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import httpx

from tests.servers import ServedApi, create_key


async def new_controversy(http: httpx.AsyncClient) -> str:
    slug = f"feed-{uuid.uuid4().hex[:10]}"
    body = {"slug": slug, "title": "A story", "category": "safety", "stage": "emerging"}
    response = await http.post("/v1/controversies", json=body)
    assert response.status_code == 201, response.text
    return slug


async def seconds_until(check: Callable[[], object], within: float = 5.0) -> float:
    """How long until `check()` (a coroutine) returns True; fails after `within` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if await check():  # type: ignore[misc]
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {within} s")


async def test_a_key_revoked_on_one_process_is_refused_by_the_other_within_a_second(
    first: ServedApi, second: ServedApi, shared_database: str
) -> None:
    reader = create_key(shared_database, scopes="read")
    headers = {"Authorization": f"Bearer {reader}"}
    async with first.client() as on_first, second.client() as on_second:
        # Both processes have authenticated it, so both hold it in memory.
        assert (await on_first.get("/v1/categories", headers=headers)).status_code == 200
        assert (await on_second.get("/v1/categories", headers=headers)).status_code == 200
        key_id = next(
            key["id"]
            for key in (await on_first.get("/v1/keys", params={"limit": 100})).json()["data"]
            if key["revoked_at"] is None and key["scopes"] == ["read"]
        )
        revoked = await on_first.delete(f"/v1/keys/{key_id}")
        assert revoked.status_code == 200
        # The process that revoked it refuses it at once.
        assert (await on_first.get("/v1/categories", headers=headers)).status_code == 401

        async def refused_by_second() -> bool:
            response = await on_second.get("/v1/categories", headers=headers)
            return response.status_code == 401

        assert await seconds_until(refused_by_second) < 1.0


async def test_a_card_changed_on_one_process_is_fresh_on_the_other_within_a_second(
    first: ServedApi, second: ServedApi
) -> None:
    async with first.client() as on_first, second.client() as on_second:
        slug = await new_controversy(on_first)
        card = await on_second.get(f"/v1/controversies/{slug}")  # now cached by the second
        assert card.status_code == 200
        assert (await on_second.get(f"/v1/controversies/{slug}")).json()["title"] == "A story"
        changed = await on_first.patch(
            f"/v1/controversies/{slug}",
            json={"title": "A new title"},
            headers={"If-Match": card.headers["etag"]},
        )
        assert changed.status_code == 200

        async def fresh_on_second() -> bool:
            title: str = (await on_second.get(f"/v1/controversies/{slug}")).json()["title"]
            return title == "A new title"

        assert await seconds_until(fresh_on_second) < 1.0

        async def listed_on_second() -> bool:
            page = (await on_second.get("/v1/controversies", params={"sort": "created"})).json()
            return any(item["title"] == "A new title" for item in page["data"])

        assert await seconds_until(listed_on_second) < 1.0


async def test_the_writing_process_reads_its_own_writes_every_time(first: ServedApi) -> None:
    stale = 0
    async with first.client() as http:
        slug = await new_controversy(http)
        etag = (await http.get(f"/v1/controversies/{slug}")).headers["etag"]
        for attempt in range(500):
            summary = f"revision {attempt}"
            written = await http.patch(
                f"/v1/controversies/{slug}", json={"summary": summary}, headers={"If-Match": etag}
            )
            assert written.status_code == 200, written.text
            read = await http.get(f"/v1/controversies/{slug}")
            stale += read.json()["summary"] != summary
            etag = read.headers["etag"]
            if attempt % 50 == 0:
                listed = await http.get("/v1/controversies", params={"sort": "created"})
                summaries = {item["slug"]: item["summary"] for item in listed.json()["data"]}
                stale += summaries.get(slug) != summary
    assert stale == 0


async def test_concurrent_resolutions_keep_the_track_record_exact_on_every_process(
    first: ServedApi, second: ServedApi
) -> None:
    """Resolutions for one generator race on two processes: the maintained record (serialised
    by its advisory lock) still equals a fresh aggregate, and both processes' cached cards show
    the new record within a second (the record's trigger drops every card)."""
    generator = f"racer-{uuid.uuid4().hex[:8]}"
    async with first.client() as one, second.client() as two:
        targets = []
        for _ in range(8):
            slug = await new_controversy(one)
            scenario = {"title": "S", "probability": 0.7, "horizon": "2026-06-30"}
            body = {
                "generated_by": generator,
                "generated_at": "2026-01-01T00:00:00Z",
                "scenarios": [scenario],
            }
            made = await one.post(f"/v1/controversies/{slug}/forecasts", json=body)
            assert made.status_code == 201, made.text
            forecast = made.json()
            sid = forecast["scenarios"][0]["id"]
            targets.append(
                (slug, f"/v1/controversies/{slug}/forecasts/{forecast['id']}/scenarios/{sid}")
            )
        watched = targets[0][0]
        # Both processes cache the watched card with an empty record first.
        for http in (one, two):
            card = (await http.get(f"/v1/controversies/{watched}")).json()
            assert card["forecast"]["generator_track_record"]["n"] == 0

        async def resolve(http: httpx.AsyncClient, url: str) -> int:
            body = {"outcome": "happened", "resolved_at": "2026-07-01T00:00:00Z"}
            answer = await http.put(f"{url}/resolution", json=body, headers={"If-Match": 'W/"1"'})
            return answer.status_code

        statuses = await asyncio.gather(
            *(resolve(one if i % 2 else two, url) for i, (_, url) in enumerate(targets))
        )
        assert statuses == [200] * 8
        maintained = (
            await one.get("/v1/forecasts/track-record", params={"generated_by": generator})
        ).json()
        aggregated = (
            await two.get(
                "/v1/forecasts/track-record",
                params={"generated_by": generator, "from": "2026-01-01T00:00:00Z"},
            )
        ).json()
        assert (maintained["n"], maintained["brier"]) == (8, 0.09)
        assert maintained == aggregated

        for http in (one, two):

            async def shows_eight(http: httpx.AsyncClient = http) -> bool:
                card = (await http.get(f"/v1/controversies/{watched}")).json()
                return bool(card["forecast"]["generator_track_record"]["n"] == 8)

            assert await seconds_until(shows_eight, within=1.0) < 1.0
