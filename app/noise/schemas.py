"""Noise Score schemas."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.schemas_base import ReadModel, UTCDatetime, WriteModel

Level = Literal["quiet", "murmur", "buzz", "loud", "uproar"]
OverridableComponent = Literal[
    "reach", "engagement", "star_power", "cross_platform", "polarity", "duration"
]


class ComponentRead(ReadModel):
    value: int = Field(ge=0, le=100)
    source: Literal["derived", "editorial"]
    weight: float = Field(ge=0, le=1)
    contribution: float = Field(description="weight × value: this component's share of C.")


class NoiseRead(ReadModel):
    score: int = Field(ge=0, le=100, description="round(C · D), evaluated at `as_of`.")
    level: Level
    decay: float = Field(ge=0, le=1, description="D at `as_of`, 6 decimals.")
    composite: float = Field(ge=0, le=100, description="C, stored on write, 4 decimals.")
    components: dict[str, ComponentRead]
    weights: dict[str, float]
    last_activity_at: UTCDatetime
    computed_at: UTCDatetime | None
    as_of: UTCDatetime
    method_version: str


class NoiseBrief(ReadModel):
    """The noise of a list card."""

    score: int = Field(ge=0, le=100)
    level: Level
    decay: float = Field(ge=0, le=1)
    last_activity_at: UTCDatetime


class HistoryPoint(ReadModel):
    at: UTCDatetime
    score: int | None = Field(description="null before the first snapshot.")
    level: Level | None


class NoiseHistory(ReadModel):
    interval: Literal["hour", "day", "week"]
    from_: UTCDatetime = Field(alias="from", serialization_alias="from")
    to: UTCDatetime
    points: list[HistoryPoint]


class LevelBand(ReadModel):
    level: Level
    min_score: int
    max_score: int


class ComponentMethod(ReadModel):
    name: str
    weight: float
    formula: str


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
    saturation: dict[str, float]
    level_bands: list[LevelBand]
    grade_bands: dict[str, int]


class NoiseInputsRead(ReadModel):
    """The editorial inputs of the score: industry impact and component overrides."""

    industry_impact: int = Field(ge=0, le=100)
    overrides: dict[OverridableComponent, int]
    version: int = Field(description="The controversy's version; send it back in If-Match.")


class NoiseInputsUpdate(WriteModel):
    """Set industry impact; set an override to a value, or to null to return to derived."""

    industry_impact: int | None = Field(default=None, ge=0, le=100)
    overrides: dict[OverridableComponent, Annotated[int, Field(ge=0, le=100)] | None] | None = None
