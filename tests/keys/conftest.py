"""Fixtures of the key tests: Redis (REDIS_URL, or a private redis-server), free ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

IN_CI = bool(os.environ.get("CI"))


def bearer(key: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


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


@pytest.fixture
def redis_url() -> str:
    """The shared Redis of REDIS_URL; skipped without it, except in CI where it must be set."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if IN_CI:
            pytest.fail("CI is set but REDIS_URL is not: the Redis rate-limit tests must run")
        pytest.skip("REDIS_URL is not set: the shared-Redis rate-limit tests need a Redis server")
    return url


@dataclass
class PrivateRedis:
    """A redis-server owned by one test, which the test may stop or kill."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A throwaway redis-server on a free port (no persistence), killed at the end."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if binary is None:
        if IN_CI:
            pytest.fail("CI is set but redis-server is not installed")
        pytest.skip("redis-server is not installed: cannot test a Redis outage")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield PrivateRedis(process=process, port=port)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
