"""SQL for stored POST answers, run inside the write's own transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

RETENTION = "24 hours"


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
    locked = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id(owner, key)}
    )
    return bool(locked)


async def stored(session: AsyncSession, owner: str, key: str) -> StoredAnswer | None:
    """The unexpired answer stored for a key."""
    row = (
        await session.execute(
            text(
                "SELECT request_hash, response_status, response_headers, response_body"
                " FROM idempotency_keys WHERE owner = :owner AND key = :key AND expires_at > now()"
            ),
            {"owner": owner, "key": key},
        )
    ).one_or_none()
    if row is None:
        return None
    headers: list[Any] = row.response_headers or []
    return StoredAnswer(
        request_hash=row.request_hash,
        status=row.response_status,
        headers=[(str(name), str(value)) for name, value in headers],
        body=bytes(row.response_body or b""),
    )


async def store(
    session: AsyncSession, owner: str, key: str, request_hash: str, answer: StoredAnswer
) -> None:
    """Keep the answer in the write's transaction (replacing an expired record of the key)."""
    await session.execute(
        text(
            "INSERT INTO idempotency_keys (owner, key, request_hash, response_status,"
            " response_headers, response_body, expires_at)"
            f" VALUES (:owner, :key, :hash, :status, CAST(:headers AS jsonb), :body,"
            f" now() + interval '{RETENTION}')"
            " ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
            " response_status = EXCLUDED.response_status,"
            " response_headers = EXCLUDED.response_headers,"
            " response_body = EXCLUDED.response_body, created_at = now(),"
            " expires_at = EXCLUDED.expires_at"
        ),
        {
            "owner": owner,
            "key": key,
            "hash": request_hash,
            "status": answer.status,
            "headers": json.dumps(answer.headers),
            "body": answer.body,
        },
    )


async def prune(session: AsyncSession) -> int:
    """Delete expired records; returns how many."""
    result = await session.execute(text("DELETE FROM idempotency_keys WHERE expires_at <= now()"))
    return int(getattr(result, "rowcount", 0) or 0)
