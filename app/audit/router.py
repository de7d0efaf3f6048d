"""The audit log endpoint (scope admin)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.audit import service
from app.audit.schemas import AuditEntryPage, AuditResource
from app.deps import SessionDep
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery

router = APIRouter(tags=["audit"], route_class=JsonRoute)


@router.get("/audit", operation_id="listAudit")
async def list_audit(
    session: SessionDep,
    resource: AuditResource | None = None,
    resource_id: uuid.UUID | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> AuditEntryPage:
    """Every write: who (the key), what (resource, id, action, changed fields) and when."""
    return await service.list_entries(
        session, resource=resource, resource_id=resource_id, cursor=cursor, limit=limit
    )
