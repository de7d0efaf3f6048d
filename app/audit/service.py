"""The audit log: every write records who, what and when, in the write's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import repository
from app.audit.schemas import AuditEntryRead
from app.errors import BadCursor
from app.pagination import Page, decode_cursor, encode_cursor


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
    await repository.insert(
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
    before = None
    if cursor is not None:
        key = decode_cursor(cursor, "audit")
        if len(key) != 1 or not isinstance(key[0], int) or isinstance(key[0], bool):
            raise BadCursor("The cursor is not valid; start again without one.")
        before = key[0]
    rows = await repository.page(
        session, resource=resource, resource_id=resource_id, before_id=before, limit=limit + 1
    )
    items = [AuditEntryRead.model_validate(row) for row in rows[:limit]]
    next_cursor = encode_cursor("audit", [rows[limit - 1].id]) if len(rows) > limit else None
    return Page[AuditEntryRead](data=items, next_cursor=next_cursor)
