"""Test fixtures: a real PostgreSQL (TEST_DATABASE_URL, or an embedded one), migrated once.

Each test starts from empty tables; tests that need the demo data ask for `demo`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.changes import CHANNEL
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate, KeyCreated
from app.main import create_app
from app.migrations import upgrade

DEMO_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # the demo as written (loader.DEMO_ANCHOR)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server: TEST_DATABASE_URL, or an embedded one in a temporary folder."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    from app.embedded import EmbeddedPostgres

    # mkdtemp, not tmp_path_factory: as root the embedded server's user must reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="controversy-test-"))
    embedded = EmbeddedPostgres(folder)
    try:
        yield embedded.start()
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def fresh_database(server_url: str) -> Iterator[object]:
    """A factory of new, empty databases on the test server, dropped at the end."""
    created: list[str] = []

    def make() -> str:
        name = f"ct_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
        created.append(name)
        return _with_database(server_url, name)

    yield make
    for name in created:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(fresh_database: object) -> str:
    """The test database, migrated to head once."""
    url: str = fresh_database()  # type: ignore[operator]
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        seed_demo_on_empty=False,
        cors_origins=["https://app.example.com"],
        # Tests flush key usage themselves (app.keys.runtime.flush_usage): no background
        # writes in the middle of a query count.
        usage_flush_seconds=3600,
        # Webhook receivers in tests listen on loopback; retries come fast.
        webhook_allow_private_urls=True,
        webhook_retry_base_seconds=0.2,
        webhook_timeout_seconds=3.0,
    )


@pytest.fixture
def run_jobs(database_url: str, settings: Settings) -> Callable[[], Awaitable[None]]:
    """Run every queued job now (and the jobs those queue), as a worker would."""
    from app.worker.runner import Worker

    async def run() -> None:
        await Worker(database_url, settings).drain()

    return run


@pytest.fixture(scope="session")
async def engine(database_url: str, settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


TABLES = (
    "noise_snapshots, noise_overrides, forecast_scenarios, forecasts, mentions,"
    " timeline_events, stances, sides, actors, controversies, audit_log, idempotency_keys,"
    " key_usage, api_keys, forecast_track_records, outbox_events, webhook_endpoints,"
    " webhook_deliveries, webhook_attempts, noise_level_watch, recompute_runs, pgqueuer"
)


@pytest.fixture(autouse=True)
async def clean_tables(engine: AsyncEngine) -> None:
    """Every test starts with empty tables."""
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {TABLES} CASCADE"))
        await connection.execute(text("UPDATE webhook_dispatch_cursor SET last_event_id = 0"))


@pytest.fixture
async def demo(
    clean_tables: None, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> int:
    """The demo controversies, loaded as of DEMO_NOW."""
    from app.demo.loader import load_demo

    async with sessionmaker() as session, session.begin():
        return await load_demo(session, settings=settings, now=DEMO_NOW)


@pytest.fixture(scope="session")
async def app(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


MakeKey = Callable[..., Awaitable[KeyCreated]]


@pytest.fixture
def make_key(
    clean_tables: None, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> MakeKey:
    """A factory of API keys (committed); returns the key with its secret in `.key`."""

    async def make(
        *,
        kind: str = "secret",
        scopes: Sequence[str] = ("read", "write", "admin"),
        origins: Sequence[str] = (),
        rate_limit: int | None = None,
        name: str = "test key",
        expires_at: datetime | None = None,
    ) -> KeyCreated:
        data = KeyCreate.model_validate(
            {
                "name": name,
                "kind": kind,
                "scopes": list(scopes),
                "origins": list(origins),
                "rate_limit": rate_limit,
                "expires_at": expires_at,
            }
        )
        async with sessionmaker() as session, session.begin():
            return await keys_service.create_key(session, data=data, settings=settings)

    return make


@pytest.fixture
async def admin_key(make_key: MakeKey) -> KeyCreated:
    """A secret key with every scope, new for each test."""
    return await make_key(name="test admin")


class ChangesDelivered:
    """Before each request, wait until the app heard every change committed so far.

    Tests write rows behind the API's back; the app learns of them from the database's
    notifications, a moment after the COMMIT (as every other process would). PostgreSQL
    delivers notifications in commit order, so once a marker sent now comes back, all the
    earlier ones have been handled too.
    """

    def __init__(self, app: FastAPI, database_url: str) -> None:
        self.app = app
        self.database_url = database_url
        self.arrived: dict[str, asyncio.Event] = {}
        app.state.changes.subscribe("sync", self._arrived)

    def _arrived(self, token: str) -> None:
        if token in self.arrived:
            self.arrived[token].set()

    async def __call__(self, request: httpx.Request) -> None:
        if not self.app.state.changes.healthy:
            return  # no feed, no caches: nothing to wait for
        token = uuid.uuid4().hex
        self.arrived[token] = asyncio.Event()
        connection = await asyncpg.connect(self.database_url.replace("+asyncpg", ""))
        try:
            await connection.execute(f"NOTIFY {CHANNEL}, 'sync:{token}'")
        finally:
            await connection.close()
        try:
            await asyncio.wait_for(self.arrived[token].wait(), 5)
        finally:
            del self.arrived[token]


@pytest.fixture(scope="session")
def changes_delivered(app: FastAPI, database_url: str) -> ChangesDelivered:
    return ChangesDelivered(app, database_url)


def app_client(
    app: FastAPI,
    changes_delivered: ChangesDelivered,
    headers: dict[str, str] | None = None,
    *,
    raise_app_exceptions: bool = True,
) -> httpx.AsyncClient:
    """An in-process client of the app (which sees every committed change first)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        headers=headers,
        event_hooks={"request": [changes_delivered]},
    )


@pytest.fixture
async def client(
    app: FastAPI, admin_key: KeyCreated, changes_delivered: ChangesDelivered
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app sending the test's admin key."""
    headers = {"Authorization": f"Bearer {admin_key.key}"}
    async with app_client(app, changes_delivered, headers) as http:
        yield http


@pytest.fixture
async def anon_client(
    app: FastAPI, changes_delivered: ChangesDelivered
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app sending no key."""
    async with app_client(app, changes_delivered) as http:
        yield http


class QueryCounter:
    """Counts the SQL statements an engine sends while active."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn: object, cursor: object, statement: str, *args: object) -> None:
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_queries(app: FastAPI) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    sync_engine = app.state.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(sync_engine, "before_cursor_execute", counter)


@asynccontextmanager
async def heard(cache: Any, within: float = 5.0) -> AsyncIterator[None]:
    """Wait, after the block, until `cache` (one of the app's caches) heard a change.

    For tests that write behind the API's back: the database's notification reaches the
    app's change feed a moment after the COMMIT, as it would reach every other process.
    """
    before = cache.generation
    yield
    deadline = asyncio.get_running_loop().time() + within
    while cache.generation == before:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the change notification never arrived")
        await asyncio.sleep(0.005)
