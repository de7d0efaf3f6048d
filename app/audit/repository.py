"""Queries of the audit log."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.audit import AuditEntry


async def insert_entry(
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
        insert(AuditEntry).values(
            actor=actor,
            resource=resource,
            resource_id=resource_id,
            action=action,
            # Dates, ids and decimals are kept as the strings a client saw.
            changes=json.loads(json.dumps(changes, default=str)),
            request_id=request_id,
        )
    )


async def page(
    session: AsyncSession,
    *,
    resource: str | None,
    resource_id: uuid.UUID | None,
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    """Entries newest first."""
    query = select(AuditEntry)
    if resource:
        query = query.where(col(AuditEntry.resource) == resource)
    if resource_id:
        query = query.where(col(AuditEntry.resource_id) == resource_id)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    query = query.order_by(col(AuditEntry.id).desc()).limit(limit)
    return list((await session.execute(query)).scalars().all())
