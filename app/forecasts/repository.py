"""SQL for forecasts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

FORECAST_SQL = """
SELECT f.id, f.generated_by, f.generated_at, f.review_status, f.summary, f.signals_as_of,
       f.version,
       EXISTS (SELECT 1 FROM forecasts newer WHERE newer.controversy_id = f.controversy_id
                 AND newer.archived_at IS NULL
                 AND (newer.generated_at, newer.id) > (f.generated_at, f.id)) AS superseded,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'title', sc.title, 'description', sc.description,
                 'probability', sc.probability, 'horizon', sc.horizon)
               ORDER BY sc.position, sc.id), '[]'::jsonb)
          FROM forecast_scenarios sc WHERE sc.forecast_id = f.id) AS scenarios
  FROM forecasts f
 WHERE f.controversy_id = :cid AND f.archived_at IS NULL {where}
 ORDER BY f.generated_at DESC, f.id DESC LIMIT :limit"""


async def forecasts_page(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """Forecasts newest first, each with its scenarios, in one query."""
    params: dict[str, Any] = {"cid": controversy_id, "limit": limit}
    after_clause = ""
    if after is not None:
        after_clause = "AND (f.generated_at, f.id) < (:after_at, :after_id)"
        params["after_at"], params["after_id"] = after
    sql = FORECAST_SQL.replace("{where}", after_clause)
    return list((await session.execute(text(sql), params)).all())


async def insert_forecast(
    session: AsyncSession, values: dict[str, Any], scenarios: list[dict[str, Any]]
) -> None:
    """Insert a forecast and its scenarios."""
    await session.execute(
        text(
            "INSERT INTO forecasts (id, controversy_id, generated_by, generated_at, review_status,"
            " summary, signals_as_of) VALUES (:id, :controversy_id, :generated_by, :generated_at,"
            " :review_status, :summary, :signals_as_of)"
        ),
        values,
    )
    await replace_scenarios(session, values["id"], scenarios)


async def replace_scenarios(
    session: AsyncSession, forecast_id: uuid.UUID, scenarios: list[dict[str, Any]]
) -> None:
    """Replace the scenarios of a forecast (one statement each way)."""
    await session.execute(
        text("DELETE FROM forecast_scenarios WHERE forecast_id = :id"), {"id": forecast_id}
    )
    await session.execute(
        text(
            "INSERT INTO forecast_scenarios (id, forecast_id, position, title, description,"
            " probability, horizon)"
            " SELECT gen_random_uuid(), :id, s.position, s.title, s.description, s.probability,"
            " s.horizon FROM unnest(CAST(:position AS int[]), CAST(:title AS text[]),"
            " CAST(:description AS text[]), CAST(:probability AS float8[]),"
            " CAST(:horizon AS date[])) AS s(position, title, description, probability, horizon)"
        ),
        {
            "id": forecast_id,
            "position": list(range(len(scenarios))),
            "title": [s["title"] for s in scenarios],
            "description": [s["description"] for s in scenarios],
            "probability": [s["probability"] for s in scenarios],
            "horizon": [s["horizon"] for s in scenarios],
        },
    )


async def forecast(session: AsyncSession, controversy_id: uuid.UUID, forecast_id: uuid.UUID) -> Any:
    """One live forecast with its scenarios."""
    sql = FORECAST_SQL.replace("{where}", "AND f.id = :fid")
    return (
        await session.execute(text(sql), {"cid": controversy_id, "fid": forecast_id, "limit": 1})
    ).one_or_none()
