"""The Noise Score's inputs, stored state and snapshots, through the SQLModels."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.changes import mark_changed
from app.models.actor import Actor
from app.models.controversy import Controversy
from app.models.noise import NoiseOverride, NoiseSnapshot
from app.models.side import Side, Stance
from app.models.timeline import Mention, TimelineEvent
from app.models.webhook import NoiseLevelWatch, RecomputeRun
from app.noise import scoring


@dataclass(frozen=True)
class StoredState:
    """The noise columns of one controversy row, locked for update."""

    created_at: datetime
    industry_impact: int
    composite: float
    last_activity_at: datetime
    computed_at: datetime | None


async def controversy_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every controversy's id (archived ones too: they can be restored), in id order."""
    return list(await session.scalars(select(Controversy.id).order_by(col(Controversy.id))))


async def lock_state(session: AsyncSession, controversy_id: uuid.UUID) -> StoredState | None:
    """Lock the controversy row: recomputes of one controversy run one after another."""
    row = (
        await session.execute(
            sa_select(
                col(Controversy.created_at),
                col(Controversy.industry_impact),
                col(Controversy.noise_composite),
                col(Controversy.last_activity_at),
                col(Controversy.noise_computed_at),
            )
            .where(col(Controversy.id) == controversy_id)
            .with_for_update(key_share=True)
        )
    ).one_or_none()
    if row is None:
        return None
    mark_changed(session, "c", controversy_id)  # its stored noise is about to be written
    return StoredState(*row)


async def latest_activity(session: AsyncSession, controversy_id: uuid.UUID) -> datetime | None:
    """The newest mention or live milestone of a controversy (each on its index)."""
    newest_mention = (
        select(func.max(Mention.published_at))
        .where(col(Mention.controversy_id) == controversy_id)
        .scalar_subquery()
    )
    newest_event = (
        select(func.max(TimelineEvent.occurred_at))
        .where(
            col(TimelineEvent.controversy_id) == controversy_id,
            col(TimelineEvent.archived_at).is_(None),
        )
        .scalar_subquery()
    )
    latest: datetime | None = await session.scalar(
        select(func.greatest(newest_mention, newest_event))
    )
    return latest


async def wave_by_platform(
    session: AsyncSession, controversy_id: uuid.UUID, last_activity: datetime
) -> list[scoring.MentionSignal]:
    """The wave, (last_activity − 30 days, last_activity], folded to one signal per platform.

    Every wave component is a sum of metrics (reach, engagement), a set of platforms or the
    earliest time (duration), so one signal per platform carrying the platform's sums at its
    earliest time gives the pure module exactly the same components as the raw mentions, while
    the database returns at most one row per platform however large the wave.
    """
    published = col(Mention.published_at)
    rows = await session.execute(
        sa_select(
            col(Mention.platform),
            func.min(published),
            func.sum(col(Mention.audience)),
            func.sum(col(Mention.score)),
            func.sum(col(Mention.comments)),
            func.sum(col(Mention.shares)),
        )
        .where(
            col(Mention.controversy_id) == controversy_id,
            published > last_activity - scoring.WAVE_WINDOW,
            published <= last_activity,
        )
        .group_by(Mention.platform)
    )
    return [
        scoring.MentionSignal(
            platform, first, int(audience), int(score), int(comments), int(shares)
        )
        for platform, first, audience, score, comments, shares in rows
    ]


async def side_influences(session: AsyncSession, controversy_id: uuid.UUID) -> list[list[int]]:
    """Per live side, the influence of each actor standing on it."""
    rows = await session.execute(
        select(Stance.side_id, Actor.influence)
        .join(Actor, col(Actor.id) == col(Stance.actor_id))
        .join(Side, (col(Side.id) == col(Stance.side_id)) & col(Side.archived_at).is_(None))
        .where(col(Stance.controversy_id) == controversy_id, col(Stance.archived_at).is_(None))
        .order_by(col(Stance.side_id))
    )
    sides: dict[Any, list[int]] = {}
    for side_id, influence in rows:
        sides.setdefault(side_id, []).append(influence)
    return list(sides.values())


async def overrides(session: AsyncSession, controversy_id: uuid.UUID) -> dict[str, int]:
    """The editorial component overrides of a controversy."""
    rows = await session.execute(
        select(NoiseOverride.component, NoiseOverride.value).where(
            col(NoiseOverride.controversy_id) == controversy_id
        )
    )
    return {component: value for component, value in rows}


def _state(state: scoring.NoiseState) -> dict[str, Any]:
    return {
        "composite": state.composite,
        "components": components_document(state),
        "last_activity_at": state.last_activity_at,
    }


def components_document(state: scoring.NoiseState) -> dict[str, dict[str, Any]]:
    """The components as stored: {name: {value, source}}."""
    return {name: {"value": c.value, "source": c.source} for name, c in state.components.items()}


async def store_state(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    state: scoring.NoiseState,
    computed_at: datetime,
) -> None:
    """Write the recomputed state on the controversy row."""
    values = _state(state)
    await session.execute(
        update(Controversy)
        .where(col(Controversy.id) == controversy_id)
        .values(
            noise_composite=values["composite"],
            noise_components=values["components"],
            last_activity_at=values["last_activity_at"],
            hot_key=state.hot_key,
            noise_computed_at=computed_at,
        )
    )


async def append_snapshot(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    state: scoring.NoiseState,
    computed_at: datetime,
) -> None:
    """Append a history snapshot."""
    snapshot = {"controversy_id": controversy_id, "computed_at": computed_at, **_state(state)}
    await session.execute(insert(NoiseSnapshot).values(snapshot))


async def snapshots(
    session: AsyncSession, controversy_id: uuid.UUID, until: datetime
) -> list[scoring.Snapshot]:
    """Snapshots up to `until`, oldest first (the history rule needs the one before `from`)."""
    rows = await session.execute(
        select(NoiseSnapshot.computed_at, NoiseSnapshot.composite, NoiseSnapshot.last_activity_at)
        .where(
            col(NoiseSnapshot.controversy_id) == controversy_id,
            col(NoiseSnapshot.computed_at) <= until,
        )
        .order_by(col(NoiseSnapshot.computed_at), col(NoiseSnapshot.id))
    )
    return [scoring.Snapshot(*row) for row in rows]


async def stored_noise(session: AsyncSession, controversy_id: uuid.UUID) -> Any:
    """The stored noise columns of a controversy."""
    return (
        await session.execute(
            sa_select(
                col(Controversy.noise_composite),
                col(Controversy.noise_components),
                col(Controversy.last_activity_at),
                col(Controversy.noise_computed_at),
            ).where(col(Controversy.id) == controversy_id)
        )
    ).one()


# ------------------------------------------------------------------------------ level watch


async def lock_announced_level(session: AsyncSession, controversy_id: uuid.UUID) -> str | None:
    """The level last announced for a controversy (None: never), locked for this transaction."""
    statement = (
        select(NoiseLevelWatch.announced_level)
        .where(col(NoiseLevelWatch.controversy_id) == controversy_id)
        .with_for_update()
    )
    found: str | None = (await session.scalars(statement)).one_or_none()
    return found


async def set_watch(
    session: AsyncSession, controversy_id: uuid.UUID, level: str, check_at: datetime | None
) -> None:
    """Note the level announced and when decay may next move it."""
    statement = pg_insert(NoiseLevelWatch).values(
        controversy_id=controversy_id, announced_level=level, check_at=check_at
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[col(NoiseLevelWatch.controversy_id)],
            set_={"announced_level": level, "check_at": check_at},
        )
    )


@dataclass(frozen=True)
class DueWatch:
    """A controversy whose level may have moved by decay alone."""

    controversy_id: uuid.UUID
    announced_level: str
    composite: float
    last_activity_at: datetime


async def due_watches(session: AsyncSession, now: datetime, limit: int) -> list[DueWatch]:
    """Live controversies due for a level check, locked (others being written are skipped)."""
    statement = (
        sa_select(
            col(NoiseLevelWatch.controversy_id),
            col(NoiseLevelWatch.announced_level),
            col(Controversy.noise_composite),
            col(Controversy.last_activity_at),
        )
        .join(Controversy, col(Controversy.id) == col(NoiseLevelWatch.controversy_id))
        .where(col(NoiseLevelWatch.check_at) <= now, col(Controversy.archived_at).is_(None))
        .order_by(col(NoiseLevelWatch.check_at))
        .limit(limit)
        .with_for_update(of=NoiseLevelWatch, skip_locked=True)
    )
    return [DueWatch(*row) for row in (await session.execute(statement)).all()]


async def recheck_all_levels(session: AsyncSession, now: datetime) -> None:
    """Make every watched level due (after a recompute of everything)."""
    await session.execute(update(NoiseLevelWatch).values(check_at=now))


# ------------------------------------------------------------------------------ recompute runs


async def controversy_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Controversy)) or 0)


async def controversy_ids_after(
    session: AsyncSession, after_id: uuid.UUID | None, limit: int
) -> list[uuid.UUID]:
    """The next controversy ids in id order (archived ones too)."""
    statement = select(Controversy.id).order_by(col(Controversy.id)).limit(limit)
    if after_id is not None:
        statement = statement.where(col(Controversy.id) > after_id)
    return list(await session.scalars(statement))


async def insert_run(session: AsyncSession, run_id: uuid.UUID, *, total: int) -> None:
    await session.execute(insert(RecomputeRun).values(id=run_id, total=total))


async def run(session: AsyncSession, run_id: uuid.UUID) -> RecomputeRun | None:
    found: RecomputeRun | None = await session.get(RecomputeRun, run_id, populate_existing=True)
    return found


async def advance_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    done: int,
    changed: int,
    after_id: uuid.UUID | None,
    finished: bool,
) -> None:
    await session.execute(
        update(RecomputeRun)
        .where(col(RecomputeRun.id) == run_id)
        .values(
            done=RecomputeRun.done + done,
            changed=RecomputeRun.changed + changed,
            after_id=after_id,
            finished_at=func.now() if finished else None,
        )
    )
