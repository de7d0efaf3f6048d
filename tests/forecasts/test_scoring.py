"""Unit and property tests for forecast scoring, method v1 (shared/spec/forecasts.md); no DB."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.forecasts.scoring import (
    CALIBRATION_BINS,
    LOG_LOSS_CLIP,
    BinTotals,
    CalibrationBin,
    Score,
    Sums,
    brier,
    calibration,
    calibration_bin,
    calibration_from_totals,
    display,
    log_loss,
    outcome_value,
    score,
    sums,
)

# database=None: no .hypothesis/ directory is written into the project.
SETTINGS = settings(max_examples=200, deadline=None, database=None)

Scenario = tuple[float | None, str | None]

# The worked example: forecast 1 (S1-S3), then forecast 2 (S4), both by generator "Gemini".
FORECAST_1: list[Scenario] = [(0.7, "happened"), (0.2, "did_not_happen"), (0.5, "annulled")]
FORECAST_2: list[Scenario] = [(0.9, "did_not_happen")]

probabilities = st.floats(0.0, 1.0, allow_nan=False)
scored_outcomes = st.sampled_from(["happened", "did_not_happen"])
scored_scenarios = st.lists(st.tuples(probabilities, scored_outcomes), max_size=30)
unscored_scenarios = st.lists(
    st.one_of(
        # annulled, unresolved or unknown outcome: has p, never scored
        st.tuples(probabilities, st.sampled_from(["annulled", None, "pending"])),
        # narrative: no p, whatever its outcome
        st.tuples(st.none(), st.sampled_from(["happened", "did_not_happen", "annulled", None])),
    ),
    max_size=10,
)
any_scenarios = st.lists(
    st.one_of(
        st.tuples(probabilities, scored_outcomes),
        st.tuples(st.one_of(st.none(), probabilities), st.sampled_from(["annulled", None])),
    ),
    max_size=30,
)


def _empty_bin(k: int) -> CalibrationBin:
    return CalibrationBin(round(k / 10, 1), round((k + 1) / 10, 1), 0, None, None)


# --------------------------------------------------------------------------- worked example


def test_worked_example_s1_brier_and_log_loss() -> None:
    assert display(brier(0.7, 1), 4) == 0.09
    assert round(log_loss(0.7, 1), 6) == 0.356675


def test_worked_example_s2_and_s4_brier_and_log_loss() -> None:
    assert display(brier(0.2, 0), 4) == 0.04
    assert round(log_loss(0.2, 0), 6) == 0.223144
    assert display(brier(0.9, 0), 4) == 0.81
    assert round(log_loss(0.9, 0), 6) == 2.302585


def test_worked_example_forecast_score_skips_annulled() -> None:
    assert score(sums(FORECAST_1)) == Score(n=2, brier=0.065, log_loss=0.2899, brier_skill=0.74)


def test_worked_example_generator_score_from_added_sums() -> None:
    expected = Score(n=3, brier=0.3133, log_loss=0.9608, brier_skill=-0.253)
    assert score(sums(FORECAST_1) + sums(FORECAST_2)) == expected
    assert score(sums(FORECAST_1 + FORECAST_2)) == expected


def test_worked_example_generator_calibration_bins() -> None:
    bins = calibration(FORECAST_1 + FORECAST_2)
    expected = [_empty_bin(k) for k in range(10)]
    expected[2] = CalibrationBin(0.2, 0.3, 1, 0.2, 0.0)
    expected[7] = CalibrationBin(0.7, 0.8, 1, 0.7, 1.0)
    expected[9] = CalibrationBin(0.9, 1.0, 1, 0.9, 0.0)
    assert bins == expected


# --------------------------------------------------------------------------- per scenario


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("happened", 1),
        ("did_not_happen", 0),
        ("annulled", None),
        (None, None),
        ("pending", None),
        ("", None),
    ],
)
def test_outcome_value_maps_happened_to_1_did_not_happen_to_0_else_none(
    outcome: str | None, expected: int | None
) -> None:
    assert outcome_value(outcome) == expected


def test_brier_is_squared_error_unrounded() -> None:
    assert brier(0.7, 1) == (0.7 - 1) ** 2
    assert brier(0.0, 0) == 0.0
    assert brier(1.0, 0) == 1.0


def test_log_loss_of_p0_that_happened_is_clipped_to_minus_ln_0_001() -> None:
    assert LOG_LOSS_CLIP == 0.001
    assert log_loss(0.0, 1) == -math.log(0.001)
    assert math.isfinite(log_loss(0.0, 1))


def test_log_loss_of_p1_that_did_not_happen_is_clipped_to_minus_ln_0_001() -> None:
    assert log_loss(1.0, 0) == pytest.approx(-math.log(0.001), rel=1e-12)


def test_log_loss_of_certain_hit_is_minus_ln_0_999_not_zero() -> None:
    assert log_loss(1.0, 1) == -math.log(0.999)
    assert log_loss(0.0, 0) == pytest.approx(-math.log(0.999), rel=1e-12)


def test_brier_is_not_clipped_at_the_extremes() -> None:
    assert brier(0.0, 1) == 1.0


@pytest.mark.parametrize("bad", [-0.01, 1.01, math.nan, math.inf])
def test_brier_and_log_loss_reject_probability_outside_0_1(bad: float) -> None:
    with pytest.raises(ValueError, match="probability"):
        brier(bad, 1)
    with pytest.raises(ValueError, match="probability"):
        log_loss(bad, 1)


@pytest.mark.parametrize("bad", [2, -1])
def test_brier_and_log_loss_reject_outcome_other_than_0_or_1(bad: int) -> None:
    with pytest.raises(ValueError, match="outcome"):
        brier(0.5, bad)
    with pytest.raises(ValueError, match="outcome"):
        log_loss(0.5, bad)


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0, 0),
        (0.05, 0),
        (0.1, 1),
        (0.15, 1),
        (0.2, 2),
        (0.3, 3),
        (0.5, 5),
        (0.7, 7),
        (0.8999999999999999, 8),
        (0.9, 9),
        (0.99, 9),
        (1.0, 9),
    ],
)
def test_calibration_bin_lower_bound_inclusive_and_p1_in_bin_9(p: float, expected: int) -> None:
    assert calibration_bin(p) == expected


def test_calibration_bin_boundary_0_1_falls_in_bin_1() -> None:
    assert calibration_bin(0.1) == 1
    assert calibration_bin(math.nextafter(0.1, 0.0)) == 0


def test_calibration_bin_p1_falls_in_bin_9() -> None:
    assert calibration_bin(1.0) == CALIBRATION_BINS - 1


def test_calibration_bin_rejects_probability_outside_0_1() -> None:
    with pytest.raises(ValueError, match="probability"):
        calibration_bin(1.5)


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0.00005, 4, 0.0001),
        (-0.00005, 4, -0.0001),
        (-0.0005, 3, -0.001),
        (0.0005, 3, 0.001),
        (0.00004999, 4, 0.0),
        (0.28990899, 4, 0.2899),
        (-0.2533333333, 3, -0.253),
        (1.0, 4, 1.0),
    ],
)
def test_display_rounds_half_away_from_zero(value: float, places: int, expected: float) -> None:
    assert display(value, places) == expected


def test_display_of_tiny_negative_is_positive_zero() -> None:
    rounded = display(-0.0001, 3)
    assert rounded == 0.0
    assert math.copysign(1.0, rounded) == 1.0


def test_display_rejects_non_finite() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        display(math.inf, 4)


# --------------------------------------------------------------------------- group scores


def test_score_of_n0_is_none_not_zero() -> None:
    assert score(Sums(0, 0.0, 0.0)) == Score(n=0, brier=None, log_loss=None, brier_skill=None)


def test_sums_of_only_unscored_scenarios_is_n0_with_none_score() -> None:
    unscored: list[Scenario] = [(0.5, "annulled"), (None, "happened"), (0.3, None)]
    totals = sums(unscored)
    assert totals == Sums(0, 0.0, 0.0)
    assert score(totals).brier is None


def test_sums_skip_narrative_unresolved_and_annulled() -> None:
    mixed: list[Scenario] = [
        (0.7, "happened"),
        (None, "happened"),  # narrative
        (0.4, None),  # unresolved
        (0.5, "annulled"),
    ]
    assert sums(mixed) == sums([(0.7, "happened")])
    assert sums(mixed).n == 1


def test_sums_addition_adds_counts_and_sums() -> None:
    assert Sums(1, 0.5, 1.5) + Sums(2, 0.25, 0.75) == Sums(3, 0.75, 2.25)


def test_score_skill_uses_unrounded_mean_brier() -> None:
    # Mean Brier 0.00013 displays as 0.0001; BSS 1 - 0.00052 = 0.99948 -> 0.999, whereas the
    # displayed Brier would give 1 - 0.0004 = 0.9996 -> 1.0.
    result = score(Sums(1, 0.00013, 0.0))
    assert result.brier == 0.0001
    assert result.brier_skill == 0.999


def test_calibration_from_totals_returns_ten_ordered_bins_with_missing_ones_empty() -> None:
    bins = calibration_from_totals({3: BinTotals(n=3, probability_sum=1.05, happened=2)})
    assert len(bins) == CALIBRATION_BINS
    assert [(b.lower, b.upper) for b in bins] == [
        (0.0, 0.1),
        (0.1, 0.2),
        (0.2, 0.3),
        (0.3, 0.4),
        (0.4, 0.5),
        (0.5, 0.6),
        (0.6, 0.7),
        (0.7, 0.8),
        (0.8, 0.9),
        (0.9, 1.0),
    ]
    assert bins[3] == CalibrationBin(0.3, 0.4, 3, 0.35, 0.6667)
    assert all(b == _empty_bin(k) for k, b in enumerate(bins) if k != 3)


def test_calibration_from_totals_treats_n0_totals_as_empty_bin() -> None:
    bins = calibration_from_totals({5: BinTotals(n=0, probability_sum=0.0, happened=0)})
    assert bins[5] == _empty_bin(5)


def test_calibration_of_no_scenarios_is_ten_empty_bins() -> None:
    assert calibration([]) == [_empty_bin(k) for k in range(10)]


# --------------------------------------------------------------------------- properties


@SETTINGS
@given(scenarios=any_scenarios)
def test_property_brier_of_any_score_within_0_1(scenarios: list[Scenario]) -> None:
    result = score(sums(scenarios))
    if result.n == 0:
        assert result.brier is None
    else:
        assert result.brier is not None
        assert 0.0 <= result.brier <= 1.0
        assert result.log_loss is not None
        assert 0.0 <= result.log_loss <= display(-math.log(LOG_LOSS_CLIP), 4)


@SETTINGS
@given(outcomes=st.lists(scored_outcomes, min_size=1, max_size=50))
def test_property_always_saying_half_gives_brier_025_and_skill_0(outcomes: list[str]) -> None:
    result = score(sums([(0.5, outcome) for outcome in outcomes]))
    assert result.n == len(outcomes)
    assert result.brier == 0.25
    assert result.brier_skill == 0.0


@SETTINGS
@given(values=st.lists(st.sampled_from([0, 1]), min_size=1, max_size=50))
def test_property_perfect_forecaster_gives_brier_0(values: list[int]) -> None:
    scenarios: list[Scenario] = [
        (float(o), "happened" if o == 1 else "did_not_happen") for o in values
    ]
    totals = sums(scenarios)
    assert totals.brier_sum == 0.0
    assert score(totals).brier == 0.0
    assert score(totals).brier_skill == 1.0


@SETTINGS
@given(scored=scored_scenarios, unscored=unscored_scenarios, data=st.data())
def test_property_adding_annulled_or_narrative_scenarios_changes_nothing(
    scored: list[Scenario], unscored: list[Scenario], data: st.DataObject
) -> None:
    mixed = list(scored)
    for scenario in unscored:
        mixed.insert(data.draw(st.integers(0, len(mixed))), scenario)
    assert sums(mixed) == sums(scored)
    assert score(sums(mixed)) == score(sums(scored))
    assert calibration(mixed) == calibration(scored)


@SETTINGS
@given(first=any_scenarios, second=any_scenarios)
def test_property_sums_addition_equals_sums_of_concatenation(
    first: list[Scenario], second: list[Scenario]
) -> None:
    added = sums(first) + sums(second)
    together = sums(first + second)
    assert added.n == together.n
    assert math.isclose(added.brier_sum, together.brier_sum, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(added.log_loss_sum, together.log_loss_sum, rel_tol=1e-9, abs_tol=1e-12)


@SETTINGS
@given(scenarios=any_scenarios)
def test_property_calibration_n_total_equals_scored_count(scenarios: list[Scenario]) -> None:
    bins = calibration(scenarios)
    assert len(bins) == CALIBRATION_BINS
    assert sum(b.n for b in bins) == sums(scenarios).n
    for b in bins:
        if b.n == 0:
            assert b.mean_probability is None and b.observed_frequency is None
        else:
            assert b.mean_probability is not None and b.observed_frequency is not None
            assert b.lower <= b.mean_probability <= b.upper
            assert 0.0 <= b.observed_frequency <= 1.0
