"""Authentication and authorization of /v1: kinds, scopes, origins, revoked/expired/rotated."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.keys import tokens
from app.keys.auth import authorize, required_scope
from app.keys.schemas import AuthenticatedKey, Scope
from app.main import create_app
from tests.conftest import MakeKey, heard
from tests.keys.conftest import bearer

Maker = async_sessionmaker[AsyncSession]
PUB_ORIGIN = "https://pub.example.com"
EVIL_ORIGIN = "https://evil.example.net"


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


async def test_missing_key_is_401_problem(anon_client: AsyncClient) -> None:
    response = await anon_client.get("/v1/categories")
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "RateLimit-Limit" not in response.headers
    assert body["type"].endswith("/unauthorized")


async def test_unknown_revoked_and_expired_keys_get_the_same_401(
    anon_client: AsyncClient,
    client: AsyncClient,
    make_key: MakeKey,
    sessionmaker: Maker,
    app: FastAPI,
) -> None:
    revoked = await make_key(scopes=["read"])
    expired = await make_key(scopes=["read"])
    assert (await client.delete(f"/v1/keys/{revoked.id}")).status_code == 200
    async with heard(app.state.keys.cache), sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE public_id = :p"
            ),
            {"p": expired.id},
        )
    candidates = [
        "ck_sec_" + "A" * 43,  # well-formed but unknown
        "not-a-key",
        revoked.key,
        expired.key,
        revoked.key + "x",
    ]
    bodies = []
    for key in candidates:
        response = await anon_client.get("/v1/categories", headers=bearer(key))
        bodies.append(assert_problem(response, 401))
    assert len({(b["title"], b["detail"]) for b in bodies}) == 1


async def test_basic_scheme_is_not_a_key(anon_client: AsyncClient, admin_key: Any) -> None:
    response = await anon_client.get(
        "/v1/categories", headers={"Authorization": f"Basic {admin_key.key}"}
    )
    assert_problem(response, 401)


async def test_open_paths_need_no_key(anon_client: AsyncClient) -> None:
    for path in ("/healthz", "/openapi.json", "/docs", "/metrics"):
        response = await anon_client.get(path)
        assert response.status_code == 200, path


async def test_admin_key_reaches_everything(client: AsyncClient) -> None:
    assert (await client.get("/v1/categories")).status_code == 200
    assert (await client.get("/v1/keys")).status_code == 200
    assert (await client.get("/v1/usage")).status_code == 200


async def test_read_scope_allows_reads_and_refuses_writes_and_admin(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"])
    headers = bearer(key.key)
    assert (await anon_client.get("/v1/categories", headers=headers)).status_code == 200
    assert (await anon_client.get("/v1/usage", headers=headers)).status_code == 200
    body = assert_problem(await anon_client.post("/v1/actors", json={}, headers=headers), 403)
    assert "write" in body["detail"]
    assert_problem(await anon_client.get("/v1/keys", headers=headers), 403)
    assert_problem(
        await anon_client.post("/v1/keys", json={"name": "x", "scopes": ["read"]}, headers=headers),
        403,
    )


async def test_write_scope_allows_writes_but_not_reads(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["write"])
    headers = bearer(key.key)
    # Authorised: the empty body then fails validation (422), not authorization (403).
    assert (await anon_client.post("/v1/actors", json={}, headers=headers)).status_code == 422
    assert_problem(await anon_client.get("/v1/categories", headers=headers), 403)
    assert_problem(await anon_client.get("/v1/keys", headers=headers), 403)
    assert (await anon_client.get("/v1/usage", headers=headers)).status_code == 200


async def test_admin_scope_alone_manages_keys_only(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["admin"])
    headers = bearer(key.key)
    assert (await anon_client.get("/v1/keys", headers=headers)).status_code == 200
    assert (await anon_client.get(f"/v1/keys/{key.id}", headers=headers)).status_code == 200
    assert_problem(await anon_client.get("/v1/categories", headers=headers), 403)
    assert_problem(await anon_client.post("/v1/actors", json={}, headers=headers), 403)


def test_required_scope_by_method_and_group() -> None:
    assert required_scope("GET", "controversies") is Scope.read
    assert required_scope("HEAD", "actors") is Scope.read
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert required_scope(method, "controversies") is Scope.write
    assert required_scope("GET", "keys") is Scope.admin
    assert required_scope("DELETE", "keys") is Scope.admin
    assert required_scope("GET", "audit") is Scope.admin
    assert required_scope("GET", "usage") is None


async def test_publishable_key_from_allowed_origin_or_no_origin_is_accepted(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    assert key.key.startswith("ck_pub_")
    ok = await anon_client.get("/v1/categories", headers={**bearer(key.key), "Origin": PUB_ORIGIN})
    assert ok.status_code == 200
    # Same origin spelled differently (case, default-less trailing slash) is the same origin.
    upper = {**bearer(key.key), "Origin": "HTTPS://PUB.example.com"}
    assert (await anon_client.get("/v1/categories", headers=upper)).status_code == 200
    # No Origin: not a browser (a mobile app, a server); the binding is about web pages.
    assert (await anon_client.get("/v1/categories", headers=bearer(key.key))).status_code == 200


async def test_publishable_key_from_another_origin_is_403(
    anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    for origin in (EVIL_ORIGIN, "null", "http://pub.example.com", "https://pub.example.com:8443"):
        response = await anon_client.get(
            "/v1/categories", headers={**bearer(key.key), "Origin": origin}
        )
        assert_problem(response, 403)


async def test_publishable_key_can_never_write_or_admin(
    client: AsyncClient, anon_client: AsyncClient, make_key: MakeKey, sessionmaker: Maker
) -> None:
    key = await make_key(kind="publishable", scopes=["read"], origins=[PUB_ORIGIN])
    headers = {**bearer(key.key), "Origin": PUB_ORIGIN}
    assert_problem(await anon_client.post("/v1/actors", json={}, headers=headers), 403)
    assert_problem(await anon_client.get("/v1/keys", headers=headers), 403)
    # The API refuses to create one with more than read...
    for scopes in (["read", "write"], ["admin"]):
        response = await client.post(
            "/v1/keys",
            json={"name": "p", "kind": "publishable", "scopes": scopes, "origins": [PUB_ORIGIN]},
        )
        assert_problem(response, 422)
    # ... and so does the database.
    with pytest.raises(IntegrityError):
        async with sessionmaker() as session, session.begin():
            await session.execute(
                text("UPDATE api_keys SET scopes = '{read,write}' WHERE public_id = :p"),
                {"p": key.id},
            )


async def test_publishable_key_needs_an_origin(client: AsyncClient) -> None:
    response = await client.post(
        "/v1/keys", json={"name": "p", "kind": "publishable", "scopes": ["read"]}
    )
    assert_problem(response, 422)
    bad = await client.post(
        "/v1/keys",
        json={
            "name": "p",
            "kind": "publishable",
            "scopes": ["read"],
            "origins": ["https://ok.example.com/path"],
        },
    )
    assert_problem(bad, 422)


async def test_revoked_key_is_refused_at_once(
    client: AsyncClient, anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"])
    assert (await anon_client.get("/v1/categories", headers=bearer(key.key))).status_code == 200
    revoked = await client.delete(f"/v1/keys/{key.id}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_problem(await anon_client.get("/v1/categories", headers=bearer(key.key)), 401)
    again = await client.delete(f"/v1/keys/{key.id}")
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_expired_key_is_refused(anon_client: AsyncClient, make_key: MakeKey) -> None:
    soon = await make_key(scopes=["read"], expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert (await anon_client.get("/v1/categories", headers=bearer(soon.key))).status_code == 200
    past = await make_key(scopes=["read"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert_problem(await anon_client.get("/v1/categories", headers=bearer(past.key)), 401)


async def test_rotated_key_old_secret_works_during_grace_then_stops(
    client: AsyncClient,
    anon_client: AsyncClient,
    make_key: MakeKey,
    sessionmaker: Maker,
    app: FastAPI,
) -> None:
    key = await make_key(scopes=["read"])
    rotated = await client.post(f"/v1/keys/{key.id}/rotate")
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    assert body["id"] == key.id and body["key"] != key.key
    grace_end = datetime.fromisoformat(body["previous_secret_expires_at"])
    assert timedelta(hours=23) < grace_end - datetime.now(UTC) <= timedelta(hours=24)
    for secret in (key.key, body["key"]):
        response = await anon_client.get("/v1/categories", headers=bearer(secret))
        assert response.status_code == 200
    # The grace period ends: the old secret stops, the new one goes on.
    async with heard(app.state.keys.cache), sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE api_keys SET previous_secret_expires_at = now() - interval '1 second'"
                " WHERE public_id = :p"
            ),
            {"p": key.id},
        )
    assert_problem(await anon_client.get("/v1/categories", headers=bearer(key.key)), 401)
    assert (await anon_client.get("/v1/categories", headers=bearer(body["key"]))).status_code == 200


async def test_rotation_without_grace_stops_the_old_secret_at_once(
    client: AsyncClient, anon_client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"])
    rotated = await client.post(f"/v1/keys/{key.id}/rotate", json={"grace_seconds": 0})
    assert rotated.status_code == 200
    assert rotated.json()["previous_secret_expires_at"] is None
    assert_problem(await anon_client.get("/v1/categories", headers=bearer(key.key)), 401)
    new = rotated.json()["key"]
    assert (await anon_client.get("/v1/categories", headers=bearer(new))).status_code == 200


async def test_rotation_grace_is_bounded(client: AsyncClient, make_key: MakeKey) -> None:
    key = await make_key(scopes=["read"])
    for grace in (-1, 7 * 24 * 3600 + 1):
        response = await client.post(f"/v1/keys/{key.id}/rotate", json={"grace_seconds": grace})
        assert_problem(response, 422)


async def test_secret_appears_only_in_its_creation_and_never_in_logs(
    client: AsyncClient,
    anon_client: AsyncClient,
    app: FastAPI,
    sessionmaker: Maker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await client.post("/v1/keys", json={"name": "leak check", "scopes": ["read"]})
    assert created.status_code == 201
    secret: str = created.json()["key"]
    key_id = created.json()["id"]
    assert secret.startswith("ck_sec_") and len(secret) >= 7 + 43
    responses = [
        await anon_client.get("/v1/categories", headers=bearer(secret)),
        await anon_client.get("/v1/categories", headers=bearer(secret + "x")),  # failed auth
        await anon_client.get("/v1/keys", headers=bearer(secret)),  # 403
        await client.get("/v1/keys"),
        await client.get(f"/v1/keys/{key_id}"),
        await client.get("/v1/usage"),
    ]
    rotated = await client.post(f"/v1/keys/{key_id}/rotate")
    responses += [
        rotated,
        await anon_client.get("/v1/usage", headers=bearer(rotated.json()["key"])),
        await client.delete(f"/v1/keys/{key_id}"),
        await client.get("/v1/keys"),
    ]
    for response in responses:
        assert secret not in response.text, response.request.url
        assert "secret_hash" not in response.text
    for response in responses[-2:]:
        assert rotated.json()["key"] not in response.text
    for record in caplog.records:
        text_of_record = record.getMessage() + repr(record.__dict__)
        assert secret not in text_of_record
        assert rotated.json()["key"] not in text_of_record
    # The database holds a hash of the key, never the key.
    async with sessionmaker() as session:
        row = (
            await session.execute(
                text("SELECT * FROM api_keys WHERE public_id = :p"), {"p": key_id}
            )
        ).one()
    assert secret not in repr(row)
    assert bytes(row.previous_secret_hash) == tokens.hash_key(secret, "")
    assert all(
        not (isinstance(value, str) and value.startswith(("ck_sec_", "ck_pub_"))) for value in row
    )


async def test_authenticated_key_is_on_request_state(
    settings: Settings, database_url: str, make_key: MakeKey
) -> None:
    """The write API's audit log reads request.state.api_key (actor = public_id)."""
    probe_app = create_app(settings, database_url=database_url)
    router = APIRouter(prefix="/v1", dependencies=[Depends(authorize)])

    @router.get("/probe")
    async def probe(request: Request) -> dict[str, Any]:
        key = request.state.api_key
        assert isinstance(key, AuthenticatedKey)
        return {"public_id": key.public_id, "scopes": sorted(key.scopes), "kind": key.kind}

    probe_app.include_router(router)
    key = await make_key(scopes=["read"], name="probe")
    async with probe_app.router.lifespan_context(probe_app):
        transport = httpx.ASGITransport(app=probe_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/v1/probe", headers=bearer(key.key))
    assert response.json() == {"public_id": key.id, "scopes": ["read"], "kind": "secret"}


def test_public_ids_and_keys_have_the_documented_shape() -> None:
    assert tokens.new_key("secret").startswith("ck_sec_")
    assert tokens.new_key("publishable").startswith("ck_pub_")
    public_id = tokens.new_public_id()
    assert public_id.startswith("key_") and len(public_id) == 16 and public_id[4:].isalnum()
    keys = {tokens.new_key("secret") for _ in range(100)}
    assert len(keys) == 100
    assert len(tokens.hash_key("a", "pepper")) == 32
    assert tokens.hash_key("a", "pepper") != tokens.hash_key("a", "other")
