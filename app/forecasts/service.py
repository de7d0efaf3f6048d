"""Forecasts of a controversy: the newest is current, the older ones stay readable."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.controversies import service as controversy_service
from app.controversies.writes import RowKind, archive_or_restore, write_to
from app.errors import NotFound
from app.forecasts import repository
from app.forecasts.schemas import (
    ForecastCreate,
    ForecastPage,
    ForecastRead,
    ForecastUpdate,
    ScenarioWrite,
)
from app.models.forecast import Forecast
from app.pagination import cursor_datetime, cursor_uuid, make_page, read_cursor
from app.writer import Writer

# A forecast is shown on the card but is not an input of its score.
FORECAST = RowKind(Forecast, "forecast", feeds_the_score=False)


async def _read(session: AsyncSession, forecasts: Sequence[Forecast]) -> list[ForecastRead]:
    if not forecasts:
        return []
    current = await repository.newest_id(session, forecasts[0].controversy_id)
    by_forecast: dict[uuid.UUID, list[Any]] = {forecast.id: [] for forecast in forecasts}
    for scenario in await repository.scenarios(session, list(by_forecast)):
        by_forecast[scenario.forecast_id].append(scenario.model_dump())
    return [
        ForecastRead.model_validate(
            {
                **forecast.model_dump(),
                "scenarios": by_forecast[forecast.id],
                "superseded": forecast.id != current,
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


async def create_forecast(writer: Writer, id_or_slug: str, data: ForecastCreate) -> ForecastRead:
    """Add a forecast; it supersedes the previous one, which stays readable."""
    async with write_to(writer, id_or_slug) as unit:
        values = {
            **data.model_dump(exclude={"scenarios", "generated_at", "review_status"}),
            "generated_at": data.generated_at or writer.now,
            "review_status": data.review_status.value,
        }
        forecast_id = await unit.add(FORECAST, values, data)
        await repository.replace_scenarios(writer.session, forecast_id, _scenarios(data.scenarios))
    return await _forecast(writer.session, unit.id, forecast_id)


async def update_forecast(
    writer: Writer,
    id_or_slug: str,
    forecast_id: uuid.UUID,
    data: ForecastUpdate,
    if_match: str | None,
) -> ForecastRead:
    """Review a forecast or correct its text; its scenarios are replaced when sent."""
    async with write_to(writer, id_or_slug) as unit:
        extra = await unit.update(
            FORECAST, forecast_id, data, if_match, extra_fields=frozenset({"scenarios"})
        )
        if extra.get("scenarios") is not None:
            await repository.replace_scenarios(
                writer.session, forecast_id, _scenarios(extra["scenarios"])
            )
    return await _forecast(writer.session, unit.id, forecast_id)


async def set_forecast_archived(
    writer: Writer, id_or_slug: str, forecast_id: uuid.UUID, archived: bool, if_match: str | None
) -> ForecastRead | None:
    """An archived forecast leaves the card; the one before it is current again."""
    return await archive_or_restore(
        writer, id_or_slug, FORECAST, forecast_id, archived, if_match, _forecast
    )
