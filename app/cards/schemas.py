"""The card and the list as clients read them: the whole card is assembled here, above its
parts (sides, noise, forecast, milestones, posts), and the list's filters and pages."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.cards.repository import ListFilters
from app.controversies.schemas import Analysis
from app.enums import Category, Stage
from app.forecasts.schemas import ForecastRead
from app.noise.schemas import NoiseBrief, NoiseRead
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.schemas_base import ReadModel, UTCDatetime
from app.sides.schemas import SideRead
from app.timeline.schemas import EventRead, MentionRead
from app.validation import Tag

SortName = Literal["noise", "recent", "started", "created"]


# Repeated filters are OR-ed (`category=safety&category=governance`), different ones AND-ed.
LIST_FILTERS = ("category", "stage", "tag", "actor")


class ListQuery(BaseModel):
    """The filters, sort and page of the controversy list."""

    category: list[Category] = Field(default=[], max_length=20, description="Any of these.")
    stage: list[Stage] = Field(default=[], max_length=20, description="Any of these.")
    tag: list[Tag] = Field(
        default=[], max_length=20, description="Any of these tags (case-insensitive)."
    )
    actor: list[uuid.UUID] = Field(default=[], max_length=20, description="Any of these actor ids.")
    q: str | None = Field(
        default=None, max_length=200, description="Full-text search; empty means no filter."
    )
    min_noise: int | None = Field(default=None, ge=0, le=100)
    updated_since: UTCDatetime | None = None
    sort: SortName = "noise"
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size, 1–100.")
    cursor: str | None = Field(
        default=None, max_length=512, description="The `next_cursor` of the previous page."
    )

    @field_validator("q")
    @classmethod
    def empty_q_is_no_filter(cls, value: str | None) -> str | None:
        return value if value is not None and value.strip() else None

    def filters(self) -> ListFilters:
        """The filters as the repository takes them (sorted: one cache entry per set)."""
        return ListFilters(
            categories=tuple(sorted({c.value for c in self.category})),
            stages=tuple(sorted({s.value for s in self.stage})),
            tags=tuple(sorted(set(self.tag))),
            actor_ids=tuple(sorted(set(self.actor))),
            q=self.q,
            min_noise=self.min_noise,
            updated_since=self.updated_since,
        )


class CardQuery(BaseModel):
    """How to read a card."""

    at: UTCDatetime | None = Field(
        default=None, description="Evaluate the decay at this time (RFC 3339)."
    )


class ControversyFields(ReadModel):
    """What the list's compact card and the whole card both show."""

    id: uuid.UUID
    slug: str
    title: str
    category: Category
    stage: Stage
    tags: list[str]
    summary: str
    started_at: UTCDatetime
    created_at: UTCDatetime
    updated_at: UTCDatetime


class ControversySummary(ControversyFields):
    """The compact card of a list."""

    noise: NoiseBrief


class MilestonesSection(ReadModel):
    """The card's latest milestones; the rest are a page away."""

    data: list[EventRead]
    has_more: bool = Field(description="True when older milestones exist.")
    list_url: str = Field(description="The full, paginated list of milestones.")


class PostsSection(ReadModel):
    """The card's latest source posts; the rest are a page away."""

    data: list[MentionRead]
    has_more: bool = Field(description="True when older posts exist.")
    list_url: str = Field(description="The full, paginated list of posts.")


class ControversyRead(ControversyFields):
    """The whole card: one request draws the page."""

    why_it_matters: str
    key_points: list[str]
    eli5: str
    analysis: Analysis
    version: int = Field(description="Bumped on every change; the ETag is built from it.")
    noise: NoiseRead
    sides: list[SideRead]
    forecast: ForecastRead | None
    milestones: MilestonesSection = Field(description="The latest milestones, newest first.")
    posts: PostsSection = Field(description="The latest source posts, newest first.")


class CategoryCount(BaseModel):
    category: Category
    count: int


class CategoryPage(Page[CategoryCount]):
    """Every category with its count (one page, in the shape of every list)."""


class ControversyPage(Page[ControversySummary]):
    """A page of the controversy list."""
