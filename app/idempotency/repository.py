"""SQL for stored POST answers."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

RETENTION = "24 hours"
# A first attempt that has been "running" this long is taken as dead (its process crashed
# between the write's commit and storing the answer) and the key can be used again.
ABANDONED_AFTER = "5 minutes"


async def claim(engine: AsyncEngine, owner: str, key: str, request_hash: str) -> bool:
    """Take the key for a first attempt; False when an unexpired record exists."""
    async with engine.begin() as connection:
        claimed = await connection.scalar(
            text(
                "INSERT INTO idempotency_keys (owner, key, request_hash, state, expires_at)"
                f" VALUES (:owner, :key, :hash, 'running', now() + interval '{RETENTION}')"
                " ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
                " state = 'running', response_status = NULL, response_headers = NULL,"
                " response_body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at"
                " WHERE idempotency_keys.expires_at < now() OR (idempotency_keys.state = 'running'"
                f" AND idempotency_keys.created_at < now() - interval '{ABANDONED_AFTER}')"
                " RETURNING true"
            ),
            {"owner": owner, "key": key, "hash": request_hash},
        )
    return bool(claimed)


async def existing(engine: AsyncEngine, owner: str, key: str) -> Any:
    """The stored record of a key."""
    async with engine.connect() as connection:
        return (
            await connection.execute(
                text(
                    "SELECT request_hash, state, response_status, response_headers,"
                    " response_body FROM idempotency_keys WHERE owner = :owner AND key = :key"
                ),
                {"owner": owner, "key": key},
            )
        ).one_or_none()


async def complete(
    engine: AsyncEngine,
    owner: str,
    key: str,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    """Store the answer of the first attempt."""
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE idempotency_keys SET state = 'done', response_status = :status,"
                " response_headers = CAST(:headers AS jsonb), response_body = :body"
                " WHERE owner = :owner AND key = :key"
            ),
            {
                "owner": owner,
                "key": key,
                "status": status,
                "headers": json.dumps(headers),
                "body": body,
            },
        )


async def release(engine: AsyncEngine, owner: str, key: str) -> None:
    """Forget a key whose first attempt failed on our side, so a retry runs again."""
    async with engine.begin() as connection:
        await connection.execute(
            text("DELETE FROM idempotency_keys WHERE owner = :owner AND key = :key"),
            {"owner": owner, "key": key},
        )
