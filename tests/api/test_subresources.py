"""Sub-resources of a controversy, actors, categories and the published method."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.demo.loader import demo_cards
from app.enums import Category
from tests.conftest import DEMO_NOW

SEED = "gpt-2-staged-release"
BASE = f"/v1/controversies/{SEED}"
SEED_FIRST_POST = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # the Hacker News post
SEED_LAST_ACTIVITY = datetime(2026, 11, 27, 9, 36, tzinfo=UTC)  # the Reddit post
SEED_COMPOSITE = 376 / 7  # the seven editorial components sum to 376
Maker = async_sessionmaker[AsyncSession]
CARDS = demo_cards()


def normalise_name(name: str) -> str:
    """How actors are told apart: "OpenAI" and " openai " are one actor."""
    return " ".join(name.split()).casefold()


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
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


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5 + 1e-9)


async def walk(client: AsyncClient, path: str, limit: int, **params: Any) -> list[Any]:
    """Every item of a paginated list, following next_cursor."""
    collected: list[Any] = []
    cursor: str | None = None
    for _ in range(200):
        query: dict[str, Any] = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["data"]) <= limit
        collected.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return collected
    raise AssertionError("the cursor never ends")


async def add_mentions(maker: Maker, cid: uuid.UUID, count: int, platform: str) -> None:
    start = datetime(2026, 9, 1, tzinfo=UTC)
    for i in range(count):
        await sql(
            maker,
            "INSERT INTO mentions (id, controversy_id, platform, external_id, published_at,"
            " score) VALUES (gen_random_uuid(), :cid, :platform, :ext, :at, :score)",
            cid=cid,
            platform=platform,
            ext=f"sub-{platform}-{i}",
            # Pairs share a time, so the id must break ties.
            at=start + timedelta(hours=i // 2),
            score=i,
        )


# --------------------------------------------------------------------------- sides


async def test_sides(client: AsyncClient, demo: int) -> None:
    response = await client.get(f"{BASE}/sides")
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None  # the shape of every list, on one page
    sides = response.json()["data"]
    assert [(s["label"], s["position"]) for s in sides] == [("Critics", 1), ("Defenders", 2)]
    names = [[st["actor"]["name"] for st in s["stances"]] for s in sides]
    assert names == [["AI Research Community"], ["OpenAI", "Jack Clark"]]
    grades = {st["actor"]["name"]: st["actor"]["grade"] for s in sides for st in s["stances"]}
    assert grades == {"AI Research Community": "C", "OpenAI": "B", "Jack Clark": "C"}
    card = (await client.get(BASE)).json()
    assert sides == card["sides"]


async def test_sides_of_a_controversy_without_sides(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    await sql(
        sessionmaker, "DELETE FROM sides WHERE controversy_id = :c", c=await seed_id(sessionmaker)
    )
    response = await client.get(f"{BASE}/sides")
    assert response.status_code == 200
    assert response.json() == {"data": [], "next_cursor": None}


# --------------------------------------------------------------------------- timeline


async def test_timeline_merges_newest_first(client: AsyncClient, demo: int) -> None:
    response = await client.get(f"{BASE}/timeline")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    data = body["data"]
    assert [item["kind"] for item in data] == ["mention", "mention", "event", "event", "event"]
    times = [parse(item["at"]) for item in data]
    assert times == sorted(times, reverse=True)
    assert [item["event"]["title"] for item in data if item["kind"] == "event"] == [
        "Final Model Release",
        "Release of Medium Model",
        "GPT-2 Announcement",
    ]
    for item in data:
        assert set(item) == {"kind", "at", item["kind"]}


@pytest.mark.parametrize(("kind", "count"), [("event", 3), ("mention", 2)])
async def test_timeline_kind_filter(client: AsyncClient, demo: int, kind: str, count: int) -> None:
    response = await client.get(f"{BASE}/timeline", params={"kind": kind})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == count
    assert {item["kind"] for item in data} == {kind}


async def add_timeline_rows(maker: Maker) -> None:
    cid = await seed_id(maker)
    await add_mentions(maker, cid, 9, "x")
    for i in range(6):
        await sql(
            maker,
            "INSERT INTO timeline_events (id, controversy_id, occurred_at, title, kind)"
            " VALUES (gen_random_uuid(), :cid, :at, :title, 'policy')",
            cid=cid,
            # Same instants as some mentions: the merge must still never repeat or skip.
            at=datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=i),
            title=f"policy {i}",
        )


async def test_timeline_pagination(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    await add_timeline_rows(sessionmaker)
    full = (await client.get(f"{BASE}/timeline", params={"limit": 100})).json()["data"]
    assert len(full) == 5 + 9 + 6
    times = [parse(item["at"]) for item in full]
    assert times == sorted(times, reverse=True)
    ids = [item[item["kind"]]["id"] for item in full]
    assert len(set(ids)) == len(ids)
    for limit in (1, 3, 7):
        assert await walk(client, f"{BASE}/timeline", limit) == full


async def test_timeline_pagination_with_kind(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    await add_timeline_rows(sessionmaker)
    full = (await client.get(f"{BASE}/timeline", params={"limit": 100})).json()["data"]
    events = await walk(client, f"{BASE}/timeline", 2, kind="event")
    assert events == [item for item in full if item["kind"] == "event"]
    mentions = await walk(client, f"{BASE}/timeline", 4, kind="mention")
    assert mentions == [item for item in full if item["kind"] == "mention"]


async def test_timeline_cursor_of_another_filter_is_400(client: AsyncClient, demo: int) -> None:
    cursor = (await client.get(f"{BASE}/timeline", params={"limit": 1})).json()["next_cursor"]
    assert cursor
    assert (await client.get(f"{BASE}/timeline", params={"cursor": cursor})).status_code == 200
    assert_problem(
        await client.get(f"{BASE}/timeline", params={"cursor": cursor, "kind": "event"}), 400
    )
    assert_problem(await client.get(f"{BASE}/mentions", params={"cursor": cursor}), 400)
    assert_problem(await client.get(f"{BASE}/forecasts", params={"cursor": cursor}), 400)
    assert_problem(await client.get(f"{BASE}/timeline", params={"cursor": "junk"}), 400)
    assert_problem(await client.get(f"{BASE}/timeline", params={"kind": "x"}), 422)


# --------------------------------------------------------------------------- mentions


async def test_mentions_and_platform_filter(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    data = (await client.get(f"{BASE}/mentions")).json()["data"]
    assert [m["platform"] for m in data] == ["reddit", "hackernews"]
    reddit = data[0]
    assert reddit["external_id"] == "demo-reddit-1"
    assert reddit["author"] == "/u/Ill-Association-8410"
    assert reddit["published_at"] == "2026-11-27T09:36:00Z"
    assert (reddit["score"], reddit["comments"], reddit["shares"], reddit["audience"]) == (
        1500,
        210,
        0,
        0,
    )
    assert {"id", "url", "title", "excerpt"} <= set(reddit)

    await add_mentions(sessionmaker, await seed_id(sessionmaker), 7, "bluesky")
    only = (await client.get(f"{BASE}/mentions", params={"platform": "bluesky"})).json()["data"]
    assert len(only) == 7
    assert {m["platform"] for m in only} == {"bluesky"}
    hn = (await client.get(f"{BASE}/mentions", params={"platform": "hackernews"})).json()["data"]
    assert [m["external_id"] for m in hn] == ["demo-hn-1"]
    none = (await client.get(f"{BASE}/mentions", params={"platform": "youtube"})).json()
    assert none == {"data": [], "next_cursor": None}
    body = assert_problem(await client.get(f"{BASE}/mentions", params={"platform": "myspace"}), 422)
    assert [e["field"] for e in body["errors"]] == ["platform"]


async def test_mentions_pagination(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    await add_mentions(sessionmaker, await seed_id(sessionmaker), 11, "x")
    full = (await client.get(f"{BASE}/mentions", params={"limit": 100})).json()["data"]
    assert len(full) == 13
    times = [parse(m["published_at"]) for m in full]
    assert times == sorted(times, reverse=True)
    for limit in (1, 2, 5):
        walked = await walk(client, f"{BASE}/mentions", limit)
        assert [m["id"] for m in walked] == [m["id"] for m in full]
    xs = await walk(client, f"{BASE}/mentions", 3, platform="x")
    assert [m["id"] for m in xs] == [m["id"] for m in full if m["platform"] == "x"]


# --------------------------------------------------------------------------- forecasts


async def test_forecasts_newest_first_and_superseded(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    first = (await client.get(f"{BASE}/forecasts")).json()["data"]
    # The demo's current forecast, then the editors' 2019 forecast it supersedes (resolved).
    assert [f["superseded"] for f in first] == [False, True]
    assert len(first[0]["scenarios"]) == 2
    assert first[1]["generated_by"] == "Editors"
    assert first[1]["scenarios"][0]["resolution"]["outcome"] == "happened"

    cid = await seed_id(sessionmaker)
    rows = await sql(
        sessionmaker,
        "INSERT INTO forecasts (id, controversy_id, generated_by, generated_at, summary,"
        " review_status) VALUES (gen_random_uuid(), :cid, 'Claude', :at, 'Newer outlook',"
        " 'reviewed') RETURNING id",
        cid=cid,
        at=DEMO_NOW + timedelta(days=1),
    )
    newest_id = rows[0][0]
    await sql(
        sessionmaker,
        "INSERT INTO forecast_scenarios (id, forecast_id, position, title, probability, horizon)"
        " VALUES (gen_random_uuid(), :f, 0, 'Only scenario', 0.25, '2027-06-30')",
        f=newest_id,
    )
    data = (await client.get(f"{BASE}/forecasts")).json()["data"]
    assert [f["id"] for f in data] == [str(newest_id), first[0]["id"], first[1]["id"]]
    assert [f["superseded"] for f in data] == [False, True, True]
    assert data[0]["generated_by"] == "Claude"
    [only] = data[0]["scenarios"]
    assert {key: only[key] for key in ("title", "description", "probability", "horizon")} == {
        "title": "Only scenario",
        "description": "",
        "probability": 0.25,
        "horizon": "2027-06-30",
    }
    assert (only["scorable"], only["resolution"], only["score"]) == (True, None, None)
    # The older forecast stays readable, unchanged but for `superseded`.
    assert {**data[1], "superseded": False} == first[0]

    card = (await client.get(BASE)).json()
    assert card["forecast"]["id"] == str(newest_id)
    assert card["forecast"]["superseded"] is False

    pages = await walk(client, f"{BASE}/forecasts", 1)
    assert [f["id"] for f in pages] == [f["id"] for f in data]


async def test_no_forecast(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    await sql(
        sessionmaker,
        "DELETE FROM forecasts WHERE controversy_id = :c",
        c=await seed_id(sessionmaker),
    )
    assert (await client.get(f"{BASE}/forecasts")).json() == {"data": [], "next_cursor": None}
    assert (await client.get(BASE)).json()["forecast"] is None


# --------------------------------------------------------------------------- noise


async def test_noise(client: AsyncClient, demo: int) -> None:
    response = await client.get(f"{BASE}/noise", params={"at": "2026-12-04T09:36:00Z"})
    assert response.status_code == 200, response.text
    noise = response.json()
    assert {
        "score",
        "level",
        "decay",
        "composite",
        "components",
        "weights",
        "last_activity_at",
        "computed_at",
        "as_of",
        "method_version",
    } <= set(noise)
    assert (noise["score"], noise["level"], noise["decay"]) == (27, "murmur", 0.5)
    assert noise["composite"] == round(SEED_COMPOSITE, 4) == 53.7143
    assert noise["method_version"] == "v1"
    assert noise["as_of"] == "2026-12-04T09:36:00Z"
    assert noise["last_activity_at"] == "2026-11-27T09:36:00Z"
    assert parse(noise["computed_at"]) == DEMO_NOW
    assert math.isclose(sum(noise["weights"].values()), 1.0, abs_tol=1e-5)
    assert len(noise["components"]) == 7
    for name, component in noise["components"].items():
        assert set(component) == {"value", "source", "weight", "contribution"}
        assert component["source"] in ("derived", "editorial")
        assert component["weight"] == noise["weights"][name]
        assert component["contribution"] == round(component["weight"] * component["value"], 4)
    total = sum(c["contribution"] for c in noise["components"].values())
    assert math.isclose(total, noise["composite"], abs_tol=1e-3)
    card = (await client.get(BASE, params={"at": "2026-12-04T09:36:00Z"})).json()
    assert card["noise"] == noise


async def test_noise_of_a_derived_card(client: AsyncClient, demo: int) -> None:
    noise = (await client.get("/v1/controversies/nyt-v-openai-copyright-suit/noise")).json()
    sources = {name: c["source"] for name, c in noise["components"].items()}
    assert sources.pop("industry_impact") == "editorial"
    assert set(sources.values()) == {"derived"}
    assert noise["components"]["industry_impact"]["value"] == 85


# --------------------------------------------------------------------------- noise history


# Points fall on UTC calendar boundaries (whole hours, midnights, Monday midnights) from the
# first one at or after `from`: 2026-11-01 is a Sunday, 2026-11-02 a Monday.
@pytest.mark.parametrize(
    ("start", "end", "interval", "first", "count"),
    [
        ("2026-11-27T00:00:00Z", "2026-11-27T23:00:00Z", "hour", "2026-11-27T00:00:00Z", 24),
        ("2026-11-27T00:00:00Z", "2026-11-27T23:59:59Z", "hour", "2026-11-27T00:00:00Z", 24),
        ("2026-11-27T00:12:26Z", "2026-11-27T23:59:59Z", "hour", "2026-11-27T01:00:00Z", 23),
        ("2026-11-01T00:00:00Z", "2026-11-30T00:00:00Z", "day", "2026-11-01T00:00:00Z", 30),
        ("2026-11-01T05:12:26Z", "2026-11-30T00:00:00Z", "day", "2026-11-02T00:00:00Z", 29),
        ("2026-11-01T00:00:00Z", "2026-12-31T00:00:00Z", "week", "2026-11-02T00:00:00Z", 9),
        ("2026-11-02T00:00:00Z", "2026-11-02T00:00:00Z", "week", "2026-11-02T00:00:00Z", 1),
        ("2026-11-27T10:00:00Z", "2026-11-27T10:00:00Z", "day", None, 0),
    ],
)
async def test_history_point_count(
    client: AsyncClient,
    demo: int,
    start: str,
    end: str,
    interval: str,
    first: str | None,
    count: int,
) -> None:
    response = await client.get(
        f"{BASE}/noise/history", params={"from": start, "to": end, "interval": interval}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["interval"] == interval
    assert parse(body["from"]) == parse(start)
    assert parse(body["to"]) == parse(end)
    points = body["points"]
    assert len(points) == count
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
    assert [parse(p["at"]) for p in points] == [
        parse(first) + i * step[interval] for i in range(count) if first is not None
    ]


async def test_history_values_follow_the_snapshot_rule(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    start = datetime(2026, 11, 27, 0, tzinfo=UTC)
    end = start + timedelta(days=2)
    response = await client.get(
        f"{BASE}/noise/history",
        params={"from": iso(start), "to": iso(end), "interval": "hour"},
    )
    points = response.json()["points"]
    assert len(points) == 49
    # The demo replays its posts: a snapshot at each (08:00 and 09:36), none before.
    for point in points:
        t = parse(point["at"])
        if t < SEED_FIRST_POST:
            assert point["score"] is None and point["level"] is None, point
        else:
            last = SEED_FIRST_POST if t < SEED_LAST_ACTIVITY else SEED_LAST_ACTIVITY
            decay = 0.5 ** ((t - last) / timedelta(days=7))
            assert point["score"] == round_half_up(SEED_COMPOSITE * decay), point
            assert point["level"] == "buzz"
    assert [p["score"] for p in points[7:11]] == [None, 54, 53, 54]  # 07:00 … 10:00

    # A later snapshot takes over from its computed_at on.
    later = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
    await sql(
        sessionmaker,
        "INSERT INTO noise_snapshots (controversy_id, computed_at, composite, components,"
        " last_activity_at) VALUES (:c, :at, 90.0, '{}'::jsonb, :last)",
        c=await seed_id(sessionmaker),
        at=later,
        last=datetime(2026, 11, 28, 6, tzinfo=UTC),
    )
    points = (
        await client.get(
            f"{BASE}/noise/history",
            params={"from": iso(start), "to": iso(end), "interval": "hour"},
        )
    ).json()["points"]
    by_time = {parse(p["at"]): p for p in points}
    six = datetime(2026, 11, 28, 6, tzinfo=UTC)
    old_decay = 0.5 ** ((six - SEED_LAST_ACTIVITY) / timedelta(days=7))
    assert by_time[six]["score"] == round_half_up(SEED_COMPOSITE * old_decay)
    seven = datetime(2026, 11, 28, 7, tzinfo=UTC)
    new_decay = 0.5 ** ((seven - datetime(2026, 11, 28, 6, tzinfo=UTC)) / timedelta(days=7))
    assert by_time[seven]["score"] == round_half_up(90.0 * new_decay) == 90
    assert by_time[seven]["level"] == "uproar"


async def test_history_defaults_to_thirty_days_by_day(client: AsyncClient, demo: int) -> None:
    body = (await client.get(f"{BASE}/noise/history", params={"to": "2026-12-27T10:00:00Z"})).json()
    assert body["interval"] == "day"
    assert parse(body["from"]) == datetime(2026, 11, 27, 10, tzinfo=UTC)  # `to` − 30 days
    # Midnights from 2026-11-28 to 2026-12-27: 30 points, each decayed from 09:36 on the 27th.
    points = body["points"]
    assert [parse(p["at"]) for p in (points[0], points[-1])] == [
        datetime(2026, 11, 28, tzinfo=UTC),
        datetime(2026, 12, 27, tzinfo=UTC),
    ]
    assert len(points) == 30
    for point in (points[0], points[-1]):
        age = parse(point["at"]) - SEED_LAST_ACTIVITY
        assert point["score"] == round_half_up(SEED_COMPOSITE * 0.5 ** (age / timedelta(days=7)))


async def test_history_limits(client: AsyncClient, demo: int) -> None:
    url = f"{BASE}/noise/history"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ok = await client.get(
        url,
        params={"from": iso(start), "to": iso(start + timedelta(hours=999)), "interval": "hour"},
    )
    assert ok.status_code == 200
    assert len(ok.json()["points"]) == 1000
    too_many = await client.get(
        url,
        params={"from": iso(start), "to": iso(start + timedelta(hours=1000)), "interval": "hour"},
    )
    body = assert_problem(too_many, 422)
    assert body["errors"]
    reversed_range = await client.get(
        url, params={"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    )
    body = assert_problem(reversed_range, 422)
    assert [e["field"] for e in body["errors"]] == ["from"]
    assert_problem(await client.get(url, params={"interval": "month"}), 422)
    assert_problem(await client.get(url, params={"from": "2026-12-01T00:00:00"}), 422)


@pytest.mark.parametrize(
    "params",
    [
        {"to": "0001-01-02T00:00:00Z"},
        {"from": "9999-12-31T00:00:00Z", "to": "9999-12-31T23:00:00Z", "interval": "day"},
    ],
)
async def test_history_at_the_edges_of_time_is_not_a_500(
    client: AsyncClient, demo: int, params: dict[str, str]
) -> None:
    try:
        response = await client.get(f"{BASE}/noise/history", params=params)
    except OverflowError:
        pytest.fail("OverflowError escaped: the client gets a 500")
    assert response.status_code < 500


# --------------------------------------------------------------------------- actors


def demo_actor_names() -> set[str]:
    names: dict[str, str] = {}
    for card in CARDS:
        for side in card.get("sides", []):
            for stance in side.get("stances", []):
                name = stance["actor"]["name"]
                names.setdefault(normalise_name(name), name)
    return set(names.values())


async def test_actors_list_and_pagination(client: AsyncClient, demo: int) -> None:
    full = (await client.get("/v1/actors", params={"limit": 100})).json()
    assert full["next_cursor"] is None
    actors = full["data"]
    assert {a["name"] for a in actors} == demo_actor_names()
    assert len(actors) == len(demo_actor_names())
    for actor in actors:
        assert {"id", "name", "kind", "description", "influence", "grade"} <= set(actor)
    walked = await walk(client, "/v1/actors", 4)
    assert [a["id"] for a in walked] == [a["id"] for a in actors]
    assert len({a["id"] for a in walked}) == len(actors)


async def test_actors_q_filter(client: AsyncClient, demo: int) -> None:
    found = (await client.get("/v1/actors", params={"q": "openai", "limit": 100})).json()["data"]
    names = {a["name"] for a in found}
    assert names == {n for n in demo_actor_names() if "openai" in n.lower()}
    assert {"OpenAI", "OpenAI Board of Directors", "OpenAI Employees"} <= names
    upper = (await client.get("/v1/actors", params={"q": "OPENAI", "limit": 100})).json()["data"]
    assert upper == found
    # LIKE wildcards are literal characters.
    for q in ("%", "_"):
        response = await client.get("/v1/actors", params={"q": q})
        assert response.json()["data"] == []
    people = (await client.get("/v1/actors", params={"kind": "person", "limit": 100})).json()
    assert people["data"] and {a["kind"] for a in people["data"]} == {"person"}


async def test_actor_detail(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    rows = await sql(sessionmaker, "SELECT id FROM actors WHERE name = 'OpenAI'")
    response = await client.get(f"/v1/actors/{rows[0][0]}")
    assert response.status_code == 200, response.text
    actor = response.json()
    assert (actor["name"], actor["kind"], actor["influence"], actor["grade"]) == (
        "OpenAI",
        "organization",
        70,
        "B",
    )
    expected = {
        (card["slug"], side["label"], stance["claim"])
        for card in CARDS
        for side in card.get("sides", [])
        for stance in side.get("stances", [])
        if stance["actor"]["name"] == "OpenAI"
    }
    assert len(expected) >= 4
    got = {(s["controversy"]["slug"], s["side"]["label"], s["claim"]) for s in actor["stances"]}
    assert got == expected
    for stance in actor["stances"]:
        uuid.UUID(stance["controversy"]["id"])
        uuid.UUID(stance["side"]["id"])
        assert stance["controversy"]["title"]


async def test_actor_detail_hides_archived_controversies(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    rows = await sql(sessionmaker, "SELECT id FROM actors WHERE name = 'Jack Clark'")
    await sql(sessionmaker, "UPDATE controversies SET archived_at = now() WHERE slug = :s", s=SEED)
    actor = (await client.get(f"/v1/actors/{rows[0][0]}")).json()
    assert actor["stances"] == []


async def test_unknown_actor_is_404(client: AsyncClient, demo: int) -> None:
    body = assert_problem(await client.get(f"/v1/actors/{uuid.uuid4()}"), 404)
    assert body["type"].endswith("/not-found")


@pytest.mark.parametrize("bad", ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g"])
async def test_malformed_actor_id_is_422(client: AsyncClient, demo: int, bad: str) -> None:
    body = assert_problem(await client.get(f"/v1/actors/{bad}"), 422)
    assert [e["field"] for e in body["errors"]] == ["actor_id"]
    assert body["errors"][0]["location"] == "path"


async def test_actor_cursor_garbage_is_400(client: AsyncClient, demo: int) -> None:
    assert_problem(await client.get("/v1/actors", params={"cursor": "nope"}), 400)


# --------------------------------------------------------------------------- categories, method


async def test_categories(client: AsyncClient, demo: int) -> None:
    response = await client.get("/v1/categories")
    assert response.status_code == 200
    assert response.json()["next_cursor"] is None
    counts = {c["category"]: c["count"] for c in response.json()["data"]}
    assert set(counts) == {c.value for c in Category}
    assert len(counts) == 11
    expected = {c.value: 0 for c in Category}
    for card in CARDS:
        expected[card["category"]] += 1
    assert counts == expected
    total = len((await client.get("/v1/controversies", params={"limit": 100})).json()["data"])
    assert sum(counts.values()) == total == 11


async def test_categories_on_an_empty_database(client: AsyncClient) -> None:
    counts = (await client.get("/v1/categories")).json()["data"]
    assert len(counts) == 11
    assert all(c["count"] == 0 for c in counts)


async def test_methodology(client: AsyncClient) -> None:
    response = await client.get("/v1/methodology")
    assert response.status_code == 200
    method = response.json()
    assert method["method_version"] == "v1"
    assert method["half_life_days"] == 7
    weights = {c["name"]: c["weight"] for c in method["components"]}
    assert set(weights) == {
        "reach",
        "engagement",
        "star_power",
        "cross_platform",
        "polarity",
        "duration",
        "industry_impact",
    }
    assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-5)
    assert all(c["formula"] for c in method["components"])
    bands = {b["level"]: (b["min_score"], b["max_score"]) for b in method["level_bands"]}
    assert bands == {
        "quiet": (0, 19),
        "murmur": (20, 39),
        "buzz": (40, 59),
        "loud": (60, 79),
        "uproar": (80, 100),
    }
    assert method["grade_bands"] == {"A": 80, "B": 60, "C": 40, "D": 20, "F": 0}
    assert method["wave_days"] == 30
