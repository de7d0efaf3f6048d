"""`controversy-api keys create|list|revoke`, and the demo admin key file."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from app.config import Settings
from app.keys.service import ADMIN_KEY_FILE, ensure_demo_admin_key
from tests.keys.conftest import bearer


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(run_cli, database_url, *args)


async def test_cli_create_list_revoke(
    database_url: str, anon_client: AsyncClient, clean_tables: None
) -> None:
    created = await cli(
        database_url,
        "create",
        "--name",
        "from the cli",
        "--scopes",
        "read,write",
        "--rate-limit",
        "42",
    )
    assert created.returncode == 0, created.stderr
    key: dict[str, Any] = json.loads(created.stdout)
    assert key["id"].startswith("key_") and key["key"].startswith("ck_sec_")
    assert key["scopes"] == ["read", "write"] and key["rate_limit"] == 42
    assert key["key"] not in created.stderr
    assert (await anon_client.get("/v1/categories", headers=bearer(key["key"]))).status_code == 200

    listed = await cli(database_url, "list")
    assert listed.returncode == 0, listed.stderr
    keys = json.loads(listed.stdout)
    assert [item["id"] for item in keys] == [key["id"]]
    assert key["key"] not in listed.stdout and "key" not in keys[0]

    revoked = await cli(database_url, "revoke", key["id"])
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revoked_at"]
    assert (await anon_client.get("/v1/categories", headers=bearer(key["key"]))).status_code == 401

    missing = await cli(database_url, "revoke", "key_doesnotexist")
    assert missing.returncode == 1


async def test_cli_publishable_key_with_origins(database_url: str, clean_tables: None) -> None:
    created = await cli(
        database_url,
        "create",
        "--name",
        "widget",
        "--kind",
        "publishable",
        "--scopes",
        "read",
        "--origin",
        "https://a.example.com",
        "--origin",
        "https://b.example.com/",
    )
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)
    assert key["key"].startswith("ck_pub_")
    assert key["origins"] == ["https://a.example.com", "https://b.example.com"]
    assert key["rate_limit"] == 120

    refused = await cli(
        database_url, "create", "--name", "bad", "--kind", "publishable", "--scopes", "read,write"
    )
    assert refused.returncode == 2
    assert "read scope" in refused.stderr


async def test_demo_admin_key_is_written_once_with_mode_0600(
    database_url: str,
    settings: Settings,
    tmp_path: Path,
    anon_client: AsyncClient,
    caplog: pytest.LogCaptureFixture,
    clean_tables: None,
) -> None:
    demo_settings = settings.model_copy(update={"data_dir": tmp_path})
    with caplog.at_level(logging.INFO):
        path = await asyncio.to_thread(ensure_demo_admin_key, database_url, demo_settings)
    assert path == (tmp_path / ADMIN_KEY_FILE).resolve()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip()
    assert secret.startswith("ck_sec_")
    assert str(path) in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage() + repr(record.__dict__)
    assert (await anon_client.get("/v1/keys", headers=bearer(secret))).status_code == 200
    # Keys exist now: nothing is created or overwritten.
    assert await asyncio.to_thread(ensure_demo_admin_key, database_url, demo_settings) is None
    assert path.read_text().strip() == secret
