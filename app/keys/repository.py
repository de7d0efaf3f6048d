"""Queries of API keys and their usage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Date,
    Text,
    cast,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
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
    origin = func.unnest(col(ApiKey.origins))
    query = (
        select(origin)
        .distinct()
        .where(
            col(ApiKey.kind) == "publishable",
            col(ApiKey.revoked_at).is_(None),
            or_(col(ApiKey.expires_at).is_(None), col(ApiKey.expires_at) > func.now()),
        )
    )
    return {str(value) for value in (await session.scalars(query))}


async def touch_last_used(session: AsyncSession, last_used: dict[uuid.UUID, datetime]) -> None:
    """Move last_used_at forward for several keys in one statement."""
    if not last_used:
        return
    used = (
        func.unnest(
            cast(list(last_used), ARRAY(UUID(as_uuid=True))),
            cast(list(last_used.values()), ARRAY(TIMESTAMP(timezone=True))),
        )
        .table_valued("id", "at")
        .render_derived(name="used")
    )
    await session.execute(
        update(ApiKey)
        .where(col(ApiKey.id) == used.c.id)
        .values(last_used_at=func.greatest(col(ApiKey.last_used_at), used.c.at))
    )


async def add_usage(session: AsyncSession, counts: dict[tuple[uuid.UUID, date, str], int]) -> None:
    """Add request counts to the daily counters (keys deleted meanwhile are skipped)."""
    if not counts:
        return
    keys = list(counts)
    added = (
        func.unnest(
            cast([key[0] for key in keys], ARRAY(UUID(as_uuid=True))),
            cast([key[1] for key in keys], ARRAY(Date)),
            cast([key[2] for key in keys], ARRAY(Text)),
            cast([counts[key] for key in keys], ARRAY(BigInteger)),
        )
        .table_valued("key_id", "day", "route_group", "count")
        .render_derived(name="added")
    )
    rows = select(added.c.key_id, added.c.day, added.c.route_group, added.c["count"]).where(
        exists().where(col(ApiKey.id) == added.c.key_id)
    )
    statement = insert(KeyUsage).from_select(["key_id", "day", "route_group", "count"], rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["key_id", "day", "route_group"],
            set_={"count": col(KeyUsage.count) + statement.excluded["count"]},
        )
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
