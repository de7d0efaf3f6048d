"""Forecasts of a controversy: the newest is current, the older ones stay readable."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.controversies import service as controversy_service
from app.controversies.writes import RowKind, archive_or_restore, write_to
from app.enums import Category
from app.errors import Conflict, NotFound, ValidationFailed, found_or_404
from app.etags import check_if_match
from app.events.schemas import ChangeEventType
from app.forecasts import repository, scoring
from app.forecasts.repository import ScoreFilters
from app.forecasts.schemas import (
    CalibrationBinRead,
    DueScenarioPage,
    DueScenarioRead,
    ForecastCreate,
    ForecastPage,
    ForecastRead,
    ForecastUpdate,
    GeneratorScoreRead,
    ResolutionWrite,
    ScenarioRead,
    ScenarioWrite,
    ScoreRead,
    TrackRecordRead,
)
from app.models.forecast import Forecast, ForecastScenario
from app.pagination import cursor_date, cursor_datetime, cursor_uuid, make_page, read_cursor
from app.writer import Writer

# A resolution may be dated a little ahead of the server's clock (skew), not more.
FUTURE_TOLERANCE = timedelta(minutes=5)

# A forecast is shown on the card but is not an input of its score.
FORECAST = RowKind(Forecast, "forecast", feeds_the_score=False)


def scenario_document(row: ForecastScenario) -> dict[str, Any]:
    """A scenario row as its read model's data, the resolution nested."""
    resolution = None
    if row.outcome is not None:
        resolution = {
            "outcome": row.outcome,
            "resolved_at": row.resolved_at,
            "source_url": row.resolution_source_url,
            "note": row.resolution_note,
            "resolved_by": row.resolved_by,
        }
    return {**row.model_dump(), "resolution": resolution}


def card_forecast(document: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The card statement's forecast, its generator's cells ([n, Brier sum, log-loss sum]
    by bin) summed in bin order, as the other reads do, into display scores."""
    if document is None:
        return None
    total = repository.NO_SUMS
    for n, brier_sum, log_loss_sum in document.get("generator_cells") or []:
        total = total + scoring.Sums(n=n, brier_sum=brier_sum, log_loss_sum=log_loss_sum)
    return {**document, "generator_track_record": ScoreRead.of(total)}


async def _read(session: AsyncSession, forecasts: Sequence[Forecast]) -> list[ForecastRead]:
    if not forecasts:
        return []
    current = await repository.newest_id(session, forecasts[0].controversy_id)
    by_forecast: dict[uuid.UUID, list[Any]] = {forecast.id: [] for forecast in forecasts}
    for scenario in await repository.scenarios(session, list(by_forecast)):
        by_forecast[scenario.forecast_id].append(scenario_document(scenario))
    records = await repository.track_records(session, [f.generated_by for f in forecasts])
    return [
        ForecastRead.model_validate(
            {
                **forecast.model_dump(),
                "scenarios": by_forecast[forecast.id],
                "superseded": forecast.id != current,
                "generator_track_record": ScoreRead.of(
                    records.get(forecast.generated_by, repository.NO_SUMS)
                ),
            }
        )
        for forecast in forecasts
    ]


async def list_forecasts(
    session: AsyncSession, *, controversy_id: uuid.UUID, cursor: str | None, limit: int
) -> ForecastPage:
    """Forecasts newest first; older ones are marked superseded."""
    after = read_cursor(cursor, "forecasts", cursor_datetime, cursor_uuid)
    rows = await repository.page(session, controversy_id, after=after, limit=limit + 1)
    read = await _read(session, rows)
    return make_page(
        read,
        limit=limit,
        name="forecasts",
        position=lambda row: (row.generated_at, row.id),
        item=lambda row: row,
        page=ForecastPage,
    )


async def _forecast(
    session: AsyncSession, controversy_id: uuid.UUID, forecast_id: uuid.UUID
) -> ForecastRead:
    rows = await repository.page(
        session, controversy_id, after=None, limit=1, forecast_id=forecast_id
    )
    if not rows:
        raise NotFound(f"No forecast with id '{forecast_id}' in this controversy.")
    return (await _read(session, rows))[0]


async def read_forecast(
    session: AsyncSession, id_or_slug: str, forecast_id: uuid.UUID
) -> ForecastRead:
    """One live forecast with its scenarios."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await _forecast(session, controversy_id, forecast_id)


def _scenarios(scenarios: list[ScenarioWrite]) -> list[dict[str, Any]]:
    return [scenario.model_dump() for scenario in scenarios]


def _check_horizons(scenarios: list[ScenarioWrite], generated_at: datetime) -> None:
    # A horizon before the forecast was made would score hindsight, not a forecast.
    made_on = generated_at.date()
    errors = [
        {
            "location": "body",
            "field": f"scenarios.{index}.horizon",
            "message": f"before the forecast's date ({made_on.isoformat()})",
        }
        for index, scenario in enumerate(scenarios)
        if scenario.horizon is not None and scenario.horizon < made_on
    ]
    if errors:
        raise ValidationFailed("A scenario's horizon is before its forecast.", errors=errors)


async def create_forecast(writer: Writer, id_or_slug: str, data: ForecastCreate) -> ForecastRead:
    """Add a forecast; it supersedes the previous one, which stays readable."""
    generated_at = data.generated_at or writer.now
    _check_horizons(data.scenarios, generated_at)
    async with write_to(writer, id_or_slug) as unit:
        previous = await repository.newest_id(writer.session, unit.id)
        values = {
            **data.model_dump(exclude={"scenarios", "generated_at", "review_status"}),
            "generated_at": generated_at,
            "review_status": data.review_status.value,
        }
        forecast_id = await unit.add(FORECAST, values, data)
        await repository.replace_scenarios(writer.session, forecast_id, _scenarios(data.scenarios))
        newest = await repository.newest_id(writer.session, unit.id)
        if previous is not None and newest == forecast_id:
            unit.events.add(
                ChangeEventType.forecast_superseded,
                "forecast",
                previous,
                {"superseded_by": str(forecast_id)},
            )
    return await _forecast(writer.session, unit.id, forecast_id)


async def update_forecast(
    writer: Writer,
    id_or_slug: str,
    forecast_id: uuid.UUID,
    data: ForecastUpdate,
    if_match: str | None,
) -> ForecastRead:
    """Review a forecast or correct its text; its scenarios are replaced when sent (not once
    one of them is resolved: a resolution must keep the probability it scored)."""
    async with write_to(writer, id_or_slug) as unit:
        forecast = await unit.row(FORECAST, forecast_id)

        async def scenarios_replaceable(changes: dict[str, Any]) -> None:
            if changes.get("scenarios") is None:
                return
            if await repository.has_resolutions(writer.session, forecast_id):
                raise Conflict(
                    "This forecast has resolved scenarios: they cannot be replaced. "
                    "Publish a new forecast instead."
                )
            _check_horizons(changes["scenarios"], forecast.generated_at)

        extra = await unit.update(
            FORECAST,
            forecast_id,
            data,
            if_match,
            validate=scenarios_replaceable,
            extra_fields=frozenset({"scenarios"}),
        )
        if extra.get("scenarios") is not None:
            await repository.replace_scenarios(
                writer.session, forecast_id, _scenarios(extra["scenarios"])
            )
    return await _forecast(writer.session, unit.id, forecast_id)


async def set_forecast_archived(
    writer: Writer, id_or_slug: str, forecast_id: uuid.UUID, archived: bool, if_match: str | None
) -> ForecastRead | None:
    """An archived forecast leaves the card and its generator's track record; the one before
    it is current again."""
    restored = await archive_or_restore(
        writer, id_or_slug, FORECAST, forecast_id, archived, if_match, _forecast
    )
    if await repository.has_resolutions(writer.session, forecast_id):
        generated_by = await repository.generator_of(writer.session, forecast_id)
        await repository.refresh_track_record(writer.session, generated_by)
    return restored


async def _scenario(
    session: AsyncSession, forecast_id: uuid.UUID, scenario_id: uuid.UUID
) -> ScenarioRead:
    found = await repository.scenario(session, forecast_id, scenario_id)
    row = found_or_404(found, f"scenario with id '{scenario_id}' in this forecast")
    return ScenarioRead.model_validate(scenario_document(row))


async def read_scenario(
    session: AsyncSession, id_or_slug: str, forecast_id: uuid.UUID, scenario_id: uuid.UUID
) -> ScenarioRead:
    """One scenario of a live forecast, with its resolution and scores."""
    await read_forecast(session, id_or_slug, forecast_id)
    return await _scenario(session, forecast_id, scenario_id)


def _check_resolved_at(resolved_at: datetime, forecast: Forecast, now: datetime) -> None:
    if resolved_at > now + FUTURE_TOLERANCE:
        message = "more than 5 minutes in the future"
    elif resolved_at < forecast.generated_at:
        message = "before the forecast was made"
    else:
        return
    raise ValidationFailed(
        f"resolved_at is {message}.",
        errors=[{"location": "body", "field": "resolved_at", "message": message}],
    )


async def set_resolution(
    writer: Writer,
    id_or_slug: str,
    forecast_id: uuid.UUID,
    scenario_id: uuid.UUID,
    data: ResolutionWrite | None,
    if_match: str | None,
) -> ScenarioRead:
    """Resolve a scorable scenario, correct its resolution, or (None) withdraw it; audited,
    If-Match required. The generator's track record is updated in the same transaction."""
    async with write_to(writer, id_or_slug) as unit:
        forecast = await unit.row(FORECAST, forecast_id)
        scenario = found_or_404(
            await repository.lock_scenario(writer.session, forecast_id, scenario_id),
            f"scenario with id '{scenario_id}' in this forecast",
        )
        check_if_match(if_match, scenario.version)
        if scenario.probability is None:
            raise Conflict(
                "This scenario has no probability and horizon: it is narrative, "
                "and only scorable scenarios are resolved."
            )
        values = _resolution_columns(data, forecast, writer)
        await repository.set_resolution(writer.session, scenario_id, values)
        await repository.bump_forecast(writer.session, forecast_id)
        unit.changed(score_input=False)
        audited = None if data is None else data.model_dump(mode="json", exclude_unset=True)
        await unit.record("scenario", scenario_id, "update", {"resolution": audited})
        await repository.refresh_track_record(writer.session, forecast.generated_by)
    return await _scenario(writer.session, forecast_id, scenario_id)


def _resolution_columns(
    data: ResolutionWrite | None, forecast: Forecast, writer: Writer
) -> dict[str, Any]:
    if data is None:
        return dict.fromkeys(repository.RESOLUTION_COLUMNS)
    resolved_at = data.resolved_at or writer.now
    _check_resolved_at(resolved_at, forecast, writer.now)
    return {
        "outcome": data.outcome.value,
        "resolved_at": resolved_at,
        "resolution_source_url": data.source_url,
        "resolution_note": data.note,
        "resolved_by": writer.author.actor,
    }


async def due_scenarios(
    session: AsyncSession, *, at: datetime, cursor: str | None, limit: int
) -> DueScenarioPage:
    """Scorable scenarios whose horizon passed before `at`'s UTC day, still unresolved."""
    after = read_cursor(cursor, "due", cursor_date, cursor_uuid)
    rows = await repository.due_page(session, before=at.date(), after=after, limit=limit + 1)
    return make_page(
        rows,
        limit=limit,
        name="due",
        position=lambda row: (row.ForecastScenario.horizon, row.ForecastScenario.id),
        item=_due_item,
        page=DueScenarioPage,
    )


def _due_item(row: Any) -> DueScenarioRead:
    return DueScenarioRead(
        controversy_id=row.controversy_id,
        controversy_slug=row.controversy_slug,
        forecast_id=row.ForecastScenario.forecast_id,
        generated_by=row.generated_by,
        generated_at=row.generated_at,
        scenario=ScenarioRead.model_validate(scenario_document(row.ForecastScenario)),
    )


async def track_record(
    session: AsyncSession,
    *,
    generated_by: str | None,
    controversy: str | None,
    category: Category | None,
    resolved_from: datetime | None,
    resolved_to: datetime | None,
) -> TrackRecordRead:
    """Scores and calibration of the resolved scenarios the filters select (forecasts.md)."""
    controversy_id = None
    if controversy is not None:
        controversy_id = await controversy_service.resolve(session, id_or_slug=controversy)
    filters = ScoreFilters(
        generated_by=generated_by,
        controversy_id=controversy_id,
        category=category.value if category is not None else None,
        resolved_from=resolved_from,
        resolved_to=resolved_to,
    )
    # Without a controversy, category or time filter the maintained cells answer (a few rows
    # per generator); otherwise one aggregate over the selected scenarios.
    if (controversy_id, category, resolved_from, resolved_to) == (None, None, None, None):
        generators = None if generated_by is None else [generated_by]
        cells = await repository.maintained_cells(session, generators=generators)
    else:
        cells = await repository.aggregate_cells(session, filters)
    return _track_record(cells)


def _track_record(cells: Sequence[repository.Cell]) -> TrackRecordRead:
    total = repository.NO_SUMS
    by_bin: dict[int, scoring.BinTotals] = {}
    by_generator: dict[str, scoring.Sums] = {}
    for cell in sorted(cells, key=lambda cell: (cell.bin, cell.generated_by)):
        total = total + cell.sums
        by_bin[cell.bin] = _add_totals(by_bin.get(cell.bin), cell.totals)
    for cell in sorted(cells, key=lambda cell: (cell.generated_by, cell.bin)):
        by_generator[cell.generated_by] = (
            by_generator.get(cell.generated_by, repository.NO_SUMS) + cell.sums
        )
    ranked = sorted(by_generator.items(), key=lambda item: (-item[1].n, item[0]))
    return TrackRecordRead(
        **ScoreRead.of(total).model_dump(),
        calibration=[
            CalibrationBinRead.model_validate(b, from_attributes=True)
            for b in scoring.calibration_from_totals(by_bin)
        ],
        by_generator=[
            GeneratorScoreRead(generated_by=name, **ScoreRead.of(sums).model_dump())
            for name, sums in ranked
        ],
    )


def _add_totals(a: scoring.BinTotals | None, b: scoring.BinTotals) -> scoring.BinTotals:
    if a is None:
        return b
    return scoring.BinTotals(
        n=a.n + b.n,
        probability_sum=a.probability_sum + b.probability_sum,
        happened=a.happened + b.happened,
    )


async def refresh_track_records(session: AsyncSession) -> None:
    """Recompute every generator's maintained track record (after a bulk load)."""
    for generated_by in await repository.generators(session):
        await repository.refresh_track_record(session, generated_by)
