"""The write API: create → read back → update → archive → restore, validation, safe retries."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.idempotency.repository import lock_id
from app.unit_of_work import owner_of

NEW_CONTROVERSY = {
    "slug": "model-card-dispute",
    "title": "A dispute over a model card",
    "category": "governance",
    "stage": "emerging",
    "tags": ["model-cards"],
    "summary": "A lab published a model card that critics call incomplete.",
    "key_points": ["The card omits evaluation details."],
    "industry_impact": 40,
}


async def create_controversy(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/v1/controversies", json={**NEW_CONTROVERSY, **overrides})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def count(sessionmaker: async_sessionmaker[AsyncSession], sql: str) -> int:
    async with sessionmaker() as session:
        value = await session.scalar(text(sql))
    return int(value or 0)


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_controversy_lifecycle(client: httpx.AsyncClient) -> None:
    created = await client.post("/v1/controversies", json=NEW_CONTROVERSY)
    assert created.status_code == 201
    card = created.json()
    assert created.headers["location"] == f"/v1/controversies/{card['id']}"
    assert card["noise"]["components"]["industry_impact"] == {
        "value": 40,
        "source": "editorial",
        "weight": pytest.approx(1 / 7, abs=1e-6),
        "contribution": pytest.approx(40 / 7, abs=1e-4),
    }

    read = await client.get("/v1/controversies/model-card-dispute")
    assert read.status_code == 200 and read.json()["id"] == card["id"]
    etag = read.headers["etag"]

    updated = await client.patch(
        f"/v1/controversies/{card['id']}",
        json={"stage": "developing", "title": "A dispute over model cards"},
        headers={"If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["stage"] == "developing"
    assert updated.json()["version"] == card["version"] + 1

    stale = await client.patch(
        f"/v1/controversies/{card['id']}", json={"stage": "resolved"}, headers={"If-Match": etag}
    )
    is_problem(stale, 412)
    missing = await client.patch(f"/v1/controversies/{card['id']}", json={"stage": "resolved"})
    is_problem(missing, 428)

    archived = await client.delete(
        f"/v1/controversies/{card['id']}", headers={"If-Match": updated.headers["etag"]}
    )
    assert archived.status_code == 204
    is_problem(await client.get(f"/v1/controversies/{card['id']}"), 404)
    listed = (await client.get("/v1/controversies")).json()["data"]
    assert card["id"] not in [item["id"] for item in listed]

    restored = await client.post(f"/v1/controversies/{card['id']}/restore")
    assert restored.status_code == 200
    assert (await client.get("/v1/controversies/model-card-dispute")).status_code == 200


async def test_duplicate_slug_is_a_conflict(client: httpx.AsyncClient) -> None:
    await create_controversy(client)
    is_problem(await client.post("/v1/controversies", json=NEW_CONTROVERSY), 409)


async def test_actor_lifecycle_and_normalised_duplicates(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/actors", json={"name": "OpenAI", "kind": "organization", "influence": 70}
    )
    assert created.status_code == 201
    actor = created.json()
    assert actor["grade"] == "B"
    again = await client.post(
        "/v1/actors", json={"name": "  openai ", "kind": "organization", "influence": 10}
    )
    problem = is_problem(again, 409)
    assert problem["existing_id"] == actor["id"]

    read = await client.get(f"/v1/actors/{actor['id']}")
    updated = await client.patch(
        f"/v1/actors/{actor['id']}",
        json={"influence": 85, "description": "An AI lab"},
        headers={"If-Match": read.headers["etag"]},
    )
    assert updated.status_code == 200
    assert updated.json()["grade"] == "A"
    archived = await client.delete(
        f"/v1/actors/{actor['id']}", headers={"If-Match": updated.headers["etag"]}
    )
    assert archived.status_code == 204
    is_problem(await client.get(f"/v1/actors/{actor['id']}"), 404)
    restored = await client.post(f"/v1/actors/{actor['id']}/restore")
    assert restored.status_code == 200 and restored.json()["influence"] == 85


async def test_sides_and_stances_lifecycle_recompute_polarity(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    cid = card["id"]
    critic = (
        await client.post("/v1/actors", json={"name": "Critic", "kind": "person", "influence": 60})
    ).json()
    backer = (
        await client.post("/v1/actors", json={"name": "Backer", "kind": "person", "influence": 60})
    ).json()
    critics = await client.post(f"/v1/controversies/{cid}/sides", json={"label": "Critics"})
    backers = await client.post(
        f"/v1/controversies/{cid}/sides", json={"label": "Defenders", "position": 1}
    )
    assert critics.status_code == 201 and backers.status_code == 201
    is_problem(await client.post(f"/v1/controversies/{cid}/sides", json={"label": "Critics"}), 409)
    s1, s2 = critics.json()["id"], backers.json()["id"]

    stance = await client.post(
        f"/v1/controversies/{cid}/sides/{s1}/stances",
        json={"actor_id": critic["id"], "claim": "It hides too much."},
    )
    assert stance.status_code == 201
    await client.post(
        f"/v1/controversies/{cid}/sides/{s2}/stances",
        json={"actor_id": backer["id"], "claim": "It is enough."},
    )
    twice = await client.post(
        f"/v1/controversies/{cid}/sides/{s2}/stances", json={"actor_id": critic["id"]}
    )
    is_problem(twice, 409)
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["components"]["polarity"]["value"] == 100  # two equal sides
    assert noise["components"]["star_power"]["value"] == 40  # (60 + 60 + 0) / 3

    stance_id = stance.json()["id"]
    got = await client.get(f"/v1/controversies/{cid}/stances/{stance_id}")
    assert got.status_code == 200 and got.json()["actor"]["name"] == "Critic"
    moved = await client.patch(
        f"/v1/controversies/{cid}/stances/{stance_id}",
        json={"side_id": s2, "claim": "Changed my mind."},
        headers={"If-Match": got.headers["etag"]},
    )
    assert moved.status_code == 200
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["components"]["polarity"]["value"] == 0  # one side left with weight

    side = await client.get(f"/v1/controversies/{cid}/sides/{s2}")
    assert len(side.json()["stances"]) == 2
    archived = await client.delete(
        f"/v1/controversies/{cid}/sides/{s2}", headers={"If-Match": side.headers["etag"]}
    )
    assert archived.status_code == 204
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["components"]["star_power"]["value"] == 0
    restored = await client.post(f"/v1/controversies/{cid}/sides/{s2}/restore")
    assert restored.status_code == 200 and len(restored.json()["stances"]) == 2

    got = await client.get(f"/v1/controversies/{cid}/stances/{stance_id}")
    gone = await client.delete(
        f"/v1/controversies/{cid}/stances/{stance_id}", headers={"If-Match": got.headers["etag"]}
    )
    assert gone.status_code == 204
    is_problem(await client.get(f"/v1/controversies/{cid}/stances/{stance_id}"), 404)
    back = await client.post(f"/v1/controversies/{cid}/stances/{stance_id}/restore")
    assert back.status_code == 200


async def test_actor_with_live_stances_cannot_be_archived(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    actor = (
        await client.post(
            "/v1/actors", json={"name": "Lab", "kind": "organization", "influence": 50}
        )
    ).json()
    side = (await client.post(f"/v1/controversies/{card['id']}/sides", json={"label": "A"})).json()
    await client.post(
        f"/v1/controversies/{card['id']}/sides/{side['id']}/stances", json={"actor_id": actor["id"]}
    )
    response = await client.delete(f"/v1/actors/{actor['id']}", headers={"If-Match": "*"})
    is_problem(response, 409)


async def test_actor_influence_change_recomputes_its_controversies_through_the_queue(
    client: httpx.AsyncClient, run_jobs: Callable[[], Awaitable[None]]
) -> None:
    card = await create_controversy(client)
    actor = (
        await client.post(
            "/v1/actors", json={"name": "Lab", "kind": "organization", "influence": 30}
        )
    ).json()
    side = (await client.post(f"/v1/controversies/{card['id']}/sides", json={"label": "A"})).json()
    await client.post(
        f"/v1/controversies/{card['id']}/sides/{side['id']}/stances", json={"actor_id": actor["id"]}
    )
    before = (await client.get(f"/v1/controversies/{card['id']}/noise")).json()
    assert before["components"]["star_power"]["value"] == 10
    await client.patch(
        f"/v1/actors/{actor['id']}", json={"influence": 90}, headers={"If-Match": "*"}
    )
    # The request shows the actor at once and leaves the rescoring to a queued job.
    waiting = (await client.get(f"/v1/controversies/{card['id']}/noise")).json()
    assert waiting["components"] == before["components"]
    await run_jobs()
    after = (await client.get(f"/v1/controversies/{card['id']}/noise")).json()
    assert after["components"]["star_power"]["value"] == 30


async def test_event_lifecycle_moves_last_activity(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client, started_at="2020-01-01T00:00:00Z")
    cid = card["id"]
    created = await client.post(
        f"/v1/controversies/{cid}/events",
        json={
            "occurred_at": "2025-01-01T00:00:00+02:00",
            "title": "Hearing",
            "kind": "legal",
            "source_url": "https://example.com/hearing",
        },
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["occurred_at"] == "2024-12-31T22:00:00Z"
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["last_activity_at"] == "2024-12-31T22:00:00Z"

    read = await client.get(f"/v1/controversies/{cid}/events/{event['id']}")
    updated = await client.patch(
        f"/v1/controversies/{cid}/events/{event['id']}",
        json={"title": "Court hearing", "source_url": None},
        headers={"If-Match": read.headers["etag"]},
    )
    assert updated.status_code == 200
    assert updated.json()["title"] == "Court hearing" and updated.json()["source_url"] is None
    archived = await client.delete(
        f"/v1/controversies/{cid}/events/{event['id']}",
        headers={"If-Match": updated.headers["etag"]},
    )
    assert archived.status_code == 204
    timeline = (await client.get(f"/v1/controversies/{cid}/timeline")).json()["data"]
    assert timeline == []
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["last_activity_at"] == card["created_at"]
    restored = await client.post(f"/v1/controversies/{cid}/events/{event['id']}/restore")
    assert restored.status_code == 200


@pytest.mark.parametrize("occurred_at", ["9999-12-31T00:00:00Z", "2199-01-01T00:00:00Z"])
async def test_a_milestone_in_the_future_is_refused(
    client: httpx.AsyncClient, occurred_at: str
) -> None:
    # A far-future milestone would become the last activity and pin the story to the top of
    # "loudest now" for ever.
    card = await create_controversy(client)
    body = {"occurred_at": occurred_at, "title": "Later", "kind": "other"}
    response = await client.post(f"/v1/controversies/{card['id']}/events", json=body)
    problem = is_problem(response, 422)
    assert problem["errors"][0]["field"].endswith("occurred_at")
    past = await client.post(
        f"/v1/controversies/{card['id']}/events",
        json={**body, "occurred_at": "2026-01-01T00:00:00Z"},
    )
    assert past.status_code == 201
    moved = await client.patch(
        f"/v1/controversies/{card['id']}/events/{past.json()['id']}",
        json={"occurred_at": occurred_at},
        headers={"If-Match": past.headers["etag"]},
    )
    is_problem(moved, 422)
    noise = (await client.get(f"/v1/controversies/{card['id']}/noise")).json()
    assert noise["last_activity_at"] == "2026-01-01T00:00:00Z"


async def test_forecast_supersedes_and_lifecycle(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    cid = card["id"]
    body = {
        "generated_by": "Claude",
        "summary": "Two ways this may go.",
        "scenarios": [
            {"title": "Settles", "probability": 0.6, "horizon": "2027-06-30"},
            {"title": "Escalates", "description": "A regulator steps in."},
        ],
    }
    first = (await client.post(f"/v1/controversies/{cid}/forecasts", json=body)).json()
    second = await client.post(
        f"/v1/controversies/{cid}/forecasts", json={**body, "summary": "Newer."}
    )
    assert second.status_code == 201
    listed = (await client.get(f"/v1/controversies/{cid}/forecasts")).json()["data"]
    assert [f["summary"] for f in listed] == ["Newer.", "Two ways this may go."]
    assert [f["superseded"] for f in listed] == [False, True]
    assert (await client.get(f"/v1/controversies/{cid}")).json()["forecast"]["summary"] == "Newer."

    fid = first["id"]
    read = await client.get(f"/v1/controversies/{cid}/forecasts/{fid}")
    reviewed = await client.patch(
        f"/v1/controversies/{cid}/forecasts/{fid}",
        json={"review_status": "reviewed", "scenarios": [{"title": "Only one"}]},
        headers={"If-Match": read.headers["etag"]},
    )
    assert reviewed.status_code == 200
    assert reviewed.json()["review_status"] == "reviewed"
    assert [s["title"] for s in reviewed.json()["scenarios"]] == ["Only one"]
    archived = await client.delete(
        f"/v1/controversies/{cid}/forecasts/{fid}", headers={"If-Match": reviewed.headers["etag"]}
    )
    assert archived.status_code == 204
    assert len((await client.get(f"/v1/controversies/{cid}/forecasts")).json()["data"]) == 1
    assert (
        await client.post(f"/v1/controversies/{cid}/forecasts/{fid}/restore")
    ).status_code == 200


async def test_noise_inputs_override_and_clear(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    cid = card["id"]
    inputs = await client.get(f"/v1/controversies/{cid}/noise/inputs")
    assert inputs.json()["overrides"] == {} and inputs.json()["industry_impact"] == 40
    changed = await client.patch(
        f"/v1/controversies/{cid}/noise/inputs",
        json={"industry_impact": 90, "overrides": {"reach": 46}},
        headers={"If-Match": inputs.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["components"]["reach"] == {
        "value": 46,
        "source": "editorial",
        "weight": pytest.approx(1 / 7, abs=1e-6),
        "contribution": pytest.approx(46 / 7, abs=1e-4),
    }
    assert noise["components"]["industry_impact"]["value"] == 90
    cleared = await client.patch(
        f"/v1/controversies/{cid}/noise/inputs",
        json={"overrides": {"reach": None}},
        headers={"If-Match": changed.headers["etag"]},
    )
    assert cleared.json()["overrides"] == {}
    noise = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    assert noise["components"]["reach"]["source"] == "derived"
    assert noise["components"]["reach"]["value"] == 0


async def test_audit_log_records_writes_with_the_key(
    client: httpx.AsyncClient, admin_key: Any
) -> None:
    card = await create_controversy(client)
    read = await client.get(f"/v1/controversies/{card['id']}")
    await client.patch(
        f"/v1/controversies/{card['id']}",
        json={"stage": "resolved"},
        headers={"If-Match": read.headers["etag"]},
    )
    entries = (
        await client.get("/v1/audit", params={"resource": "controversy", "resource_id": card["id"]})
    ).json()["data"]
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["changes"] == {"stage": "resolved"}
    assert {e["actor"] for e in entries} == {admin_key.id}
    assert all(e["request_id"] for e in entries)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}, "slug"),
        ({"category": "gossip"}, "category"),
        ({"stage": None}, "stage"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "nul \x00 byte"}, "title"),
        ({"summary": "lone \ud800 surrogate"}, "summary"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"industry_impact": 101}, "industry_impact"),
        ({"industry_impact": -1}, "industry_impact"),
        ({"started_at": "2024-01-01T00:00:00"}, "started_at"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"analysis": {"generated_by": "x", "review_status": "maybe"}}, "analysis.review_status"),
    ],
)
async def test_controversy_validation(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/controversies",
        content=json.dumps({**NEW_CONTROVERSY, **change}),  # ASCII escapes keep \ud800 intact
        headers={"Content-Type": "application/json"},
    )
    problem = is_problem(response, 422)
    assert any(error["field"].startswith(field) for error in problem["errors"]), problem


@pytest.mark.parametrize(
    ("mention", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"platform": "myspace"}, "platform"),
        ({"audience": -5}, "audience"),
        ({"published_at": "2026-11-27T10:00:00"}, "published_at"),
        ({"external_id": ""}, "external_id"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_mention_validation(
    client: httpx.AsyncClient, mention: dict[str, Any], field: str
) -> None:
    card = await create_controversy(client)
    base = {"platform": "x", "external_id": "1", "published_at": "2026-11-27T10:00:00Z"}
    response = await client.post(
        f"/v1/controversies/{card['id']}/mentions", json={"mentions": [{**base, **mention}]}
    )
    problem = is_problem(response, 422)
    assert any(error["field"].endswith(field) for error in problem["errors"]), problem


async def test_mention_batch_limits(client: httpx.AsyncClient) -> None:
    card = await create_controversy(client)
    path = f"/v1/controversies/{card['id']}/mentions"
    is_problem(await client.post(path, json={"mentions": []}), 422)
    too_many = [
        {"platform": "x", "external_id": str(i), "published_at": "2026-01-01T00:00:00Z"}
        for i in range(1001)
    ]
    is_problem(await client.post(path, json={"mentions": too_many}), 422)
    future = [{"platform": "x", "external_id": "f", "published_at": "2099-01-01T00:00:00Z"}]
    problem = is_problem(await client.post(path, json={"mentions": future}), 422)
    assert problem["errors"][0]["field"] == "mentions.0.published_at"
    duplicated = [
        {"platform": "x", "external_id": "d", "published_at": "2026-01-01T00:00:00Z"},
        {"platform": "x", "external_id": "d", "published_at": "2026-01-02T00:00:00Z"},
    ]
    is_problem(await client.post(path, json={"mentions": duplicated}), 422)


async def test_body_over_one_mebibyte_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/controversies",
        content=b'{"slug": "' + b"a" * (1024 * 1024 + 10) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    is_problem(response, 413)


async def test_nul_in_query_is_422_not_500(client: httpx.AsyncClient) -> None:
    is_problem(await client.get("/v1/controversies", params={"q": "a\x00b"}), 422)
    is_problem(await client.get("/v1/actors", params={"q": "\x00"}), 422)


# ---------------------------------------------------------------- mentions


def mention_batch(n: int, *, prefix: str = "m", score: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "platform": ("hackernews", "reddit", "x", "bluesky")[i % 4],
            "external_id": f"{prefix}-{i}",
            "url": f"https://example.com/{prefix}/{i}",
            "author": f"user{i}",
            "published_at": f"2026-11-{1 + i % 26:02d}T{i % 24:02d}:00:00Z",
            "audience": 100 * i,
            "score": score,
            "comments": i % 7,
        }
        for i in range(n)
    ]


async def test_thousand_mentions_ingested_twice_leave_a_thousand_rows(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    card = await create_controversy(client)
    path = f"/v1/controversies/{card['id']}/mentions"
    batch = mention_batch(1000)
    first = await client.post(path, json={"mentions": batch})
    assert first.json() == {"created": 1000, "updated": 0, "unchanged": 0}
    second = await client.post(path, json={"mentions": batch})
    assert second.json() == {"created": 0, "updated": 0, "unchanged": 1000}
    assert await count(sessionmaker, "SELECT count(*) FROM mentions") == 1000
    batch[0]["score"] = 999
    third = await client.post(path, json={"mentions": batch})
    assert third.json() == {"created": 0, "updated": 1, "unchanged": 999}


async def test_mention_owned_by_another_controversy_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    one = await create_controversy(client)
    two = await create_controversy(client, slug="other-story")
    batch = mention_batch(2)
    await client.post(f"/v1/controversies/{one['id']}/mentions", json={"mentions": batch})
    response = await client.post(
        f"/v1/controversies/{two['id']}/mentions", json={"mentions": batch}
    )
    problem = is_problem(response, 409)
    assert len(problem["conflicts"]) == 2


async def test_twenty_concurrent_batches(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Any
) -> None:
    card = await create_controversy(client)
    path = f"/v1/controversies/{card['id']}/mentions"
    batches = [mention_batch(50, prefix=f"b{n}", score=n + 1) for n in range(20)]
    responses = await asyncio.gather(
        *(client.post(path, json={"mentions": batch}) for batch in batches)
    )
    assert [r.status_code for r in responses] == [200] * 20
    assert sum(r.json()["created"] for r in responses) == 1000
    assert await count(sessionmaker, "SELECT count(*) FROM mentions") == 1000

    stored = (await client.get(f"/v1/controversies/{card['id']}/noise")).json()
    from datetime import UTC, datetime

    from app.noise import service as noise_service

    async with sessionmaker() as session, session.begin():
        fresh = (
            await noise_service.recompute(
                session,
                controversy_id=uuid.UUID(card["id"]),
                now=datetime.now(UTC),
                settings=settings,
            )
        ).state
    assert round(fresh.composite, 4) == stored["composite"]
    assert {k: c.value for k, c in fresh.components.items()} == {
        k: c["value"] for k, c in stored["components"].items()
    }


async def test_failure_at_the_end_of_a_write_leaves_nothing(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    card = await create_controversy(client)
    snapshots = await count(sessionmaker, "SELECT count(*) FROM noise_snapshots")
    audits = await count(sessionmaker, "SELECT count(*) FROM audit_log")
    # The audit entry is the last statement of an ingest: make it fail.
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "CREATE FUNCTION refuse_ingest() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN IF NEW.action = 'ingest' THEN RAISE EXCEPTION 'injected'; END IF;"
                " RETURN NEW; END $$"
            )
        )
        await session.execute(
            text(
                "CREATE TRIGGER refuse_ingest BEFORE INSERT ON audit_log FOR EACH ROW"
                " EXECUTE FUNCTION refuse_ingest()"
            )
        )
    try:
        response = await client.post(
            f"/v1/controversies/{card['id']}/mentions", json={"mentions": mention_batch(10)}
        )
        is_problem(response, 500)
        assert "injected" not in response.text
    finally:
        async with sessionmaker() as session, session.begin():
            await session.execute(text("DROP TRIGGER refuse_ingest ON audit_log"))
            await session.execute(text("DROP FUNCTION refuse_ingest()"))
    assert await count(sessionmaker, "SELECT count(*) FROM mentions") == 0
    assert await count(sessionmaker, "SELECT count(*) FROM noise_snapshots") == snapshots
    assert await count(sessionmaker, "SELECT count(*) FROM audit_log") == audits
    version = (await client.get(f"/v1/controversies/{card['id']}")).json()["version"]
    assert version == card["version"]


# ---------------------------------------------------------------- idempotency


async def test_idempotent_replay(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    headers = {"Idempotency-Key": "create-1"}
    first = await client.post("/v1/controversies", json=NEW_CONTROVERSY, headers=headers)
    again = await client.post("/v1/controversies", json=NEW_CONTROVERSY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert await count(sessionmaker, "SELECT count(*) FROM controversies") == 1

    other_body = await client.post(
        "/v1/controversies", json={**NEW_CONTROVERSY, "slug": "another"}, headers=headers
    )
    is_problem(other_body, 422)


async def test_idempotency_key_in_flight_is_409_then_free_when_it_ends(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    body = json.dumps(NEW_CONTROVERSY).encode()
    headers = {"Idempotency-Key": "k", "Content-Type": "application/json"}
    owner = owner_of(client.headers["authorization"])
    # A first attempt with this key is in flight: its transaction holds the key's lock.
    async with sessionmaker() as in_flight:
        await in_flight.execute(
            text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(owner, "k")}
        )
        response = await client.post("/v1/controversies", content=body, headers=headers)
        is_problem(response, 409)
        assert response.headers["retry-after"] == "1"
        await in_flight.rollback()  # the attempt died: nothing was stored, the key is free
    assert await count(sessionmaker, "SELECT count(*) FROM controversies") == 0
    retried = await client.post("/v1/controversies", content=body, headers=headers)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


async def test_idempotency_released_after_a_server_error(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'injected'; END $$"
            )
        )
        await session.execute(
            text(
                "CREATE TRIGGER refuse_all BEFORE INSERT ON audit_log FOR EACH ROW"
                " EXECUTE FUNCTION refuse_all()"
            )
        )
    headers = {"Idempotency-Key": "retry-me"}
    try:
        failed = await client.post("/v1/controversies", json=NEW_CONTROVERSY, headers=headers)
        is_problem(failed, 500)
    finally:
        async with sessionmaker() as session, session.begin():
            await session.execute(text("DROP TRIGGER refuse_all ON audit_log"))
            await session.execute(text("DROP FUNCTION refuse_all()"))
    retried = await client.post("/v1/controversies", json=NEW_CONTROVERSY, headers=headers)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/v1/methodology", 201),
        ("https://example.com/method", 201),
        ("javascript:alert(1)", 422),
        ("//evil.example/x", 422),
    ],
)
async def test_methodology_url_is_a_path_or_http(
    client: httpx.AsyncClient, url: str, status: int
) -> None:
    response = await client.post(
        "/v1/controversies",
        json={**NEW_CONTROVERSY, "analysis": {"generated_by": "Gemini", "methodology_url": url}},
    )
    assert response.status_code == status, response.text


async def test_a_revoked_key_gets_no_replay(
    client: httpx.AsyncClient, admin_key: Any, make_key: Any, anon_client: httpx.AsyncClient
) -> None:
    writer = await make_key(scopes=["read", "write"], name="writer")
    headers = {"Authorization": f"Bearer {writer.key}", "Idempotency-Key": "once"}
    first = await anon_client.post("/v1/controversies", json=NEW_CONTROVERSY, headers=headers)
    assert first.status_code == 201
    revoked = await client.delete(f"/v1/keys/{writer.id}")
    assert revoked.status_code == 200
    replay = await anon_client.post("/v1/controversies", json=NEW_CONTROVERSY, headers=headers)
    is_problem(replay, 401)
    assert "idempotent-replayed" not in replay.headers
