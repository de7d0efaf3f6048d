"""Key management (scope `admin`) and the calling key's usage (any key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Request

from app.deps import AuthorDep, NowDep, SessionDep, SettingsDep
from app.json_route import JsonRoute
from app.keys import service
from app.keys.auth import CurrentKey
from app.keys.runtime import runtime_of
from app.keys.schemas import KeyCreate, KeyCreated, KeyPage, KeyRead, KeyRotate, UsageRead
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery

router = APIRouter(tags=["keys"], route_class=JsonRoute)

KeyId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="The key's public id.",
        examples=["key_a1B2c3D4e5F6"],
    ),
]


@router.post("/keys", operation_id="createKey", status_code=201)
async def create_key(
    data: KeyCreate, session: SessionDep, settings: SettingsDep, now: NowDep, author: AuthorDep
) -> KeyCreated:
    """Create a key. The `key` string is in this answer only: store it now."""
    return await service.create_key(session, data=data, settings=settings, author=author, now=now)


@router.get("/keys", operation_id="listKeys")
async def list_keys(
    session: SessionDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> KeyPage:
    """Every key, newest first (never their secrets)."""
    return await service.list_keys(session, cursor=cursor, limit=limit)


@router.get("/keys/{key_id}", operation_id="getKey")
async def get_key(key_id: KeyId, session: SessionDep) -> KeyRead:
    """One key (never its secret)."""
    return await service.get_key(session, public_id=key_id)


@router.delete("/keys/{key_id}", operation_id="revokeKey")
async def revoke_key(key_id: KeyId, session: SessionDep, now: NowDep, author: AuthorDep) -> KeyRead:
    """Revoke a key at once. Revoking a revoked key changes nothing."""
    return await service.revoke_key(session, public_id=key_id, author=author, now=now)


@router.post("/keys/{key_id}/rotate", operation_id="rotateKey")
async def rotate_key(
    key_id: KeyId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    data: Annotated[KeyRotate | None, Body()] = None,
) -> KeyCreated:
    """New secret for a key; the old one keeps working for `grace_seconds` (default 24 h)."""
    grace = (data or KeyRotate()).grace_seconds
    return await service.rotate_key(
        session, public_id=key_id, settings=settings, grace_seconds=grace, author=author, now=now
    )


@router.get("/usage", operation_id="getUsage", tags=["usage"])
async def get_usage(
    request: Request, key: CurrentKey, session: SessionDep, now: NowDep
) -> UsageRead:
    """The calling key's request counts by day and route group, last 30 days."""
    pending = runtime_of(request.app).usage.pending(key.id)
    return await service.usage(session, key=key, today=now.date(), pending=pending)
