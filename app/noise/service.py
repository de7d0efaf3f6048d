"""The Noise Score service: recompute on write, decay on read."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.errors import NotFound, ValidationFailed
from app.events import service as events_service
from app.events.schemas import ChangeEventType
from app.noise import repository, scoring
from app.noise.schemas import (
    ComponentMethod,
    ComponentRead,
    Components,
    GradeBands,
    HistoryPoint,
    LevelBand,
    Methodology,
    NoiseBrief,
    NoiseHistory,
    NoiseRead,
    Saturation,
    Weights,
)


def half_life(settings: Settings) -> timedelta:
    """The configured decay half-life."""
    return timedelta(days=settings.noise_half_life_days)


@dataclass(frozen=True)
class LevelChange:
    """The level band moved from the one last announced."""

    before: str
    after: str
    score: int

    def payload(self) -> dict[str, Any]:
        """The `noise.level_changed` event's payload."""
        return {"from": self.before, "to": self.after, "score": self.score}


@dataclass(frozen=True)
class Recomputed:
    """A recompute's new state, and the level change to announce, if any."""

    state: scoring.NoiseState
    level_change: LevelChange | None


async def watch_level(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    *,
    composite: float,
    last_activity_at: datetime,
    now: datetime,
    settings: Settings,
    announced: str | None,
) -> LevelChange | None:
    """Compare the level at `now` with the one last announced, note it as announced, and note
    when decay may next move it; the change, when there is one to announce."""
    hl = half_life_us(settings)
    score, _, level = scoring.decayed(
        composite, scoring.microseconds(last_activity_at), scoring.microseconds(now), hl
    )
    drop = scoring.next_level_drop_us(
        composite, scoring.microseconds(last_activity_at), scoring.microseconds(now), hl
    )
    check_at = None if drop is None else datetime.fromtimestamp(drop / 1e6, UTC)
    await repository.set_watch(session, controversy_id, level, check_at)
    if announced is None or announced in (UNKNOWN_LEVEL, level):
        return None
    return LevelChange(before=announced, after=level, score=score)


# What migration 0007 wrote for controversies that existed before levels were announced: the
# first check notes their level without announcing a change.
UNKNOWN_LEVEL = "unknown"


async def recompute(
    session: AsyncSession, *, controversy_id: uuid.UUID, now: datetime, settings: Settings
) -> Recomputed:
    """Recompute and store a controversy's noise state from its rows, in the caller's transaction.

    The controversy row is locked first, so concurrent writers to one controversy recompute
    one after another and the last one sees every committed input.
    """
    stored = await repository.lock_state(session, controversy_id)
    if stored is None:
        raise NotFound("No such controversy.")
    latest = await repository.latest_activity(session, controversy_id)
    last_activity = latest if latest is not None else stored.created_at
    inputs = scoring.NoiseInputs(
        mentions=await repository.wave_by_platform(session, controversy_id, last_activity),
        side_influences=await repository.side_influences(session, controversy_id),
        event_times=[latest] if latest is not None else [],
        created_at=stored.created_at,
        industry_impact=stored.industry_impact,
        overrides=await repository.overrides(session, controversy_id),
    )
    state = scoring.compute_state(inputs, settings.noise_weights, half_life(settings))
    await repository.store_state(session, controversy_id, state, now)
    changed = (
        stored.computed_at is None
        or stored.composite != state.composite
        or stored.last_activity_at != state.last_activity_at
    )
    if changed:
        await repository.append_snapshot(session, controversy_id, state, now)
    level_change = await watch_level(
        session,
        controversy_id,
        composite=state.composite,
        last_activity_at=state.last_activity_at,
        now=now,
        settings=settings,
        announced=await repository.lock_announced_level(session, controversy_id),
    )
    return Recomputed(state, level_change)


async def _recompute_one(
    sessions: async_sessionmaker[AsyncSession],
    controversy_id: uuid.UUID,
    *,
    now: datetime,
    settings: Settings,
) -> bool:
    # One transaction per controversy, so API writes go on meanwhile. True: the score changed.
    async with sessions() as session, session.begin():
        before = await repository.stored_noise(session, controversy_id)
        done = await recompute(session, controversy_id=controversy_id, now=now, settings=settings)
        await announce(session, controversy_id, done.level_change)
        return bool(before.noise_composite != done.state.composite)


async def recompute_all(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    settings: Settings,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Recompute every controversy's stored noise with the current settings (after a change of
    weights or half-life), here and now: idempotent, so an interrupted run is simply run again.
    Returns (recomputed, changed). `recompute-all` without `--inline` queues `recompute_batch`
    jobs instead."""
    async with sessions() as session:
        ids = await repository.controversy_ids(session)
    changed = 0
    for done, controversy_id in enumerate(ids, start=1):
        changed += await _recompute_one(sessions, controversy_id, now=now, settings=settings)
        if progress is not None:
            progress(done, len(ids))
    return len(ids), changed


RECOMPUTE_BATCH = 200


async def start_recompute_run(session: AsyncSession) -> uuid.UUID:
    """A new `recompute-all` run over every controversy (its first job is queued by the
    caller in the same transaction)."""
    run_id = uuid.uuid4()
    await repository.insert_run(session, run_id, total=await repository.controversy_count(session))
    return run_id


async def recompute_batch(
    sessions: async_sessionmaker[AsyncSession],
    run_id: uuid.UUID,
    *,
    now: datetime,
    settings: Settings,
) -> bool:
    """Recompute the run's next batch and note its progress; True when more remain. Safe to
    repeat: a batch done twice changes nothing more."""
    async with sessions() as session:
        run = await repository.run(session, run_id)
        if run is None or run.finished_at is not None:
            return False
        ids = await repository.controversy_ids_after(session, run.after_id, RECOMPUTE_BATCH)
    changed = 0
    for controversy_id in ids:
        changed += await _recompute_one(sessions, controversy_id, now=now, settings=settings)
    more = len(ids) == RECOMPUTE_BATCH
    async with sessions() as session, session.begin():
        await repository.advance_run(
            session,
            run_id,
            done=len(ids),
            changed=changed,
            after_id=ids[-1] if ids else run.after_id,
            finished=not more,
        )
    return more


async def recompute_run(session: AsyncSession, run_id: uuid.UUID) -> Any:
    """A run's progress (None: no such run)."""
    return await repository.run(session, run_id)


async def announce(
    session: AsyncSession, controversy_id: uuid.UUID, change: LevelChange | None
) -> None:
    """Append a `noise.level_changed` event for a controversy nobody is writing to."""
    if change is None:
        return
    pending = events_service.Pending()
    pending.add(
        ChangeEventType.noise_level_changed, "controversy", controversy_id, change.payload()
    )
    await events_service.append_for(session, pending, controversy_id=controversy_id)


SCAN_BATCH = 500


async def scan_levels(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, settings: Settings
) -> int:
    """Announce the level bands that decay alone moved (controversies due for a check, in
    batches); returns how many moved."""
    moved = 0
    while True:
        async with sessions() as session, session.begin():
            due = await repository.due_watches(session, now, SCAN_BATCH)
            for watch in due:
                change = await watch_level(
                    session,
                    watch.controversy_id,
                    composite=watch.composite,
                    last_activity_at=watch.last_activity_at,
                    now=now,
                    settings=settings,
                    announced=watch.announced_level,
                )
                await announce(session, watch.controversy_id, change)
                moved += change is not None
        if len(due) < SCAN_BATCH:
            return moved


def _components(stored: Mapping[str, Any], weights: Mapping[str, float]) -> Components:
    result = {}
    for name in scoring.COMPONENTS:
        entry = stored.get(name) or {"value": 0, "source": "derived"}
        value = int(entry["value"])
        weight = weights[name]
        result[name] = ComponentRead(
            value=value,
            source=entry["source"],
            weight=round(weight, 6),
            contribution=round(weight * value, 4),
        )
    return Components(**result)


def present(
    *,
    composite: float,
    components: Mapping[str, Any],
    last_activity_at: datetime,
    computed_at: datetime | None,
    at: datetime,
    settings: Settings,
) -> NoiseRead:
    """The full noise block, with the decay evaluated at `at`."""
    d = scoring.decay(last_activity_at, at, half_life(settings))
    s = scoring.score(composite, d)
    weights = settings.noise_weights
    return NoiseRead(
        score=s,
        level=scoring.level(s),
        decay=round(d, 6),
        composite=round(composite, 4),
        components=_components(components, weights),
        weights=Weights(**{name: round(weights[name], 6) for name in scoring.COMPONENTS}),
        last_activity_at=last_activity_at,
        computed_at=computed_at,
        as_of=at,
        method_version=scoring.METHOD_VERSION,
    )


def half_life_us(settings: Settings) -> int:
    """The configured half-life in microseconds."""
    return half_life(settings) // timedelta(microseconds=1)


def decayed(
    composite: float, last_activity_us: int, at_us: int, settings: Settings
) -> dict[str, Any]:
    """The clock-dependent noise fields at `at_us`, JSON-ready: score, level, decay."""
    score, factor, level = scoring.decayed(
        composite, last_activity_us, at_us, half_life_us(settings)
    )
    return {"score": score, "level": level, "decay": round(factor, 6)}


def brief(
    *, composite: float, last_activity_at: datetime, at: datetime, settings: Settings
) -> NoiseBrief:
    """The compact noise of a list card, at `at`."""
    d = scoring.decay(last_activity_at, at, half_life(settings))
    s = scoring.score(composite, d)
    return NoiseBrief(
        score=s,
        level=scoring.level(s),
        decay=round(d, 6),
        last_activity_at=last_activity_at,
    )


INTERVALS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
MAX_HISTORY_POINTS = 1000


def present_stored(stored: Any, at: datetime, settings: Settings) -> NoiseRead:
    """The noise block from a controversy's stored noise columns, the decay at `at`."""
    return present(
        composite=stored.noise_composite,
        components=stored.noise_components,
        last_activity_at=stored.last_activity_at,
        computed_at=stored.noise_computed_at,
        at=at,
        settings=settings,
    )


async def current(
    session: AsyncSession, *, controversy_id: uuid.UUID, at: datetime, settings: Settings
) -> NoiseRead:
    """The noise of a controversy evaluated at `at`."""
    return present_stored(await repository.stored_noise(session, controversy_id), at, settings)


def calendar_start(moment: datetime, interval: str) -> datetime:
    """The first UTC boundary of `interval` at or after `moment`: a whole hour, a midnight, or
    a Monday midnight (ISO week), so every client asking gets the same points."""
    t = moment.astimezone(UTC)
    boundary = t.replace(minute=0, second=0, microsecond=0)
    try:
        if interval != "hour":
            boundary = boundary.replace(hour=0)
        if interval == "week":
            boundary -= timedelta(days=boundary.weekday())
        return boundary if boundary == t else boundary + INTERVALS[interval]
    except OverflowError:  # at the edge of datetime's range: that range is refused anyway
        return t


def history_points_count(start: datetime, end: datetime, interval: str) -> int:
    """How many points a history request would return (from the first boundary on)."""
    first = calendar_start(start, interval)
    if end < first:
        return 0
    return int((end - first) / INTERVALS[interval]) + 1


async def history(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    start: datetime,
    end: datetime,
    interval: str,
    settings: Settings,
) -> NoiseHistory:
    """What the API would have said at each UTC hour, day or week boundary from `start` to
    `end` (noise.md § History)."""
    count = history_points_count(start, end, interval)
    if end < start:
        raise ValidationFailed(
            "`from` must not be after `to`.",
            errors=[{"location": "query", "field": "from", "message": "after `to`"}],
        )
    if count > MAX_HISTORY_POINTS:
        raise ValidationFailed(
            f"The range holds {count} points at one per {interval}; the most is"
            f" {MAX_HISTORY_POINTS}. Narrow the range or widen the interval.",
            errors=[{"location": "query", "field": "interval", "message": "too many points"}],
        )
    snaps = await repository.snapshots(session, controversy_id, end)
    first = calendar_start(start, interval)
    series = scoring.history_series(snaps, first, end, INTERVALS[interval], half_life(settings))
    points = [
        HistoryPoint(at=t, score=s, level=scoring.level(s) if s is not None else None)
        for t, s in series
    ]
    return NoiseHistory.model_validate(
        {"interval": interval, "from": start, "to": end, "points": points}
    )


def methodology(settings: Settings) -> Methodology:
    """The method as data (noise.md), with the configured weights and half-life."""
    weights = settings.noise_weights
    formulas = {
        "reach": "round(100 · min(1, log10(1 + Σ audience) / 8)) — 100 million saturates",
        "engagement": "round(100 · min(1, log10(1 + Σ (score + 2·comments + 3·shares)) / 5))"
        " — 100,000 saturates",
        "star_power": "round((I1 + I2 + I3) / 3) over the three highest actor influences;"
        " a missing one counts 0",
        "cross_platform": "round(100 · min(1, distinct platforms / 4))",
        "polarity": "side weight = Σ influence of its actors; with fewer than 2 sides of weight"
        " > 0 it is 0, else round(100 · H / ln K), H the entropy of the side weights",
        "duration": "round(100 · min(1, span_days / 30)), span = last activity − earliest"
        " mention of the wave",
        "industry_impact": "the editorial value (default 50)",
    }
    bands = [
        (80, 100, "uproar"),
        (60, 79, "loud"),
        (40, 59, "buzz"),
        (20, 39, "murmur"),
        (0, 19, "quiet"),
    ]
    return Methodology(
        method_version=scoring.METHOD_VERSION,
        summary="How loud a controversy is right now, 0–100: a weighted composite of seven"
        " components, each 0–100, times a time decay.",
        half_life_days=settings.noise_half_life_days,
        wave_days=scoring.WAVE_WINDOW.days,
        composite="C = Σ w_i · c_i, recomputed on every write to the controversy's inputs",
        decay="D(t) = 0.5 ^ ((t − last_activity_at) / half-life); D = 1 when t ≤"
        " last_activity_at; evaluated on read",
        score="S(t) = round(C · D(t))",
        rounding="round half up: floor(x + 0.5)",
        hot_key="log2(max(C, 1e-9)) + last_activity_at_epoch_seconds / half-life seconds;"
        " ordering by it equals ordering by C · D(t) for t after every last activity",
        history="the value at t is round(C_s · D_s(t)) from the latest snapshot with"
        " computed_at ≤ t",
        components=[
            ComponentMethod(name=name, weight=round(weights[name], 6), formula=formulas[name])
            for name in scoring.COMPONENTS
        ],
        saturation=Saturation(
            reach_log10=scoring.REACH_SATURATION_LOG10,
            engagement_log10=scoring.ENGAGEMENT_SATURATION_LOG10,
            cross_platform_platforms=scoring.CROSS_PLATFORM_SATURATION,
            duration_days=scoring.DURATION_SATURATION_DAYS,
        ),
        level_bands=[
            LevelBand(level=name, min_score=low, max_score=high) for low, high, name in bands
        ],
        grade_bands=GradeBands.model_validate({name: low for low, name in scoring.GRADE_BANDS}),
    )
