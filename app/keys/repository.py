"""SQL for API keys and their usage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models.api_key import ApiKey, KeyUsage


async def add(session: AsyncSession, key: ApiKey) -> ApiKey:
    """Insert a key."""
    session.add(key)
    await session.flush()
    return key


async def by_hash(session: AsyncSession, digest: bytes) -> ApiKey | None:
    """The key whose current or previous secret has this hash (two unique indexes)."""
    query = select(ApiKey).where(
        or_(col(ApiKey.secret_hash) == digest, col(ApiKey.previous_secret_hash) == digest)
    )
    return (await session.execute(query.limit(1))).scalars().first()


async def by_public_id(
    session: AsyncSession, public_id: str, *, lock: bool = False
) -> ApiKey | None:
    """A key by its public id."""
    query = select(ApiKey).where(col(ApiKey.public_id) == public_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def count(session: AsyncSession) -> int:
    """How many keys exist (revoked ones included)."""
    return int(await session.scalar(select(func.count()).select_from(ApiKey)) or 0)


async def page(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[ApiKey]:
    """Keys newest first, strictly after a (created_at, id) keyset position."""
    query = select(ApiKey)
    if after is not None:
        query = query.where(tuple_(col(ApiKey.created_at), col(ApiKey.id)) < tuple_(*after))
    query = query.order_by(col(ApiKey.created_at).desc(), col(ApiKey.id).desc()).limit(limit)
    return (await session.execute(query)).scalars().all()


async def publishable_origins(session: AsyncSession) -> set[str]:
    """The allowed origins of every live publishable key."""
    rows = await session.execute(
        text(
            "SELECT DISTINCT unnest(origins) FROM api_keys"
            " WHERE kind = 'publishable' AND revoked_at IS NULL"
            " AND (expires_at IS NULL OR expires_at > now())"
        )
    )
    return {str(row[0]) for row in rows}


async def touch_last_used(session: AsyncSession, last_used: dict[uuid.UUID, datetime]) -> None:
    """Move last_used_at forward for several keys in one statement."""
    if not last_used:
        return
    await session.execute(
        text(
            "UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, u.at)"
            " FROM unnest(CAST(:ids AS uuid[]), CAST(:ats AS timestamptz[])) AS u(id, at)"
            " WHERE k.id = u.id"
        ),
        {"ids": list(last_used), "ats": list(last_used.values())},
    )


async def add_usage(session: AsyncSession, counts: dict[tuple[uuid.UUID, date, str], int]) -> None:
    """Add request counts to the daily counters (keys deleted meanwhile are skipped)."""
    if not counts:
        return
    keys = list(counts)
    await session.execute(
        text(
            "INSERT INTO key_usage (key_id, day, route_group, count)"
            " SELECT u.key_id, u.day, u.route_group, u.count"
            " FROM unnest(CAST(:key_ids AS uuid[]), CAST(:days AS date[]),"
            "             CAST(:groups AS text[]), CAST(:counts AS bigint[]))"
            "   AS u(key_id, day, route_group, count)"
            " WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.id = u.key_id)"
            " ON CONFLICT (key_id, day, route_group)"
            " DO UPDATE SET count = key_usage.count + EXCLUDED.count"
        ),
        {
            "key_ids": [key[0] for key in keys],
            "days": [key[1] for key in keys],
            "groups": [key[2] for key in keys],
            "counts": [counts[key] for key in keys],
        },
    )


async def usage(session: AsyncSession, key_id: uuid.UUID, *, since: date) -> Sequence[KeyUsage]:
    """A key's counters from `since`, newest day first (the primary key serves it)."""
    query = (
        select(KeyUsage)
        .where(col(KeyUsage.key_id) == key_id, col(KeyUsage.day) >= since)
        .order_by(col(KeyUsage.day).desc(), col(KeyUsage.route_group))
    )
    return (await session.execute(query)).scalars().all()


async def save(session: AsyncSession, key: ApiKey) -> ApiKey:
    """Write a changed key."""
    session.add(key)
    await session.flush()
    return key
