"""The fault proxy against a real PostgreSQL, through asyncpg.

Rows are checked on a direct connection, never through the proxy, so a fault cannot hide
what the server really holds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.faults.pgproxy import (
    Message,
    PgProxy,
    TcpUpstream,
    UnixUpstream,
    proxied_url,
    upstream_from_url,
)

Connect = Callable[..., Coroutine[Any, Any, asyncpg.Connection]]
Commit = Callable[[asyncpg.Connection, str], Awaitable[None]]

# Whether asyncpg notices the lost connection before or while it sends the next query.
CONNECTION_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)


@pytest.fixture(scope="session")
def scratch_url(fresh_database: Callable[[], str]) -> str:
    """An empty database of the test server (TCP or the embedded server's unix socket)."""
    return fresh_database()


@pytest.fixture
async def direct(scratch_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection that bypasses the proxy, with the `marks` table ready."""
    connection = await asyncpg.connect(scratch_url)
    await connection.execute("CREATE TABLE IF NOT EXISTS marks (name text PRIMARY KEY)")
    yield connection
    await connection.close()


@pytest.fixture
def proxy(scratch_url: str) -> Iterator[PgProxy]:
    with PgProxy(upstream_from_url(scratch_url)) as running:
        yield running


@pytest.fixture
def proxied(proxy: PgProxy, scratch_url: str) -> str:
    return proxy.url_for(scratch_url)


@pytest.fixture
async def connect(proxied: str) -> AsyncIterator[Connect]:
    """Connections through the proxy, terminated at the end whatever state they are in."""
    opened: list[asyncpg.Connection] = []

    async def make(**options: object) -> asyncpg.Connection:
        connection = await asyncpg.connect(proxied, timeout=5, **options)
        opened.append(connection)
        return connection

    yield make
    for connection in opened:
        connection.terminate()


async def commit_with_transaction(connection: asyncpg.Connection, name: str) -> None:
    async with connection.transaction():
        await connection.execute("INSERT INTO marks VALUES ($1)", name)


async def commit_with_execute(connection: asyncpg.Connection, name: str) -> None:
    await connection.execute("BEGIN")
    await connection.execute("INSERT INTO marks VALUES ($1)", name)
    await connection.execute("COMMIT")


COMMITS = pytest.mark.parametrize(
    "commit", [commit_with_transaction, commit_with_execute], ids=["transaction", "execute"]
)


async def has_mark(direct: asyncpg.Connection, name: str) -> bool:
    found: bool = await direct.fetchval("SELECT exists(SELECT FROM marks WHERE name = $1)", name)
    return found


def new_name() -> str:
    return uuid.uuid4().hex


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait up to 5 s until check() holds: some effects (a backend exiting) land a moment later."""
    for _ in range(500):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{check.__name__} never held")


# --- URLs ------------------------------------------------------------------------------


def test_upstream_of_a_tcp_url() -> None:
    assert upstream_from_url("postgresql://u:p@db.local:6543/x") == TcpUpstream("db.local", 6543)
    assert upstream_from_url("postgresql+asyncpg://u@127.0.0.1/x") == TcpUpstream("127.0.0.1", 5432)
    assert upstream_from_url("postgresql://u@[::1]:5433/x") == TcpUpstream("::1", 5433)


def test_upstream_of_a_unix_socket_url() -> None:
    assert upstream_from_url("postgresql://postgres:@/postgres?host=/tmp/xyz") == UnixUpstream(
        "/tmp/xyz/.s.PGSQL.5432"
    )
    assert upstream_from_url("postgresql://u@/db?host=/run/pg/&port=5433") == UnixUpstream(
        "/run/pg/.s.PGSQL.5433"
    )
    assert upstream_from_url("postgresql://u@%2Ftmp%2Fpg/db") == UnixUpstream(
        "/tmp/pg/.s.PGSQL.5432"
    )


def test_proxied_url_keeps_credentials_database_and_options() -> None:
    assert (
        proxied_url("postgresql://postgres:@/ct_1?host=/tmp/xyz", 7000)
        == "postgresql://postgres:@127.0.0.1:7000/ct_1"
    )
    assert (
        proxied_url("postgresql+asyncpg://u:s3cret@db:5432/app?sslmode=disable", 7001)
        == "postgresql+asyncpg://u:s3cret@127.0.0.1:7001/app?sslmode=disable"
    )


# --- Plain relay -----------------------------------------------------------------------


async def test_query_through_the_proxy(proxy: PgProxy, connect: Connect) -> None:
    connection = await connect()
    assert await connection.fetchval("SELECT 40 + 2") == 42
    stats = proxy.stats()
    assert (stats.accepted, stats.open, stats.upstream) == (1, 1, 1)

    await connection.close()

    async def closed() -> bool:
        return proxy.stats().open == 0

    await eventually(closed)


# --- Cuts ------------------------------------------------------------------------------


@COMMITS
async def test_cut_before_commit_loses_the_row(
    proxy: PgProxy, connect: Connect, direct: asyncpg.Connection, commit: Commit
) -> None:
    connection = await connect()
    name = new_name()
    proxy.cut_at(b"COMMIT", when="before")

    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        await commit(connection, name)

    assert proxy.stats().cuts == 1
    assert not await has_mark(direct, name)


@COMMITS
async def test_cut_after_commit_keeps_the_row(
    proxy: PgProxy, connect: Connect, direct: asyncpg.Connection, commit: Commit
) -> None:
    connection = await connect()
    name = new_name()
    proxy.cut_at(b"COMMIT", when="after")

    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        await commit(connection, name)

    assert await asyncio.to_thread(proxy.wait_for_cuts, 1)
    assert await has_mark(direct, name)


async def test_a_cut_fires_only_the_times_asked(
    proxy: PgProxy, connect: Connect, direct: asyncpg.Connection
) -> None:
    proxy.cut_at(b"COMMIT", when="before", times=1)
    lost, kept = new_name(), new_name()

    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        await commit_with_transaction(await connect(), lost)
    await commit_with_transaction(await connect(), kept)

    assert proxy.stats().cuts == 1
    assert not await has_mark(direct, lost)
    assert await has_mark(direct, kept)


async def test_commit_of_an_asyncpg_transaction_is_a_simple_query(
    proxy: PgProxy, connect: Connect, direct: asyncpg.Connection
) -> None:
    proxy.cut_at(b"COMMIT", when="after")

    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        await commit_with_transaction(await connect(), new_name())

    assert proxy.cut_messages() == [Message(b"Q", b"COMMIT;\0")]


async def test_commit_of_a_sqlalchemy_transaction_is_a_simple_query(
    proxy: PgProxy, proxied: str, direct: asyncpg.Connection
) -> None:
    engine = create_async_engine(proxied.replace("postgresql://", "postgresql+asyncpg://", 1))
    proxy.cut_at(b"COMMIT", when="after")
    name = new_name()
    try:
        with pytest.raises(Exception, match="closed in the middle of operation"):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO marks VALUES (:name)"), {"name": name})
    finally:
        await engine.dispose()

    assert proxy.cut_messages() == [Message(b"Q", b"COMMIT;\0")]
    assert await has_mark(direct, name)


# --- Freeze, drop, refuse, starting up --------------------------------------------------


async def test_freeze_times_queries_out_and_thaw_lets_new_ones_through(
    proxy: PgProxy, connect: Connect
) -> None:
    connection = await connect()
    proxy.freeze()

    with pytest.raises(TimeoutError):
        await connection.fetchval("SELECT 1", timeout=0.2)

    proxy.thaw()
    assert await (await connect()).fetchval("SELECT 2") == 2


async def test_thaw_delivers_what_was_held_back(proxy: PgProxy, connect: Connect) -> None:
    connection = await connect()
    proxy.freeze()
    query = asyncio.create_task(connection.fetchval("SELECT 40 + 2"))
    connecting = asyncio.create_task(connect())

    done, _ = await asyncio.wait({query, connecting}, timeout=0.2)
    assert not done

    proxy.thaw()
    assert await query == 42
    assert await (await connecting).fetchval("SELECT 1") == 1


async def test_drop_all_breaks_open_connections_on_both_sides(
    proxy: PgProxy, connect: Connect, direct: asyncpg.Connection
) -> None:
    app_name = f"pgproxy-{new_name()[:8]}"
    connections = [await connect(server_settings={"application_name": app_name})]
    connections.append(await connect(server_settings={"application_name": app_name}))

    assert proxy.drop_all() == 2

    for connection in connections:
        with pytest.raises(CONNECTION_LOST):
            await connection.fetchval("SELECT 1")

    async def backends_gone() -> bool:
        count: int = await direct.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app_name
        )
        return count == 0

    await eventually(backends_gone)


async def test_refuse_fails_new_connections_until_turned_off(
    proxy: PgProxy, connect: Connect
) -> None:
    proxy.refuse(True)
    # ConnectionError, not OSError: a hang would end in TimeoutError, which is an OSError.
    with pytest.raises(ConnectionError):
        await connect()

    proxy.refuse(False)
    assert await (await connect()).fetchval("SELECT 1") == 1
    stats = proxy.stats()
    assert (stats.accepted, stats.upstream) == (2, 1)


async def test_starting_up_answers_cannot_connect_now_without_the_server(
    proxy: PgProxy, connect: Connect
) -> None:
    proxy.starting_up(True)
    with pytest.raises(asyncpg.exceptions.CannotConnectNowError) as raised:
        await connect()
    assert raised.value.sqlstate == "57P03"
    assert proxy.stats().upstream == 0

    proxy.starting_up(False)
    assert await (await connect()).fetchval("SELECT 1") == 1
