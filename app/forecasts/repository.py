"""SQL for forecasts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


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
    sql = f"""
SELECT f.id, f.generated_by, f.generated_at, f.review_status, f.summary, f.signals_as_of,
       EXISTS (SELECT 1 FROM forecasts newer WHERE newer.controversy_id = f.controversy_id
                 AND newer.archived_at IS NULL
                 AND (newer.generated_at, newer.id) > (f.generated_at, f.id)) AS superseded,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'title', sc.title, 'description', sc.description,
                 'probability', sc.probability, 'horizon', sc.horizon)
               ORDER BY sc.position, sc.id), '[]'::jsonb)
          FROM forecast_scenarios sc WHERE sc.forecast_id = f.id) AS scenarios
  FROM forecasts f
 WHERE f.controversy_id = :cid AND f.archived_at IS NULL {after_clause}
 ORDER BY f.generated_at DESC, f.id DESC LIMIT :limit"""
    return list((await session.execute(text(sql), params)).all())
