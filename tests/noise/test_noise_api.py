"""The Noise Score through the API: recompute on write, decay on read, history, the noise sort."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.cards.repository import ListFilters, list_statement
from app.config import Settings
from app.noise import scoring
from app.noise import service as noise_service

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def new_controversy(client: httpx.AsyncClient, slug: str = "noisy") -> dict[str, Any]:
    response = await client.post(
        "/v1/controversies",
        json={
            "slug": slug,
            "title": "A noisy story",
            "category": "safety",
            "stage": "emerging",
            "industry_impact": 90,
            "started_at": "2026-11-01T00:00:00Z",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


EXAMPLE_B_MENTIONS = [
    {
        "platform": "hackernews",
        "external_id": "b-hn",
        "published_at": "2026-11-27T08:00:00Z",
        "audience": 120000,
        "score": 640,
        "comments": 412,
    },
    {
        "platform": "reddit",
        "external_id": "b-rd",
        "published_at": "2026-11-27T09:30:00Z",
        "audience": 2400000,
        "score": 1800,
        "comments": 350,
    },
    {
        "platform": "x",
        "external_id": "b-x",
        "published_at": "2026-11-25T12:00:00Z",
        "audience": 850000,
        "score": 5200,
        "comments": 300,
        "shares": 1100,
    },
    {
        "platform": "news",
        "external_id": "b-news",
        "published_at": "2026-10-01T00:00:00Z",
        "audience": 5000000,
    },
]


async def build_example_b(client: httpx.AsyncClient) -> str:
    """Example B of noise.md, built through the write API."""
    cid = (await new_controversy(client))["id"]
    critics = (
        await client.post(f"/v1/controversies/{cid}/sides", json={"label": "Critics"})
    ).json()
    defenders = (
        await client.post(f"/v1/controversies/{cid}/sides", json={"label": "Defenders"})
    ).json()
    for name, influence, side in (
        ("C1", 45, critics),
        ("D1", 70, defenders),
        ("D2", 40, defenders),
    ):
        actor = (
            await client.post(
                "/v1/actors", json={"name": name, "kind": "person", "influence": influence}
            )
        ).json()
        await client.post(
            f"/v1/controversies/{cid}/sides/{side['id']}/stances", json={"actor_id": actor["id"]}
        )
    await client.post(
        f"/v1/controversies/{cid}/events",
        json={"occurred_at": "2026-11-26T00:00:00Z", "title": "Launch", "kind": "release"},
    )
    response = await client.post(
        f"/v1/controversies/{cid}/mentions", json={"mentions": EXAMPLE_B_MENTIONS}
    )
    assert response.status_code == 200, response.text
    return str(cid)


async def test_example_b_through_the_write_api(client: httpx.AsyncClient) -> None:
    cid = await build_example_b(client)
    noise = (
        await client.get(f"/v1/controversies/{cid}/noise", params={"at": "2026-11-27T12:00:00Z"})
    ).json()
    assert {name: c["value"] for name, c in noise["components"].items()} == {
        "reach": 82,
        "engagement": 82,
        "star_power": 52,
        "cross_platform": 75,
        "polarity": 87,
        "duration": 6,
        "industry_impact": 90,
    }
    assert {
        c["source"] for name, c in noise["components"].items() if name != "industry_impact"
    } == {"derived"}
    assert noise["composite"] == 67.7143
    assert noise["decay"] == 0.989738
    assert (noise["score"], noise["level"]) == (67, "loud")
    for days, score in ((7, 34), (14, 17), (30, 3)):
        at = datetime(2026, 11, 27, 9, 30, tzinfo=UTC) + timedelta(days=days)
        later = (
            await client.get(f"/v1/controversies/{cid}/noise", params={"at": at.isoformat()})
        ).json()
        assert later["score"] == score


async def test_adding_a_mention_recomputes_score_and_last_activity(
    client: httpx.AsyncClient,
) -> None:
    cid = await build_example_b(client)
    before = (await client.get(f"/v1/controversies/{cid}")).json()["noise"]
    response = await client.post(
        f"/v1/controversies/{cid}/mentions",
        json={
            "mentions": [
                {
                    "platform": "youtube",
                    "external_id": "yt-1",
                    "published_at": "2026-11-27T11:00:00Z",
                    "audience": 3_000_000,
                    "score": 40_000,
                    "comments": 9_000,
                }
            ]
        },
    )
    assert response.json()["created"] == 1
    after = (await client.get(f"/v1/controversies/{cid}")).json()["noise"]
    assert after["last_activity_at"] == "2026-11-27T11:00:00Z" != before["last_activity_at"]
    assert after["composite"] > before["composite"]
    assert after["components"]["cross_platform"]["value"] == 100


async def test_decay_on_read_halves_after_a_week(client: httpx.AsyncClient) -> None:
    cid = await build_example_b(client)
    at = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    now = (await client.get(f"/v1/controversies/{cid}/noise", params={"at": at.isoformat()})).json()
    week = (
        await client.get(
            f"/v1/controversies/{cid}/noise", params={"at": (at + timedelta(days=7)).isoformat()}
        )
    ).json()
    assert now["decay"] == 1.0 and week["decay"] == 0.5
    assert week["composite"] * week["decay"] == now["composite"] * now["decay"] / 2
    card = (
        await client.get(
            f"/v1/controversies/{cid}", params={"at": (at + timedelta(days=7)).isoformat()}
        )
    ).json()
    assert card["noise"]["score"] == week["score"] == 34


async def test_history_follows_the_snapshots(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    cid = (await new_controversy(client))["id"]
    # Place the snapshots at known times: C = 40 from Nov 1, then C = 80 from Nov 10.
    async with sessionmaker() as session, session.begin():
        await session.execute(text("DELETE FROM noise_snapshots"))
        await session.execute(
            text(
                "INSERT INTO noise_snapshots (controversy_id, computed_at, composite, components,"
                " last_activity_at) VALUES"
                " (:id, '2026-11-01T00:00Z', 40, '{}', '2026-11-01T00:00Z'),"
                " (:id, '2026-11-10T00:00Z', 80, '{}', '2026-11-10T00:00Z')"
            ),
            {"id": cid},
        )
    response = await client.get(
        f"/v1/controversies/{cid}/noise/history",
        params={"from": "2026-10-31T00:00:00Z", "to": "2026-11-17T00:00:00Z", "interval": "day"},
    )
    points = response.json()["points"]
    assert len(points) == 18
    assert points[0] == {"at": "2026-10-31T00:00:00Z", "score": None, "level": None}
    assert points[1]["score"] == 40
    assert points[8]["score"] == 20  # a week after Nov 1: half of 40
    assert points[10]["score"] == 80 and points[10]["level"] == "uproar"
    assert points[17]["score"] == 40
    weekly = await client.get(
        f"/v1/controversies/{cid}/noise/history",
        params={"from": "2026-11-03T00:00:00Z", "to": "2026-11-17T00:00:00Z", "interval": "week"},
    )
    # Weeks start on Mondays (ISO): Nov 9: 40 · 0.5^(8/7) = 18.1; Nov 16: 80 · 0.5^(6/7) = 44.2.
    weeks = weekly.json()["points"]
    assert [p["at"] for p in weeks] == ["2026-11-09T00:00:00Z", "2026-11-16T00:00:00Z"]
    assert [p["score"] for p in weeks] == [18, 44]
    too_many = await client.get(
        f"/v1/controversies/{cid}/noise/history",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "interval": "hour"},
    )
    assert too_many.status_code == 422


async def test_concurrent_writers_leave_a_state_equal_to_a_fresh_recompute(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    cid = await build_example_b(client)
    mentions = [
        {
            "platform": ("reddit", "x", "bluesky", "mastodon")[i % 4],
            "external_id": f"c-{i}",
            "published_at": f"2026-11-{10 + i % 17:02d}T00:00:00Z",
            "audience": 1000 * i,
            "score": i,
        }
        for i in range(40)
    ]
    writes = (
        [
            client.post(f"/v1/controversies/{cid}/mentions", json={"mentions": mentions[i::4]})
            for i in range(4)
        ]
        + [
            client.post(
                f"/v1/controversies/{cid}/events",
                json={"occurred_at": f"2026-11-2{i}T00:00:00Z", "title": f"Event {i}"},
            )
            for i in range(4)
        ]
        + [
            client.patch(
                f"/v1/controversies/{cid}/noise/inputs",
                json={"industry_impact": 60 + i},
                headers={"If-Match": "*"},
            )
            for i in range(4)
        ]
    )
    responses = await asyncio.gather(*writes)
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    stored = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    async with sessionmaker() as session, session.begin():
        fresh = (
            await noise_service.recompute(
                session, controversy_id=uuid.UUID(cid), now=NOW, settings=settings
            )
        ).state
    assert stored["composite"] == round(fresh.composite, 4)
    assert stored["last_activity_at"] == fresh.last_activity_at.isoformat().replace("+00:00", "Z")


async def test_noise_sort_matches_the_scores_it_shows(client: httpx.AsyncClient, demo: int) -> None:
    items = (await client.get("/v1/controversies", params={"limit": 100})).json()["data"]
    scores = [item["noise"]["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert len(items) == demo


async def test_demo_shows_both_sources(client: httpx.AsyncClient, demo: int) -> None:
    seed = (await client.get("/v1/controversies/gpt-2-staged-release/noise")).json()
    assert {c["source"] for c in seed["components"].values()} == {"editorial"}
    other = (await client.get("/v1/controversies/nyt-v-openai-copyright-suit/noise")).json()
    derived = [n for n, c in other["components"].items() if c["source"] == "derived"]
    assert len(derived) == 6


async def seed_many(engine: AsyncEngine, n: int, settings: Settings) -> None:
    rng = random.Random(7)
    rows = []
    half_life = noise_service.half_life(settings)
    for i in range(n):
        composite = rng.choice([0.0, rng.uniform(0.01, 100)])
        last = NOW - timedelta(seconds=rng.randint(0, 150 * 86400))
        rows.append(
            {
                "id": uuid.uuid4(),
                "slug": f"c-{i}",
                "composite": composite,
                "last": last,
                "hot": scoring.hot_key(composite, last, half_life),
            }
        )
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO controversies (id, slug, title, category, stage, noise_composite,"
                " last_activity_at, hot_key) SELECT * FROM unnest(CAST(:id AS uuid[]),"
                " CAST(:slug AS text[]), CAST(:slug AS text[]), CAST(:cat AS text[]),"
                " CAST(:stage AS text[]), CAST(:composite AS float8[]),"
                " CAST(:last AS timestamptz[]), CAST(:hot AS float8[]))"
            ),
            {
                "id": [r["id"] for r in rows],
                "slug": [r["slug"] for r in rows],
                "cat": ["other"] * n,
                "stage": ["emerging"] * n,
                "composite": [r["composite"] for r in rows],
                "last": [r["last"] for r in rows],
                "hot": [r["hot"] for r in rows],
            },
        )
        await connection.execute(text("ANALYZE controversies"))


async def test_sql_noise_order_on_5000_matches_the_pure_module(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    await seed_many(engine, 5000, settings)
    half_life = noise_service.half_life(settings)
    seen: list[tuple[float, datetime]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/controversies", params=params)).json()
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT id, noise_composite, last_activity_at FROM controversies"
                    " WHERE id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": [item["id"] for item in page["data"]]},
            )
            by_id = {str(r[0]): (r[1], r[2]) for r in rows}
        seen += [by_id[item["id"]] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5000
    now = NOW + timedelta(days=1)  # after every last activity
    loudness = [
        max(c, scoring.HOT_KEY_MIN_COMPOSITE) * scoring.decay(last, now, half_life)
        for c, last in seen
    ]
    # Neighbours in the SQL order are in the pure module's order (up to float rounding).
    for louder, quieter in itertools.pairwise(loudness):
        assert louder >= quieter * (1 - 1e-9)


async def test_noise_sorted_list_is_an_index_scan(engine: AsyncEngine, settings: Settings) -> None:
    await seed_many(engine, 5000, settings)
    statement = list_statement(
        filters=ListFilters(),
        sort="noise",
        after=None,
        limit=20,
        now=NOW,
        half_life_seconds=noise_service.half_life(settings).total_seconds(),
    )
    compiled = statement.compile(compile_kwargs={"literal_binds": True})
    async with engine.connect() as connection:
        plan = "\n".join(row[0] for row in await connection.execute(text(f"EXPLAIN {compiled}")))
    assert "Index Scan Backward using ix_controversies_hot" in plan, plan
    assert "Sort" not in plan, plan


async def test_recompute_from_platform_sums_equals_the_per_mention_method(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    cid = (await new_controversy(client))["id"]
    rng = random.Random(11)
    platforms = ["hackernews", "reddit", "x", "bluesky", "mastodon", "news"]
    mentions: list[dict[str, Any]] = [
        {
            "platform": rng.choice(platforms),
            "external_id": f"r-{i}",
            "published_at": (NOW - timedelta(hours=rng.randint(0, 24 * 60))).isoformat(),
            "audience": rng.randint(0, 10**6),
            "score": rng.randint(0, 500),
            "comments": rng.randint(0, 100),
            "shares": rng.randint(0, 50),
        }
        for i in range(300)
    ]
    response = await client.post(f"/v1/controversies/{cid}/mentions", json={"mentions": mentions})
    assert response.json()["created"] == 300
    stored = (await client.get(f"/v1/controversies/{cid}/noise")).json()
    async with sessionmaker() as session:
        created_at = (
            await session.execute(
                text("SELECT created_at FROM controversies WHERE id = :id"), {"id": cid}
            )
        ).scalar_one()
    per_mention = scoring.compute_state(
        scoring.NoiseInputs(
            mentions=[
                scoring.MentionSignal(
                    m["platform"],
                    datetime.fromisoformat(m["published_at"]),
                    m["audience"],
                    m["score"],
                    m["comments"],
                    m["shares"],
                )
                for m in mentions
            ],
            side_influences=[],
            event_times=[],
            created_at=created_at,
            industry_impact=90,
        ),
        settings.noise_weights,
    )
    assert {k: c.value for k, c in per_mention.components.items()} == {
        k: c["value"] for k, c in stored["components"].items()
    }
    assert round(per_mention.composite, 4) == stored["composite"]


async def test_search_uses_its_index_and_pages_in_noise_order(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    await seed_many(engine, 5000, settings)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE controversies SET summary = 'a copyright dispute'"
                " WHERE slug IN (SELECT slug FROM controversies ORDER BY slug LIMIT 12)"
            )
        )
        await connection.execute(text("ANALYZE controversies"))
    statement = list_statement(
        filters=ListFilters(q="copyright"),
        sort="noise",
        after=None,
        limit=20,
        now=NOW,
        half_life_seconds=noise_service.half_life(settings).total_seconds(),
    )
    compiled = statement.compile(compile_kwargs={"literal_binds": True})
    async with engine.connect() as connection:
        plan = "\n".join(row[0] for row in await connection.execute(text(f"EXPLAIN {compiled}")))
    assert "Bitmap Index Scan on ix_controversies_search" in plan, plan
    assert "Seq Scan" not in plan, plan

    found: list[float] = []
    cursor = None
    while True:
        params: dict[str, Any] = {
            "q": "copyright",
            "limit": 5,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await client.get("/v1/controversies", params=params)).json()
        async with engine.connect() as connection:
            keys = dict(
                (str(row[0]), row[1])
                for row in await connection.execute(
                    text(
                        "SELECT id, hot_key FROM controversies WHERE id = ANY(CAST(:ids AS uuid[]))"
                    ),
                    {"ids": [item["id"] for item in page["data"]]},
                )
            )
        found += [keys[item["id"]] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(found) == 12
    assert found == sorted(found, reverse=True)
