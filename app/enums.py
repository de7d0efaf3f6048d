"""The enumerations of the product contract (api.md), shared by schemas and checks."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    safety = "safety"
    copyright = "copyright"
    privacy = "privacy"
    bias = "bias"
    labor = "labor"
    misinformation = "misinformation"
    governance = "governance"
    business = "business"
    open_source = "open_source"
    military = "military"
    other = "other"


class Stage(StrEnum):
    emerging = "emerging"
    developing = "developing"
    escalating = "escalating"
    resolved = "resolved"
    dormant = "dormant"


class ReviewStatus(StrEnum):
    unreviewed = "unreviewed"
    reviewed = "reviewed"


class ActorKind(StrEnum):
    organization = "organization"
    person = "person"
    community = "community"
    government = "government"
    other = "other"


class EventKind(StrEnum):
    announcement = "announcement"
    release = "release"
    response = "response"
    legal = "legal"
    policy = "policy"
    other = "other"


class Platform(StrEnum):
    hackernews = "hackernews"
    reddit = "reddit"
    x = "x"
    bluesky = "bluesky"
    mastodon = "mastodon"
    youtube = "youtube"
    news = "news"
    blog = "blog"
    other = "other"


class Outcome(StrEnum):
    """How a scorable forecast scenario turned out (forecasts.md)."""

    happened = "happened"
    did_not_happen = "did_not_happen"
    annulled = "annulled"


def check_in(column: str, enum: type[StrEnum]) -> str:
    """SQL for a CHECK constraint limiting `column` to the values of `enum`."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


class NoiseLevel(StrEnum):
    """The band a Noise Score falls in (the methodology's `level_bands`)."""

    quiet = "quiet"
    murmur = "murmur"
    buzz = "buzz"
    loud = "loud"
    uproar = "uproar"


class Grade(StrEnum):
    """An actor's letter grade, from its influence (the methodology's `grade_bands`)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"


class ComponentSource(StrEnum):
    """Where a score component's value comes from."""

    derived = "derived"
    editorial = "editorial"


class HistoryInterval(StrEnum):
    """The step of a score history."""

    hour = "hour"
    day = "day"
    week = "week"
