"""Operating the service: health, readiness, database outages, metrics, docs, OpenAPI."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx import AsyncClient, Response

from app.config import Settings
from app.main import create_app
from app.migrations import head_revision


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


@asynccontextmanager
async def app_on(
    settings: Settings, url: str, headers: httpx.Headers
) -> AsyncIterator[AsyncClient]:
    """A client of a new app serving the database at `url` (its lifespan entered)."""
    application = create_app(settings.model_copy(update={"database_url": url}), database_url=url)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as http:
            yield http


# --------------------------------------------------------------------------- health, readiness


async def test_healthz(client: AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_at_head(client: AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["migration"] == head_revision()
    assert body["migration"] is not None


async def test_readyz_is_503_on_a_database_that_is_behind(
    client: AsyncClient, settings: Settings, fresh_database: Callable[[], str]
) -> None:
    empty = await asyncio.to_thread(fresh_database)
    async with app_on(settings, empty, client.headers) as http:
        assert (await http.get("/healthz")).status_code == 200
        response = await http.get("/readyz")
        body = assert_problem(response, 503)
        assert response.headers["retry-after"].isdigit()
        assert str(head_revision()) in body["detail"]


# --------------------------------------------------------------------------- database outage

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/controversies",
        "/v1/controversies/gpt-2-staged-release",
        "/v1/controversies/gpt-2-staged-release/noise/history",
        "/v1/actors",
        "/v1/categories",
    ],
)
async def test_api_is_503_when_the_database_is_unreachable(
    client: AsyncClient, settings: Settings, path: str
) -> None:
    async with app_on(settings, UNREACHABLE, client.headers) as http:
        response = await http.get(path)
        body = assert_problem(response, 503)
        assert int(response.headers["retry-after"]) > 0
        assert "127.0.0.1" not in body["detail"] and "Errno" not in response.text


async def test_health_and_readiness_when_the_database_is_unreachable(
    client: AsyncClient, settings: Settings
) -> None:
    async with app_on(settings, UNREACHABLE, client.headers) as http:
        assert (await http.get("/healthz")).status_code == 200
        response = await http.get("/readyz")
        assert_problem(response, 503)
        assert "retry-after" in response.headers


async def test_api_is_503_when_the_database_host_does_not_resolve(
    client: AsyncClient, settings: Settings
) -> None:
    url = "postgresql://postgres@db-host.invalid:5432/x"
    async with app_on(settings, url, client.headers) as http:
        response = await http.get("/v1/categories")
        assert_problem(response, 503)


# --------------------------------------------------------------------------- metrics, docs


async def test_metrics(client: AsyncClient, demo: int) -> None:
    assert (await client.get("/v1/categories")).status_code == 200
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    metrics = response.text
    assert "# TYPE http_requests_total counter" in metrics
    assert re.search(r'http_requests_total\{[^}]*handler="/v1/categories"[^}]*\} [1-9]', metrics)
    assert "http_request_duration_seconds" in metrics


async def test_unknown_paths_do_not_grow_the_metrics(
    client: AsyncClient, anon_client: AsyncClient
) -> None:
    # Labels are route templates; every path no route matches shares one label set.
    for warm in ("/v1/actors/warm/", "/nope/warm", "/v1/controversies/x/y/z"):
        await anon_client.get(warm)
    before = len((await client.get("/metrics")).content)
    for index in range(2000):
        path = ("/v1/actors/{}/", "/nope/{}", "/v1/controversies/{}/x/y", "/{}")[index % 4]
        response = await anon_client.get(path.format(uuid.uuid4().hex))
        assert response.status_code in (401, 404)
    after = len((await client.get("/metrics")).content)
    assert after - before < 50_000, f"/metrics grew by {after - before} bytes"


async def test_docs_are_served_from_local_assets(client: AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "cdn" not in html.lower()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts, html
    for source in sources:
        assert not source.startswith(("http://", "https://", "//")), source
    for source in scripts:
        asset = await client.get(source)
        assert asset.status_code == 200, source
        assert "javascript" in asset.headers["content-type"]
        assert len(asset.content) > 10_000


async def test_redoc_is_served_from_local_assets(client: AsyncClient) -> None:
    html = (await client.get("/redoc")).text
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts
    for source in scripts:
        assert not source.startswith(("http://", "https://", "//"))
        assert (await client.get(source)).status_code == 200


async def test_openapi(client: AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in (
        "/v1/controversies",
        "/v1/controversies/{id_or_slug}",
        "/v1/controversies/{id_or_slug}/noise/history",
        "/v1/actors/{actor_id}",
        "/v1/categories",
        "/v1/methodology",
    ):
        assert "get" in paths[path], path
    assert "Problem" in document["components"]["schemas"]


async def test_api_is_503_when_the_schema_is_missing(
    fresh_database: Any, settings: Settings
) -> None:
    url = await asyncio.to_thread(fresh_database)  # created, never migrated
    app = create_app(settings.model_copy(update={"database_url": url}), database_url=url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get(
                "/v1/controversies", headers={"Authorization": "Bearer ck_sec_unknown"}
            )
    problem = assert_problem(response, 503)
    assert response.headers["retry-after"]
    assert "api_keys" not in problem["detail"]
