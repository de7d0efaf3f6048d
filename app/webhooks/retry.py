"""When to try a failed delivery again: exponential backoff with jitter (pure, no database).

Attempt n (n ≥ 1) failed → wait base × 4^(n−1), capped, then ±20 % at random so endpoints that
failed together are not retried together. With the defaults (10 s, cap 8 h, 10 attempts) the
waits are 10 s, 40 s, 2.7 min, 11 min, 43 min, 2.8 h, 8 h, 8 h, 8 h: about 28 hours in all.
"""

from __future__ import annotations

import random
from collections.abc import Callable

GROWTH = 4.0
JITTER = 0.2


def nominal_delay(failed_attempt: int, *, base_seconds: float, cap_seconds: float) -> float:
    """The wait after attempt `failed_attempt` failed, before jitter."""
    if failed_attempt < 1:
        raise ValueError("attempts are counted from 1")
    # Capped before it can overflow: 4^40 is already far past any cap.
    exponent = min(failed_attempt - 1, 40)
    return float(min(base_seconds * GROWTH**exponent, cap_seconds))


def next_delay(
    failed_attempt: int,
    *,
    max_attempts: int,
    base_seconds: float,
    cap_seconds: float,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float | None:
    """Seconds to wait before the next attempt; None when that was the last one."""
    if failed_attempt >= max_attempts:
        return None
    nominal = nominal_delay(failed_attempt, base_seconds=base_seconds, cap_seconds=cap_seconds)
    return nominal * uniform(1 - JITTER, 1 + JITTER)


def total_nominal_seconds(*, max_attempts: int, base_seconds: float, cap_seconds: float) -> float:
    """How long retries go on, before jitter (for documentation and settings checks)."""
    return sum(
        nominal_delay(n, base_seconds=base_seconds, cap_seconds=cap_seconds)
        for n in range(1, max_attempts)
    )
