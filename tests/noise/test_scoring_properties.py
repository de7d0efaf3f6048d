"""Property-based tests for the Noise Score method v1 (shared/spec/noise.md)."""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.noise.scoring import (
    COMPONENTS,
    WAVE_WINDOW,
    MentionSignal,
    NoiseInputs,
    Snapshot,
    compute_state,
    decay,
    derive_components,
    history_series,
    hot_key,
    last_activity_at,
    level,
    score,
    validate_weights,
    value_at,
)

# database=None: no .hypothesis/ directory is written into the project.
SETTINGS = settings(max_examples=200, deadline=None, database=None)

BASE = datetime(2026, 6, 1, tzinfo=UTC)
YEAR_SECONDS = 366 * 24 * 3600
PLATFORMS = ("hackernews", "reddit", "x", "bluesky", "mastodon", "youtube", "news", "blog")

times = st.integers(-YEAR_SECONDS, YEAR_SECONDS).map(lambda s: BASE + timedelta(seconds=s))
metric = st.one_of(st.integers(0, 1_000), st.integers(0, 10**10))
influence = st.integers(0, 100)
component_value = st.integers(0, 100)

mentions = st.builds(
    MentionSignal,
    platform=st.sampled_from(PLATFORMS),
    published_at=times,
    audience=metric,
    score=metric,
    comments=metric,
    shares=metric,
)


@st.composite
def weights(draw: st.DrawFn) -> dict[str, float]:
    raw = draw(st.lists(st.floats(0.0, 1.0), min_size=7, max_size=7).filter(lambda r: sum(r) > 0))
    total = math.fsum(raw)
    return validate_weights(dict(zip(COMPONENTS, (r / total for r in raw), strict=True)))


inputs_strategy = st.builds(
    NoiseInputs,
    mentions=st.lists(mentions, max_size=5),
    side_influences=st.lists(st.lists(influence, max_size=3), max_size=3),
    event_times=st.lists(times, max_size=2),
    created_at=times,
    industry_impact=component_value,
    overrides=st.dictionaries(st.sampled_from(COMPONENTS), component_value, max_size=3),
)


@SETTINGS
@given(
    inputs=inputs_strategy,
    w=weights(),
    offset=st.integers(-YEAR_SECONDS, 3 * YEAR_SECONDS),
    later=st.integers(0, 3 * YEAR_SECONDS),
)
def test_components_and_score_in_range(
    inputs: NoiseInputs, w: dict[str, float], offset: int, later: int
) -> None:
    for value in derive_components(inputs).values():
        assert 0 <= value <= 100
    state = compute_state(inputs, w)
    assert list(state.components) == list(COMPONENTS)
    for component in state.components.values():
        assert 0 <= component.value <= 100
    values = [c.value for c in state.components.values()]
    assert min(values) - 1e-9 <= state.composite <= max(values) + 1e-9
    at = state.last_activity_at + timedelta(seconds=offset)
    d = decay(state.last_activity_at, at)
    assert 0.0 <= d <= 1.0
    s = score(state.composite, d)
    assert 0 <= s <= 100
    level(s)  # defined for every score
    # ... and never rises with time alone
    t2 = at + timedelta(seconds=later)
    assert score(state.composite, decay(state.last_activity_at, t2)) <= s


@SETTINGS
@given(
    inputs=inputs_strategy,
    data=st.data(),
    extra=st.tuples(metric, metric, metric, metric),
)
def test_more_metrics_never_lower_reach_or_engagement(
    inputs: NoiseInputs, data: st.DataObject, extra: tuple[int, int, int, int]
) -> None:
    before = derive_components(inputs)
    mentions = list(inputs.mentions)
    if mentions:
        i = data.draw(st.integers(0, len(mentions) - 1))
        m = mentions[i]
        mentions[i] = dataclasses.replace(
            m,
            audience=m.audience + extra[0],
            score=m.score + extra[1],
            comments=m.comments + extra[2],
            shares=m.shares + extra[3],
        )
    after = derive_components(dataclasses.replace(inputs, mentions=mentions))
    assert after["reach"] >= before["reach"]
    assert after["engagement"] >= before["engagement"]


@SETTINGS
@given(
    inputs=inputs_strategy,
    new=mentions,
    seconds_before=st.integers(0, int(WAVE_WINDOW.total_seconds()) - 1),
)
def test_new_mention_in_wave_never_lowers_reach_or_engagement(
    inputs: NoiseInputs, new: MentionSignal, seconds_before: int
) -> None:
    before = derive_components(inputs)
    last = last_activity_at(inputs)
    added = dataclasses.replace(new, published_at=last - timedelta(seconds=seconds_before))
    grown = dataclasses.replace(inputs, mentions=[*inputs.mentions, added])
    after = derive_components(grown)
    assert after["reach"] >= before["reach"]
    assert after["engagement"] >= before["engagement"]
    assert after["cross_platform"] >= before["cross_platform"]


@SETTINGS
@given(
    c=st.floats(0.0, 100.0),
    last=times,
    t1=times,
    later=st.integers(0, 3 * YEAR_SECONDS),
)
def test_score_never_rises_with_time_alone(
    c: float, last: datetime, t1: datetime, later: int
) -> None:
    t2 = t1 + timedelta(seconds=later)
    assert decay(last, t2) <= decay(last, t1)
    assert score(c, decay(last, t2)) <= score(c, decay(last, t1))


# Window and composite floor keep every positive C*D(now) above 1e-9, the hot_key floor
# for C = 0, so the ordering claim of noise.md holds without caveat. (Outside it, a C = 0
# controversy's hot_key can exceed that of one whose C*D has decayed below 1e-9; both
# score 0.)
HOT_WINDOW_SECONDS = 150 * 24 * 3600
composites = st.one_of(st.just(0.0), st.floats(0.01, 100.0))


@SETTINGS
@given(
    items=st.lists(
        st.tuples(composites, st.integers(0, HOT_WINDOW_SECONDS)), min_size=2, max_size=12
    ),
    now_after=st.integers(0, 3600),
)
def test_hot_key_order_matches_current_noise(
    items: list[tuple[float, int]], now_after: int
) -> None:
    rows = [(c, BASE + timedelta(seconds=s)) for c, s in items]
    now = max(last for _, last in rows) + timedelta(seconds=now_after)
    earliest = min(last for _, last in rows)
    assert (now - earliest).total_seconds() <= HOT_WINDOW_SECONDS + 3600
    keyed = [(hot_key(c, last), c * decay(last, now)) for c, last in rows]
    for key_a, noise_a in keyed:
        for key_b, noise_b in keyed:
            if noise_a > noise_b * (1 + 1e-9) and noise_a - noise_b > 0:
                assert key_a > key_b
    # Sorting by hot_key descending lists current noise in non-increasing order.
    by_key = sorted(keyed, key=lambda kv: kv[0], reverse=True)
    for (_, earlier), (_, following) in itertools.pairwise(by_key):
        assert earlier >= following * (1 - 1e-9)


@SETTINGS
@given(
    snaps=st.lists(
        st.builds(
            Snapshot,
            computed_at=times,
            composite=st.floats(0.0, 100.0),
            last_activity_at=times,
        ),
        max_size=6,
    ),
    start=times,
    step_hours=st.integers(1, 24 * 7),
    count=st.integers(0, 20),
)
def test_history_series_agrees_with_value_at(
    snaps: list[Snapshot], start: datetime, step_hours: int, count: int
) -> None:
    step = timedelta(hours=step_hours)
    end = start + step * count
    series = history_series(snaps, start, end, step)
    assert [t for t, _ in series] == [start + step * i for i in range(count + 1)]
    for t, value in series:
        assert value == value_at(snaps, t)
        assert value is None or 0 <= value <= 100
