"""SQL for stored POST answers, run inside the write's own transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.idempotency import IdempotencyRecord

RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class StoredAnswer:
    """The answer a committed first attempt gave."""

    request_hash: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def lock_id(owner: str, key: str) -> int:
    """A signed 64-bit advisory-lock id for one (owner, key)."""
    digest = hashlib.blake2b(f"{owner}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def try_lock(session: AsyncSession, owner: str, key: str) -> bool:
    """Take the key for this transaction; False when another transaction holds it.

    A transaction-level advisory lock is released by COMMIT, ROLLBACK or a lost connection, so a
    crashed or failed attempt frees its key at once.
    """
    locked = await session.scalar(select(func.pg_try_advisory_xact_lock(lock_id(owner, key))))
    return bool(locked)


def _of(owner: str, key: str) -> tuple[Any, ...]:
    return (col(IdempotencyRecord.owner) == owner, col(IdempotencyRecord.key) == key)


async def stored(session: AsyncSession, owner: str, key: str) -> StoredAnswer | None:
    """The unexpired answer stored for a key."""
    record = await session.scalar(
        select(IdempotencyRecord).where(
            *_of(owner, key), col(IdempotencyRecord.expires_at) > func.now()
        )
    )
    if record is None:
        return None
    headers: list[Any] = record.response_headers or []
    return StoredAnswer(
        request_hash=record.request_hash,
        status=record.response_status,
        headers=[(str(name), str(value)) for name, value in headers],
        body=bytes(record.response_body or b""),
    )


async def store(
    session: AsyncSession, owner: str, key: str, request_hash: str, answer: StoredAnswer
) -> None:
    """Keep the answer in the write's transaction (replacing an expired record of the key)."""
    statement = insert(IdempotencyRecord).values(
        owner=owner,
        key=key,
        request_hash=request_hash,
        response_status=answer.status,
        response_headers=[list(header) for header in answer.headers],
        response_body=answer.body,
        expires_at=func.now() + RETENTION,
    )
    replaced = {
        name: statement.excluded[name]
        for name in (
            "request_hash",
            "response_status",
            "response_headers",
            "response_body",
            "expires_at",
        )
    }
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[col(IdempotencyRecord.owner), col(IdempotencyRecord.key)],
            set_={**replaced, "created_at": func.now()},
        )
    )


async def prune(session: AsyncSession) -> int:
    """Delete expired records; returns how many."""
    result = await session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.expires_at) <= func.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)
