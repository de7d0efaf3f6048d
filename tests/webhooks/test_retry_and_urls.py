"""The pure parts of webhooks: the backoff schedule, signatures, and which URLs may be called."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from app.config import Settings
from app.webhooks import retry, signing, urls

DEFAULTS = Settings(database_url="postgresql://x@localhost/x")
MAX_ATTEMPTS = DEFAULTS.webhook_max_attempts
BASE = DEFAULTS.webhook_retry_base_seconds
CAP = DEFAULTS.webhook_retry_cap_seconds


def delay(
    attempt: int, uniform: Callable[[float, float], float] = lambda lo, hi: 1.0
) -> float | None:
    return retry.next_delay(
        attempt, max_attempts=MAX_ATTEMPTS, base_seconds=BASE, cap_seconds=CAP, uniform=uniform
    )


def test_the_default_schedule_grows_four_fold_to_its_cap() -> None:
    waits = [retry.nominal_delay(n, base_seconds=10, cap_seconds=8 * 3600) for n in range(1, 10)]
    assert waits == [10, 40, 160, 640, 2560, 10240, 28800, 28800, 28800]


def test_the_default_retries_last_about_a_day() -> None:
    hours = (
        retry.total_nominal_seconds(max_attempts=MAX_ATTEMPTS, base_seconds=BASE, cap_seconds=CAP)
        / 3600
    )
    assert 24 <= hours <= 30, hours


def test_there_is_no_retry_after_the_last_attempt() -> None:
    assert delay(10) is None
    assert delay(9) is not None


@given(st.integers(min_value=1, max_value=9), st.floats(min_value=0.8, max_value=1.2))
def test_jitter_stays_within_a_fifth(attempt: int, factor: float) -> None:
    nominal = retry.nominal_delay(attempt, base_seconds=10, cap_seconds=8 * 3600)
    asked: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        asked.append((low, high))
        return factor

    assert delay(attempt, uniform) == pytest.approx(nominal * factor)
    assert asked == [(0.8, 1.2)]


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        retry.nominal_delay(0, base_seconds=1, cap_seconds=1)


def test_a_huge_attempt_number_stays_at_the_cap() -> None:
    assert retry.nominal_delay(10_000, base_seconds=10, cap_seconds=60) == 60


def test_signatures_verify_with_the_library_and_carry_every_secret() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first != second and first.startswith("whsec_")
    at = datetime.now(UTC)
    body = '{"type":"webhook.test"}'
    headers = signing.headers("msg_1", body, [first, second], at)
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (first, second):
        assert Webhook(secret).verify(body, headers) == {"type": "webhook.test"}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", "http"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com/#frag", "fragment"),
        ("https://example.com:99999/", "not a URL"),
        ("https://" + "a" * 2000 + ".com/", "at most"),
        ("https://i\udaad\udcea/", "valid name"),
        ("https://" + "a" * 70 + ".com/", "valid name"),
    ],
)
def test_malformed_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(urls.RefusedUrl, match=reason):
        urls.check_syntax(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://224.0.0.1/",
        "http://localhost/",
    ],
)
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(urls.RefusedUrl, match="non-public"):
        asyncio.run(urls.check(url, allow_private=False))
    asyncio.run(urls.check(url, allow_private=True))  # the development setting lets it through


def test_public_addresses_pass() -> None:
    asyncio.run(urls.check("https://93.184.215.14/hook", allow_private=False))
    asyncio.run(urls.check("http://[2606:4700::1111]/hook", allow_private=False))


@pytest.mark.parametrize(
    ("url", "address", "target", "host", "name"),
    [
        (
            "https://hooks.example.com:8443/in?x=1",
            "93.184.215.14",
            "https://93.184.215.14:8443/in?x=1",
            "hooks.example.com:8443",
            "hooks.example.com",
        ),
        (
            "http://hooks.example.com/in",
            "2606:4700::1111",
            "http://[2606:4700::1111]/in",
            "hooks.example.com",
            "hooks.example.com",
        ),
    ],
)
def test_an_attempt_is_pinned_to_the_checked_address(
    url: str, address: str, target: str, host: str, name: str
) -> None:
    pinned = urls.pinned(url, ipaddress.ip_address(address))
    assert (pinned.url, pinned.host_header, pinned.server_name) == (target, host, name)


def test_the_address_to_call_is_checked_each_time() -> None:
    with pytest.raises(urls.RefusedUrl, match="non-public"):
        asyncio.run(urls.address_to_call("http://localhost:9/", allow_private=False))
    allowed = asyncio.run(urls.address_to_call("http://localhost:9/", allow_private=True))
    assert allowed.is_loopback
