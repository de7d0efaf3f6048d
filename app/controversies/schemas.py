"""Controversy schemas: the list card and the whole card."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from app.actors.schemas import SideRead
from app.controversies.repository import ListFilters
from app.enums import Category, ReviewStatus, Stage
from app.forecasts.schemas import ForecastRead
from app.noise.schemas import NoiseBrief, NoiseRead
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.schemas_base import ReadModel, UTCDatetime, WriteModel
from app.timeline.schemas import TimelineItem
from app.validation import (
    UUID_SHAPED,
    KeyPoint,
    LongText,
    Name,
    Percent,
    RelativeOrHttpUrl,
    Slug,
    Tag,
    Title,
)

SortName = Literal["noise", "recent", "started", "created"]


class ListQuery(BaseModel):
    """The filters, sort and page of the controversy list."""

    category: Category | None = None
    stage: Stage | None = None
    tag: str | None = Field(default=None, min_length=1, max_length=64)
    actor: uuid.UUID | None = Field(default=None, description="An actor id.")
    q: str | None = Field(
        default=None, min_length=1, max_length=200, description="Full-text search."
    )
    min_noise: int | None = Field(default=None, ge=0, le=100)
    updated_since: UTCDatetime | None = None
    sort: SortName = "noise"
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size, 1–100.")
    cursor: str | None = Field(
        default=None, max_length=512, description="The `next_cursor` of the previous page."
    )

    def filters(self) -> ListFilters:
        """The filters as the repository takes them."""
        return ListFilters(
            category=self.category,
            stage=self.stage,
            tag=self.tag,
            actor_id=self.actor,
            q=self.q,
            min_noise=self.min_noise,
            updated_since=self.updated_since,
        )


class CardQuery(BaseModel):
    """How to read a card."""

    at: UTCDatetime | None = Field(
        default=None, description="Evaluate the decay at this time (RFC 3339)."
    )


class Analysis(ReadModel):
    generated_by: str | None
    review_status: ReviewStatus
    reviewed_at: UTCDatetime | None
    methodology_url: str | None


class ControversySummary(ReadModel):
    """The compact card of a list."""

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
    noise: NoiseBrief


class ControversyRead(ReadModel):
    """The whole card: one request draws the page."""

    id: uuid.UUID
    slug: str
    title: str
    category: Category
    stage: Stage
    tags: list[str]
    summary: str
    why_it_matters: str
    key_points: list[str]
    eli5: str
    analysis: Analysis
    started_at: UTCDatetime
    created_at: UTCDatetime
    updated_at: UTCDatetime
    version: int = Field(description="Bumped on every change; the ETag is built from it.")
    noise: NoiseRead
    sides: list[SideRead]
    forecast: ForecastRead | None
    timeline: list[TimelineItem]


class CategoryCount(BaseModel):
    category: Category
    count: int


class AnalysisWrite(WriteModel):
    generated_by: Name | None = None
    review_status: ReviewStatus = ReviewStatus.unreviewed
    methodology_url: RelativeOrHttpUrl | None = None


def _not_uuid_shaped(slug: str) -> str:
    # Paths accept an id or a slug; a slug that looks like an id would be unreachable.
    if UUID_SHAPED.match(slug):
        raise ValueError("must not look like an id")
    return slug


class ControversyCreate(WriteModel):
    """A new controversy. Ids, timestamps and noise values are set by the service."""

    slug: Annotated[Slug, AfterValidator(_not_uuid_shaped)]
    title: Title
    category: Category
    stage: Stage
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    summary: LongText = ""
    why_it_matters: LongText = ""
    key_points: list[KeyPoint] = Field(default_factory=list, max_length=20)
    eli5: LongText = ""
    analysis: AnalysisWrite | None = None
    started_at: UTCDatetime | None = Field(
        default=None, description="When the story began; default: now."
    )
    industry_impact: Percent = Field(default=50, description="Editorial noise input, 0–100.")


class ControversyUpdate(WriteModel):
    """Fields to change; omitted fields stay as they are."""

    slug: Annotated[Slug, AfterValidator(_not_uuid_shaped)] | None = None
    title: Title | None = None
    category: Category | None = None
    stage: Stage | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    summary: LongText | None = None
    why_it_matters: LongText | None = None
    key_points: list[KeyPoint] | None = Field(default=None, max_length=20)
    eli5: LongText | None = None
    analysis: AnalysisWrite | None = None
    started_at: UTCDatetime | None = None
