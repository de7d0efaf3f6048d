"""Forecasts and their scenarios through their SQLModels."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.forecast import Forecast, ForecastScenario
from app.repository_base import fresh

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
