"""The zero-setup path: `serve` owns an embedded PostgreSQL under DATA_DIR."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.receiver import running_receiver

BIN = Path(sys.executable).parent / "controversy-api"

# These tests exercise the embedded database itself; the run against an external server
# (TEST_DATABASE_URL) has nothing to add to them.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="embedded-database lifecycle is tested in the run without TEST_DATABASE_URL",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(attrs=("name", "cmdline")):
        cmdline = proc.info.get("cmdline") or []
        if proc.info.get("name") == "postgres" and any(str(data_dir) in a for a in cmdline):
            found.append(proc)
    return found


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # mkdtemp, not tmp_path: as root the embedded server's own user must reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="controversy-embedded-"))
    yield folder
    for proc in postgres_processes(folder):
        proc.kill()
    shutil.rmtree(folder, ignore_errors=True)


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        # No XDG_RUNTIME_DIR, as in a root shell or a container: the start must stay quiet.
        if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "XDG_RUNTIME_DIR")
    }
    env["DATA_DIR"] = str(data_dir)
    # The test's webhook receiver listens on loopback.
    env["WEBHOOK_ALLOW_PRIVATE_URLS"] = "true"
    return subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the service did not become ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def demo_card(port: int, data_dir: Path) -> httpx.Response:
    key_file = data_dir / "admin.key"
    headers = (
        {"Authorization": f"Bearer {key_file.read_text().strip()}"} if key_file.exists() else {}
    )
    return httpx.get(
        f"http://127.0.0.1:{port}/v1/controversies/gpt-2-staged-release", headers=headers
    )


def delivered_by_the_worker_inside_serve(port: int, data_dir: Path) -> None:
    # The one run command also delivers webhooks: `serve` on the embedded database runs a job
    # worker in process.
    headers = {"Authorization": f"Bearer {(data_dir / 'admin.key').read_text().strip()}"}
    base = f"http://127.0.0.1:{port}"
    with running_receiver() as receiver:
        webhook = httpx.post(f"{base}/v1/webhooks", json={"url": receiver.url}, headers=headers)
        assert webhook.status_code == 201, webhook.text
        made = httpx.post(
            f"{base}/v1/controversies",
            json={"slug": "run-command-hook", "title": "T", "category": "safety",
                  "stage": "emerging"},
            headers=headers,
        )  # fmt: skip
        assert made.status_code == 201, made.text
        [got] = receiver.wait_for(1, timeout=30)
    message = got.verified(webhook.json()["secret"])
    assert message["data"]["controversy_slug"] == "run-command-hook"


def test_serve_owns_reuses_and_stops_the_embedded_database(data_dir: Path) -> None:
    port = free_port()
    first = start(data_dir, port)
    try:
        wait_ready(port, first)
        card = demo_card(port, data_dir)
        assert card.status_code == 200, card.text
        assert postgres_processes(data_dir), "the embedded server should be running"
        delivered_by_the_worker_inside_serve(port, data_dir)
    finally:
        stop(first)
    assert postgres_processes(data_dir) == [], "a clean exit stops the embedded server"
    errors = first.stderr.read().decode() if first.stderr else ""
    assert "Warning" not in errors and "XDG_RUNTIME_DIR" not in errors, errors

    second = start(data_dir, port)
    try:
        wait_ready(port, second)
        again = demo_card(port, data_dir)
        assert again.json()["id"] == card.json()["id"], "the data folder is reused"
    finally:
        stop(second)
    assert postgres_processes(data_dir) == []


def test_a_killed_owner_does_not_leave_the_server_running(data_dir: Path) -> None:
    port = free_port()
    crashed = start(data_dir, port)
    wait_ready(port, crashed)
    crashed.kill()  # kill -9: no cleanup ran
    crashed.wait(timeout=10)
    assert postgres_processes(data_dir), "postgres outlives a kill -9 of its owner"

    restarted = start(data_dir, port)
    try:
        wait_ready(port, restarted)
    finally:
        stop(restarted)
    assert postgres_processes(data_dir) == [], "the dead owner was pruned, so exit stops it"
