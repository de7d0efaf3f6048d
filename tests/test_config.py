"""Settings: the noise weights and half-life are validated when the service starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.noise.scoring import COMPONENTS


def test_default_weights_are_a_seventh_each() -> None:
    weights = Settings().noise_weights
    assert set(weights) == set(COMPONENTS)
    assert all(abs(w - 1 / 7) < 1e-12 for w in weights.values())


@pytest.mark.parametrize(
    "weights",
    [
        {name: 0.2 for name in COMPONENTS},  # sums to 1.4
        {**{name: 0.0 for name in COMPONENTS}, "reach": 1.5, "engagement": -0.5},  # outside [0,1]
        {name: 1 / 6 for name in COMPONENTS[:6]},  # a component missing
    ],
)
def test_bad_weights_are_refused(weights: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        Settings(noise_weights=weights)


def test_weights_and_half_life_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    custom = {name: 0.0 for name in COMPONENTS} | {"reach": 0.5, "industry_impact": 0.5}
    monkeypatch.setenv("NOISE_WEIGHTS", str(custom).replace("'", '"'))
    monkeypatch.setenv("NOISE_HALF_LIFE_DAYS", "3.5")
    settings = Settings()
    assert settings.noise_weights == custom
    assert settings.noise_half_life_days == 3.5
    monkeypatch.setenv("NOISE_HALF_LIFE_DAYS", "0")
    with pytest.raises(ValidationError):
        Settings()
