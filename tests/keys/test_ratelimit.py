"""Per-key rate limits: headers, 429, shared across processes in Redis, fail-open."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from app.config import Settings
from app.keys.ratelimit import KeyRateLimiter, make_storage
from app.main import create_app
from tests.conftest import MakeKey
from tests.keys.conftest import PrivateRedis, bearer, free_port, wait_for_port

RATE_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def assert_rate_headers(response: httpx.Response, limit: int, remaining: int) -> None:
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == str(remaining)
    assert 0 <= int(response.headers["RateLimit-Reset"]) <= 60


async def test_every_response_carries_rate_headers_then_429(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"], rate_limit=3)
    for remaining in (2, 1, 0):
        response = await anon_client.get("/v1/categories", headers=bearer(key.key))
        assert response.status_code == 200
        assert_rate_headers(response, 3, remaining)
    refused = await anon_client.get("/v1/categories", headers=bearer(key.key))
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429
    assert_rate_headers(refused, 3, 0)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Retry-After"] == str(max(1, int(refused.headers["RateLimit-Reset"])))


async def test_limits_are_per_key(anon_client: AsyncClient, make_key: MakeKey) -> None:
    first = await make_key(scopes=["read"], rate_limit=1)
    second = await make_key(scopes=["read"], rate_limit=1)
    assert (await anon_client.get("/v1/categories", headers=bearer(first.key))).status_code == 200
    assert (await anon_client.get("/v1/categories", headers=bearer(first.key))).status_code == 429
    assert (await anon_client.get("/v1/categories", headers=bearer(second.key))).status_code == 200


async def test_errors_after_authentication_carry_rate_headers(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"], rate_limit=10)
    not_found = await anon_client.get(
        "/v1/actors/00000000-0000-0000-0000-000000000000", headers=bearer(key.key)
    )
    assert not_found.status_code == 404
    assert_rate_headers(not_found, 10, 9)
    forbidden = await anon_client.get("/v1/keys", headers=bearer(key.key))
    assert forbidden.status_code == 403
    assert_rate_headers(forbidden, 10, 8)
    unauthenticated = await anon_client.get("/v1/categories")
    assert all(name not in unauthenticated.headers for name in RATE_HEADERS)


async def test_a_304_costs_nothing(anon_client: AsyncClient, make_key: MakeKey) -> None:
    """Documented policy: a revalidation answered 304 is refunded."""
    key = await make_key(scopes=["read"], rate_limit=5)
    first = await anon_client.get("/v1/categories", headers=bearer(key.key))
    assert_rate_headers(first, 5, 4)
    etag = first.headers["ETag"]
    for _ in range(8):  # more revalidations than the limit itself
        again = await anon_client.get(
            "/v1/categories", headers={**bearer(key.key), "If-None-Match": etag}
        )
        assert again.status_code == 304
        assert_rate_headers(again, 5, 4)
    full = await anon_client.get("/v1/categories", headers=bearer(key.key))
    assert full.status_code == 200
    assert_rate_headers(full, 5, 3)


async def test_default_limits_come_from_settings(client: AsyncClient, settings: Settings) -> None:
    secret = await client.post("/v1/keys", json={"name": "s", "scopes": ["read"]})
    assert secret.json()["rate_limit"] == settings.rate_limit_secret == 600
    publishable = await client.post(
        "/v1/keys",
        json={
            "name": "p",
            "kind": "publishable",
            "scopes": ["read"],
            "origins": ["https://pub.example.com"],
        },
    )
    assert publishable.json()["rate_limit"] == settings.rate_limit_publishable == 120


class _BrokenStorage:
    """A storage whose every call fails, like a Redis that went away."""

    def __getattr__(self, name: str) -> object:
        async def fail(*args: object, **kwargs: object) -> object:
            raise ConnectionError("storage down")

        return fail


async def test_limiter_fails_open_when_the_storage_errs(caplog: pytest.LogCaptureFixture) -> None:
    limiter = KeyRateLimiter(make_storage(None, 0.25), timeout=0.25)
    limiter.limiter.storage = _BrokenStorage()  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING):
        assert await limiter.hit("some-key", 10) is None
    assert "rate-limit storage unavailable" in caplog.text
    # The circuit stays open for a few seconds: no storage call, no delay.
    started = time.perf_counter()
    assert await limiter.hit("some-key", 10) is None
    assert time.perf_counter() - started < 0.05


@asynccontextmanager
async def app_client(settings: Settings, database_url: str) -> AsyncIterator[AsyncClient]:
    application: FastAPI = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def test_two_apps_share_the_limit_in_redis(
    redis_url: str, settings: Settings, database_url: str, make_key: MakeKey
) -> None:
    shared = settings.model_copy(update={"redis_url": redis_url})
    key = await make_key(scopes=["read"], rate_limit=4)
    async with app_client(shared, database_url) as one, app_client(shared, database_url) as two:
        statuses = []
        for i in range(6):
            response = await (one if i % 2 == 0 else two).get(
                "/v1/categories", headers=bearer(key.key)
            )
            statuses.append(response.status_code)
            if i < 4:
                assert_rate_headers(response, 4, 3 - i)
    assert statuses == [200, 200, 200, 200, 429, 429]


@pytest.fixture
def two_servers(redis_url: str, database_url: str) -> Iterator[list[str]]:
    """Two `controversy-api serve` processes on the test database, sharing REDIS_URL."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SEED_DEMO_ON_EMPTY": "false",
        "LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_for_port(port, timeout=60)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_two_server_processes_share_the_limit_in_redis(
    two_servers: list[str], make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"], rate_limit=4)
    statuses = []
    async with httpx.AsyncClient(headers=bearer(key.key), timeout=10) as http:
        for i in range(6):
            response = await http.get(f"{two_servers[i % 2]}/v1/categories")
            statuses.append(response.status_code)
            if i < 4:
                assert_rate_headers(response, 4, 3 - i)
            else:
                assert int(response.headers["Retry-After"]) >= 1
    assert statuses == [200, 200, 200, 200, 429, 429]


async def test_service_answers_when_redis_dies_mid_test(
    private_redis: PrivateRedis,
    settings: Settings,
    database_url: str,
    make_key: MakeKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with_redis = settings.model_copy(update={"redis_url": private_redis.url})
    key = await make_key(scopes=["read"], rate_limit=100)
    async with app_client(with_redis, database_url) as http:
        before = await http.get("/v1/categories", headers=bearer(key.key))
        assert before.status_code == 200
        assert_rate_headers(before, 100, 99)
        private_redis.process.kill()
        private_redis.process.wait(timeout=10)
        with caplog.at_level(logging.WARNING):
            for _ in range(3):
                started = time.perf_counter()
                during = await http.get("/v1/categories", headers=bearer(key.key))
                assert during.status_code == 200
                assert time.perf_counter() - started < 2
                assert "RateLimit-Limit" not in during.headers
        assert "rate-limit storage unavailable" in caplog.text


async def test_service_does_not_hang_on_a_frozen_redis(
    private_redis: PrivateRedis, settings: Settings, database_url: str, make_key: MakeKey
) -> None:
    with_redis = settings.model_copy(update={"redis_url": private_redis.url})
    key = await make_key(scopes=["read"], rate_limit=100)
    async with app_client(with_redis, database_url) as http:
        assert (await http.get("/v1/categories", headers=bearer(key.key))).status_code == 200
        private_redis.process.send_signal(signal.SIGSTOP)  # accepts nothing, answers nothing
        try:
            started = time.perf_counter()
            response = await asyncio.wait_for(
                http.get("/v1/categories", headers=bearer(key.key)), timeout=5
            )
            assert response.status_code == 200
            assert time.perf_counter() - started < 2
        finally:
            private_redis.process.send_signal(signal.SIGCONT)
