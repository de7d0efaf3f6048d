"""Key management over HTTP: create, list (paginated), get, revoke, rotate; OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from tests.conftest import MakeKey
from tests.keys.conftest import bearer

PUBLIC_FIELDS = {
    "id",
    "name",
    "kind",
    "scopes",
    "origins",
    "rate_limit",
    "created_at",
    "expires_at",
    "revoked_at",
    "rotated_at",
    "previous_secret_expires_at",
    "last_used_at",
}


async def test_create_returns_the_key_once_and_it_works(
    client: AsyncClient, anon_client: AsyncClient
) -> None:
    response = await client.post(
        "/v1/keys",
        json={
            "name": "ingest",
            "scopes": ["write", "read", "read"],
            "rate_limit": 50,
            "expires_at": "2099-01-01T00:00:00+02:00",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == PUBLIC_FIELDS | {"key"}
    assert body["id"].startswith("key_") and body["key"].startswith("ck_sec_")
    assert body["scopes"] == ["read", "write"]
    assert body["rate_limit"] == 50
    assert body["expires_at"] == "2098-12-31T22:00:00Z"
    got = await client.get(f"/v1/keys/{body['id']}")
    assert set(got.json()) == PUBLIC_FIELDS
    ok = await anon_client.get("/v1/categories", headers=bearer(body["key"]))
    assert ok.status_code == 200


async def test_create_refuses_unknown_fields_and_bad_values(client: AsyncClient) -> None:
    cases: list[dict[str, Any]] = [
        {"name": "x", "scopes": ["read"], "secret_hash": "00"},  # mass assignment
        {"name": "x", "scopes": ["read"], "id": "key_aaaaaaaaaaaa"},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "", "scopes": ["read"]},
        {"name": "x", "scopes": ["read"], "rate_limit": 0},
        {"name": "x", "scopes": ["read"], "kind": "master"},
        {"name": "x", "scopes": ["read"], "expires_at": "2099-01-01T00:00:00"},  # no zone
    ]
    for case in cases:
        response = await client.post("/v1/keys", json=case)
        assert response.status_code == 422, case
        assert response.json()["errors"]


async def test_list_is_paginated_newest_first_without_secrets(
    client: AsyncClient, make_key: MakeKey, admin_key: Any
) -> None:
    made = [await make_key(name=f"k{i}", scopes=["read"]) for i in range(4)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get("/v1/keys", params=params)
        assert response.status_code == 200
        page = response.json()
        pages += 1
        for item in page["data"]:
            assert set(item) == PUBLIC_FIELDS
        seen += [item["id"] for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [key.id for key in reversed(made)] + [admin_key.id]
    for key in made:
        assert key.key not in str(seen)
    bad = await client.get("/v1/keys", params={"cursor": "garbage"})
    assert bad.status_code == 400


async def test_unknown_key_id_is_404(client: AsyncClient) -> None:
    for method, path in (
        ("GET", "/v1/keys/key_doesnotexist"),
        ("DELETE", "/v1/keys/key_doesnotexist"),
        ("POST", "/v1/keys/key_doesnotexist/rotate"),
    ):
        response = await client.request(method, path)
        assert response.status_code == 404, (method, path)


async def test_a_revoked_key_cannot_be_rotated_back_to_life(
    client: AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key(scopes=["read"])
    await client.delete(f"/v1/keys/{key.id}")
    assert (await client.post(f"/v1/keys/{key.id}/rotate")).status_code == 404


async def test_openapi_declares_bearer_auth_and_problems(app: FastAPI) -> None:
    document = app.openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["ApiKey"]["description"],
    }
    for path, item in document["paths"].items():
        for operation in item.values():
            if path.startswith("/v1/"):
                assert operation["security"] == [{"ApiKey": []}], path
                assert {"401", "403", "429"} <= set(operation["responses"]), path
            else:
                assert "security" not in operation, path


async def test_key_management_is_audited_without_secrets(
    client: AsyncClient, admin_key: Any
) -> None:
    created = (await client.post("/v1/keys", json={"name": "partner", "scopes": ["read"]})).json()
    rotated = (await client.post(f"/v1/keys/{created['id']}/rotate", json={})).json()
    assert (await client.delete(f"/v1/keys/{created['id']}")).status_code == 200
    assert (await client.delete(f"/v1/keys/{created['id']}")).status_code == 200  # no change

    entries = (await client.get("/v1/audit", params={"resource": "key"})).json()["data"]
    by_cli = [e for e in entries if e["changes"]["key_id"] == admin_key.id]
    assert [(e["action"], e["actor"]) for e in by_cli] == [("create", "cli")]
    entries = [e for e in entries if e["changes"]["key_id"] == created["id"]]
    assert [e["action"] for e in entries] == ["revoke", "rotate", "create"]
    assert {e["actor"] for e in entries} == {admin_key.id}
    assert entries[2]["changes"]["name"] == "partner"
    assert entries[1]["changes"]["grace_seconds"] == 86400
    text = str(entries)
    for secret in (created["key"], rotated["key"]):
        assert secret not in text
    assert "hash" not in text
