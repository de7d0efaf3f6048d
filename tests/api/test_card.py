"""The whole card: GET /v1/controversies/{id_or_slug}."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from tests.conftest import DEMO_NOW, QueryCounter

SEED = "gpt-2-staged-release"
CARD = f"/v1/controversies/{SEED}"
SEED_LAST_ACTIVITY = datetime(2026, 11, 27, 9, 36, tzinfo=UTC)
SEED_COMPONENTS = {
    "reach": 46,
    "engagement": 89,
    "star_power": 20,
    "duration": 6,
    "cross_platform": 50,
    "polarity": 75,
    "industry_impact": 90,
}

Maker = async_sessionmaker[AsyncSession]


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


async def sql(maker: Maker, statement: str, **params: Any) -> Any:
    async with maker() as session, session.begin():
        result = await session.execute(text(statement), params)
        return result.all() if cast(CursorResult[Any], result).returns_rows else []


async def seed_id(maker: Maker) -> uuid.UUID:
    rows = await sql(maker, "SELECT id FROM controversies WHERE slug = :s", s=SEED)
    value: uuid.UUID = rows[0][0]
    return value


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- identity


async def test_card_by_slug_and_by_id_are_the_same(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    cid = await seed_id(sessionmaker)
    at = "2026-11-27T12:00:00Z"
    by_slug = await client.get(CARD, params={"at": at})
    by_id = await client.get(f"/v1/controversies/{cid}", params={"at": at})
    assert by_slug.status_code == 200, by_slug.text
    assert by_id.status_code == 200, by_id.text
    assert by_slug.json() == by_id.json()
    assert by_slug.json()["id"] == str(cid)
    assert by_slug.json()["slug"] == SEED


async def test_card_has_every_field(client: AsyncClient, demo: int, settings: Settings) -> None:
    response = await client.get(CARD)
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["title"] == "The GPT-2 Staged Release Controversy"
    assert card["category"] == "safety"
    assert card["stage"] == "emerging"
    assert card["tags"] == ["openai", "gpt-2", "open-source", "responsible-disclosure"]
    assert card["summary"].startswith("In February 2019 OpenAI unveiled GPT-2")
    assert card["why_it_matters"].startswith("GPT-2 was the first prominent case")
    assert len(card["key_points"]) == 4
    assert all(isinstance(p, str) and p for p in card["key_points"])
    assert card["eli5"].startswith("Imagine if")
    assert card["analysis"]["generated_by"] == "Gemini"
    assert card["analysis"]["review_status"] == "reviewed"
    # The demo stores the relative "/v1/methodology": the card links the page for people.
    assert card["analysis"]["methodology_url"] == f"{settings.public_base_url}/methodology"
    assert parse(card["analysis"]["reviewed_at"]) == DEMO_NOW
    assert card["started_at"] == "2019-02-14T00:00:00Z"
    for field in ("created_at", "updated_at"):
        assert parse(card[field]).utcoffset() == timedelta(0)
    uuid.UUID(card["id"])


async def test_card_sides_stances_and_actor_grades(client: AsyncClient, demo: int) -> None:
    card = (await client.get(CARD)).json()
    sides = card["sides"]
    assert [s["label"] for s in sides] == ["Critics", "Defenders"]
    assert [s["position"] for s in sides] == [1, 2]
    actors = {
        st["actor"]["name"]: (st["actor"]["influence"], st["actor"]["grade"], side["label"])
        for side in sides
        for st in side["stances"]
    }
    assert actors == {
        "AI Research Community": (45, "C", "Critics"),
        "OpenAI": (70, "B", "Defenders"),
        "Jack Clark": (40, "C", "Defenders"),
    }
    for side in sides:
        assert side["summary"]
        for stance in side["stances"]:
            assert stance["claim"]
            uuid.UUID(stance["id"])
            assert {"id", "name", "kind", "description", "influence", "grade"} <= set(
                stance["actor"]
            )
    defenders = sides[1]["stances"]
    # Strongest voice first inside a side.
    assert [s["actor"]["name"] for s in defenders] == ["OpenAI", "Jack Clark"]
    assert defenders[1]["actor"]["description"] == "OpenAI Policy"
    assert defenders[1]["actor"]["kind"] == "person"


async def test_card_noise_components_are_editorial(client: AsyncClient, demo: int) -> None:
    noise = (await client.get(CARD)).json()["noise"]
    assert set(noise["components"]) == set(SEED_COMPONENTS)
    for name, component in noise["components"].items():
        assert component["value"] == SEED_COMPONENTS[name]
        assert component["source"] == "editorial"
    assert noise["composite"] == 53.7143
    assert noise["method_version"] == "v1"
    assert parse(noise["last_activity_at"]) == SEED_LAST_ACTIVITY


async def test_card_forecast_has_two_scenarios(client: AsyncClient, demo: int) -> None:
    forecast = (await client.get(CARD)).json()["forecast"]
    assert forecast is not None
    assert forecast["generated_by"] == "Gemini"
    assert forecast["review_status"] == "unreviewed"
    assert forecast["superseded"] is False
    assert [s["title"] for s in forecast["scenarios"]] == [
        "Weights stay closed at the frontier",
        "A widening open/closed divide",
    ]
    for scenario in forecast["scenarios"]:
        assert scenario["description"]


async def test_card_shows_milestones_and_posts_each_newest_first(
    client: AsyncClient, demo: int, settings: Settings
) -> None:
    card = (await client.get(CARD)).json()
    milestones, posts = card["milestones"], card["posts"]
    # The seed card: 3 milestones and 2 posts, each in its own section.
    assert [e["title"] for e in milestones["data"]][-1] == "GPT-2 Announcement"
    assert len(milestones["data"]) == 3 and milestones["has_more"] is False
    times = [parse(e["occurred_at"]) for e in milestones["data"]]
    assert times == sorted(times, reverse=True)
    assert [p["platform"] for p in posts["data"]] == ["reddit", "hackernews"]
    assert posts["data"][0]["author"] == "/u/Ill-Association-8410"
    assert posts["has_more"] is False
    base = f"{settings.public_base_url}/v1/controversies/{card['id']}"
    assert milestones["list_url"] == f"{base}/events"
    assert posts["list_url"] == f"{base}/mentions"


async def test_busy_posts_do_not_crowd_out_the_milestones(
    client: AsyncClient, demo: int, sessionmaker: Maker, settings: Settings
) -> None:
    cid = await seed_id(sessionmaker)
    base = datetime(2026, 11, 20, tzinfo=UTC)
    for i in range(12):
        await sql(
            sessionmaker,
            "INSERT INTO mentions (id, controversy_id, platform, external_id, published_at)"
            " VALUES (gen_random_uuid(), :cid, 'bluesky', :ext, :at)",
            cid=cid,
            ext=f"card-ten-{i}",
            at=base + timedelta(hours=2 * i),
        )
    for i in range(9):
        await sql(
            sessionmaker,
            "INSERT INTO timeline_events (id, controversy_id, occurred_at, title, kind)"
            " VALUES (gen_random_uuid(), :cid, :at, :title, 'other')",
            cid=cid,
            at=base - timedelta(days=30 + i),
            title=f"event {i}",
        )
    await sql(
        sessionmaker, "UPDATE controversies SET version = version + 1 WHERE id = :cid", cid=cid
    )
    card = (await client.get(CARD)).json()
    # 14 posts, all newer than every milestone: still ten milestones of twelve on the card.
    posts, milestones = card["posts"], card["milestones"]
    assert (len(posts["data"]), posts["has_more"]) == (10, True)
    assert (len(milestones["data"]), milestones["has_more"]) == (10, True)
    posts_path = posts["list_url"].removeprefix(settings.public_base_url)
    full_posts = (await client.get(posts_path)).json()["data"]
    assert posts["data"] == full_posts[:10]
    # The milestones' list_url pages them all (12), the card's ten first.
    events_path = milestones["list_url"].removeprefix(settings.public_base_url)
    events = (await client.get(events_path, params={"limit": 100})).json()["data"]
    assert len(events) == 12
    assert milestones["data"] == events[:10]
    timeline = (await client.get(f"{CARD}/timeline", params={"kind": "event", "limit": 100})).json()
    assert [e["id"] for e in events] == [item["event"]["id"] for item in timeline["data"]]


# --------------------------------------------------------------------------- noise.md example A


@pytest.mark.parametrize(
    ("at", "decay", "score", "level"),
    [
        ("2026-11-27T09:36:00Z", 1.0, 54, "buzz"),
        ("2026-11-27T12:00:00Z", 0.9901, 53, "buzz"),
        ("2026-12-04T09:36:00Z", 0.5, 27, "murmur"),
        ("2026-12-25T09:36:00Z", 0.0625, 3, "quiet"),
    ],
)
async def test_card_noise_reproduces_example_a(
    client: AsyncClient, demo: int, at: str, decay: float, score: int, level: str
) -> None:
    response = await client.get(CARD, params={"at": at})
    assert response.status_code == 200, response.text
    noise = response.json()["noise"]
    assert noise["composite"] == 53.7143
    assert round(noise["decay"], 4) == decay
    # The 6-decimal decay is exactly the half-life formula.
    elapsed = parse(at) - SEED_LAST_ACTIVITY
    assert noise["decay"] == round(math.pow(0.5, elapsed / timedelta(days=7)), 6)
    assert noise["score"] == score
    assert noise["level"] == level
    assert parse(noise["as_of"]) == parse(at)


async def test_card_at_before_last_activity_has_no_decay(client: AsyncClient, demo: int) -> None:
    noise = (await client.get(CARD, params={"at": "2026-01-01T00:00:00Z"})).json()["noise"]
    assert noise["decay"] == 1.0
    assert noise["score"] == 54


async def test_card_at_with_offset_is_normalised_to_utc(client: AsyncClient, demo: int) -> None:
    response = await client.get(CARD, params={"at": "2026-11-27T14:00:00+02:00"})
    assert response.status_code == 200, response.text
    noise = response.json()["noise"]
    assert noise["as_of"] == "2026-11-27T12:00:00Z"
    assert noise["score"] == 53


async def test_card_at_without_zone_is_422(client: AsyncClient, demo: int) -> None:
    body = assert_problem(await client.get(CARD, params={"at": "2026-11-27T12:00:00"}), 422)
    assert any(e["field"] == "at" for e in body["errors"])


async def test_card_at_garbage_is_422(client: AsyncClient, demo: int) -> None:
    body = assert_problem(await client.get(CARD, params={"at": "yesterday"}), 422)
    assert [e["field"] for e in body["errors"]] == ["at"]


# --------------------------------------------------------------------------- not found


@pytest.mark.parametrize(
    "ident",
    ["no-such-controversy", "00000000-0000-0000-0000-000000000000", "GPT-2-STAGED-RELEASE"],
)
async def test_unknown_card_is_404_problem(client: AsyncClient, demo: int, ident: str) -> None:
    body = assert_problem(await client.get(f"/v1/controversies/{ident}"), 404)
    assert body["type"].endswith("/not-found")


async def test_archived_card_is_404_and_hidden_from_lists(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    cid = await seed_id(sessionmaker)
    await sql(sessionmaker, "UPDATE controversies SET archived_at = now() WHERE id = :id", id=cid)
    assert_problem(await client.get(CARD), 404)
    assert_problem(await client.get(f"/v1/controversies/{cid}"), 404)
    for sub in ("sides", "timeline", "mentions", "forecasts", "noise", "noise/history"):
        assert_problem(await client.get(f"{CARD}/{sub}"), 404)
    listing = (await client.get("/v1/controversies", params={"limit": 100})).json()["data"]
    assert len(listing) == 10
    assert SEED not in {item["slug"] for item in listing}
    counts = (await client.get("/v1/categories")).json()["data"]
    assert sum(c["count"] for c in counts) == 10
    assert {c["category"]: c["count"] for c in counts}["safety"] == 0


# --------------------------------------------------------------------------- queries


def data_statements(counter: QueryCounter) -> list[str]:
    """The SQL statements that read or write data (not driver/transaction chatter)."""
    verbs = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")
    return [s for s in counter.statements if s.lstrip().upper().startswith(verbs)]


async def test_card_is_at_most_two_queries_and_has_no_n_plus_one(
    client: AsyncClient, demo: int, sessionmaker: Maker, count_queries: QueryCounter, app: FastAPI
) -> None:
    await client.get(CARD)  # warm up: connections, caches
    count_queries.statements.clear()
    assert (await client.get(CARD)).status_code == 200
    assert data_statements(count_queries) == []  # a cached card (and key) reads nothing

    app.state.cards.forget("*")
    app.state.keys.cache.forget_all()
    count_queries.statements.clear()
    response = await client.get(CARD)
    assert response.status_code == 200
    before = data_statements(count_queries)
    assert 1 <= len(before) <= 2, before

    cid = await seed_id(sessionmaker)
    for i in range(15):
        side = await sql(
            sessionmaker,
            "INSERT INTO sides (id, controversy_id, label, position)"
            " VALUES (gen_random_uuid(), :cid, :label, :pos) RETURNING id",
            cid=cid,
            label=f"Side {i}",
            pos=10 + i,
        )
        actor = await sql(
            sessionmaker,
            "INSERT INTO actors (id, name, name_key, kind, influence)"
            " VALUES (gen_random_uuid(), :name, :key, 'person', :inf) RETURNING id",
            name=f"N+1 Actor {i}",
            key=f"n+1 actor {i}",
            inf=i,
        )
        await sql(
            sessionmaker,
            "INSERT INTO stances (id, controversy_id, side_id, actor_id, claim)"
            " VALUES (gen_random_uuid(), :cid, :side, :actor, 'claim')",
            cid=cid,
            side=side[0][0],
            actor=actor[0][0],
        )
    for i in range(40):
        await sql(
            sessionmaker,
            "INSERT INTO mentions (id, controversy_id, platform, external_id, published_at)"
            " VALUES (gen_random_uuid(), :cid, 'x', :ext, :at)",
            cid=cid,
            ext=f"n+1-{i}",
            at=datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=i),
        )

    # Rows written behind the API's back: it would have bumped the card's version, which is
    # what tells every process to drop the card; do the same here.
    await sql(
        sessionmaker, "UPDATE controversies SET version = version + 1 WHERE id = :cid", cid=cid
    )
    app.state.keys.cache.forget_all()
    count_queries.statements.clear()
    response = await client.get(CARD)
    assert response.status_code == 200
    card = response.json()
    assert len(card["sides"]) == 17
    assert sum(len(s["stances"]) for s in card["sides"]) == 18
    assert len(card["posts"]["data"]) == 10 and card["posts"]["has_more"]
    after = data_statements(count_queries)
    assert len(after) == len(before), after
