"""What a client shows for each enum value: a human label and a one-line meaning.

One named class per enum (not a generic), so a generated client gets one clean type per list,
its `value` typed with the enum the rest of the API already uses.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from app.enums import (
    ActorKind,
    Category,
    ComponentSource,
    EventKind,
    Grade,
    NoiseLevel,
    Outcome,
    Platform,
    ReviewStatus,
    Stage,
)
from app.schemas_base import ReadModel


class NoiseComponent(StrEnum):
    """The seven components of the Noise Score, in the methodology's order."""

    reach = "reach"
    engagement = "engagement"
    star_power = "star_power"
    cross_platform = "cross_platform"
    polarity = "polarity"
    duration = "duration"
    industry_impact = "industry_impact"


Label = Annotated[str, Field(min_length=1, description="A short name to show for the value.")]
Description = Annotated[str, Field(min_length=1, description="What the value means, in one line.")]

# Each class spells out its three fields (value first), rather than inheriting two of them, so
# the documents list them in the order clients read them.


class CategoryLabel(ReadModel):
    value: Category
    label: Label
    description: Description


class StageLabel(ReadModel):
    value: Stage
    label: Label
    description: Description


class NoiseLevelLabel(ReadModel):
    value: NoiseLevel
    label: Label
    description: Description


class NoiseComponentLabel(ReadModel):
    value: NoiseComponent
    label: Label
    description: Description


class GradeLabel(ReadModel):
    value: Grade
    label: Label
    description: Description


class PlatformLabel(ReadModel):
    value: Platform
    label: Label
    description: Description


class ActorKindLabel(ReadModel):
    value: ActorKind
    label: Label
    description: Description


class EventKindLabel(ReadModel):
    value: EventKind
    label: Label
    description: Description


class ReviewStatusLabel(ReadModel):
    value: ReviewStatus
    label: Label
    description: Description


class ComponentSourceLabel(ReadModel):
    value: ComponentSource
    label: Label
    description: Description


class OutcomeLabel(ReadModel):
    value: Outcome
    label: Label
    description: Description


class Meta(ReadModel):
    """Every value of every enum a client displays, each with its label and meaning, in the
    enum's order."""

    categories: list[CategoryLabel]
    stages: list[StageLabel]
    noise_levels: list[NoiseLevelLabel] = Field(description="Quietest first.")
    noise_components: list[NoiseComponentLabel]
    component_sources: list[ComponentSourceLabel] = Field(
        description="Where a component's value comes from."
    )
    grades: list[GradeLabel] = Field(description="An actor's grade, from its influence.")
    platforms: list[PlatformLabel]
    actor_kinds: list[ActorKindLabel]
    event_kinds: list[EventKindLabel]
    review_statuses: list[ReviewStatusLabel]
    outcomes: list[OutcomeLabel] = Field(description="How a forecast scenario turned out.")
