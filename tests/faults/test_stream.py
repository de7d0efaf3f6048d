"""The live stream over real sockets against `serve` processes: what a write commits reaches
every process's streams, a reconnect with Last-Event-ID gets what it missed in order, and a
browser's publishable key may ride in the URL (a secret one may not)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import async_url
from tests.servers import ServedApi


@dataclass
class Sse:
    id: str | None
    event: str
    data: str

    @property
    def body(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.data)
        return parsed


class Stream:
    """An open /v1/stream response, read event by event (heartbeat comments skipped)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self, within: float = 5.0) -> Sse:
        return await asyncio.wait_for(self._next(), within)

    async def _next(self) -> Sse:
        fields: dict[str, str] = {}
        async for line in self.lines:
            if not line:
                if "data" in fields:
                    return Sse(fields.get("id"), fields.get("event", "message"), fields["data"])
                fields = {}
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")


@asynccontextmanager
async def stream(
    api: ServedApi, headers: dict[str, str] | None = None, **params: Any
) -> AsyncIterator[Stream]:
    async with (
        httpx.AsyncClient(base_url=api.base_url, timeout=30) as http,
        http.stream(
            "GET", "/v1/stream", params=params, headers={**api.headers, **(headers or {})}
        ) as response,
    ):
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Stream(response)


async def new_story(http: httpx.AsyncClient) -> str:
    slug = f"stream-{uuid.uuid4().hex[:10]}"
    body = {"slug": slug, "title": "A story", "category": "safety", "stage": "emerging"}
    created = await http.post("/v1/controversies", json=body)
    assert created.status_code == 201, created.text
    return slug


async def add_side(http: httpx.AsyncClient, slug: str, label: str) -> None:
    made = await http.post(f"/v1/controversies/{slug}/sides", json={"label": label})
    assert made.status_code == 201, made.text


async def test_a_write_reaches_a_stream_on_the_same_and_on_another_process(
    first: ServedApi, second: ServedApi
) -> None:
    async with first.client() as http:
        slug = await new_story(http)
        async with (
            stream(first, controversy=slug) as here,
            stream(second, controversy=slug) as there,
        ):
            await add_side(http, slug, "Critics")
            for received in (await here.next(), await there.next()):
                assert received.event == "side.created"
                assert received.body["controversy_slug"] == slug
                assert received.body["payload"]["label"] == "Critics"
                assert received.id == str(received.body["id"])


async def test_a_reconnect_with_last_event_id_gets_the_missed_events_in_order(
    first: ServedApi, second: ServedApi
) -> None:
    async with first.client() as http:
        slug = await new_story(http)
        async with stream(second, controversy=slug) as live:
            await add_side(http, slug, "Before")
            seen = await live.next()
        # Disconnected: three writes happen meanwhile, on the other process.
        for label in ("One", "Two", "Three"):
            await add_side(http, slug, label)
        assert seen.id is not None
        async with stream(second, {"Last-Event-ID": seen.id}, controversy=slug) as resumed:
            missed = [await resumed.next() for _ in range(3)]
            assert [m.body["payload"]["label"] for m in missed] == ["One", "Two", "Three"]
            ids = [int(m.id or 0) for m in missed]
            assert ids == sorted(ids) and ids[0] > int(seen.id)
            # …and then it follows live.
            await add_side(http, slug, "Four")
            assert (await resumed.next()).body["payload"]["label"] == "Four"


async def test_filters_by_type(first: ServedApi) -> None:
    async with first.client() as http:
        slug = await new_story(http)
        async with stream(first, controversy=slug, type="mentions.*") as only_posts:
            await add_side(http, slug, "Ignored")
            post = {"platform": "x", "external_id": "s1", "published_at": "2026-11-27T08:00:00Z"}
            sent = await http.post(f"/v1/controversies/{slug}/mentions", json={"mentions": [post]})
            assert sent.status_code == 200, sent.text
            received = await only_posts.next()
            assert received.event == "mentions.ingested"
            assert received.body["payload"]["created"] == 1


async def test_only_a_publishable_key_may_ride_in_the_url(
    first: ServedApi, shared_database: str
) -> None:
    async with httpx.AsyncClient(base_url=first.base_url, timeout=10) as anonymous:
        refused = await anonymous.get("/v1/stream", params={"key": first.key})
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "publishable" in refused.json()["detail"]
    origin = "https://page.example.org"
    async with first.client() as http:
        made = await http.post(
            "/v1/keys",
            json={"name": "page", "kind": "publishable", "scopes": ["read"], "origins": [origin]},
        )
        assert made.status_code == 201, made.text
        publishable = made.json()["key"]
        slug = await new_story(http)
        async with (
            httpx.AsyncClient(base_url=first.base_url, timeout=30) as browser,
            browser.stream(
                "GET",
                "/v1/stream",
                params={"key": publishable, "controversy": slug},
                headers={"Origin": origin},
            ) as response,
        ):
            assert response.status_code == 200
            assert response.headers["access-control-allow-origin"] == origin
            await add_side(http, slug, "Seen by the page")
            assert (await Stream(response).next()).event == "side.created"


async def test_a_last_event_id_older_than_what_is_kept_gets_a_reset(
    first: ServedApi, shared_database: str
) -> None:
    async with first.client() as http:
        slug = await new_story(http)
        for label in ("A", "B", "C"):
            await add_side(http, slug, label)
    engine = create_async_engine(async_url(shared_database), poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:  # as pruning would: only the newest is kept
            await connection.execute(
                text("DELETE FROM outbox_events WHERE id < (SELECT max(id) FROM outbox_events)")
            )
    finally:
        await engine.dispose()
    async with stream(first, {"Last-Event-ID": "1"}) as resumed:
        reset = await resumed.next()
        assert reset.event == "reset" and reset.id is None
        async with first.client() as http:
            await add_side(http, slug, "After the reset")
        assert (await resumed.next()).body["payload"]["label"] == "After the reset"


def metric(text: str, name: str) -> float:
    """The value of an unlabelled sample in a Prometheus exposition."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def test_metrics_count_open_streams_and_fanned_out_events(first: ServedApi) -> None:
    async with first.client() as http:
        slug = await new_story(http)
        before = (await http.get("/metrics")).text
        async with stream(first, controversy=slug) as live:
            during = (await http.get("/metrics")).text
            assert metric(during, "event_streams_open") == metric(before, "event_streams_open") + 1
            await add_side(http, slug, "Counted")
            await live.next()
            after = (await http.get("/metrics")).text
            fanned = metric(after, "events_fanned_out_total")
            assert fanned > metric(before, "events_fanned_out_total")


async def test_a_process_without_streams_reads_no_events(first: ServedApi) -> None:
    """Its hub only notes where the outbox stands; reading starts with the first stream."""
    async with first.client() as http:
        slug = await new_story(http)
        before = metric((await http.get("/metrics")).text, "events_fanned_out_total")
        await add_side(http, slug, "Unheard")
        await asyncio.sleep(0.3)  # the notification has arrived by now
        idle = metric((await http.get("/metrics")).text, "events_fanned_out_total")
        assert idle == before
        async with stream(first, controversy=slug) as live:
            await add_side(http, slug, "Heard")
            assert (await live.next()).body["payload"]["label"] == "Heard"
        heard = metric((await http.get("/metrics")).text, "events_fanned_out_total")
        assert heard == before + 1  # only the event a stream was there for
