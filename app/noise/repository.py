"""SQL for the noise engine: its inputs, the stored state, snapshots."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.changes import mark_changed
from app.noise import scoring


@dataclass(frozen=True)
class StoredState:
    """The noise columns of one controversy row, locked for update."""

    created_at: datetime
    industry_impact: int
    composite: float
    last_activity_at: datetime
    computed_at: datetime | None


async def lock_state(session: AsyncSession, controversy_id: uuid.UUID) -> StoredState | None:
    """Lock the controversy row: recomputes of one controversy run one after another."""
    row = (
        await session.execute(
            text(
                "SELECT created_at, industry_impact, noise_composite, last_activity_at,"
                " noise_computed_at FROM controversies WHERE id = :id FOR NO KEY UPDATE"
            ),
            {"id": controversy_id},
        )
    ).one_or_none()
    if row is None:
        return None
    mark_changed(session, "c", controversy_id)  # its stored noise is about to be written
    return StoredState(row[0], row[1], row[2], row[3], row[4])


async def latest_activity(session: AsyncSession, controversy_id: uuid.UUID) -> datetime | None:
    """The newest mention or event time of a controversy (both indexed)."""
    latest: datetime | None = await session.scalar(
        text(
            "SELECT GREATEST("
            " (SELECT max(published_at) FROM mentions WHERE controversy_id = :id),"
            " (SELECT max(occurred_at) FROM timeline_events"
            "   WHERE controversy_id = :id AND archived_at IS NULL))"
        ),
        {"id": controversy_id},
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
    rows = await session.execute(
        text(
            "SELECT platform, min(published_at), sum(audience), sum(score), sum(comments),"
            " sum(shares) FROM mentions WHERE controversy_id = :id AND published_at > :start"
            " AND published_at <= :end GROUP BY platform"
        ),
        {"id": controversy_id, "start": last_activity - scoring.WAVE_WINDOW, "end": last_activity},
    )
    return [
        scoring.MentionSignal(
            platform, first, int(audience), int(score), int(comments), int(shares)
        )
        for platform, first, audience, score, comments, shares in rows
    ]


async def side_influences(session: AsyncSession, controversy_id: uuid.UUID) -> list[list[int]]:
    """Per side, the influence of each actor standing on it."""
    rows = await session.execute(
        text(
            "SELECT st.side_id, a.influence FROM stances st JOIN actors a ON a.id = st.actor_id"
            " JOIN sides s ON s.id = st.side_id AND s.archived_at IS NULL"
            " WHERE st.controversy_id = :id AND st.archived_at IS NULL ORDER BY st.side_id"
        ),
        {"id": controversy_id},
    )
    sides: dict[Any, list[int]] = {}
    for side_id, influence in rows:
        sides.setdefault(side_id, []).append(influence)
    return list(sides.values())


async def overrides(session: AsyncSession, controversy_id: uuid.UUID) -> dict[str, int]:
    """The editorial component overrides of a controversy."""
    rows = await session.execute(
        text("SELECT component, value FROM noise_overrides WHERE controversy_id = :id"),
        {"id": controversy_id},
    )
    return {component: value for component, value in rows}


async def store_state(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    state: scoring.NoiseState,
    computed_at: datetime,
) -> None:
    """Write the recomputed state on the controversy row."""
    await session.execute(
        text(
            "UPDATE controversies SET noise_composite = :composite,"
            " noise_components = CAST(:components AS jsonb), last_activity_at = :last_activity,"
            " hot_key = :hot_key, noise_computed_at = :computed_at WHERE id = :id"
        ),
        {
            "id": controversy_id,
            "composite": state.composite,
            "components": components_json(state),
            "last_activity": state.last_activity_at,
            "hot_key": state.hot_key,
            "computed_at": computed_at,
        },
    )


async def append_snapshot(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    state: scoring.NoiseState,
    computed_at: datetime,
) -> None:
    """Append a history snapshot."""
    await session.execute(
        text(
            "INSERT INTO noise_snapshots (controversy_id, computed_at, composite, components,"
            " last_activity_at) VALUES (:id, :computed_at, :composite,"
            " CAST(:components AS jsonb), :last_activity)"
        ),
        {
            "id": controversy_id,
            "computed_at": computed_at,
            "composite": state.composite,
            "components": components_json(state),
            "last_activity": state.last_activity_at,
        },
    )


async def snapshots(
    session: AsyncSession, controversy_id: uuid.UUID, until: datetime
) -> list[scoring.Snapshot]:
    """Snapshots up to `until`, oldest first (the history rule needs the one before `from`)."""
    rows = await session.execute(
        text(
            "SELECT computed_at, composite, last_activity_at FROM noise_snapshots"
            " WHERE controversy_id = :id AND computed_at <= :until ORDER BY computed_at, id"
        ),
        {"id": controversy_id, "until": until},
    )
    return [scoring.Snapshot(*row) for row in rows]


def components_json(state: scoring.NoiseState) -> str:
    """The components as stored: {name: {value, source}}."""
    import json

    return json.dumps(
        {name: {"value": c.value, "source": c.source} for name, c in state.components.items()}
    )


async def stored_noise(session: AsyncSession, controversy_id: uuid.UUID) -> Any:
    """The stored noise columns of a controversy."""
    return (
        await session.execute(
            text(
                "SELECT noise_composite, noise_components, last_activity_at, noise_computed_at"
                " FROM controversies WHERE id = :id"
            ),
            {"id": controversy_id},
        )
    ).one()


async def industry_impact(session: AsyncSession, controversy_id: uuid.UUID) -> int:
    """The editorial industry impact of a controversy."""
    value: int = (
        await session.execute(
            text("SELECT industry_impact FROM controversies WHERE id = :id"), {"id": controversy_id}
        )
    ).scalar_one()
    return value


async def set_industry_impact(session: AsyncSession, controversy_id: uuid.UUID, value: int) -> None:
    """Store a new industry impact."""
    await session.execute(
        text("UPDATE controversies SET industry_impact = :value WHERE id = :id"),
        {"id": controversy_id, "value": value},
    )


async def set_override(
    session: AsyncSession, controversy_id: uuid.UUID, component: str, value: int | None
) -> None:
    """Set one override, or clear it (back to the derived value) with None."""
    if value is None:
        await session.execute(
            text("DELETE FROM noise_overrides WHERE controversy_id = :id AND component = :c"),
            {"id": controversy_id, "c": component},
        )
        return
    await session.execute(
        text(
            "INSERT INTO noise_overrides (controversy_id, component, value) VALUES (:id, :c, :v)"
            " ON CONFLICT (controversy_id, component) DO UPDATE SET value = EXCLUDED.value,"
            " updated_at = now()"
        ),
        {"id": controversy_id, "c": component, "v": value},
    )


async def controversy_version(session: AsyncSession, controversy_id: uuid.UUID) -> int:
    """The version of a controversy (its inputs are part of it)."""
    version: int = (
        await session.execute(
            text("SELECT version FROM controversies WHERE id = :id"), {"id": controversy_id}
        )
    ).scalar_one()
    return version
