"""GET /v1/usage: the calling key's counts by day and route group; last_used_at throttled."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.keys.runtime import flush_usage
from app.keys.usage import UsageRecorder
from tests.conftest import MakeKey, QueryCounter
from tests.keys.conftest import bearer

Maker = async_sessionmaker[AsyncSession]


async def test_usage_counts_requests_by_day_and_route_group(
    app: FastAPI, anon_client: AsyncClient, make_key: MakeKey, sessionmaker: Maker
) -> None:
    key = await make_key(scopes=["read"])
    headers = bearer(key.key)
    for _ in range(3):
        assert (await anon_client.get("/v1/categories", headers=headers)).status_code == 200
    await anon_client.get("/v1/actors", headers=headers)
    await anon_client.get("/v1/keys", headers=headers)  # 403, but an authenticated request
    assert await flush_usage(app) >= 5
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT u.route_group, u.count FROM key_usage u JOIN api_keys k"
                    " ON k.id = u.key_id WHERE k.public_id = :p"
                ),
                {"p": key.id},
            )
        ).all()
    assert dict(rows) == {"categories": 3, "actors": 1, "keys": 1}

    response = await anon_client.get("/v1/usage", headers=headers)
    assert response.status_code == 200
    body = response.json()
    today = datetime.now(UTC).date()
    assert body["key_id"] == key.id
    assert body["until"] == today.isoformat()
    assert body["since"] == (today - timedelta(days=29)).isoformat()
    counts = {(item["day"], item["route_group"]): item["count"] for item in body["data"]}
    # The usage request itself is counted too (not yet flushed: read from memory).
    assert counts == {
        (today.isoformat(), "categories"): 3,
        (today.isoformat(), "actors"): 1,
        (today.isoformat(), "keys"): 1,
        (today.isoformat(), "usage"): 1,
    }
    assert body["total"] == 6


async def test_usage_shows_only_the_calling_keys_own_counts(
    app: FastAPI, anon_client: AsyncClient, make_key: MakeKey
) -> None:
    mine = await make_key(scopes=["read"])
    theirs = await make_key(scopes=["read"])
    for _ in range(4):
        await anon_client.get("/v1/categories", headers=bearer(theirs.key))
    await flush_usage(app)
    body = (await anon_client.get("/v1/usage", headers=bearer(mine.key))).json()
    assert body["key_id"] == mine.id
    assert [item["route_group"] for item in body["data"]] == ["usage"]


async def test_usage_upsert_adds_to_existing_counts(
    app: FastAPI, anon_client: AsyncClient, make_key: MakeKey, sessionmaker: Maker
) -> None:
    key = await make_key(scopes=["read"])
    await anon_client.get("/v1/categories", headers=bearer(key.key))
    await flush_usage(app)
    await anon_client.get("/v1/categories", headers=bearer(key.key))
    await anon_client.get("/v1/categories", headers=bearer(key.key))
    await flush_usage(app)
    async with sessionmaker() as session:
        total = await session.scalar(
            text(
                "SELECT sum(count) FROM key_usage u JOIN api_keys k ON k.id = u.key_id"
                " WHERE k.public_id = :p AND route_group = 'categories'"
            ),
            {"p": key.id},
        )
    assert total == 3


async def test_last_used_at_is_written_at_most_once_a_minute(
    app: FastAPI, client: AsyncClient, anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"])
    assert (await client.get(f"/v1/keys/{key.id}")).json()["last_used_at"] is None
    await anon_client.get("/v1/categories", headers=bearer(key.key))
    await flush_usage(app)
    first = (await client.get(f"/v1/keys/{key.id}")).json()["last_used_at"]
    assert first is not None
    await anon_client.get("/v1/categories", headers=bearer(key.key))
    await flush_usage(app)
    # Within the minute: no second write.
    assert (await client.get(f"/v1/keys/{key.id}")).json()["last_used_at"] == first


async def test_flush_keeps_counts_when_the_database_fails(sessionmaker: Maker) -> None:
    recorder = UsageRecorder(last_used_interval=60)
    key_id = uuid.uuid4()
    recorder.record(key_id, "controversies", datetime(2026, 11, 27, tzinfo=UTC))

    class Broken:
        def __call__(self) -> AsyncSession:
            raise ConnectionError("database down")

    assert await recorder.flush(Broken()) == 0  # type: ignore[arg-type]
    assert recorder.pending(key_id) == {(date(2026, 11, 27), "controversies"): 1}
    # A key deleted meanwhile is skipped, not an error.
    assert await recorder.flush(sessionmaker) == 1
    assert recorder.pending(key_id) == {}


async def test_the_request_path_writes_nothing_for_usage(
    app: FastAPI, anon_client: AsyncClient, make_key: MakeKey, count_queries: QueryCounter
) -> None:
    key = await make_key(scopes=["read"])
    count_queries.statements.clear()
    for _ in range(3):
        await anon_client.get("/v1/categories", headers=bearer(key.key))
    writes = [s for s in count_queries.statements if "key_usage" in s or "UPDATE api_keys" in s]
    assert writes == []
    assert await flush_usage(app) >= 3
