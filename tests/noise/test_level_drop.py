"""When decay alone moves a level band down (pure, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.noise.scoring import decayed, next_level_drop_us

SECOND_US = 1_000_000
DAY_US = 86_400 * SECOND_US
HALF_LIFE_US = 7 * DAY_US
START_US = 1_795_000_000 * 1_000_000


def level_at(composite: float, at_us: int) -> str:
    return decayed(composite, START_US, at_us, HALF_LIFE_US)[2]


def test_a_buzz_of_fifty_becomes_a_murmur_when_it_rounds_below_forty() -> None:
    # 50 · 0.5^(t/7d) < 39.5  ⇔  t > 7d · log2(50/39.5) ≈ 2.381 days.
    drop = next_level_drop_us(50.0, START_US, START_US, HALF_LIFE_US)
    assert drop is not None
    assert abs((drop - START_US) / DAY_US - 2.3807) < 0.001
    assert level_at(50.0, drop - SECOND_US) == "buzz"
    assert level_at(50.0, drop) == "murmur"


def test_quiet_never_drops_further() -> None:
    assert next_level_drop_us(10.0, START_US, START_US, HALF_LIFE_US) is None
    assert next_level_drop_us(0.0, START_US, START_US, HALF_LIFE_US) is None


def test_the_drop_is_never_before_the_time_asked_about() -> None:
    at = START_US + 5 * DAY_US  # loud, five days on: its next drop is still ahead
    drop = next_level_drop_us(95.0, START_US, at, HALF_LIFE_US)
    assert drop is not None and drop > at


@given(
    st.floats(min_value=20.0, max_value=100.0),
    st.integers(min_value=0, max_value=60 * DAY_US),
)
def test_the_level_holds_until_the_drop_and_is_lower_from_it(composite: float, age: int) -> None:
    at = START_US + age
    drop = next_level_drop_us(composite, START_US, at, HALF_LIFE_US)
    now_level = level_at(composite, at)
    if drop is None:
        assert now_level == "quiet"
        return
    if drop - SECOND_US > at:
        assert level_at(composite, drop - SECOND_US) == now_level
    assert level_at(composite, drop) != now_level
