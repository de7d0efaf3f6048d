"""Row-level SQL shared by the writable resources: lock, update with a version bump, archive.

Table names come from code, never from clients.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

WRITABLE = frozenset(
    {"controversies", "sides", "stances", "actors", "timeline_events", "forecasts"}
)


def _check(table: str) -> None:
    if table not in WRITABLE:
        raise ValueError(f"not a writable table: {table}")


async def lock_row(
    session: AsyncSession,
    table: str,
    row_id: uuid.UUID,
    *,
    controversy_id: uuid.UUID | None = None,
    archived: bool | None = False,
) -> Any:
    """Lock one row for the rest of the transaction; None when absent.

    `archived`: False → live rows only, True → archived only, None → either.
    """
    _check(table)
    clauses = ["id = :id"]
    params: dict[str, Any] = {"id": row_id}
    if controversy_id is not None:
        clauses.append("controversy_id = :cid")
        params["cid"] = controversy_id
    if archived is not None:
        clauses.append("archived_at IS NOT NULL" if archived else "archived_at IS NULL")
    sql = f"SELECT * FROM {table} WHERE {' AND '.join(clauses)} FOR NO KEY UPDATE"
    return (await session.execute(text(sql), params)).mappings().one_or_none()


async def update_row(
    session: AsyncSession, table: str, row_id: uuid.UUID, values: Mapping[str, Any]
) -> int:
    """Set columns, bump the version and updated_at; returns the new version."""
    _check(table)
    assignments = [f"{column} = :v_{column}" for column in values]
    assignments += ["version = version + 1"]
    if table != "forecasts":
        assignments.append("updated_at = now()")
    params = {f"v_{column}": value for column, value in values.items()}
    params["id"] = row_id
    sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE id = :id RETURNING version"
    version: int = (await session.execute(text(sql), params)).scalar_one()
    return version


async def set_archived(session: AsyncSession, table: str, row_id: uuid.UUID, archived: bool) -> int:
    """Archive (hide) or restore a row; returns the new version."""
    value = "now()" if archived else "NULL"
    _check(table)
    extra = "" if table == "forecasts" else ", updated_at = now()"
    sql = (
        f"UPDATE {table} SET archived_at = {value}, version = version + 1{extra}"
        " WHERE id = :id RETURNING version"
    )
    version: int = (await session.execute(text(sql), {"id": row_id})).scalar_one()
    return version
