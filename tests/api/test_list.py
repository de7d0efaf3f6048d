"""The list: GET /v1/controversies — sorts, filters, limits and cursors."""

from __future__ import annotations

import base64
import json
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import CursorResult, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.demo.loader import demo_cards

LIST = "/v1/controversies"
Maker = async_sessionmaker[AsyncSession]
CARDS = demo_cards()


def normalise_name(name: str) -> str:
    """How actors are told apart: "OpenAI" and " openai " are one actor."""
    return " ".join(name.split()).casefold()


ALL_SLUGS = {card["slug"] for card in CARDS}


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


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def items(client: AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(LIST, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    data: list[dict[str, Any]] = body["data"]
    return data


async def slugs(client: AsyncClient, **params: Any) -> list[str]:
    return [item["slug"] for item in await items(client, **params)]


async def walk(client: AsyncClient, limit: int, **params: Any) -> list[list[str]]:
    """Every page of a list, following next_cursor."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        response = await client.get(LIST, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["slug"] for item in body["data"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ends"


def hot_key_of(composite: float, last_activity: datetime) -> float:
    """noise.md: log2(max(C, 1e-9)) + last_activity_epoch / 604800."""
    return math.log2(max(composite, 1e-9)) + last_activity.timestamp() / 604800


async def insert_controversy(
    maker: Maker, slug: str, *, hot_key: float, composite: float = 50.0, **columns: Any
) -> None:
    values = {
        "slug": slug,
        "title": f"Inserted {slug}",
        "category": "other",
        "stage": "emerging",
        "hot_key": hot_key,
        "noise_composite": composite,
        **columns,
    }
    names = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    await sql(
        maker,
        f"INSERT INTO controversies (id, {names}) VALUES (gen_random_uuid(), {placeholders})",
        **values,
    )


# --------------------------------------------------------------------------- the whole list


async def test_list_has_the_eleven_demo_controversies(client: AsyncClient, demo: int) -> None:
    assert demo == 11
    data = await items(client)
    assert len(data) == 11
    assert {item["slug"] for item in data} == ALL_SLUGS
    for item in data:
        assert {"id", "slug", "title", "category", "stage", "tags", "summary", "noise"} <= set(item)
        assert {"score", "level", "decay", "last_activity_at"} <= set(item["noise"])
        # Compact cards: the heavy parts stay on the whole card.
        assert "sides" not in item and "timeline" not in item


async def test_default_limit_is_twenty(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    for i in range(15):
        await insert_controversy(sessionmaker, f"extra-{i}", hot_key=-100.0 - i)
    response = await client.get(LIST)
    body = response.json()
    assert len(body["data"]) == 20
    assert body["next_cursor"] is not None


async def test_empty_list(client: AsyncClient) -> None:
    response = await client.get(LIST)
    assert response.status_code == 200
    assert response.json() == {"data": [], "next_cursor": None}


# --------------------------------------------------------------------------- sorts


async def test_default_sort_is_loudest_first(
    client: AsyncClient, demo: int, sessionmaker: Maker
) -> None:
    data = await items(client)
    scores = [item["noise"]["score"] for item in data]
    assert scores == sorted(scores, reverse=True)
    rows = await sql(
        sessionmaker,
        "SELECT slug FROM controversies WHERE archived_at IS NULL ORDER BY hot_key DESC, id DESC",
    )
    assert [item["slug"] for item in data] == [row[0] for row in rows]
    assert await slugs(client, sort="noise") == [item["slug"] for item in data]


@pytest.mark.parametrize(
    ("sort", "column", "field"),
    [
        ("recent", "last_activity_at", ("noise", "last_activity_at")),
        ("started", "started_at", ("started_at",)),
        ("created", "created_at", ("created_at",)),
    ],
)
async def test_sorts_are_ordered(
    client: AsyncClient,
    demo: int,
    sessionmaker: Maker,
    sort: str,
    column: str,
    field: tuple[str, ...],
) -> None:
    # Spread created_at so the "created" sort is not all ties.
    await sql(
        sessionmaker,
        "UPDATE controversies SET created_at = started_at + interval '1 day'"
        " WHERE slug IN ('eu-ai-act-debate', 'air-canada-chatbot-ruling')",
    )
    data = await items(client, sort=sort)
    assert len(data) == 11
    values = []
    for item in data:
        value: Any = item
        for part in field:
            value = value[part]
        values.append(parse(value))
    assert values == sorted(values, reverse=True)
    rows = await sql(
        sessionmaker,
        f"SELECT slug FROM controversies WHERE archived_at IS NULL ORDER BY {column} DESC, id DESC",
    )
    assert [item["slug"] for item in data] == [row[0] for row in rows]


async def test_started_sort_matches_the_demo_dates(client: AsyncClient, demo: int) -> None:
    expected = [c["slug"] for c in sorted(CARDS, key=lambda c: c["started_at"], reverse=True)]
    assert await slugs(client, sort="started") == expected


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize("category", ["governance", "safety", "copyright", "military", "other"])
async def test_category_filter(client: AsyncClient, demo: int, category: str) -> None:
    expected = {c["slug"] for c in CARDS if c["category"] == category}
    assert set(await slugs(client, category=category)) == expected


@pytest.mark.parametrize("stage", ["resolved", "emerging", "dormant", "escalating"])
async def test_stage_filter(client: AsyncClient, demo: int, stage: str) -> None:
    expected = {c["slug"] for c in CARDS if c["stage"] == stage}
    assert expected
    assert set(await slugs(client, stage=stage)) == expected


@pytest.mark.parametrize("tag", ["openai", "google", "open-source", "no-such-tag"])
async def test_tag_filter(client: AsyncClient, demo: int, tag: str) -> None:
    expected = {c["slug"] for c in CARDS if tag in c.get("tags", [])}
    result = await items(client, tag=tag)
    assert {item["slug"] for item in result} == expected
    assert all(tag in item["tags"] for item in result)


async def test_filters_combine(client: AsyncClient, demo: int) -> None:
    expected = {c["slug"] for c in CARDS if c["stage"] == "resolved" and "openai" in c["tags"]}
    assert expected == {"openai-board-crisis-2023"}
    assert set(await slugs(client, stage="resolved", tag="openai")) == expected


async def test_actor_filter(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    rows = await sql(sessionmaker, "SELECT id FROM actors WHERE name = 'OpenAI'")
    openai_id = rows[0][0]
    expected = {
        c["slug"]
        for c in CARDS
        for side in c.get("sides", [])
        for stance in side.get("stances", [])
        if normalise_name(stance["actor"]["name"]) == "openai"
    }
    assert len(expected) >= 4
    assert set(await slugs(client, actor=str(openai_id))) == expected
    # An actor nobody stands with: nothing.
    assert await slugs(client, actor=str(uuid.uuid4())) == []


def _text_of(card: dict[str, Any]) -> str:
    return " ".join([card["title"], card.get("summary", ""), *card.get("key_points", [])]).lower()


async def test_full_text_copyright(client: AsyncClient, demo: int) -> None:
    found = set(await slugs(client, q="copyright"))
    expected = {c["slug"] for c in CARDS if "copyright" in _text_of(c)}
    assert "nyt-v-openai-copyright-suit" in found
    assert found == expected


async def test_full_text_staged_release(client: AsyncClient, demo: int) -> None:
    found = set(await slugs(client, q="staged release"))
    assert "gpt-2-staged-release" in found
    # Both words (stemmed) are required.
    for slug in found:
        card = next(c for c in CARDS if c["slug"] == slug)
        assert "stag" in _text_of(card) and "releas" in _text_of(card)
    assert found < ALL_SLUGS


async def test_full_text_nothing_matches(client: AsyncClient, demo: int) -> None:
    assert await slugs(client, q="xylophonequartz") == []


async def test_min_noise_filter_is_exact(client: AsyncClient, demo: int) -> None:
    everything = await items(client)
    scores = {item["slug"]: item["noise"]["score"] for item in everything}
    thresholds = sorted({0, 1, 100, *scores.values(), *(s + 1 for s in scores.values())})
    for m in thresholds:
        if m > 100:
            continue
        found = await items(client, min_noise=m)
        assert all(item["noise"]["score"] >= m for item in found), m
        assert {item["slug"] for item in found} == {s for s, v in scores.items() if v >= m}, m


async def test_min_noise_rounds_half_up_at_the_boundary(
    client: AsyncClient, sessionmaker: Maker
) -> None:
    # Activity in the future: D = 1, so the score is round(C).
    future = datetime.now(UTC) + timedelta(days=2)
    for slug, composite in (("exactly-half", 39.5), ("just-below", 39.49)):
        await insert_controversy(
            sessionmaker,
            slug,
            hot_key=hot_key_of(composite, future),
            composite=composite,
            last_activity_at=future,
        )
    shown = {item["slug"]: item["noise"]["score"] for item in await items(client)}
    assert shown == {"exactly-half": 40, "just-below": 39}
    assert await slugs(client, min_noise=40) == ["exactly-half"]
    assert set(await slugs(client, min_noise=39)) == {"exactly-half", "just-below"}


async def test_min_noise_agrees_with_the_shown_score_at_float_halves(
    client: AsyncClient, sessionmaker: Maker
) -> None:
    future = datetime.now(UTC) + timedelta(days=2)
    # 39.5 as float arithmetic often produces it (e.g. from configured weights like 0.1).
    composite = 39.49999999999999
    await insert_controversy(
        sessionmaker,
        "float-half",
        hot_key=hot_key_of(composite, future),
        composite=composite,
        last_activity_at=future,
    )
    shown = (await items(client))[0]["noise"]["score"]
    assert shown == 40
    assert await slugs(client, min_noise=40) == ["float-half"]


async def test_updated_since(client: AsyncClient, demo: int, sessionmaker: Maker) -> None:
    touched = {"gpt-2-staged-release", "eu-ai-act-debate", "meta-llama-weights-leak"}
    await sql(
        sessionmaker,
        "UPDATE controversies SET updated_at = '2026-12-01T00:00:00Z' WHERE slug = ANY(:s)",
        s=list(touched),
    )
    assert set(await slugs(client, updated_since="2026-11-30T00:00:00Z")) == touched
    # The bound is inclusive, and any zone is accepted.
    assert set(await slugs(client, updated_since="2026-12-01T01:00:00+01:00")) == touched
    assert set(await slugs(client, updated_since="2026-12-01T00:00:01Z")) == set()
    assert len(await slugs(client, updated_since="2026-01-01T00:00:00Z")) == 11
    body = assert_problem(await client.get(LIST, params={"updated_since": "2026-12-01"}), 422)
    assert [e["field"] for e in body["errors"]] == ["updated_since"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("category", "cooking"),
        ("stage", "finished"),
        ("sort", "loudest"),
        ("min_noise", "101"),
        ("min_noise", "-1"),
        ("min_noise", "loud"),
        ("actor", "not-a-uuid"),
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "-5"),
        ("limit", "ten"),
        ("q", "x" * 201),
    ],
)
async def test_invalid_query_is_422_naming_the_field(
    client: AsyncClient, demo: int, param: str, value: str
) -> None:
    body = assert_problem(await client.get(LIST, params={param: value}), 422)
    assert body["type"].endswith("/validation-error")
    assert [error["field"] for error in body["errors"]] == [param]
    assert all(error["location"] == "query" for error in body["errors"])


async def test_two_bad_fields_are_both_named(client: AsyncClient, demo: int) -> None:
    body = assert_problem(await client.get(LIST, params={"category": "x", "limit": "0"}), 422)
    assert sorted(error["field"] for error in body["errors"]) == ["category", "limit"]


@pytest.mark.parametrize("limit", [1, 100])
async def test_limit_bounds_are_inclusive(client: AsyncClient, demo: int, limit: int) -> None:
    response = await client.get(LIST, params={"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["data"]) == min(limit, 11)


# --------------------------------------------------------------------------- cursors


@pytest.mark.parametrize("sort", ["noise", "recent", "started", "created"])
async def test_cursor_walks_every_item_once(client: AsyncClient, demo: int, sort: str) -> None:
    pages = await walk(client, 2, sort=sort)
    assert [len(page) for page in pages] == [2, 2, 2, 2, 2, 1]
    walked = [slug for page in pages for slug in page]
    assert len(walked) == len(set(walked)) == 11
    assert walked == await slugs(client, sort=sort)


async def test_cursor_walk_with_a_filter(client: AsyncClient, demo: int) -> None:
    pages = await walk(client, 1, tag="openai")
    walked = [slug for page in pages for slug in page]
    assert walked == await slugs(client, tag="openai")
    assert len(walked) == 4


async def test_exact_multiple_has_no_empty_last_page(client: AsyncClient, demo: int) -> None:
    pages = await walk(client, 11)
    assert [len(page) for page in pages] == [11]


@pytest.mark.parametrize("sort", ["noise", "created"])
async def test_cursor_is_stable_under_concurrent_inserts(
    client: AsyncClient, demo: int, sessionmaker: Maker, sort: str
) -> None:
    original = await slugs(client, sort=sort)
    first = (await client.get(LIST, params={"limit": 3, "sort": sort})).json()
    seen = [item["slug"] for item in first["data"]]
    assert seen == original[:3]
    # New rows on both sides of the cursor: loudest/newest and quietest/oldest.
    await insert_controversy(
        sessionmaker, "new-loud", hot_key=1e6, created_at=datetime(2030, 1, 1, tzinfo=UTC)
    )
    await insert_controversy(
        sessionmaker, "new-quiet", hot_key=-1e6, created_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    cursor = first["next_cursor"]
    while cursor:
        response = await client.get(LIST, params={"limit": 3, "sort": sort, "cursor": cursor})
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(item["slug"] for item in body["data"])
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen))
    assert [slug for slug in seen if slug in ALL_SLUGS] == original
    assert "new-loud" not in seen  # it sorts before the cursor
    assert "new-quiet" in seen


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!!",
        "%%%",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b'["a", "b"]').decode(),
        base64.urlsafe_b64encode(b'{"s":"controversies:noise","k":"x"}').decode(),
        base64.urlsafe_b64encode(b'{"s":"controversies:noise","k":[1]}').decode(),
        base64.urlsafe_b64encode(b'{"s":"controversies:noise","k":["x","y"]}').decode(),
        base64.urlsafe_b64encode(b'{"s":"controversies:noise","k":[1.5,"nope"]}').decode(),
        base64.urlsafe_b64encode(b'{"s":"controversies:noise","k":[true,"nope"]}').decode(),
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
    ],
)
async def test_bad_cursor_is_400(client: AsyncClient, demo: int, cursor: str) -> None:
    body = assert_problem(await client.get(LIST, params={"cursor": cursor}), 400)
    assert body["type"].endswith("/invalid-cursor")


async def test_cursor_from_another_sort_is_400(client: AsyncClient, demo: int) -> None:
    cursor = (await client.get(LIST, params={"limit": 2, "sort": "recent"})).json()["next_cursor"]
    assert cursor
    assert (
        await client.get(LIST, params={"limit": 2, "sort": "recent", "cursor": cursor})
    ).is_success
    for sort in ("noise", "started", "created"):
        assert_problem(await client.get(LIST, params={"sort": sort, "cursor": cursor}), 400)


async def test_cursor_from_another_list_is_400(client: AsyncClient, demo: int) -> None:
    cursor = (await client.get("/v1/actors", params={"limit": 2})).json()["next_cursor"]
    assert cursor
    assert_problem(await client.get(LIST, params={"cursor": cursor}), 400)


async def test_cursor_is_opaque(client: AsyncClient, demo: int) -> None:
    cursor = (await client.get(LIST, params={"limit": 2})).json()["next_cursor"]
    assert isinstance(cursor, str)
    assert "/" not in cursor and "+" not in cursor and "=" not in cursor
    assert len(cursor) <= 512
    # Tampering with the sort name inside is refused: the signature no longer matches.
    body, _, signature = cursor.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["s"] = "controversies:recent"
    edited = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    forged = f"{edited}.{signature}"
    response = await client.get(LIST, params={"cursor": forged, "sort": "recent"})
    assert_problem(response, 400)


async def test_repeated_filters_are_or_ed(client: AsyncClient, demo: int) -> None:
    wanted = {"safety", "governance"}
    expected = {c["slug"] for c in CARDS if c["category"] in wanted}
    assert len({c["category"] for c in CARDS if c["slug"] in expected}) == 2
    found = await slugs(client, category=["safety", "governance"])
    assert set(found) == expected
    by_stage = {c["slug"] for c in CARDS if c["stage"] in {"resolved", "escalating"}}
    assert set(await slugs(client, stage=["resolved", "escalating"])) == by_stage
    either_tag = {c["slug"] for c in CARDS if {"openai", "google"} & set(c["tags"])}
    assert set(await slugs(client, tag=["openai", "google"])) == either_tag
    # Different filters still narrow each other.
    both = {s for s in expected if s in by_stage}
    assert (
        set(
            await slugs(client, category=["safety", "governance"], stage=["resolved", "escalating"])
        )
        == both
    )


async def test_tags_are_case_insensitive(client: AsyncClient, demo: int) -> None:
    lower = await slugs(client, tag="openai")
    assert lower and await slugs(client, tag="OpenAI") == lower


async def test_an_empty_q_is_no_filter(client: AsyncClient, demo: int) -> None:
    everything = await slugs(client, limit=100)
    assert await slugs(client, q="", limit=100) == everything
    assert await slugs(client, q="   ", limit=100) == everything


async def test_tags_are_stored_lower_case(client: AsyncClient) -> None:
    body = {"slug": "case-story", "title": "T", "category": "safety", "stage": "emerging"}
    created = await client.post(LIST, json={**body, "tags": ["OpenAI", "Open-Source"]})
    assert created.status_code == 201, created.text
    assert created.json()["tags"] == ["openai", "open-source"]
    assert await slugs(client, tag="OPENAI") == ["case-story"]
