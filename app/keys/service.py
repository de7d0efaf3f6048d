"""API keys: create, list, revoke, rotate, authenticate; usage; the demo admin key."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit_service
from app.changes import mark_changed
from app.config import Settings
from app.errors import NotFound
from app.keys import origins, repository, tokens
from app.keys.cache import MISSING, KeyCache, KeyRecord
from app.keys.schemas import (
    DEFAULT_GRACE_SECONDS,
    AuthenticatedKey,
    KeyCreate,
    KeyCreated,
    KeyKind,
    KeyPage,
    KeyRead,
    Scope,
    UsageItem,
    UsageRead,
)
from app.models.api_key import ApiKey
from app.models.base import utcnow
from app.pagination import cursor_datetime, cursor_uuid, make_page, read_cursor
from app.writer import Author

logger = logging.getLogger(__name__)

USAGE_DAYS = 30
ADMIN_KEY_FILE = "admin.key"
_LIST_SORT = "keys:created"


def default_rate_limit(kind: KeyKind, settings: Settings) -> int:
    """The requests/minute a key of this kind gets when none is given."""
    if kind is KeyKind.publishable:
        return settings.rate_limit_publishable
    return settings.rate_limit_secret


def to_read(key: ApiKey) -> KeyRead:
    """The public view of a key (never its hash)."""
    return KeyRead(
        id=key.public_id,
        name=key.name,
        kind=KeyKind(key.kind),
        scopes=[Scope(scope) for scope in key.scopes],
        origins=list(key.origins),
        rate_limit=key.rate_limit,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        rotated_at=key.rotated_at,
        previous_secret_expires_at=key.previous_secret_expires_at,
        last_used_at=key.last_used_at,
    )


def _created(key: ApiKey, secret: str) -> KeyCreated:
    return KeyCreated(**to_read(key).model_dump(), key=secret)


CLI_AUTHOR = Author(actor="cli")


async def _audit(
    session: AsyncSession, author: Author, key: ApiKey, action: str, changes: dict[str, Any]
) -> None:
    # Who changed which key and how; never a secret or a hash.
    await audit_service.record(
        session,
        author=author,
        resource="key",
        resource_id=key.id,
        action=action,
        changes={"key_id": key.public_id, **changes},
    )


async def create_key(
    session: AsyncSession,
    *,
    data: KeyCreate,
    settings: Settings,
    author: Author = CLI_AUTHOR,
    now: datetime | None = None,
) -> KeyCreated:
    """Create a key and return it with its secret (the only time the secret is shown)."""
    secret = tokens.new_key(data.kind.value)
    key = ApiKey(
        public_id=tokens.new_public_id(),
        name=data.name,
        kind=data.kind.value,
        scopes=[scope.value for scope in data.scopes],
        origins=list(data.origins),
        rate_limit=data.rate_limit or default_rate_limit(data.kind, settings),
        secret_hash=tokens.hash_key(secret, settings.api_key_pepper.get_secret_value()),
        expires_at=data.expires_at,
        created_at=now or utcnow(),
    )
    await repository.add(session, key)
    await _audit(session, author, key, "create", data.model_dump(mode="json"))
    mark_changed(session, "k")
    origins.invalidate()
    logger.info("api key created", extra={"key_id": key.public_id, "kind": key.kind})
    return _created(key, secret)


async def _get(session: AsyncSession, public_id: str, *, lock: bool = False) -> ApiKey:
    key = await repository.by_public_id(session, public_id, lock=lock)
    if key is None:
        raise NotFound(f"No key with id '{public_id[:40]}'.")
    return key


async def get_key(session: AsyncSession, *, public_id: str) -> KeyRead:
    """One key, without its secret."""
    return to_read(await _get(session, public_id))


async def list_keys(session: AsyncSession, *, cursor: str | None, limit: int) -> KeyPage:
    """Keys newest first, revoked ones included."""
    after = read_cursor(cursor, _LIST_SORT, cursor_datetime, cursor_uuid)
    rows = await repository.page(session, after=after, limit=limit + 1)
    return make_page(
        rows,
        limit=limit,
        name=_LIST_SORT,
        position=lambda row: (row.created_at, row.id),
        item=to_read,
        page=KeyPage,
    )


async def revoke_key(
    session: AsyncSession,
    *,
    public_id: str,
    author: Author = CLI_AUTHOR,
    now: datetime | None = None,
) -> KeyRead:
    """Revoke a key at once (idempotent: the first revocation time is kept)."""
    key = await _get(session, public_id, lock=True)
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
        await repository.save(session, key)
        await _audit(session, author, key, "revoke", {})
        mark_changed(session, "k")
        origins.invalidate()
        logger.info("api key revoked", extra={"key_id": key.public_id})
    return to_read(key)


async def rotate_key(
    session: AsyncSession,
    *,
    public_id: str,
    settings: Settings,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
    author: Author = CLI_AUTHOR,
    now: datetime | None = None,
) -> KeyCreated:
    """Give a key a new secret; the old one keeps working for `grace_seconds`."""
    now = now or utcnow()
    key = await _get(session, public_id, lock=True)
    if key.revoked_at is not None:
        raise NotFound(f"No key with id '{public_id[:40]}'.")
    secret = tokens.new_key(key.kind)
    if grace_seconds > 0:
        key.previous_secret_hash = key.secret_hash
        key.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
    else:
        key.previous_secret_hash = None
        key.previous_secret_expires_at = None
    key.secret_hash = tokens.hash_key(secret, settings.api_key_pepper.get_secret_value())
    key.rotated_at = now
    await repository.save(session, key)
    await _audit(session, author, key, "rotate", {"grace_seconds": grace_seconds})
    mark_changed(session, "k")
    logger.info("api key rotated", extra={"key_id": key.public_id, "grace_seconds": grace_seconds})
    return _created(key, secret)


def _record(key: ApiKey, digest: bytes) -> KeyRecord | None:
    """What authentication needs to know about the key this secret hash belongs to."""
    authenticated = AuthenticatedKey(
        id=key.id,
        public_id=key.public_id,
        name=key.name,
        kind=key.kind,
        scopes=frozenset(key.scopes),
        origins=frozenset(key.origins),
        rate_limit=key.rate_limit,
    )
    revoked = key.revoked_at is not None
    if tokens.same_hash(key.secret_hash, digest):
        return KeyRecord(authenticated, revoked=revoked, expires_at=key.expires_at)
    if tokens.same_hash(key.previous_secret_hash, digest):
        return KeyRecord(
            authenticated,
            revoked=revoked,
            expires_at=key.expires_at,
            previous_until=key.previous_secret_expires_at,
            is_previous=True,
        )
    return None


async def authenticate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    secret: str,
    settings: Settings,
    now: datetime,
    cache: KeyCache | None = None,
) -> AuthenticatedKey | None:
    """The live key this secret belongs to; None when unknown, revoked or expired.

    Served from the key cache when it can answer; otherwise one indexed read, remembered.
    """
    if not tokens.looks_like_key(secret):
        return None
    digest = tokens.hash_key(secret, settings.api_key_pepper.get_secret_value())
    record = cache.lookup(digest) if cache is not None else MISSING
    if record is MISSING:
        generation = cache.generation if cache is not None else 0
        async with sessions() as session:
            row = await repository.by_hash(session, digest)
        record = _record(row, digest) if row is not None else None
        if cache is not None:
            cache.store(digest, record, generation)
    if isinstance(record, KeyRecord) and record.live_at(now):
        return record.key
    return None


async def usage(
    session: AsyncSession,
    *,
    key: AuthenticatedKey,
    today: date,
    pending: dict[tuple[date, str], int] | None = None,
) -> UsageRead:
    """The key's request counts of the last 30 days, plus this process's unflushed ones."""
    since = today - timedelta(days=USAGE_DAYS - 1)
    counts: dict[tuple[date, str], int] = {}
    for row in await repository.usage(session, key.id, since=since):
        counts[(row.day, row.route_group)] = int(row.count)
    for (day, group), count in (pending or {}).items():
        if day >= since:
            counts[(day, group)] = counts.get((day, group), 0) + count
    items = [
        UsageItem(day=day, route_group=group, count=count)
        for (day, group), count in sorted(
            counts.items(), key=lambda item: (-item[0][0].toordinal(), item[0][1])
        )
    ]
    return UsageRead(
        key_id=key.public_id,
        since=since,
        until=today,
        total=sum(item.count for item in items),
        data=items,
    )


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text + "\n")


async def _ensure_admin_key(url: str, settings: Settings) -> str | None:
    from app.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(url, settings)
    secret = None
    try:
        async for session in session_scope(make_sessionmaker(engine)):
            if await repository.count(session) == 0:
                data = KeyCreate(name="demo admin", scopes=[Scope.read, Scope.write, Scope.admin])
                secret = (await create_key(session, data=data, settings=settings)).key
    finally:
        await engine.dispose()
    return secret


def ensure_demo_admin_key(url: str, settings: Settings) -> Path | None:
    """On a database without keys, create an admin key and write it to DATA_DIR/admin.key.

    The file is created with mode 0600; only its path is logged, never the key.
    """
    path = (settings.data_dir / ADMIN_KEY_FILE).resolve()
    secret = asyncio.run(_ensure_admin_key(url, settings))
    if secret is not None:
        _write_private(path, secret)
        logger.info(
            "created an admin API key: read it from %s (mode 0600)",
            path,
            extra={"admin_key_file": str(path)},
        )
        return path
    if path.exists():
        logger.info("the admin API key is in %s", path, extra={"admin_key_file": str(path)})
    return None
