"""Forecast reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.audit.service import Author
from app.controversies import service as controversy_service
from app.errors import NotFound
from app.forecasts import repository
from app.forecasts.schemas import ForecastCreate, ForecastRead, ForecastUpdate, ScenarioWrite
from app.pagination import Page, cursor_datetime, cursor_uuid, make_page, read_cursor


async def list_forecasts(
    session: AsyncSession, *, controversy_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[ForecastRead]:
    """Forecasts newest first; older ones are marked superseded."""
    after = read_cursor(cursor, "forecasts", cursor_datetime, cursor_uuid)
    rows = await repository.forecasts_page(
        session,
        controversy_id=controversy_id,
        after=after,
        limit=limit + 1,
    )
    return make_page(
        rows,
        limit=limit,
        name="forecasts",
        position=lambda row: (row.generated_at, row.id),
        item=ForecastRead.model_validate,
    )


async def get_forecast(
    session: AsyncSession, *, controversy_id: uuid.UUID, forecast_id: uuid.UUID
) -> ForecastRead:
    """One live forecast."""
    row = await repository.forecast(session, controversy_id, forecast_id)
    if row is None:
        raise NotFound(f"No forecast with id '{forecast_id}' in this controversy.")
    return ForecastRead.model_validate(row)


def _scenarios(scenarios: list[ScenarioWrite]) -> list[dict[str, Any]]:
    return [scenario.model_dump() for scenario in scenarios]


async def create_forecast(
    session: AsyncSession, *, id_or_slug: str, data: ForecastCreate, author: Author, now: datetime
) -> ForecastRead:
    """Add a forecast; it supersedes the previous one, which stays readable."""
    controversy = await controversy_service.lock_live(session, id_or_slug=id_or_slug)
    forecast_id = uuid.uuid4()
    values = {
        "id": forecast_id,
        "controversy_id": controversy.id,
        "generated_by": data.generated_by,
        "generated_at": data.generated_at or now,
        "review_status": data.review_status.value,
        "summary": data.summary,
        "signals_as_of": data.signals_as_of,
    }
    await repository.insert_forecast(session, values, _scenarios(data.scenarios))
    await controversy_service.touch(session, controversy_id=controversy.id)
    await audit_service.record(
        session,
        author=author,
        resource="forecast",
        resource_id=forecast_id,
        action="create",
        changes=data.model_dump(mode="json"),
    )
    return await get_forecast(session, controversy_id=controversy.id, forecast_id=forecast_id)


async def update_forecast(
    session: AsyncSession,
    *,
    id_or_slug: str,
    forecast_id: uuid.UUID,
    data: ForecastUpdate,
    if_match: str | None,
    author: Author,
) -> ForecastRead:
    """Review or correct a forecast (If-Match required)."""

    async def replace_scenarios(extra: dict[str, Any]) -> None:
        if extra.get("scenarios") is not None:
            await repository.replace_scenarios(session, forecast_id, _scenarios(extra["scenarios"]))

    async def touch(controversy_id: uuid.UUID) -> None:
        await controversy_service.touch(session, controversy_id=controversy_id)

    controversy_id = await controversy_service.update_child(
        session,
        table="forecasts",
        resource="forecast",
        id_or_slug=id_or_slug,
        row_id=forecast_id,
        data=data,
        if_match=if_match,
        author=author,
        after_write=touch,
        extra_fields=frozenset({"scenarios"}),
        write_extra=replace_scenarios,
    )
    return await get_forecast(session, controversy_id=controversy_id, forecast_id=forecast_id)


async def set_forecast_archived(
    session: AsyncSession,
    *,
    id_or_slug: str,
    forecast_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    author: Author,
) -> ForecastRead | None:
    """Archive (If-Match required) or restore a forecast."""

    async def touch(controversy_id: uuid.UUID) -> None:
        await controversy_service.touch(session, controversy_id=controversy_id)

    controversy_id = await controversy_service.set_child_archived(
        session,
        table="forecasts",
        resource="forecast",
        id_or_slug=id_or_slug,
        row_id=forecast_id,
        archived=archived,
        if_match=if_match,
        author=author,
        after_write=touch,
    )
    if archived:
        return None
    return await get_forecast(session, controversy_id=controversy_id, forecast_id=forecast_id)
