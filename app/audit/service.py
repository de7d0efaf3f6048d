"""The audit log: every write records who, what and when, in the write's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.schemas import AuditEntryRead
from app.pagination import Page, cursor_int, make_page, read_cursor


@dataclass(frozen=True)
class Author:
    """Who makes a write: the API key's public id (or a placeholder) and the request id."""

    actor: str
    request_id: str | None = None


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
) -> Page[AuditEntryRead]:
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
    )
