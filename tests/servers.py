"""The API as a real `controversy-api serve` subprocess, reached over a real socket.

Anything about ordering, commits, timeouts or faults is tested this way: the in-process ASGI
transport waits for the whole app, so it cannot see an answer sent before its COMMIT.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "controversy-api"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


def _env(database_url: str, extra: Mapping[str, str]) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL")
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "SEED_DEMO_ON_EMPTY": "false",
            "LOG_LEVEL": "WARNING",
            # No background usage writes in the middle of a fault being injected.
            "USAGE_FLUSH_SECONDS": "3600",
        }
    )
    env.update(extra)
    return env


def create_key(
    database_url: str, *, scopes: str = "read,write,admin", rate_limit: int = 1_000_000
) -> str:
    """A new API key on that database, made with the CLI (as an operator would)."""
    result = subprocess.run(
        [
            str(BIN),
            "keys",
            "create",
            "--name",
            "served",
            "--scopes",
            scopes,
            "--rate-limit",
            str(rate_limit),
        ],
        env=_env(database_url, {}) | {"LOG_LEVEL": "ERROR"},
        capture_output=True,
        check=True,
        timeout=60,
    )
    key: str = json.loads(result.stdout)["key"]
    return key


@dataclass
class ServedApi:
    """One running `serve` process, its port, an admin key and its log file."""

    process: subprocess.Popen[bytes]
    port: int
    key: str
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def client(self, timeout: float = 30.0) -> httpx.AsyncClient:
        """An HTTP client of this server sending the admin key."""
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=timeout)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log (for failure messages)."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_healthy(api: ServedApi, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            raise AssertionError(f"serve exited:\n{api.log_tail()}")
        try:
            if httpx.get(f"{api.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"serve did not start:\n{api.log_tail()}")


@contextmanager
def served_api(
    database_url: str,
    *,
    key: str | None = None,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 60.0,
) -> Iterator[ServedApi]:
    """Run `controversy-api serve` on a migrated database; stop it with SIGTERM at the end."""
    key = key or create_key(database_url)
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="served-api-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN), "serve", "--port", str(port), *args],
            env=_env(database_url, env or {}),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    api = ServedApi(process=process, port=port, key=key, log=log)
    try:
        _wait_healthy(api, timeout)
        yield api
    finally:
        _stop(process)
        log.unlink(missing_ok=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it does not exit within 20 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class RunningWorker:
    """One running `controversy-api worker` process and its log file."""

    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_worker(
    database_url: str, *, env: Mapping[str, str] | None = None
) -> Iterator[RunningWorker]:
    """Run `controversy-api worker` on a migrated database; SIGTERM at the end."""
    log = Path(tempfile.mkstemp(prefix="worker-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(BIN), "worker"],
            env=_env(database_url, env or {}),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    worker = RunningWorker(process=process, log=log)
    try:
        time.sleep(0.5)
        if process.poll() is not None:
            raise AssertionError(f"worker exited:\n{worker.log_tail()}")
        yield worker
    finally:
        _stop(process)
        log.unlink(missing_ok=True)
