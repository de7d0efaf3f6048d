"""The `controversy-api` command: openapi --check and seed-demo."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from app import cli
from app.config import get_settings
from app.db import async_url
from app.demo.loader import demo_cards
from app.migrations import upgrade

COUNTED = (
    "controversies",
    "actors",
    "sides",
    "stances",
    "timeline_events",
    "mentions",
    "forecasts",
    "forecast_scenarios",
    "noise_overrides",
    "noise_snapshots",
)


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings are cached per process: clear them around each test."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def cli_database(fresh_database: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, migrated database the CLI points at (DATABASE_URL), without demo data."""
    url = fresh_database()
    upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SEED_DEMO_ON_EMPTY", "false")
    get_settings.cache_clear()
    return url


async def _counts(url: str) -> dict[str, int]:
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return {
                table: int(await connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                for table in COUNTED
            }
    finally:
        await engine.dispose()


def counts(url: str) -> dict[str, int]:
    return asyncio.run(_counts(url))


def test_openapi_check_passes() -> None:
    assert cli.main(["openapi", "--check"]) == 0


def test_openapi_check_fails_on_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text('{"openapi": "3.1.0"}\n', "utf-8")
    assert cli.main(["openapi", "--check", "--output", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    missing = tmp_path / "missing.json"
    assert cli.main(["openapi", "--check", "--output", str(missing)]) == 1


def test_openapi_writes_what_check_accepts(tmp_path: Path) -> None:
    target = tmp_path / "out" / "openapi.json"
    assert cli.main(["openapi", "--output", str(target)]) == 0
    document = json.loads(target.read_text("utf-8"))
    assert "/v1/controversies" in document["paths"]
    assert cli.main(["openapi", "--check", "--output", str(target)]) == 0


def test_seed_demo_is_idempotent(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = cli_database

    assert cli.main(["seed-demo"]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first == {"inserted": 11}
    after_first = counts(url)
    assert after_first["controversies"] == 11
    # Each card's posts are replayed in time order: one snapshot at each distinct post time.
    post_times = {(c["slug"], m["published_at"]) for c in demo_cards() for m in c["mentions"]}
    assert after_first["noise_snapshots"] == len(post_times)
    assert all(after_first[table] > 0 for table in COUNTED), after_first
    # One row per actor across all controversies (OpenAI is one actor everywhere).
    assert after_first["actors"] < after_first["stances"]

    assert cli.main(["seed-demo"]) == 0
    second = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert second == {"inserted": 0}
    assert counts(url) == after_first


async def _post_times(url: str, slug: str) -> list[str]:
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.scalars(
                text(
                    "SELECT to_char(m.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')"
                    " FROM mentions m JOIN controversies c ON c.id = m.controversy_id"
                    " WHERE c.slug = :slug ORDER BY 1"
                ),
                {"slug": slug},
            )
            return list(rows)
    finally:
        await engine.dispose()


def test_seed_demo_now_pins_the_layout(cli_database: str) -> None:
    url = cli_database
    assert cli.main(["seed-demo", "--now", "2026-11-28T12:00:00Z"]) == 0
    # A day after the anchor: the GPT-2 card's posts a day later, 1 h 36 min apart.
    assert asyncio.run(_post_times(url, "gpt-2-staged-release")) == [
        "2026-11-28T08:00",
        "2026-11-28T09:36",
    ]
    with pytest.raises(SystemExit):
        cli.main(["seed-demo", "--now", "2026-11-28T12:00:00"])  # no zone: refused


async def _composite(url: str, slug: str) -> float:
    engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            value = await connection.scalar(
                text("SELECT noise_composite FROM controversies WHERE slug = :slug"),
                {"slug": slug},
            )
            return float(value)
    finally:
        await engine.dispose()


async def _run_progress(url: str, run_id: str) -> tuple[int, int, int, bool]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT total, done, changed, finished_at FROM recompute_runs WHERE id = $1",
            uuid.UUID(run_id),
        )
    finally:
        await connection.close()
    return row["total"], row["done"], row["changed"], row["finished_at"] is not None


def test_recompute_all_inline_applies_new_weights_once(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = cli_database
    assert cli.main(["seed-demo", "--now", "2026-11-27T12:00:00Z"]) == 0
    assert round(asyncio.run(_composite(url, "gpt-2-staged-release")), 4) == 53.7143
    weights = {
        "reach": 0.4,
        "engagement": 0.1,
        "star_power": 0.1,
        "cross_platform": 0.1,
        "polarity": 0.1,
        "duration": 0.1,
        "industry_impact": 0.1,
    }
    monkeypatch.setenv("NOISE_WEIGHTS", json.dumps(weights))
    get_settings.cache_clear()
    capsys.readouterr()
    assert cli.main(["recompute-all", "--inline"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result == {"recomputed": 11, "changed": 11}
    assert "recomputed 11 of 11" in captured.err
    # The GPT-2 card's seven editorial components under the new weights.
    expected = 0.4 * 46 + 0.1 * (89 + 20 + 50 + 75 + 6 + 90)
    assert asyncio.run(_composite(url, "gpt-2-staged-release")) == pytest.approx(expected)
    assert cli.main(["recompute-all", "--inline"]) == 0  # idempotent: nothing more to change
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again == {"recomputed": 11, "changed": 0}


def test_recompute_all_through_the_queue_uses_the_workers_settings(
    cli_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.worker.runner import Worker

    url = cli_database
    assert cli.main(["seed-demo", "--now", "2026-11-27T12:00:00Z"]) == 0
    capsys.readouterr()
    assert cli.main(["recompute-all", "--no-wait"]) == 0
    queued = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert queued["finished"] is False and queued["recomputed"] == 0
    assert round(asyncio.run(_composite(url, "gpt-2-staged-release")), 4) == 53.7143
    # A worker started with the new weights does the run.
    weights = {name: 0.1 for name in ("engagement", "star_power", "cross_platform", "polarity",
                                      "duration", "industry_impact")} | {"reach": 0.4}  # fmt: skip
    monkeypatch.setenv("NOISE_WEIGHTS", json.dumps(weights))
    get_settings.cache_clear()
    asyncio.run(Worker(url, get_settings()).drain())
    expected = 0.4 * 46 + 0.1 * (89 + 20 + 50 + 75 + 6 + 90)
    assert asyncio.run(_composite(url, "gpt-2-staged-release")) == pytest.approx(expected)
    assert asyncio.run(_run_progress(url, queued["run"])) == (11, 11, 11, True)
