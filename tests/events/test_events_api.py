"""Every committed write appends its events, in its transaction; a refused one appends none."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.test_writes import create_controversy, is_problem


async def events(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/changes", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def test_each_write_appends_its_events_in_commit_order(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    cid = card["id"]
    side = (await client.post(f"/v1/controversies/{cid}/sides", json={"label": "Critics"})).json()
    renamed = await client.patch(
        f"/v1/controversies/{cid}/sides/{side['id']}",
        json={"label": "Sceptics"},
        headers={"If-Match": f'W/"{side["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    mention = {"platform": "x", "external_id": "e1", "published_at": "2026-11-27T08:00:00Z"}
    ingested = await client.post(f"/v1/controversies/{cid}/mentions", json={"mentions": [mention]})
    assert ingested.status_code == 200, ingested.text
    body = {"generated_by": "Claude", "scenarios": [{"title": "A"}]}
    first = (await client.post(f"/v1/controversies/{cid}/forecasts", json=body)).json()
    second = (await client.post(f"/v1/controversies/{cid}/forecasts", json=body)).json()

    found = await events(client)
    assert [e["type"] for e in found] == [
        "controversy.created",
        "side.created",
        "side.updated",
        "mentions.ingested",
        "forecast.published",
        "forecast.published",
        "forecast.superseded",
    ]
    ids = [e["id"] for e in found]
    assert ids == sorted(ids)
    assert {e["controversy_id"] for e in found} == {cid}
    assert found[2]["payload"] == {"label": "Sceptics"}
    assert found[3]["payload"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert found[6]["resource_id"] == first["id"]
    assert found[6]["payload"] == {"superseded_by": second["id"]}
    # Each event carries the card's version after its write.
    versions = [e["controversy_version"] for e in found]
    assert versions == sorted(versions)
    card_now = (await client.get(f"/v1/controversies/{cid}")).json()
    assert versions[-1] == card_now["version"]
    # And the changed row's own version, the one its ETag carries.
    side_now = await client.get(f"/v1/controversies/{cid}/sides/{side['id']}")
    assert [e["resource_version"] for e in found[1:3]] == [1, side_now.json()["version"]]
    assert side_now.headers["etag"] == f'W/"{found[2]["resource_version"]}"'
    assert found[0]["resource_version"] == found[0]["controversy_version"]
    assert found[3]["resource_version"] is None  # a batch of mentions has no version


async def test_a_refused_write_appends_nothing(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    cid = card["id"]
    before = await events(client)
    stale = await client.patch(
        f"/v1/controversies/{cid}", json={"title": "New"}, headers={"If-Match": 'W/"99"'}
    )
    is_problem(stale, 412)
    twice = {"platform": "x", "external_id": "same", "published_at": "2026-11-27T08:00:00Z"}
    duplicate = await client.post(
        f"/v1/controversies/{cid}/mentions", json={"mentions": [twice, twice]}
    )
    is_problem(duplicate, 422)
    taken = await client.post("/v1/controversies", json={**card, "tags": []})
    assert taken.status_code in (409, 422)
    assert await events(client) == before


async def test_filters_and_pages(client: httpx.AsyncClient) -> None:
    one = await create_controversy(client)
    two = await create_controversy(client, slug="another-story")
    for cid in (one["id"], two["id"]):
        for label in ("A", "B"):
            await client.post(f"/v1/controversies/{cid}/sides", json={"label": label})
    mine = await events(client, controversy="another-story")
    assert [e["type"] for e in mine] == ["controversy.created", "side.created", "side.created"]
    sides = await events(client, type="side.*")
    assert len(sides) == 4 and all(e["type"] == "side.created" for e in sides)
    exact = await events(client, type=["controversy.created", "side.updated"])
    assert [e["controversy_slug"] for e in exact] == [one["slug"], "another-story"]
    walked: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/changes", params=params)).json()
        walked += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [e["id"] for e in await events(client)]
    is_problem(await client.get("/v1/changes", params={"controversy": "nope"}), 404)
    is_problem(await client.get("/v1/changes", params={"type": "Side.Created!"}), 422)


async def test_an_actor_change_announces_each_controversy_it_stands_in(
    client: httpx.AsyncClient,
) -> None:
    stories = [await create_controversy(client), await create_controversy(client, slug="two")]
    actor = (
        await client.post(
            "/v1/actors", json={"name": "A Lab", "kind": "organization", "influence": 40}
        )
    ).json()
    for story in stories:
        side = (
            await client.post(f"/v1/controversies/{story['id']}/sides", json={"label": "S"})
        ).json()
        stance = await client.post(
            f"/v1/controversies/{story['id']}/sides/{side['id']}/stances",
            json={"actor_id": actor["id"], "claim": "We disagree."},
        )
        assert stance.status_code == 201, stance.text
    before = {e["id"] for e in await events(client)}
    changed = await client.patch(
        f"/v1/actors/{actor['id']}", json={"influence": 90}, headers={"If-Match": 'W/"1"'}
    )
    assert changed.status_code == 200, changed.text
    new = [e for e in await events(client) if e["id"] not in before]
    assert {(e["type"], e["resource"], e["controversy_slug"]) for e in new} == {
        ("controversy.updated", "actor", stories[0]["slug"]),
        ("controversy.updated", "actor", "two"),
    }
    assert all(e["payload"] == {"influence": 90} for e in new)


async def test_a_write_that_moves_the_level_band_announces_it(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    url = f"/v1/controversies/{card['id']}/noise/inputs"
    before_level = card["noise"]["level"]
    etag = (await client.get(url)).headers["etag"]
    loud = {name: 95 for name in ("reach", "engagement", "star_power", "cross_platform")}
    changed = await client.patch(
        url, json={"industry_impact": 95, "overrides": loud}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    now = (await client.get(f"/v1/controversies/{card['id']}")).json()["noise"]
    assert now["level"] != before_level
    moved = [e for e in await events(client) if e["type"] == "noise.level_changed"]
    assert [e["payload"]["from"] for e in moved][-1] == before_level
    assert moved[-1]["payload"]["to"] == now["level"]
    assert moved[-1]["payload"]["score"] == now["score"]
