"""Forecast reads."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BadCursor
from app.forecasts import repository
from app.forecasts.schemas import ForecastRead
from app.pagination import Page, cursor_datetime, cursor_uuid, decode_cursor, encode_cursor


async def list_forecasts(
    session: AsyncSession, *, controversy_id: uuid.UUID, cursor: str | None, limit: int
) -> Page[ForecastRead]:
    """Forecasts newest first; older ones are marked superseded."""
    name = "forecasts"
    after = None
    if cursor is not None:
        key = decode_cursor(cursor, name)
        if len(key) != 2:
            raise BadCursor("The cursor is not valid; start again without one.")
        after = (cursor_datetime(key[0]), cursor_uuid(key[1]))
    rows = await repository.forecasts_page(
        session, controversy_id=controversy_id, after=after, limit=limit + 1
    )
    items = [ForecastRead.model_validate(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(name, [last.generated_at.isoformat(), str(last.id)])
    return Page[ForecastRead](data=items, next_cursor=next_cursor)
