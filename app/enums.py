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


def check_in(column: str, enum: type[StrEnum]) -> str:
    """SQL for a CHECK constraint limiting `column` to the values of `enum`."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"
