"""SQL for the audit log."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def insert(
    session: AsyncSession,
    *,
    actor: str,
    resource: str,
    resource_id: uuid.UUID,
    action: str,
    changes: dict[str, Any],
    request_id: str | None,
) -> None:
    """Append one entry (in the caller's transaction)."""
    await session.execute(
        text(
            "INSERT INTO audit_log (actor, resource, resource_id, action, changes, request_id)"
            " VALUES (:actor, :resource, :resource_id, :action, CAST(:changes AS jsonb),"
            " :request_id)"
        ),
        {
            "actor": actor,
            "resource": resource,
            "resource_id": resource_id,
            "action": action,
            "changes": json.dumps(changes, default=str),
            "request_id": request_id,
        },
    )


async def page(
    session: AsyncSession,
    *,
    resource: str | None,
    resource_id: uuid.UUID | None,
    before_id: int | None,
    limit: int,
) -> list[Any]:
    """Entries newest first."""
    clauses = ["TRUE"]
    params: dict[str, Any] = {"limit": limit}
    if resource:
        clauses.append("resource = :resource")
        params["resource"] = resource
    if resource_id:
        clauses.append("resource_id = :resource_id")
        params["resource_id"] = resource_id
    if before_id is not None:
        clauses.append("id < :before_id")
        params["before_id"] = before_id
    sql = (
        "SELECT id, occurred_at, actor, resource, resource_id, action, changes, request_id"
        " FROM audit_log WHERE " + " AND ".join(clauses) + " ORDER BY id DESC LIMIT :limit"
    )
    return list((await session.execute(text(sql), params)).all())
