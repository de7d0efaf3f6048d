"""Cached cards and lists: every kind of write shows at once, and decay is exact at any time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import QueryCounter

Card = dict[str, Any]
PINNED = "2026-12-01T00:00:00Z"
NEW = {
    "slug": "cache-story",
    "title": "A story to cache",
    "category": "governance",
    "stage": "emerging",
    "industry_impact": 40,
}


async def write(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    answer = await response
    assert answer.status_code < 300, answer.text
    body: dict[str, Any] = answer.json() if answer.content else {}
    return body


async def card_of(client: httpx.AsyncClient, slug: str = "cache-story") -> Card:
    # The decay pinned, so two readings of an unchanged card are equal to the last digit.
    response = await client.get(f"/v1/controversies/{slug}", params={"at": PINNED})
    assert response.status_code == 200, response.text
    body: Card = response.json()
    return body


async def etag_of(client: httpx.AsyncClient, url: str) -> str:
    return (await client.get(url)).headers["etag"]


async def story(client: httpx.AsyncClient) -> dict[str, Any]:
    """A controversy with an actor standing on one side."""
    card = await write(client.post("/v1/controversies", json=NEW))
    actor = await write(
        client.post("/v1/actors", json={"name": "A critic", "kind": "person", "influence": 55})
    )
    side = await write(
        client.post(f"/v1/controversies/{card['id']}/sides", json={"label": "Critics"})
    )
    stance = await write(
        client.post(
            f"/v1/controversies/{card['id']}/sides/{side['id']}/stances",
            json={"actor_id": actor["id"], "claim": "It is rushed."},
        )
    )
    return {"id": card["id"], "actor": actor, "side": side, "stance": stance}


Change = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[None]]
Check = Callable[[Card], bool]


async def rename(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = "/v1/controversies/cache-story"
    await write(
        client.patch(
            url, json={"title": "Renamed"}, headers={"If-Match": await etag_of(client, url)}
        )
    )


async def add_side(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    await write(client.post(f"/v1/controversies/{s['id']}/sides", json={"label": "Backers"}))


async def relabel_side(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = f"/v1/controversies/{s['id']}/sides/{s['side']['id']}"
    etag = await etag_of(client, url)
    await write(client.patch(url, json={"label": "Sceptics"}, headers={"If-Match": etag}))


async def archive_side(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = f"/v1/controversies/{s['id']}/sides/{s['side']['id']}"
    await write(client.delete(url, headers={"If-Match": await etag_of(client, url)}))


async def change_claim(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = f"/v1/controversies/{s['id']}/stances/{s['stance']['id']}"
    etag = await etag_of(client, url)
    await write(client.patch(url, json={"claim": "It is reckless."}, headers={"If-Match": etag}))


async def archive_stance(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = f"/v1/controversies/{s['id']}/stances/{s['stance']['id']}"
    await write(client.delete(url, headers={"If-Match": await etag_of(client, url)}))


async def rename_actor(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = f"/v1/actors/{s['actor']['id']}"
    etag = await etag_of(client, url)
    await write(client.patch(url, json={"name": "A loud critic"}, headers={"If-Match": etag}))


async def add_event(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    body = {"occurred_at": "2026-11-01T00:00:00Z", "title": "A hearing", "kind": "legal"}
    await write(client.post(f"/v1/controversies/{s['id']}/events", json=body))


async def ingest(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    mention = {
        "platform": "reddit",
        "external_id": "cache-1",
        "url": "https://example.com/p",
        "published_at": "2026-11-02T00:00:00Z",
        "score": 900,
    }
    await write(client.post(f"/v1/controversies/{s['id']}/mentions", json={"mentions": [mention]}))


async def add_forecast(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    body = {"generated_by": "Gemini", "scenarios": [{"title": "It settles"}]}
    await write(client.post(f"/v1/controversies/{s['id']}/forecasts", json=body))


async def set_impact(client: httpx.AsyncClient, s: dict[str, Any]) -> None:
    url = f"/v1/controversies/{s['id']}/noise/inputs"
    etag = await etag_of(client, "/v1/controversies/cache-story")
    await write(client.patch(url, json={"industry_impact": 100}, headers={"If-Match": etag}))


def stances(card: Card) -> list[dict[str, Any]]:
    return [stance for side in card["sides"] for stance in side["stances"]]


WRITES: list[tuple[str, Change, Check]] = [
    ("rename", rename, lambda c: c["title"] == "Renamed"),
    ("add side", add_side, lambda c: {s["label"] for s in c["sides"]} == {"Critics", "Backers"}),
    ("relabel side", relabel_side, lambda c: [s["label"] for s in c["sides"]] == ["Sceptics"]),
    ("archive side", archive_side, lambda c: c["sides"] == []),
    (
        "change claim",
        change_claim,
        lambda c: [s["claim"] for s in stances(c)] == ["It is reckless."],
    ),
    ("archive stance", archive_stance, lambda c: stances(c) == []),
    (
        "rename actor",
        rename_actor,
        lambda c: [s["actor"]["name"] for s in stances(c)] == ["A loud critic"],
    ),
    ("add event", add_event, lambda c: len(c["milestones"]["data"]) == 1),
    ("ingest", ingest, lambda c: len(c["posts"]["data"]) == 1),
    ("add forecast", add_forecast, lambda c: (c["forecast"] or {}).get("generated_by") == "Gemini"),
    (
        "set impact",
        set_impact,
        lambda c: c["noise"]["components"]["industry_impact"]["value"] == 100,
    ),
]


@pytest.mark.parametrize(("name", "change", "check"), WRITES, ids=[w[0] for w in WRITES])
async def test_every_kind_of_write_shows_on_the_cached_card_at_once(
    client: httpx.AsyncClient, name: str, change: Change, check: Check
) -> None:
    s = await story(client)
    before = await card_of(client)
    assert (await card_of(client)) == before  # served from memory now
    assert not check(before)
    await change(client, s)
    after = await card_of(client)
    assert check(after), after
    assert after["version"] > before["version"]


async def test_archive_and_restore_show_on_the_card_and_the_list_at_once(
    client: httpx.AsyncClient,
) -> None:
    s = await story(client)
    assert (await client.get("/v1/controversies")).json()["data"][0]["id"] == s["id"]
    await card_of(client)
    url = "/v1/controversies/cache-story"
    await write(client.delete(url, headers={"If-Match": await etag_of(client, url)}))
    assert (await client.get(url)).status_code == 404
    assert (await client.get("/v1/controversies")).json()["data"] == []
    await write(client.post(f"{url}/restore"))
    assert (await client.get(url)).status_code == 200
    assert [c["id"] for c in (await client.get("/v1/controversies")).json()["data"]] == [s["id"]]


async def test_a_cached_card_is_exact_at_any_time(
    client: httpx.AsyncClient, demo: int, app: FastAPI, count_queries: QueryCounter
) -> None:
    url = "/v1/controversies/gpt-2-staged-release"
    start = datetime(2026, 11, 20, tzinfo=UTC)
    moments = [start + timedelta(hours=7 * hour, seconds=hour) for hour in range(0, 120)]
    fresh: list[Card] = []
    for at in moments:  # each read from the database, the cache emptied before it
        app.state.cards.forget("*")
        fresh.append((await client.get(url, params={"at": at.isoformat()})).json())
    count_queries.statements.clear()
    cached = [(await client.get(url, params={"at": at.isoformat()})).json() for at in moments]
    assert not any("FROM controversies c" in s for s in count_queries.statements)
    assert cached == fresh
    scores = {card["noise"]["score"] for card in cached}
    assert len(scores) > 10  # the moments cover a real decay, not one value


async def test_a_cached_list_is_exact_at_any_time(
    client: httpx.AsyncClient, demo: int, app: FastAPI
) -> None:
    first = await client.get("/v1/controversies", params={"limit": 5})
    assert first.status_code == 200
    app.state.pages.forget("*")
    again = await client.get("/v1/controversies", params={"limit": 5})
    for cached, fresh in zip(first.json()["data"], again.json()["data"], strict=True):
        assert cached["id"] == fresh["id"]
        # Both evaluated at their own request time: equal but for the decay's last digits.
        assert abs(cached["noise"]["decay"] - fresh["noise"]["decay"]) < 1e-4
