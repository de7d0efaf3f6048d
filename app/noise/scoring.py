"""Noise Score, method v1 (``shared/spec/noise.md``).

Pure functions only: no I/O, no clock, no imports from ``app``. Every datetime must be
timezone-aware; a naive one raises ``ValueError``.

The Noise Score is a weighted composite ``C`` of seven integer components (each 0-100)
multiplied by a time decay ``D(t) = 0.5 ** ((t - last_activity_at) / half_life)``
(``D = 1`` when ``t <= last_activity_at``). ``C`` is computed on write, ``D`` on read.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

__all__ = [
    "COMPONENTS",
    "CROSS_PLATFORM_SATURATION",
    "DEFAULT_HALF_LIFE",
    "DURATION_SATURATION_DAYS",
    "ENGAGEMENT_SATURATION_LOG10",
    "GRADE_BANDS",
    "HOT_KEY_MIN_COMPOSITE",
    "LEVEL_BANDS",
    "METHOD_VERSION",
    "REACH_SATURATION_LOG10",
    "WAVE_WINDOW",
    "WEIGHT_SUM_TOLERANCE",
    "Component",
    "ComponentSource",
    "MentionSignal",
    "NoiseInputs",
    "NoiseState",
    "Snapshot",
    "components_with_overrides",
    "composite",
    "compute_state",
    "current_wave",
    "decay",
    "default_weights",
    "derive_components",
    "grade",
    "history_series",
    "hot_key",
    "last_activity_at",
    "level",
    "next_level_drop_us",
    "round_half_up",
    "score",
    "validate_weights",
    "value_at",
]

METHOD_VERSION = "v1"

COMPONENTS: tuple[str, ...] = (
    "reach",
    "engagement",
    "star_power",
    "cross_platform",
    "polarity",
    "duration",
    "industry_impact",
)

DEFAULT_HALF_LIFE = timedelta(days=7)
WAVE_WINDOW = timedelta(days=30)
REACH_SATURATION_LOG10 = 8.0  # 100 million
ENGAGEMENT_SATURATION_LOG10 = 5.0  # 100,000
CROSS_PLATFORM_SATURATION = 4
DURATION_SATURATION_DAYS = 30

# Lower bounds, highest first: the first band whose bound is <= the value wins.
LEVEL_BANDS: tuple[tuple[int, str], ...] = (
    (80, "uproar"),
    (60, "loud"),
    (40, "buzz"),
    (20, "murmur"),
    (0, "quiet"),
)
GRADE_BANDS: tuple[tuple[int, str], ...] = (
    (80, "A"),
    (60, "B"),
    (40, "C"),
    (20, "D"),
    (0, "F"),
)

WEIGHT_SUM_TOLERANCE = 1e-9
HOT_KEY_MIN_COMPOSITE = 1e-9

# round_half_up treats x + 0.5 as the integer n when it is within this of n, so that
# a value that is mathematically an exact .5 (e.g. a composite of integers with 1/7
# weights, times a decay of exactly 0.5) still rounds up despite binary float error.
_ROUNDING_TOLERANCE = 1e-9

ComponentSource = Literal["derived", "editorial"]


# --------------------------------------------------------------------------- validation


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive datetime {value!r}")


def _require_int_in_range(value: object, name: str, low: int = 0, high: int = 100) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return value


def _require_positive(delta: timedelta, name: str) -> None:
    if delta <= timedelta(0):
        raise ValueError(f"{name} must be positive, got {delta}")


def _clamp(value: int, low: int = 0, high: int = 100) -> int:
    return max(low, min(high, value))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class MentionSignal:
    """One post about a controversy, with its whole-number, non-negative metrics."""

    platform: str
    published_at: datetime
    audience: int = 0
    score: int = 0
    comments: int = 0
    shares: int = 0

    def __post_init__(self) -> None:
        _require_aware(self.published_at, "MentionSignal.published_at")
        for name in ("audience", "score", "comments", "shares"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"MentionSignal.{name} must be a non-negative integer, got {value!r}"
                )


@dataclass(frozen=True)
class NoiseInputs:
    """Everything the composite depends on.

    ``side_influences`` holds, per side, the influence (0-100) of each actor on it.
    ``overrides`` maps component names to editorial values (0-100).
    """

    mentions: Sequence[MentionSignal]
    side_influences: Sequence[Sequence[int]]
    event_times: Sequence[datetime]
    created_at: datetime
    industry_impact: int = 50
    overrides: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware(self.created_at, "NoiseInputs.created_at")
        for i, mention in enumerate(self.mentions):
            if not isinstance(mention, MentionSignal):
                raise ValueError(
                    f"NoiseInputs.mentions[{i}] must be a MentionSignal, "
                    f"got {type(mention).__name__}"
                )
        for i, event_time in enumerate(self.event_times):
            _require_aware(event_time, f"NoiseInputs.event_times[{i}]")
        for s, side in enumerate(self.side_influences):
            for a, influence in enumerate(side):
                _require_int_in_range(influence, f"NoiseInputs.side_influences[{s}][{a}]")
        _require_int_in_range(self.industry_impact, "NoiseInputs.industry_impact")
        unknown = sorted(set(self.overrides) - set(COMPONENTS))
        if unknown:
            raise ValueError(
                f"NoiseInputs.overrides has unknown component(s) {unknown}; "
                f"expected a subset of {list(COMPONENTS)}"
            )
        for name, value in self.overrides.items():
            _require_int_in_range(value, f"NoiseInputs.overrides[{name!r}]")


@dataclass(frozen=True)
class Component:
    value: int
    source: ComponentSource


@dataclass(frozen=True)
class NoiseState:
    """What is stored on write: the composite, its components and the sort key."""

    composite: float
    components: dict[str, Component]
    last_activity_at: datetime
    hot_key: float


@dataclass(frozen=True)
class Snapshot:
    """A history row: the composite and last activity as of ``computed_at``."""

    computed_at: datetime
    composite: float
    last_activity_at: datetime

    def __post_init__(self) -> None:
        _require_aware(self.computed_at, "Snapshot.computed_at")
        _require_aware(self.last_activity_at, "Snapshot.last_activity_at")


# --------------------------------------------------------------------------- weights


def default_weights() -> dict[str, float]:
    """Equal weights, 1/7 each."""
    return {name: 1.0 / len(COMPONENTS) for name in COMPONENTS}


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Return the weights as a plain dict in ``COMPONENTS`` order, or raise ``ValueError``.

    There must be exactly the seven component keys, each a finite number in [0, 1],
    summing to 1 within ``WEIGHT_SUM_TOLERANCE``.
    """
    keys = set(weights)
    missing = [name for name in COMPONENTS if name not in keys]
    extra = sorted(str(k) for k in keys - set(COMPONENTS))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unknown {extra}")
        raise ValueError(
            f"weights must have exactly the keys {list(COMPONENTS)}: {'; '.join(parts)}"
        )
    result: dict[str, float] = {}
    for name in COMPONENTS:
        value = weights[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"weight {name!r} must be a number, got {value!r}")
        as_float = float(value)
        if not math.isfinite(as_float) or not 0.0 <= as_float <= 1.0:
            raise ValueError(f"weight {name!r} must be in [0, 1], got {value!r}")
        result[name] = as_float
    total = math.fsum(result.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"weights must sum to 1 (within {WEIGHT_SUM_TOLERANCE}), got {total!r}")
    return result


# --------------------------------------------------------------------------- rounding, bands


def round_half_up(x: float) -> int:
    """``floor(x + 0.5)``, robust to binary float error at exact halves.

    When ``x + 0.5`` lies within 1e-9 below an integer it is taken to be that integer,
    so that e.g. a product that is mathematically 26.5 but computes as 26.4999999999
    rounds to 27.
    """
    if not math.isfinite(x):
        raise ValueError(f"cannot round a non-finite value: {x!r}")
    shifted = x + 0.5
    nearest = round(shifted)
    if abs(shifted - nearest) <= _ROUNDING_TOLERANCE * max(1.0, abs(shifted)):
        return int(nearest)
    return math.floor(shifted)


def _band(value: int, bands: tuple[tuple[int, str], ...], what: str) -> str:
    _require_int_in_range(value, what)
    for lower, name in bands:
        if value >= lower:
            return name
    raise AssertionError("bands must end with a lower bound of 0")  # pragma: no cover


def grade(influence: int) -> str:
    """Letter grade of an actor's influence: A >= 80, B >= 60, C >= 40, D >= 20, else F."""
    return _band(influence, GRADE_BANDS, "influence")


def level(score: int) -> str:
    """Noise level of a score: quiet, murmur, buzz, loud, uproar."""
    return _band(score, LEVEL_BANDS, "score")


_LEVEL_OF_SCORE: tuple[str, ...] = tuple(level(value) for value in range(101))


# --------------------------------------------------------------------------- activity, wave


def last_activity_at(inputs: NoiseInputs) -> datetime:
    """Latest mention ``published_at`` or event time; ``created_at`` when there are none."""
    times: list[datetime] = [m.published_at for m in inputs.mentions]
    times.extend(inputs.event_times)
    return max(times) if times else inputs.created_at


def current_wave(mentions: Iterable[MentionSignal], last_activity: datetime) -> list[MentionSignal]:
    """Mentions with ``published_at`` in ``(last_activity - 30 days, last_activity]``."""
    _require_aware(last_activity, "last_activity")
    start = last_activity - WAVE_WINDOW
    return [m for m in mentions if start < m.published_at <= last_activity]


# --------------------------------------------------------------------------- components


def _saturating_log(total: int, saturation_log10: float) -> int:
    fraction = min(1.0, math.log10(1 + total) / saturation_log10)
    return _clamp(round_half_up(100.0 * fraction))


def _reach(wave: Sequence[MentionSignal]) -> int:
    return _saturating_log(sum(m.audience for m in wave), REACH_SATURATION_LOG10)


def _engagement(wave: Sequence[MentionSignal]) -> int:
    total = sum(m.score + 2 * m.comments + 3 * m.shares for m in wave)
    return _saturating_log(total, ENGAGEMENT_SATURATION_LOG10)


def _star_power(side_influences: Sequence[Sequence[int]]) -> int:
    influences = sorted((i for side in side_influences for i in side), reverse=True)
    top = [*influences, 0, 0, 0][:3]
    return _clamp(round_half_up(sum(top) / 3))


def _cross_platform(wave: Sequence[MentionSignal]) -> int:
    platforms = len({m.platform for m in wave})
    return _clamp(round_half_up(100.0 * min(1.0, platforms / CROSS_PLATFORM_SATURATION)))


def _polarity(side_influences: Sequence[Sequence[int]]) -> int:
    side_weights = [w for w in (sum(side) for side in side_influences) if w > 0]
    k = len(side_weights)
    if k < 2:
        return 0
    total = sum(side_weights)
    entropy = -math.fsum((w / total) * math.log(w / total) for w in side_weights)
    return _clamp(round_half_up(100.0 * entropy / math.log(k)))


def _duration(wave: Sequence[MentionSignal], last_activity: datetime) -> int:
    if not wave:
        return 0
    earliest = min(m.published_at for m in wave)
    span_days = (last_activity - earliest) / timedelta(days=1)
    return _clamp(round_half_up(100.0 * min(1.0, span_days / DURATION_SATURATION_DAYS)))


def derive_components(inputs: NoiseInputs) -> dict[str, int]:
    """All seven components as derived from the inputs (overrides not applied).

    ``industry_impact`` is the editorial input itself.
    """
    last_activity = last_activity_at(inputs)
    wave = current_wave(inputs.mentions, last_activity)
    return {
        "reach": _reach(wave),
        "engagement": _engagement(wave),
        "star_power": _star_power(inputs.side_influences),
        "cross_platform": _cross_platform(wave),
        "polarity": _polarity(inputs.side_influences),
        "duration": _duration(wave, last_activity),
        "industry_impact": _clamp(inputs.industry_impact),
    }


def components_with_overrides(inputs: NoiseInputs) -> dict[str, Component]:
    """Derived components with editorial overrides applied, each with its source.

    An override replaces the derived value and reports ``"editorial"``;
    ``industry_impact`` is always ``"editorial"``.
    """
    derived = derive_components(inputs)
    result: dict[str, Component] = {}
    for name in COMPONENTS:
        if name in inputs.overrides:
            result[name] = Component(inputs.overrides[name], "editorial")
        elif name == "industry_impact":
            result[name] = Component(derived[name], "editorial")
        else:
            result[name] = Component(derived[name], "derived")
    return result


# --------------------------------------------------------------------------- composite, decay


def composite(components: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """``C = sum(w_i * c_i)``, unrounded. Weights are validated; all components required."""
    checked = validate_weights(weights)
    missing = [name for name in COMPONENTS if name not in components]
    if missing:
        raise ValueError(f"components missing {missing}")
    return math.fsum(checked[name] * components[name] for name in COMPONENTS)


def decay(last_activity: datetime, at: datetime, half_life: timedelta = DEFAULT_HALF_LIFE) -> float:
    """``0.5 ** ((at - last_activity) / half_life)``; 1.0 when ``at <= last_activity``."""
    _require_aware(last_activity, "last_activity")
    _require_aware(at, "at")
    _require_positive(half_life, "half_life")
    if at <= last_activity:
        return 1.0
    return math.pow(0.5, (at - last_activity) / half_life)


def score(composite: float, decay_factor: float) -> int:
    """``round_half_up(C * D)`` clamped to 0..100."""
    return _clamp(round_half_up(composite * decay_factor))


def microseconds(moment: datetime) -> int:
    """Microseconds since the Unix epoch (exact, for the read path's decay arithmetic)."""
    _require_aware(moment, "moment")
    return (moment - _EPOCH) // _ONE_MICROSECOND


def decayed(
    composite: float, last_activity_us: int, at_us: int, half_life_us: int
) -> tuple[int, float, str]:
    """Score, decay and level at `at_us`, all times in epoch microseconds.

    The read path's form of ``score(composite, decay(...))`` and ``level``, for the many cards of
    a list: no validation or datetime arithmetic per item, and the same numbers exactly
    (timedelta division is the same integer ratio of microseconds).
    """
    age = at_us - last_activity_us
    factor = 1.0 if age <= 0 else math.pow(0.5, age / half_life_us)
    value = _clamp(round_half_up(composite * factor))
    return value, factor, _LEVEL_OF_SCORE[value]


def next_level_drop_us(
    composite: float, last_activity_us: int, at_us: int, half_life_us: int
) -> int | None:
    """When decay alone next moves the level a band down from where it is at `at_us` (epoch
    microseconds); None when it is quiet, the lowest band. The score leaves a band with lower
    bound L when ``composite · D`` first rounds below L, i.e. falls under ``L − 0.5``."""
    _, _, name = decayed(composite, last_activity_us, at_us, half_life_us)
    lower = next(bound for bound, band in LEVEL_BANDS if band == name)
    if lower == 0 or composite <= 0:
        return None
    # A hair below L − 0.5: round_half_up treats values within its tolerance of a half as the
    # half itself (and so rounds them up), so the band moves only past that margin (~9 ms).
    age_us = half_life_us * math.log2(composite / ((lower - 0.5) * (1 - 1e-8)))
    return max(last_activity_us + math.ceil(age_us) + 1, at_us + 1)


def hot_key(
    composite: float, last_activity: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> float:
    """``log2(max(C, 1e-9)) + epoch_seconds(last_activity) / half_life_seconds``.

    For any t at or after every ``last_activity``, ordering by this descending equals
    ordering by ``max(C, 1e-9) * D(t)`` descending.
    """
    _require_aware(last_activity, "last_activity")
    _require_positive(half_life, "half_life")
    if math.isnan(composite):
        raise ValueError("composite must not be NaN")
    return math.log2(max(composite, HOT_KEY_MIN_COMPOSITE)) + (
        last_activity.timestamp() / half_life.total_seconds()
    )


def compute_state(
    inputs: NoiseInputs,
    weights: Mapping[str, float],
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> NoiseState:
    """The on-write state: components (with sources), composite, last activity, hot key."""
    components = components_with_overrides(inputs)
    c = composite({name: comp.value for name, comp in components.items()}, weights)
    last_activity = last_activity_at(inputs)
    return NoiseState(
        composite=c,
        components=components,
        last_activity_at=last_activity,
        hot_key=hot_key(c, last_activity, half_life),
    )


# --------------------------------------------------------------------------- history


def _sorted_snapshots(snapshots: Sequence[Snapshot]) -> list[Snapshot]:
    # Stable: among equal computed_at the later-appended snapshot stays later and wins.
    return sorted(snapshots, key=lambda s: s.computed_at)


def _value_from_sorted(
    ordered: Sequence[Snapshot], keys: Sequence[datetime], t: datetime, half_life: timedelta
) -> int | None:
    index = bisect_right(keys, t) - 1
    if index < 0:
        return None
    snap = ordered[index]
    return score(snap.composite, decay(snap.last_activity_at, t, half_life))


def value_at(
    snapshots: Sequence[Snapshot], t: datetime, half_life: timedelta = DEFAULT_HALF_LIFE
) -> int | None:
    """``round(C_s * D_s(t))`` from the latest snapshot with ``computed_at <= t``.

    ``None`` when there is no such snapshot. Among snapshots with the same
    ``computed_at`` the last one in the sequence wins.
    """
    _require_aware(t, "t")
    _require_positive(half_life, "half_life")
    ordered = _sorted_snapshots(snapshots)
    return _value_from_sorted(ordered, [s.computed_at for s in ordered], t, half_life)


def history_series(
    snapshots: Sequence[Snapshot],
    start: datetime,
    end: datetime,
    step: timedelta,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> list[tuple[datetime, int | None]]:
    """``value_at`` at ``start, start + step, ...`` up to and including ``end``.

    Empty when ``start > end``; ``step`` must be positive.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    _require_positive(step, "step")
    _require_positive(half_life, "half_life")
    ordered = _sorted_snapshots(snapshots)
    keys = [s.computed_at for s in ordered]
    points: list[tuple[datetime, int | None]] = []
    t = start
    while t <= end:
        points.append((t, _value_from_sorted(ordered, keys, t, half_life)))
        if end - t < step:  # the next point would pass `end` (and might overflow datetime)
            break
        t = t + step
    return points
