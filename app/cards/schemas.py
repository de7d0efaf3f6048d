"""The card and the list as clients read them: the whole card is assembled here, above its
parts (sides, noise, forecast, timeline), and the list's filters and pages."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

from app.cards.repository import ListFilters
from app.controversies.schemas import Analysis
from app.enums import Category, Stage
from app.forecasts.schemas import ForecastRead
from app.noise.schemas import NoiseBrief, NoiseRead
from app.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.schemas_base import ReadModel, UTCDatetime
from app.sides.schemas import SideRead
from app.timeline.schemas import TimelineItem

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
    timeline: list[TimelineItem]


class CategoryCount(BaseModel):
    category: Category
    count: int


class ControversyPage(Page[ControversySummary]):
    """A page of the controversy list."""
