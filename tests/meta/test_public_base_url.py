"""PUBLIC_BASE_URL: the absolute links the API hands out, never built from the Host header."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from app.config import Settings
from app.main import create_app
from tests.conftest import MakeKey
from tests.keys.conftest import bearer

CARD = "/v1/controversies/gpt-2-staged-release"
BASE = "https://controversies.example.org/api"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil"}


def test_the_default_is_the_local_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    assert Settings().public_base_url == "http://localhost:8000"


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    assert Settings().public_base_url == BASE


@pytest.mark.parametrize(
    "url", ["https://api.example.org", "http://127.0.0.1:8000", "https://example.org/v", BASE]
)
def test_http_urls_are_accepted(url: str) -> None:
    assert Settings(public_base_url=url).public_base_url == url


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.org/",  # a trailing slash would double the links' slash
        "http://localhost:8000/",
        "ftp://example.org",
        "javascript:alert(1)",
        "//example.org",
        "example.org",
        "https://",
        "https://user:secret@example.org",
        "https://example.org?a=1",
        "https://example.org#top",
        "https://example.org:port",
        "https://exa mple.org",
        'https://example.org/"><script>',
        "",
    ],
)
def test_other_values_are_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="public_base_url"):
        Settings(public_base_url=url)


async def card_analysis(client: httpx.AsyncClient, **headers: str) -> dict[str, object]:
    response = await client.get(CARD, headers=headers)
    assert response.status_code == 200, response.text
    analysis: dict[str, object] = response.json()["analysis"]
    return analysis


async def test_the_card_links_the_page_from_the_setting(
    client: httpx.AsyncClient, demo: int, settings: Settings
) -> None:
    # The demo stores the relative "/v1/methodology".
    analysis = await card_analysis(client)
    assert analysis["methodology_url"] == f"{settings.public_base_url}/methodology"
    assert str(analysis["methodology_url"]).startswith(("http://", "https://"))


async def test_a_forged_host_changes_nothing(
    client: httpx.AsyncClient, demo: int, settings: Settings
) -> None:
    analysis = await card_analysis(client, **FORGED)
    assert analysis["methodology_url"] == f"{settings.public_base_url}/methodology"
    listed = await client.get("/v1/controversies", headers=FORGED)
    assert "evil" not in listed.text


@pytest.fixture
async def other_app(settings: Settings, database_url: str) -> AsyncIterator[FastAPI]:
    """The app of a deployment with its own PUBLIC_BASE_URL (same database)."""
    configured = Settings.model_validate({**settings.model_dump(), "public_base_url": BASE})
    application = create_app(configured, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


async def test_the_configured_base_is_used(
    other_app: FastAPI, demo: int, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"])
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=bearer(key.key)
    ) as client:
        analysis = await card_analysis(client)
        assert analysis["methodology_url"] == f"{BASE}/methodology"
        forged = await card_analysis(client, **FORGED)
        assert forged["methodology_url"] == f"{BASE}/methodology"
        page = await client.get("/methodology", headers={"Authorization": ""})
        assert page.status_code == 200


async def test_a_stored_absolute_url_is_kept_and_null_is_linked(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    body = {
        "title": "A dispute over a model card",
        "category": "governance",
        "stage": "emerging",
        "summary": "A lab published a model card that critics call incomplete.",
    }
    own = "https://example.com/our-method"
    kept = await client.post(
        "/v1/controversies",
        json={**body, "slug": "kept", "analysis": {"generated_by": "x", "methodology_url": own}},
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["analysis"]["methodology_url"] == own
    assert (await card_analysis_of(client, "kept"))["methodology_url"] == own
    linked = await client.post("/v1/controversies", json={**body, "slug": "linked"})
    assert linked.status_code == 201, linked.text
    expected = f"{settings.public_base_url}/methodology"
    assert linked.json()["analysis"]["methodology_url"] == expected
    assert (await card_analysis_of(client, "linked"))["methodology_url"] == expected


async def card_analysis_of(client: httpx.AsyncClient, slug: str) -> dict[str, object]:
    response = await client.get(f"/v1/controversies/{slug}")
    assert response.status_code == 200, response.text
    analysis: dict[str, object] = response.json()["analysis"]
    return analysis
