"""Forecast scoring, method v1 (``shared/spec/forecasts.md``).

Pure functions only: no I/O, no clock, no imports from ``app``.

A scored scenario has a stated probability ``p`` in [0, 1] and an outcome ``o`` (1 happened,
0 did not happen); annulled, unresolved and narrative (no ``p``) scenarios are never scored.
Per scenario: Brier ``(p - o)**2`` and log loss ``-ln(o*p' + (1 - o)*(1 - p'))`` with ``p'``
clipped. A group scores the plain means over its ``n`` scenarios, plus the Brier skill against
always saying 0.5; ``n = 0`` has no score. Everything is computed unrounded; ``score`` and
``calibration`` round only their final values, for display.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CALIBRATION_BINS",
    "LOG_LOSS_CLIP",
    "BinTotals",
    "CalibrationBin",
    "Score",
    "Sums",
    "brier",
    "calibration",
    "calibration_bin",
    "calibration_from_totals",
    "display",
    "log_loss",
    "outcome_value",
    "score",
    "sums",
]

LOG_LOSS_CLIP = 0.001  # p clipped to [0.001, 0.999] for the log only
CALIBRATION_BINS = 10

# Brier of always saying 0.5, whatever happens: the reference of the skill score.
_REFERENCE_BRIER = 0.25

_SCORE_PLACES = 4  # Brier and log loss
_SKILL_PLACES = 3  # Brier skill
_CALIBRATION_PLACES = 4  # mean probability and observed frequency

_OUTCOME_VALUES: dict[str, int] = {"happened": 1, "did_not_happen": 0}

# Inner bin bounds 0.1 .. 0.9 as the same floats CalibrationBin reports, so a p is binned by
# comparison with them: floor(p * 10) alone puts 0.8999999999999999 (< 0.9) in the top bin.
CALIBRATION_BOUNDS: tuple[float, ...] = tuple(round(k / CALIBRATION_BINS, 1) for k in range(1, 10))


# --------------------------------------------------------------------------- validation


def _require_probability(p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be a number in [0, 1], got {p!r}")
    return float(p)


def _require_outcome(o: int) -> int:
    if isinstance(o, bool) or o not in (0, 1):
        raise ValueError(f"outcome value must be 0 or 1, got {o!r}")
    return o


# --------------------------------------------------------------------------- per scenario


def outcome_value(outcome: str | None) -> int | None:
    """``o`` of an outcome: 1 happened, 0 did_not_happen, ``None`` for anything unscored."""
    if outcome is None:
        return None
    return _OUTCOME_VALUES.get(outcome)


def brier(p: float, o: int) -> float:
    """Brier score ``(p - o)**2``, unrounded."""
    return (_require_probability(p) - _require_outcome(o)) ** 2


def log_loss(p: float, o: int) -> float:
    """``-ln(o*p' + (1 - o)*(1 - p'))`` with ``p'`` clipped to [0.001, 0.999], unrounded."""
    # Clipping keeps a confident miss finite: p = 0 that happened costs -ln(0.001), not inf.
    clipped = min(max(_require_probability(p), LOG_LOSS_CLIP), 1.0 - LOG_LOSS_CLIP)
    likelihood = clipped if _require_outcome(o) == 1 else 1.0 - clipped
    return -math.log(likelihood)


def calibration_bin(p: float) -> int:
    """Bin index 0..9 of ``p``: [0, 0.1) -> 0, …, [0.9, 1.0] -> 9 (1.0 included)."""
    return bisect_right(CALIBRATION_BOUNDS, _require_probability(p))


def _scored(
    scenarios: Iterable[tuple[float | None, str | None]],
) -> Iterable[tuple[float, int]]:
    for p, outcome in scenarios:
        o = outcome_value(outcome)
        if p is None or o is None:
            continue  # narrative, unresolved or annulled: never scored
        yield p, o


# --------------------------------------------------------------------------- group scores


@dataclass(frozen=True)
class Sums:
    """Count and unrounded sums of a group's scored scenarios; groups combine by ``+``."""

    n: int
    brier_sum: float
    log_loss_sum: float

    def __add__(self, other: Sums) -> Sums:
        """The sums of both groups together."""
        return Sums(
            n=self.n + other.n,
            brier_sum=self.brier_sum + other.brier_sum,
            log_loss_sum=self.log_loss_sum + other.log_loss_sum,
        )


@dataclass(frozen=True)
class Score:
    """A group's display score; the three values are ``None`` when ``n == 0``."""

    n: int
    brier: float | None
    log_loss: float | None
    brier_skill: float | None


def sums(scenarios: Iterable[tuple[float | None, str | None]]) -> Sums:
    """Sums over ``(probability, outcome)`` pairs, skipping every unscored scenario."""
    briers: list[float] = []
    log_losses: list[float] = []
    for p, o in _scored(scenarios):
        briers.append(brier(p, o))
        log_losses.append(log_loss(p, o))
    return Sums(n=len(briers), brier_sum=math.fsum(briers), log_loss_sum=math.fsum(log_losses))


def display(value: float, places: int) -> float:
    """``value`` rounded to ``places`` decimals, halves away from zero."""
    if not math.isfinite(value):
        raise ValueError(f"cannot round a non-finite value: {value!r}")
    # repr is the shortest decimal that reads back as the float, so 0.00005 rounds as written
    # rather than as its binary expansion; "+ 0.0" turns a rounded -0.0 into 0.0.
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return float(rounded) + 0.0


def score(totals: Sums) -> Score:
    """Means over ``n`` and the Brier skill ``1 - Brier / 0.25``, rounded for display."""
    if totals.n == 0:
        return Score(n=0, brier=None, log_loss=None, brier_skill=None)
    mean_brier = totals.brier_sum / totals.n
    mean_log_loss = totals.log_loss_sum / totals.n
    skill = 1.0 - mean_brier / _REFERENCE_BRIER  # from the unrounded mean
    return Score(
        n=totals.n,
        brier=display(mean_brier, _SCORE_PLACES),
        log_loss=display(mean_log_loss, _SCORE_PLACES),
        brier_skill=display(skill, _SKILL_PLACES),
    )


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class CalibrationBin:
    """One bin ``[lower, upper)`` (the last one closed); rounded values, ``None`` when empty."""

    lower: float
    upper: float
    n: int
    mean_probability: float | None
    observed_frequency: float | None


@dataclass(frozen=True)
class BinTotals:
    """Unrounded totals of one bin: count, sum of stated ``p``, count of ``o = 1``."""

    n: int
    probability_sum: float
    happened: int


def calibration_from_totals(totals: Mapping[int, BinTotals]) -> list[CalibrationBin]:
    """All ten bins in order from per-bin totals; a bin missing from ``totals`` is empty."""
    bins: list[CalibrationBin] = []
    for k in range(CALIBRATION_BINS):
        lower = round(k / CALIBRATION_BINS, 1)
        upper = round((k + 1) / CALIBRATION_BINS, 1)
        bin_totals = totals.get(k)
        if bin_totals is None or bin_totals.n == 0:
            bins.append(CalibrationBin(lower, upper, 0, None, None))
            continue
        bins.append(
            CalibrationBin(
                lower=lower,
                upper=upper,
                n=bin_totals.n,
                mean_probability=display(
                    bin_totals.probability_sum / bin_totals.n, _CALIBRATION_PLACES
                ),
                observed_frequency=display(bin_totals.happened / bin_totals.n, _CALIBRATION_PLACES),
            )
        )
    return bins


def calibration(scenarios: Iterable[tuple[float | None, str | None]]) -> list[CalibrationBin]:
    """Calibration of the scored ``(probability, outcome)`` pairs, ten bins in order."""
    probabilities: dict[int, list[float]] = {}
    happened: dict[int, int] = {}
    for p, o in _scored(scenarios):
        k = calibration_bin(p)
        probabilities.setdefault(k, []).append(p)
        happened[k] = happened.get(k, 0) + o
    totals = {
        k: BinTotals(n=len(ps), probability_sum=math.fsum(ps), happened=happened[k])
        for k, ps in probabilities.items()
    }
    return calibration_from_totals(totals)
