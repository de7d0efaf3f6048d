"""CORS answers preflights for publishable keys' origins and settings.cors_origins only."""

from __future__ import annotations

from httpx import AsyncClient, Response

from tests.conftest import MakeKey
from tests.keys.conftest import bearer

PUB_ORIGIN = "https://widget.example.org"


async def preflight(client: AsyncClient, origin: str, method: str = "GET") -> Response:
    return await client.options(
        "/v1/controversies",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization",
        },
    )


async def test_preflight_allowed_for_a_publishable_keys_origin(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    response = await preflight(anon_client, PUB_ORIGIN)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PUB_ORIGIN
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_preflight_refused_for_other_origins(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    # A secret key's "origins" never open CORS (secret keys have none anyway).
    for origin in ("https://evil.example.net", "https://widget.example.org.evil.net", "null"):
        response = await preflight(anon_client, origin)
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert (problem["status"], problem["refused"]) == (400, ["origin"])
        assert problem["type"].endswith("/cors-refused")


async def test_preflight_allowed_for_configured_origins(anon_client: AsyncClient) -> None:
    response = await preflight(anon_client, "https://app.example.com")  # settings.cors_origins
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"


async def test_revoking_the_key_closes_its_origin(
    client: AsyncClient, anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    assert (await preflight(anon_client, PUB_ORIGIN)).status_code == 200
    await client.delete(f"/v1/keys/{key.id}")
    assert (await preflight(anon_client, PUB_ORIGIN)).status_code == 400


async def test_actual_request_from_the_origin_gets_cors_headers(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    response = await anon_client.get(
        "/v1/categories", headers={**bearer(key.key), "Origin": PUB_ORIGIN}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PUB_ORIGIN
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "ratelimit-remaining" in exposed and "retry-after" in exposed
