"""The audit log: every write records who, what and when, in the write's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.schemas import AuditEntryPage, AuditEntryRead
from app.pagination import cursor_int, make_page, read_cursor
from app.writer import Author


async def record(
    session: AsyncSession,
    *,
    author: Author,
    resource: str,
    resource_id: uuid.UUID,
    action: str,
    changes: dict[str, Any] | None = None,
) -> None:
    """Record one write."""
    await repository.insert_entry(
        session,
        actor=author.actor,
        resource=resource,
        resource_id=resource_id,
        action=action,
        changes=changes or {},
        request_id=author.request_id,
    )


async def list_entries(
    session: AsyncSession,
    *,
    resource: str | None,
    resource_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> AuditEntryPage:
    """Audit entries, newest first."""
    before = read_cursor(cursor, "audit", cursor_int)
    rows = await repository.page(
        session,
        resource=resource,
        resource_id=resource_id,
        before_id=before[0] if before else None,
        limit=limit + 1,
    )
    return make_page(
        rows,
        limit=limit,
        name="audit",
        position=lambda row: (row.id,),
        item=AuditEntryRead.model_validate,
        page=AuditEntryPage,
    )
