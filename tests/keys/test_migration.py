"""The 0002 migration goes up and down, and its constraints hold."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import pytest

from app.migrations import downgrade, upgrade


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        rows: list[asyncpg.Record] = await connection.fetch(sql)
        return rows
    finally:
        await connection.close()


async def _execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _tables(url: str) -> set[str]:
    rows = asyncio.run(_fetch(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    return {row[0] for row in rows}


INSERT = (
    "INSERT INTO api_keys (id, public_id, name, kind, scopes, origins, rate_limit, secret_hash)"
    " VALUES (gen_random_uuid(), {public_id}, 'n', {kind}, {scopes}, '{{}}', {rate},"
    " decode(repeat('ab', 32), 'hex'))"
)


def test_migration_up_down_up_and_checks(fresh_database: Callable[[], str]) -> None:
    url = fresh_database()
    upgrade(url, "0001")
    assert "api_keys" not in _tables(url)
    upgrade(url)
    assert {"api_keys", "key_usage"} <= _tables(url)
    bad = [
        ("'key_aaaaaaaaaaaa'", "'master'", "'{read}'", 1),
        ("'key_aaaaaaaaaaaa'", "'secret'", "'{root}'", 1),
        ("'key_aaaaaaaaaaaa'", "'secret'", "'{}'", 1),
        ("'key_aaaaaaaaaaaa'", "'publishable'", "'{read,write}'", 1),
        ("'key_aaaaaaaaaaaa'", "'secret'", "'{read}'", 0),
        ("'nope'", "'secret'", "'{read}'", 1),
    ]
    for public_id, kind, scopes, rate in bad:
        sql = INSERT.format(public_id=public_id, kind=kind, scopes=scopes, rate=rate)
        with pytest.raises(asyncpg.CheckViolationError):
            asyncio.run(_execute(url, sql))
    good = INSERT.format(public_id="'key_aaaaaaaaaaaa'", kind="'secret'", scopes="'{read}'", rate=1)
    asyncio.run(_execute(url, good))
    with pytest.raises(asyncpg.UniqueViolationError):  # same hash
        asyncio.run(_execute(url, good.replace("key_aaaaaaaaaaaa", "key_bbbbbbbbbbbb")))
    downgrade(url, "0001")
    assert not {"api_keys", "key_usage"} & _tables(url)
    upgrade(url)
    assert {"api_keys", "key_usage"} <= _tables(url)
