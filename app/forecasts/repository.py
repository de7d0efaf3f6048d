"""Forecasts and their scenarios through their SQLModels."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, exists, func, insert, tuple_
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.changes import mark_changed
from app.forecasts import scoring
from app.models.controversy import Controversy
from app.models.forecast import Forecast, ForecastScenario, ForecastTrackRecord
from app.repository_base import fresh, update_row

_NEWEST = (col(Forecast.generated_at).desc(), col(Forecast.id).desc())


def _live(controversy_id: uuid.UUID) -> tuple[Any, ...]:
    return (col(Forecast.controversy_id) == controversy_id, col(Forecast.archived_at).is_(None))


async def page(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    forecast_id: uuid.UUID | None = None,
) -> Sequence[Forecast]:
    """Live forecasts of a controversy, newest first (or the one asked for)."""
    statement = select(Forecast).where(*_live(controversy_id))
    if forecast_id is not None:
        statement = statement.where(col(Forecast.id) == forecast_id)
    if after is not None:
        position = tuple_(col(Forecast.generated_at), col(Forecast.id))
        statement = statement.where(position < tuple_(*after))
    return (await session.scalars(fresh(statement.order_by(*_NEWEST).limit(limit)))).all()


async def newest_id(session: AsyncSession, controversy_id: uuid.UUID) -> uuid.UUID | None:
    """The current forecast of a controversy: the newest live one (all others are superseded)."""
    found: uuid.UUID | None = await session.scalar(
        select(Forecast.id).where(*_live(controversy_id)).order_by(*_NEWEST).limit(1)
    )
    return found


async def scenarios(
    session: AsyncSession, forecast_ids: Sequence[uuid.UUID]
) -> Sequence[ForecastScenario]:
    """The scenarios of these forecasts, in their order: one query however many forecasts."""
    statement = (
        select(ForecastScenario)
        .where(col(ForecastScenario.forecast_id).in_(forecast_ids))
        .order_by(
            col(ForecastScenario.forecast_id),
            col(ForecastScenario.position),
            col(ForecastScenario.id),
        )
    )
    return (await session.scalars(fresh(statement))).all()


async def replace_scenarios(
    session: AsyncSession, forecast_id: uuid.UUID, items: Sequence[dict[str, Any]]
) -> None:
    """Replace the scenarios of a forecast (one statement each way)."""
    await session.execute(
        delete(ForecastScenario).where(col(ForecastScenario.forecast_id) == forecast_id)
    )
    rows = [
        {"id": uuid.uuid4(), "forecast_id": forecast_id, "position": position, **item}
        for position, item in enumerate(items)
    ]
    if rows:
        await session.execute(insert(ForecastScenario), rows)


RESOLUTION_COLUMNS = (
    "outcome",
    "resolved_at",
    "resolution_source_url",
    "resolution_note",
    "resolved_by",
)


async def scenario(
    session: AsyncSession, forecast_id: uuid.UUID, scenario_id: uuid.UUID
) -> ForecastScenario | None:
    """One scenario of a forecast, as it is now."""
    statement = select(ForecastScenario).where(
        col(ForecastScenario.id) == scenario_id, col(ForecastScenario.forecast_id) == forecast_id
    )
    found: ForecastScenario | None = await session.scalar(fresh(statement))
    return found


async def generator_of(session: AsyncSession, forecast_id: uuid.UUID) -> str:
    """Who generated a forecast."""
    found: str = (
        await session.execute(select(Forecast.generated_by).where(col(Forecast.id) == forecast_id))
    ).scalar_one()
    return found


async def generators(session: AsyncSession) -> Sequence[str]:
    """Every generator with a resolved scenario or a maintained record."""
    scored = (
        select(Forecast.generated_by)
        .join(ForecastScenario, col(ForecastScenario.forecast_id) == col(Forecast.id))
        .where(col(ForecastScenario.outcome).is_not(None))
    )
    kept = select(ForecastTrackRecord.generated_by)
    return (await session.scalars(scored.union(kept))).all()


async def track_records(
    session: AsyncSession, generators: Sequence[str]
) -> dict[str, scoring.Sums]:
    """The maintained sums of these generators (absent: nothing scored yet)."""
    found: dict[str, scoring.Sums] = {}
    for cell in await maintained_cells(session, generators=generators):
        found[cell.generated_by] = found.get(cell.generated_by, NO_SUMS) + cell.sums
    return found


async def lock_scenario(
    session: AsyncSession, forecast_id: uuid.UUID, scenario_id: uuid.UUID
) -> ForecastScenario | None:
    """Lock one scenario of a forecast for the rest of the transaction."""
    statement = select(ForecastScenario).where(
        col(ForecastScenario.id) == scenario_id, col(ForecastScenario.forecast_id) == forecast_id
    )
    found: ForecastScenario | None = await session.scalar(
        fresh(statement.with_for_update(key_share=True))
    )
    return found


async def set_resolution(
    session: AsyncSession, scenario_id: uuid.UUID, values: dict[str, Any]
) -> None:
    """Write a scenario's resolution columns and bump its version."""
    await update_row(session, ForecastScenario, scenario_id, values)


async def bump_forecast(session: AsyncSession, forecast_id: uuid.UUID) -> None:
    """A forecast's reads changed (a scenario was resolved): bump its version and ETag."""
    await update_row(session, Forecast, forecast_id, {})


async def has_resolutions(session: AsyncSession, forecast_id: uuid.UUID) -> bool:
    """Whether any scenario of this forecast has been resolved."""
    statement = select(
        exists().where(
            col(ForecastScenario.forecast_id) == forecast_id,
            col(ForecastScenario.outcome).is_not(None),
        )
    )
    return bool(await session.scalar(statement))


# The scores of forecasts.md in SQL, written to match app/forecasts/scoring.py operation for
# operation (the same IEEE doubles, so the same sums): o is 1 for "happened", 0 otherwise.
_P = col(ForecastScenario.probability)
_HAPPENED = col(ForecastScenario.outcome) == "happened"
_O = case((_HAPPENED, 1.0), else_=0.0)
_CLIPPED = func.least(func.greatest(_P, scoring.LOG_LOSS_CLIP), 1 - scoring.LOG_LOSS_CLIP)
_BRIER = (_P - _O) * (_P - _O)
_LOG_LOSS = -func.ln(case((_HAPPENED, _CLIPPED), else_=1 - _CLIPPED))
# The bin is the count of inner bounds at or below p: bisect_right in scoring.calibration_bin.
_BIN = func.width_bucket(_P, postgresql.array(scoring.CALIBRATION_BOUNDS))
_SCORED = col(ForecastScenario.outcome).in_(("happened", "did_not_happen"))


@dataclass(frozen=True)
class ScoreFilters:
    """Which resolved scenarios a track record covers."""

    generated_by: str | None = None
    controversy_id: uuid.UUID | None = None
    category: str | None = None
    resolved_from: datetime | None = None
    resolved_to: datetime | None = None


def _scored(filters: ScoreFilters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [
        _SCORED,
        col(Forecast.archived_at).is_(None),
    ]
    if filters.generated_by is not None:
        clauses.append(col(Forecast.generated_by) == filters.generated_by)
    if filters.controversy_id is not None:
        clauses.append(col(Forecast.controversy_id) == filters.controversy_id)
    if filters.category is not None:
        clauses.append(col(Controversy.category) == filters.category)
    if filters.resolved_from is not None:
        clauses.append(col(ForecastScenario.resolved_at) >= filters.resolved_from)
    if filters.resolved_to is not None:
        clauses.append(col(ForecastScenario.resolved_at) < filters.resolved_to)
    return clauses


NO_SUMS = scoring.Sums(n=0, brier_sum=0.0, log_loss_sum=0.0)


@dataclass(frozen=True)
class Cell:
    """The sums of one generator's scenarios in one calibration bin."""

    generated_by: str
    bin: int
    sums: scoring.Sums
    totals: scoring.BinTotals


async def aggregate_cells(session: AsyncSession, filters: ScoreFilters) -> list[Cell]:
    """Sums per generator and calibration bin over the scenarios the filters select."""
    statement = (
        select_columns(
            col(Forecast.generated_by),
            _BIN.label("bin"),
            func.count().label("n"),
            func.sum(_BRIER).label("brier_sum"),
            func.sum(_LOG_LOSS).label("log_loss_sum"),
            func.sum(_P).label("probability_sum"),
            func.sum(_O).label("happened"),
        )
        .select_from(ForecastScenario)
        .join(Forecast, col(Forecast.id) == col(ForecastScenario.forecast_id))
        .where(*_scored(filters))
        .group_by(col(Forecast.generated_by), _BIN)
        .order_by(col(Forecast.generated_by), _BIN)
    )
    if filters.category is not None:
        statement = statement.join(Controversy, col(Controversy.id) == col(Forecast.controversy_id))
    return [
        _cell(row.generated_by, int(row.bin), row.n, row.brier_sum, row.log_loss_sum,
              row.probability_sum, int(row.happened))
        for row in await session.execute(statement)
    ]  # fmt: skip


def _cell(
    generated_by: str,
    bin_: int,
    n: int,
    brier_sum: float,
    log_loss_sum: float,
    probability_sum: float,
    happened: int,
) -> Cell:
    return Cell(
        generated_by=generated_by,
        bin=bin_,
        sums=scoring.Sums(n=n, brier_sum=brier_sum, log_loss_sum=log_loss_sum),
        totals=scoring.BinTotals(n=n, probability_sum=probability_sum, happened=happened),
    )


async def maintained_cells(
    session: AsyncSession, *, generators: Sequence[str] | None = None
) -> list[Cell]:
    """The maintained cells (of these generators, or all), by generator and bin."""
    statement = select(ForecastTrackRecord).order_by(
        col(ForecastTrackRecord.generated_by), col(ForecastTrackRecord.bin)
    )
    if generators is not None:
        statement = statement.where(col(ForecastTrackRecord.generated_by).in_(set(generators)))
    return [
        _cell(r.generated_by, r.bin, r.n, r.brier_sum, r.log_loss_sum, r.probability_sum,
              r.happened)
        for r in (await session.scalars(fresh(statement))).all()
    ]  # fmt: skip


# Namespace of the advisory locks that serialise recomputes of one generator's record.
TRACK_RECORD_LOCK = 727013


async def refresh_track_record(session: AsyncSession, generated_by: str) -> None:
    """Recompute a generator's maintained cells from its scenarios, in this transaction.

    A transaction-level advisory lock on the generator comes first, so two resolutions for
    one generator in concurrent transactions recompute one after the other, each seeing the
    other's committed change. The table's trigger tells every process to drop its cards (they
    show the record); nothing is written, and nothing dropped, when nothing changed.
    """
    await session.execute(
        select(func.pg_advisory_xact_lock(TRACK_RECORD_LOCK, func.hashtext(generated_by)))
    )
    fresh_cells = await aggregate_cells(session, ScoreFilters(generated_by=generated_by))
    if fresh_cells == await maintained_cells(session, generators=[generated_by]):
        return
    await session.execute(
        delete(ForecastTrackRecord).where(col(ForecastTrackRecord.generated_by) == generated_by)
    )
    if fresh_cells:
        await session.execute(
            insert(ForecastTrackRecord),
            [
                {
                    "generated_by": cell.generated_by,
                    "bin": cell.bin,
                    "n": cell.sums.n,
                    "brier_sum": cell.sums.brier_sum,
                    "log_loss_sum": cell.sums.log_loss_sum,
                    "probability_sum": cell.totals.probability_sum,
                    "happened": cell.totals.happened,
                }
                for cell in fresh_cells
            ],
        )
    mark_changed(session, "c")


async def due_page(
    session: AsyncSession,
    *,
    before: date,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> Sequence[Any]:
    """Scorable, unresolved scenarios of live forecasts with a horizon before `before`,
    oldest horizon first, with their forecast and controversy (on the partial index)."""
    horizon = col(ForecastScenario.horizon)
    # Several columns beside the row: SQLAlchemy's select (SQLModel's types stop at four).
    statement: Select[Any, Any, Any, Any, Any] = (
        select_columns(
            ForecastScenario,
            col(Forecast.generated_by),
            col(Forecast.generated_at),
            col(Forecast.controversy_id),
            col(Controversy.slug).label("controversy_slug"),
        )
        .join(Forecast, col(Forecast.id) == col(ForecastScenario.forecast_id))
        .join(Controversy, col(Controversy.id) == col(Forecast.controversy_id))
        .where(
            col(ForecastScenario.outcome).is_(None),
            col(ForecastScenario.probability).is_not(None),
            horizon < before,
            col(Forecast.archived_at).is_(None),
            col(Controversy.archived_at).is_(None),
        )
        .order_by(horizon, col(ForecastScenario.id))
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(tuple_(horizon, col(ForecastScenario.id)) > tuple_(*after))
    rows: Sequence[Any] = (await session.execute(fresh(statement))).all()
    return rows
