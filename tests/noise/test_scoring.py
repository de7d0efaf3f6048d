"""Unit tests for the Noise Score method v1 (shared/spec/noise.md)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from app.noise.scoring import (
    COMPONENTS,
    DEFAULT_HALF_LIFE,
    GRADE_BANDS,
    LEVEL_BANDS,
    METHOD_VERSION,
    WAVE_WINDOW,
    Component,
    MentionSignal,
    NoiseInputs,
    Snapshot,
    components_with_overrides,
    composite,
    compute_state,
    current_wave,
    decay,
    default_weights,
    derive_components,
    grade,
    history_series,
    hot_key,
    last_activity_at,
    level,
    round_half_up,
    score,
    validate_weights,
    value_at,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


W = default_weights()

# --------------------------------------------------------------------------- example A

A_LAST = utc("2026-11-27T09:36:00Z")
A_COMPONENTS = {
    "reach": 46,
    "engagement": 89,
    "star_power": 20,
    "cross_platform": 50,
    "polarity": 75,
    "duration": 6,
    "industry_impact": 90,
}


def example_a() -> NoiseInputs:
    overrides = {k: v for k, v in A_COMPONENTS.items() if k != "industry_impact"}
    return NoiseInputs(
        mentions=[MentionSignal("hackernews", A_LAST, audience=10, score=5)],
        side_influences=[[45], [70, 40]],
        event_times=[],
        created_at=utc("2026-11-01T00:00:00Z"),
        industry_impact=90,
        overrides=overrides,
    )


def test_example_a_components_and_composite() -> None:
    state = compute_state(example_a(), W)
    assert {k: c.value for k, c in state.components.items()} == A_COMPONENTS
    assert all(c.source == "editorial" for c in state.components.values())
    assert state.last_activity_at == A_LAST
    assert round(state.composite, 4) == 53.7143
    assert list(state.components) == list(COMPONENTS)


@pytest.mark.parametrize(
    ("at", "d", "places", "expected_score", "expected_level"),
    [
        ("2026-11-27T09:36:00Z", 1.0, 4, 54, "buzz"),
        ("2026-11-27T12:00:00Z", 0.9901, 4, 53, "buzz"),
        ("2026-12-04T09:36:00Z", 0.5, 4, 27, "murmur"),
        ("2026-12-25T09:36:00Z", 0.0625, 4, 3, "quiet"),
    ],
)
def test_example_a_table(
    at: str, d: float, places: int, expected_score: int, expected_level: str
) -> None:
    state = compute_state(example_a(), W)
    factor = decay(state.last_activity_at, utc(at))
    assert round(factor, places) == d
    s = score(state.composite, factor)
    assert s == expected_score
    assert level(s) == expected_level


def test_example_a_exact_half_life_and_product() -> None:
    state = compute_state(example_a(), W)
    assert decay(A_LAST, utc("2026-12-04T09:36:00Z")) == 0.5
    assert decay(A_LAST, utc("2026-12-25T09:36:00Z")) == 0.0625
    assert round(state.composite * 0.5, 3) == 26.857


# --------------------------------------------------------------------------- example B

B_LAST = utc("2026-11-27T09:30:00Z")


def example_b() -> NoiseInputs:
    return NoiseInputs(
        mentions=[
            MentionSignal(
                "hackernews", utc("2026-11-27T08:00:00Z"), audience=120_000, score=640, comments=412
            ),
            MentionSignal(
                "reddit", utc("2026-11-27T09:30:00Z"), audience=2_400_000, score=1800, comments=350
            ),
            MentionSignal(
                "x",
                utc("2026-11-25T12:00:00Z"),
                audience=850_000,
                score=5200,
                comments=300,
                shares=1100,
            ),
            MentionSignal("news", utc("2026-10-01T00:00:00Z"), audience=5_000_000),
        ],
        side_influences=[[45], [70, 40]],
        event_times=[utc("2026-11-26T00:00:00Z")],
        created_at=utc("2026-09-01T00:00:00Z"),
        industry_impact=90,
    )


def test_example_b_components() -> None:
    inputs = example_b()
    assert last_activity_at(inputs) == B_LAST
    wave = current_wave(inputs.mentions, B_LAST)
    assert [m.platform for m in wave] == ["hackernews", "reddit", "x"]
    assert derive_components(inputs) == {
        "reach": 82,
        "engagement": 82,
        "star_power": 52,
        "cross_platform": 75,
        "polarity": 87,
        "duration": 6,
        "industry_impact": 90,
    }
    comps = components_with_overrides(inputs)
    assert comps["industry_impact"] == Component(90, "editorial")
    assert all(comps[k].source == "derived" for k in COMPONENTS if k != "industry_impact")


def test_example_b_composite_decay_score() -> None:
    state = compute_state(example_b(), W)
    assert round(state.composite, 4) == 67.7143
    at = utc("2026-11-27T12:00:00Z")
    factor = decay(state.last_activity_at, at)
    assert round(factor, 6) == 0.989738
    assert score(state.composite, factor) == 67
    assert level(score(state.composite, factor)) == "loud"
    assert score(state.composite, decay(B_LAST, B_LAST)) == 68


@pytest.mark.parametrize(("days", "expected"), [(7, 34), (14, 17), (30, 3)])
def test_example_b_days_after_last_activity(days: int, expected: int) -> None:
    state = compute_state(example_b(), W)
    at = state.last_activity_at + timedelta(days=days)
    assert score(state.composite, decay(state.last_activity_at, at)) == expected


def test_example_b_hot_key() -> None:
    state = compute_state(example_b(), W)
    expected = math.log2(state.composite) + B_LAST.timestamp() / 604800
    assert state.hot_key == pytest.approx(expected, abs=1e-12)


def test_method_version() -> None:
    assert METHOD_VERSION == "v1"
    assert timedelta(days=7) == DEFAULT_HALF_LIFE
    assert timedelta(days=30) == WAVE_WINDOW


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.0, 0),
        (0.4, 0),
        (0.5, 1),
        (1.5, 2),
        (2.5, 3),
        (26.857, 27),
        (26.4999, 26),
        (26.499999999999996, 27),  # float error at an exact half rounds up
        (-0.5, 0),
        (-0.6, -1),
        (99.5, 100),
    ],
)
def test_round_half_up(x: float, expected: int) -> None:
    assert round_half_up(x) == expected


def test_round_half_up_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        round_half_up(math.nan)
    with pytest.raises(ValueError):
        round_half_up(math.inf)


def test_score_at_exact_half_despite_float_error() -> None:
    # 371 / 7 = 53, halved = 26.5 exactly; the float composite is 52.99999999999999.
    values = dict(zip(COMPONENTS, [29, 44, 29, 86, 28, 97, 58], strict=True))
    c = composite(values, W)
    assert math.floor(c * 0.5 + 0.5) == 26  # the naive formula gets it wrong
    assert score(c, decay(A_LAST, A_LAST + timedelta(days=7))) == 27


def test_score_clamps() -> None:
    assert score(150.0, 1.0) == 100
    assert score(-3.0, 1.0) == 0


# --------------------------------------------------------------------------- bands


@pytest.mark.parametrize(
    ("influence", "letter"),
    [
        (100, "A"),
        (80, "A"),
        (79, "B"),
        (60, "B"),
        (59, "C"),
        (40, "C"),
        (39, "D"),
        (20, "D"),
        (19, "F"),
        (0, "F"),
    ],
)
def test_grade_bands(influence: int, letter: str) -> None:
    assert grade(influence) == letter


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (0, "quiet"),
        (19, "quiet"),
        (20, "murmur"),
        (39, "murmur"),
        (40, "buzz"),
        (59, "buzz"),
        (60, "loud"),
        (79, "loud"),
        (80, "uproar"),
        (100, "uproar"),
    ],
)
def test_level_band_edges(value: int, name: str) -> None:
    assert level(value) == name


def test_band_tables() -> None:
    assert LEVEL_BANDS == ((80, "uproar"), (60, "loud"), (40, "buzz"), (20, "murmur"), (0, "quiet"))
    assert GRADE_BANDS == ((80, "A"), (60, "B"), (40, "C"), (20, "D"), (0, "F"))


@pytest.mark.parametrize("bad", [-1, 101])
def test_bands_reject_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        level(bad)
    with pytest.raises(ValueError):
        grade(bad)


# --------------------------------------------------------------------------- weights


def test_default_weights() -> None:
    weights = default_weights()
    assert list(weights) == list(COMPONENTS)
    assert all(w == 1 / 7 for w in weights.values())
    assert validate_weights(weights) == weights


def test_validate_weights_accepts_custom() -> None:
    weights = {k: 0.0 for k in COMPONENTS}
    weights["reach"] = 1.0
    assert validate_weights(weights)["reach"] == 1.0
    assert composite(dict.fromkeys(COMPONENTS, 0) | {"reach": 42}, weights) == 42.0


def test_validate_weights_missing_key() -> None:
    weights = default_weights()
    del weights["polarity"]
    with pytest.raises(ValueError, match=r"missing.*polarity"):
        validate_weights(weights)


def test_validate_weights_unknown_key() -> None:
    weights = default_weights() | {"vibes": 0.0}
    with pytest.raises(ValueError, match=r"unknown.*vibes"):
        validate_weights(weights)


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, math.inf])
def test_validate_weights_out_of_range(bad: float) -> None:
    weights = default_weights() | {"reach": bad}
    with pytest.raises(ValueError, match="reach"):
        validate_weights(weights)


def test_validate_weights_sum() -> None:
    weights = default_weights() | {"reach": 0.5}
    with pytest.raises(ValueError, match="sum to 1"):
        validate_weights(weights)
    nearly = default_weights() | {"reach": 1 / 7 + 1e-10}
    assert validate_weights(nearly)["reach"] == pytest.approx(1 / 7 + 1e-10)


def test_composite_validates() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        composite(A_COMPONENTS, dict.fromkeys(COMPONENTS, 0.5))
    partial = {k: v for k, v in A_COMPONENTS.items() if k != "duration"}
    with pytest.raises(ValueError, match="duration"):
        composite(partial, W)


# --------------------------------------------------------------------------- empty, wave


def test_empty_controversy() -> None:
    created = utc("2026-11-01T10:00:00Z")
    inputs = NoiseInputs(mentions=[], side_influences=[], event_times=[], created_at=created)
    assert last_activity_at(inputs) == created
    comps = derive_components(inputs)
    assert comps == dict.fromkeys(COMPONENTS, 0) | {"industry_impact": 50}
    state = compute_state(inputs, W)
    assert state.last_activity_at == created
    assert state.composite == pytest.approx(50 / 7)
    assert score(state.composite, decay(created, created)) == 7


def test_events_only_set_last_activity() -> None:
    created = utc("2026-11-01T10:00:00Z")
    event = utc("2026-11-20T00:00:00Z")
    inputs = NoiseInputs(
        mentions=[MentionSignal("x", utc("2026-11-02T00:00:00Z"), audience=999)],
        side_influences=[],
        event_times=[event],
        created_at=created,
    )
    assert last_activity_at(inputs) == event
    assert derive_components(inputs)["duration"] == round_half_up(100 * 18 / 30)


def test_wave_boundary() -> None:
    last = utc("2026-11-27T09:30:00Z")
    exactly = MentionSignal("reddit", last - timedelta(days=30), audience=1000)
    just_inside = MentionSignal("x", last - timedelta(days=30) + timedelta(seconds=1))
    latest = MentionSignal("hackernews", last)
    wave = current_wave([exactly, just_inside, latest], last)
    assert wave == [just_inside, latest]

    inputs = NoiseInputs(
        mentions=[exactly, just_inside, latest],
        side_influences=[],
        event_times=[],
        created_at=last - timedelta(days=60),
    )
    comps = derive_components(inputs)
    assert comps["reach"] == 0  # the audience-1000 mention is outside
    assert comps["cross_platform"] == 50
    assert comps["duration"] == 100  # 30 days minus one second rounds to 100


def test_wave_excludes_future_mentions() -> None:
    last = utc("2026-11-27T09:30:00Z")
    later = MentionSignal("x", last + timedelta(seconds=1))
    assert current_wave([later], last) == []


def sides_only(side_influences: list[list[int]]) -> dict[str, int]:
    return derive_components(NoiseInputs([], side_influences, [], A_LAST))


def test_star_power_and_polarity_edges() -> None:
    one_actor = sides_only([[90]])
    assert one_actor["star_power"] == 30  # (90 + 0 + 0) / 3
    assert one_actor["polarity"] == 0
    assert sides_only([[80], [0, 0], []])["polarity"] == 0  # one side of weight > 0
    even = sides_only([[50], [20, 30], [10, 40]])
    assert even["polarity"] == 100
    assert even["star_power"] == 40  # (50 + 40 + 30) / 3
    assert sides_only([[100, 100], [100, 1]])["star_power"] == 100
    assert sides_only([[45], [70, 40]])["polarity"] == 87
    assert sides_only([[1], [2]])["star_power"] == 1  # (2 + 1 + 0) / 3 = 1.0
    assert sides_only([[1], [1], [2]])["star_power"] == 1  # 4 / 3 = 1.33


def test_saturation() -> None:
    t = A_LAST
    inputs = NoiseInputs(
        mentions=[
            MentionSignal(p, t, audience=10**9, score=10**6)
            for p in ("x", "reddit", "news", "blog", "youtube")
        ],
        side_influences=[],
        event_times=[],
        created_at=t,
    )
    comps = derive_components(inputs)
    assert comps["reach"] == 100
    assert comps["engagement"] == 100
    assert comps["cross_platform"] == 100


# --------------------------------------------------------------------------- overrides


def test_overrides_source_reporting() -> None:
    inputs = NoiseInputs(
        mentions=example_b().mentions,
        side_influences=[[45], [70, 40]],
        event_times=[],
        created_at=utc("2026-09-01T00:00:00Z"),
        industry_impact=70,
        overrides={"polarity": 10, "reach": 0},
    )
    comps = components_with_overrides(inputs)
    assert comps["polarity"] == Component(10, "editorial")
    assert comps["reach"] == Component(0, "editorial")
    assert comps["industry_impact"] == Component(70, "editorial")
    assert comps["engagement"] == Component(82, "derived")
    assert comps["star_power"] == Component(52, "derived")
    # derive_components ignores overrides
    assert derive_components(inputs)["polarity"] == 87


def test_override_of_industry_impact() -> None:
    inputs = NoiseInputs([], [], [], A_LAST, industry_impact=20, overrides={"industry_impact": 60})
    assert components_with_overrides(inputs)["industry_impact"] == Component(60, "editorial")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs",
    [
        {"industry_impact": 101},
        {"industry_impact": -1},
        {"overrides": {"reach": 101}},
        {"overrides": {"reach": -5}},
        {"overrides": {"loudness": 50}},
        {"side_influences": [[120]]},
        {"side_influences": [[-1]]},
        {"created_at": datetime(2026, 11, 27, 9, 36)},
        {"event_times": [datetime(2026, 11, 27, 9, 36)]},
    ],
)
def test_inputs_validation(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "mentions": [],
        "side_influences": [],
        "event_times": [],
        "created_at": A_LAST,
    } | kwargs
    with pytest.raises(ValueError):
        NoiseInputs(**args)  # type: ignore[arg-type]


def test_mention_validation() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        MentionSignal("x", datetime(2026, 11, 27, 9, 36))
    with pytest.raises(ValueError, match="audience"):
        MentionSignal("x", A_LAST, audience=-1)


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2026, 11, 27, 9, 36)
    with pytest.raises(ValueError):
        decay(naive, A_LAST)
    with pytest.raises(ValueError):
        decay(A_LAST, naive)
    with pytest.raises(ValueError):
        hot_key(50.0, naive)
    with pytest.raises(ValueError):
        current_wave([], naive)
    with pytest.raises(ValueError):
        value_at([], naive)
    with pytest.raises(ValueError):
        Snapshot(naive, 50.0, A_LAST)


def test_non_utc_offsets() -> None:
    plus_two = timezone(timedelta(hours=2))
    same_instant = A_LAST.astimezone(plus_two)
    assert decay(A_LAST, same_instant) == 1.0
    assert hot_key(50.0, same_instant) == hot_key(50.0, A_LAST)
    assert decay(A_LAST, (A_LAST + timedelta(days=7)).astimezone(plus_two)) == 0.5


def test_decay_before_last_activity_and_half_life() -> None:
    assert decay(A_LAST, A_LAST - timedelta(days=3)) == 1.0
    assert decay(A_LAST, A_LAST + timedelta(days=1), half_life=timedelta(days=1)) == 0.5
    with pytest.raises(ValueError):
        decay(A_LAST, A_LAST, half_life=timedelta(0))


def test_hot_key_floor_for_zero_composite() -> None:
    assert hot_key(0.0, A_LAST) == math.log2(1e-9) + A_LAST.timestamp() / 604800
    assert hot_key(0.0, A_LAST) < hot_key(1 / 7, A_LAST)


# --------------------------------------------------------------------------- history


T0 = utc("2026-11-01T00:00:00Z")


def snapshots() -> list[Snapshot]:
    return [
        Snapshot(computed_at=T0, composite=40.0, last_activity_at=T0),
        Snapshot(
            computed_at=T0 + timedelta(days=2),
            composite=60.0,
            last_activity_at=T0 + timedelta(days=2),
        ),
    ]


def test_value_at() -> None:
    snaps = snapshots()
    assert value_at(snaps, T0 - timedelta(seconds=1)) is None
    assert value_at([], T0) is None
    assert value_at(snaps, T0) == 40
    # one day after the first snapshot: 40 * 0.5 ** (1/7) = 36.23
    assert value_at(snaps, T0 + timedelta(days=1)) == 36
    assert value_at(snaps, T0 + timedelta(days=2) - timedelta(seconds=1)) == 33  # 32.81
    assert value_at(snaps, T0 + timedelta(days=2)) == 60
    assert value_at(snaps, T0 + timedelta(days=9)) == 30
    # order of the input does not matter
    assert value_at(list(reversed(snaps)), T0 + timedelta(days=9)) == 30


def test_value_at_tie_last_appended_wins() -> None:
    snaps = [Snapshot(T0, 10.0, T0), Snapshot(T0, 20.0, T0)]
    assert value_at(snaps, T0) == 20


def test_history_series() -> None:
    series = history_series(
        snapshots(), T0 - timedelta(days=1), T0 + timedelta(days=9), timedelta(days=2)
    )
    assert series == [
        (T0 - timedelta(days=1), None),
        (T0 + timedelta(days=1), 36),
        (T0 + timedelta(days=3), 54),  # 60 * 0.5 ** (1/7) = 54.34
        (T0 + timedelta(days=5), 45),  # 60 * 0.5 ** (3/7) = 44.58
        (T0 + timedelta(days=7), 37),  # 60 * 0.5 ** (5/7) = 36.57
        (T0 + timedelta(days=9), 30),
    ]
    for t, v in series:
        assert v == value_at(snapshots(), t)


def test_history_series_end_inclusive_and_empty() -> None:
    hourly = history_series(snapshots(), T0, T0 + timedelta(hours=3), timedelta(hours=1))
    assert [t for t, _ in hourly] == [T0 + timedelta(hours=h) for h in range(4)]
    assert history_series(snapshots(), T0, T0 - timedelta(hours=1), timedelta(hours=1)) == []
    with pytest.raises(ValueError):
        history_series(snapshots(), T0, T0, timedelta(0))


def test_history_matches_example_b() -> None:
    state = compute_state(example_b(), W)
    snaps = [Snapshot(state.last_activity_at, state.composite, state.last_activity_at)]
    start = state.last_activity_at
    series = history_series(snaps, start, start + timedelta(days=14), timedelta(days=7))
    assert [v for _, v in series] == [68, 34, 17]
    assert value_at(snaps, start + timedelta(days=30)) == 3
    assert value_at(snaps, utc("2026-11-27T12:00:00Z")) == 67
