"""Noise Score schemas."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.enums import ComponentSource, HistoryInterval, NoiseLevel
from app.schemas_base import ReadModel, UTCDatetime, WriteModel

OverridableComponent = Literal[
    "reach", "engagement", "star_power", "cross_platform", "polarity", "duration"
]


class ComponentRead(ReadModel):
    value: int = Field(ge=0, le=100)
    source: ComponentSource
    weight: float = Field(ge=0, le=1)
    contribution: float = Field(description="weight × value: this component's share of C.")


class Components(ReadModel):
    """The seven components of the score, each 0–100 (the order of the methodology)."""

    reach: ComponentRead
    engagement: ComponentRead
    star_power: ComponentRead
    cross_platform: ComponentRead
    polarity: ComponentRead
    duration: ComponentRead
    industry_impact: ComponentRead


class Weights(ReadModel):
    """The weight of each component in the composite; they sum to 1."""

    reach: float
    engagement: float
    star_power: float
    cross_platform: float
    polarity: float
    duration: float
    industry_impact: float


class NoiseRead(ReadModel):
    score: int = Field(ge=0, le=100, description="round(C · D), evaluated at `as_of`.")
    level: NoiseLevel
    decay: float = Field(ge=0, le=1, description="D at `as_of`, 6 decimals.")
    composite: float = Field(ge=0, le=100, description="C, stored on write, 4 decimals.")
    components: Components
    weights: Weights
    last_activity_at: UTCDatetime
    computed_at: UTCDatetime | None
    as_of: UTCDatetime
    method_version: str


class NoiseBrief(ReadModel):
    """The noise of a list card."""

    score: int = Field(ge=0, le=100)
    level: NoiseLevel
    decay: float = Field(ge=0, le=1)
    last_activity_at: UTCDatetime


class HistoryPoint(ReadModel):
    at: UTCDatetime
    score: int | None = Field(description="null before the first snapshot.")
    level: NoiseLevel | None


class NoiseHistory(ReadModel):
    interval: HistoryInterval
    from_: UTCDatetime = Field(alias="from", serialization_alias="from")
    to: UTCDatetime
    points: list[HistoryPoint]


class LevelBand(ReadModel):
    level: NoiseLevel
    min_score: int
    max_score: int


class ComponentMethod(ReadModel):
    name: str
    weight: float
    formula: str


class Saturation(ReadModel):
    """Where each saturating component reaches 100."""

    reach_log10: float = Field(description="log10 of the audience that scores 100.")
    engagement_log10: float = Field(description="log10 of the engagement that scores 100.")
    cross_platform_platforms: int = Field(description="Platforms at which the score is 100.")
    duration_days: int = Field(description="Days of activity that score 100.")


class GradeBands(ReadModel):
    """The lowest influence of each grade."""

    A: int
    B: int
    C: int
    D: int
    F: int


class Methodology(ReadModel):
    method_version: str
    summary: str
    half_life_days: float
    wave_days: int
    composite: str
    decay: str
    score: str
    rounding: str
    hot_key: str
    history: str
    components: list[ComponentMethod]
    saturation: Saturation
    level_bands: list[LevelBand]
    grade_bands: GradeBands


class NoiseInputsRead(ReadModel):
    """The editorial inputs of the score: industry impact and component overrides."""

    industry_impact: int = Field(ge=0, le=100)
    overrides: dict[OverridableComponent, int]
    version: int = Field(description="The controversy's version; send it back in If-Match.")


class NoiseInputsUpdate(WriteModel):
    """Set industry impact; set an override to a value, or to null to return to derived."""

    industry_impact: int | None = Field(default=None, ge=0, le=100)
    overrides: dict[OverridableComponent, Annotated[int, Field(ge=0, le=100)] | None] | None = None
