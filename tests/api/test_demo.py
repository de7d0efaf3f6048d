"""The demo stays alive whatever the date it is loaded: its posts are laid out relative to the
load time (intervals kept), its milestones keep their real dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings
from app.demo.loader import DEMO_ANCHOR, load_demo

SEED = "/v1/controversies/gpt-2-staged-release"
# What the demo fills (the test's API key stays).
DEMO_TABLES = (
    "noise_snapshots, noise_overrides, forecast_scenarios, forecasts, forecast_track_records,"
    " mentions, timeline_events, stances, sides, actors, controversies"
)
LATER = datetime(2031, 5, 5, 12, 0, tzinfo=UTC)  # years after the data was written


async def load_at(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> None:
    async with sessionmaker() as session, session.begin():
        assert await load_demo(session, settings=settings, now=now) == 11


async def test_the_anchor_time_reproduces_example_a(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await load_at(sessionmaker, settings, DEMO_ANCHOR)
    at_noon = (await client.get(SEED, params={"at": "2026-11-27T12:00:00Z"})).json()
    at_post = (await client.get(SEED, params={"at": "2026-11-27T09:36:00Z"})).json()
    assert (at_noon["noise"]["score"], at_post["noise"]["score"]) == (53, 54)


async def test_a_later_load_is_as_lively_with_intervals_and_milestones_kept(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await load_at(sessionmaker, settings, LATER)
    card = (await client.get(SEED, params={"at": LATER.isoformat()})).json()
    assert (card["noise"]["score"], card["noise"]["level"]) == (53, "buzz")
    posts = (await client.get(f"{SEED}/mentions")).json()["data"]
    times = sorted(datetime.fromisoformat(p["published_at"]) for p in posts)
    shift = LATER - DEMO_ANCHOR
    assert times == [
        datetime(2026, 11, 27, 8, 0, tzinfo=UTC) + shift,
        datetime(2026, 11, 27, 9, 36, tzinfo=UTC) + shift,
    ]
    assert times[1] - times[0] == timedelta(hours=1, minutes=36)
    events = (await client.get(f"{SEED}/timeline", params={"kind": "event"})).json()["data"]
    assert min(e["at"] for e in events) == "2019-02-14T00:00:00Z"


async def scores_at(client: AsyncClient, at: datetime) -> dict[str, int]:
    """Each demo card's score read at `at` (the list has no `at`: each card is read)."""
    scores = {}
    listed = await client.get("/v1/controversies", params={"limit": 20})
    assert listed.status_code == 200, listed.text
    for item in listed.json()["data"]:
        story = f"/v1/controversies/{item['slug']}"
        read = (await client.get(story, params={"at": at.isoformat()})).json()
        scores[item["slug"]] = read["noise"]["score"]
    return scores


async def test_every_story_is_as_loud_at_any_load_time_as_at_the_anchor(
    client: AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    engine: AsyncEngine,
) -> None:
    await load_at(sessionmaker, settings, DEMO_ANCHOR)
    as_written = await scores_at(client, DEMO_ANCHOR)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {DEMO_TABLES} CASCADE"))
    await load_at(sessionmaker, settings, LATER)
    assert await scores_at(client, LATER) == as_written
    loud = [score for score in as_written.values() if score > 0]
    assert len(loud) >= 9 and max(loud) > 50, as_written


async def test_history_of_a_demo_card_is_a_curve(
    client: AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    await load_at(sessionmaker, settings, LATER)
    history = (
        await client.get(
            "/v1/controversies/google-project-maven-protest/noise/history",
            params={"to": LATER.isoformat()},
        )
    ).json()["points"]
    scores = [p["score"] for p in history if p["score"] is not None]
    assert len(scores) >= 15  # points from its first post on, not one value
    assert len(set(scores)) >= 5, scores
