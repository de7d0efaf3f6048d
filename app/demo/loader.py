"""Load the demo controversies (app/demo/data/*.json); loading twice changes nothing."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.actors.service import normalise_name
from app.config import Settings
from app.forecasts import service as forecast_service
from app.models.actor import Actor
from app.models.controversy import Controversy
from app.models.forecast import Forecast, ForecastScenario
from app.models.noise import NoiseOverride
from app.models.side import Side, Stance
from app.models.timeline import Mention, TimelineEvent
from app.noise import service as noise_service

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"

# The moment the demo data describes: its posts are dated as seen from here. Loading at time T
# moves them by T − DEMO_ANCHOR, so the demo is as lively at any load time as it was then;
# milestones and dated forecasts keep their real dates. Loading with now=DEMO_ANCHOR gives the
# data as written (noise.md's example A: the GPT-2 card scores 53 at 12:00Z, 54 at 09:36Z).
DEMO_ANCHOR = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def demo_cards() -> list[dict[str, Any]]:
    """The demo cards, in file-name order."""
    return [json.loads(path.read_text("utf-8")) for path in sorted(DATA_DIR.glob("*.json"))]


async def _actor_id(
    session: AsyncSession, spec: dict[str, Any], cache: dict[str, uuid.UUID]
) -> uuid.UUID:
    key = normalise_name(spec["name"])
    if key in cache:
        return cache[key]
    existing = await session.scalar(select(col(Actor.id)).where(col(Actor.name_key) == key))
    if existing is None:
        actor = Actor(
            name=spec["name"],
            name_key=key,
            kind=spec["kind"],
            description=spec.get("description"),
            influence=spec["influence"],
        )
        session.add(actor)
        await session.flush()
        existing = actor.id
    cache[key] = existing
    return existing


async def load_card(
    session: AsyncSession,
    card: dict[str, Any],
    *,
    now: datetime,
    settings: Settings,
    actor_cache: dict[str, uuid.UUID],
) -> bool:
    """Insert one card unless its slug exists; True when it was inserted."""
    exists = await session.scalar(
        select(col(Controversy.id)).where(col(Controversy.slug) == card["slug"])
    )
    if exists is not None:
        return False
    analysis = card.get("analysis", {})
    controversy = Controversy(
        slug=card["slug"],
        title=card["title"],
        category=card["category"],
        stage=card["stage"],
        tags=card.get("tags", []),
        summary=card.get("summary", ""),
        why_it_matters=card.get("why_it_matters", ""),
        key_points=card.get("key_points", []),
        eli5=card.get("eli5", ""),
        analysis_generated_by=analysis.get("generated_by"),
        analysis_review_status=analysis.get("review_status", "unreviewed"),
        analysis_reviewed_at=now if analysis.get("review_status") == "reviewed" else None,
        analysis_methodology_url=analysis.get("methodology_url"),
        started_at=_time(card["started_at"]),
        created_at=now,
        updated_at=now,
        industry_impact=card.get("noise_inputs", {}).get("industry_impact", 50),
    )
    session.add(controversy)
    await session.flush()
    cid = controversy.id
    for side_spec in card.get("sides", []):
        side = Side(
            controversy_id=cid,
            label=side_spec["label"],
            summary=side_spec.get("summary", ""),
            position=side_spec.get("position", 0),
        )
        session.add(side)
        await session.flush()
        for stance in side_spec.get("stances", []):
            actor_id = await _actor_id(session, stance["actor"], actor_cache)
            session.add(
                Stance(
                    controversy_id=cid, side_id=side.id, actor_id=actor_id, claim=stance["claim"]
                )
            )
    for event in card.get("events", []):
        session.add(
            TimelineEvent(
                controversy_id=cid,
                occurred_at=_time(event["occurred_at"]),
                title=event["title"],
                description=event.get("description", ""),
                kind=event.get("kind", "other"),
                source_url=event.get("source_url"),
            )
        )
    for component, value in card.get("noise_inputs", {}).get("overrides", {}).items():
        session.add(NoiseOverride(controversy_id=cid, component=component, value=value))
    # Earlier forecasts first (dated, some resolved), then the current one, made at load.
    for spec in card.get("past_forecasts", []):
        await _add_forecast(session, cid, spec, _time(spec["generated_at"]))
    if card.get("forecast"):
        await _add_forecast(session, cid, card["forecast"], now)
    await session.flush()
    await _replay_mentions(session, cid, card.get("mentions", []), now - DEMO_ANCHOR, settings)
    await noise_service.recompute(session, controversy_id=cid, now=now, settings=settings)
    return True


async def _replay_mentions(
    session: AsyncSession,
    cid: uuid.UUID,
    specs: list[dict[str, Any]],
    shift: timedelta,
    settings: Settings,
) -> None:
    # The posts are laid out relative to the load time (each source time moved by `shift`,
    # so every interval between them is kept), and added in time order with a recompute at
    # each, as a live feed would have: the noise history then has a point for every post.
    rows = sorted((_mention_row(cid, spec, shift) for spec in specs), key=_published)
    table = Mention.__table__  # type: ignore[attr-defined]
    for published_at, batch in groupby(rows, key=_published):
        await session.execute(insert(table).values(list(batch)).on_conflict_do_nothing())
        await noise_service.recompute(
            session, controversy_id=cid, now=published_at, settings=settings
        )


def _published(row: dict[str, Any]) -> datetime:
    published: datetime = row["published_at"]
    return published


def _mention_row(cid: uuid.UUID, m: dict[str, Any], shift: timedelta) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "controversy_id": cid,
        "platform": m["platform"],
        "external_id": m["external_id"],
        "url": m.get("url"),
        "author": m.get("author"),
        "title": m.get("title"),
        "excerpt": m.get("excerpt"),
        "published_at": _time(m["published_at"]) + shift,
        "audience": m.get("audience", 0),
        "score": m.get("score", 0),
        "comments": m.get("comments", 0),
        "shares": m.get("shares", 0),
    }


async def _add_forecast(
    session: AsyncSession, cid: uuid.UUID, spec: dict[str, Any], generated_at: datetime
) -> None:
    forecast = Forecast(
        controversy_id=cid,
        generated_by=spec["generated_by"],
        generated_at=generated_at,
        review_status=spec.get("review_status", "unreviewed"),
        summary=spec.get("summary", ""),
        signals_as_of=generated_at,
    )
    session.add(forecast)
    await session.flush()
    for position, scenario in enumerate(spec.get("scenarios", [])):
        horizon = scenario.get("horizon")
        resolution = scenario.get("resolution") or {}
        session.add(
            ForecastScenario(
                forecast_id=forecast.id,
                position=position,
                title=scenario["title"],
                description=scenario.get("description", ""),
                probability=scenario.get("probability"),
                horizon=date.fromisoformat(horizon) if horizon else None,
                outcome=resolution.get("outcome"),
                resolved_at=_time(resolution["resolved_at"]) if resolution else None,
                resolution_source_url=resolution.get("source_url"),
                resolution_note=resolution.get("note"),
                resolved_by=DEMO_EDITOR if resolution else None,
            )
        )
    await session.flush()


# Who resolved the demo's scenarios (a key's public id in real use).
DEMO_EDITOR = "demo-data"

# Advisory-lock id taken while loading: two processes starting on one empty database.
DEMO_LOCK = 727001


async def load_demo(
    session: AsyncSession, *, settings: Settings, now: datetime | None = None
) -> int:
    """Load every demo card that is not there yet, laid out relative to `now` (default: the
    current time; see DEMO_ANCHOR); returns how many were inserted."""
    await session.execute(select(func.pg_advisory_xact_lock(DEMO_LOCK)))
    now = now or datetime.now(UTC)
    cache: dict[str, uuid.UUID] = {}
    inserted = 0
    for card in demo_cards():
        if await load_card(session, card, now=now, settings=settings, actor_cache=cache):
            inserted += 1
    await forecast_service.refresh_track_records(session)
    logger.info("demo data loaded", extra={"inserted": inserted})
    return inserted


async def database_is_empty(session: AsyncSession) -> bool:
    """True when no controversy exists (archived ones included)."""
    return await session.scalar(select(~exists().select_from(Controversy))) is True
