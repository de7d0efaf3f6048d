"""Controversy schemas: the list card and the whole card."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel

from app.actors.schemas import SideRead
from app.enums import Category, ReviewStatus, Stage
from app.forecasts.schemas import ForecastRead
from app.noise.schemas import NoiseBrief, NoiseRead
from app.schemas_base import ReadModel, UTCDatetime
from app.timeline.schemas import TimelineItem

SortName = Literal["noise", "recent", "started", "created"]


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
    noise: NoiseRead
    sides: list[SideRead]
    forecast: ForecastRead | None
    timeline: list[TimelineItem]


class CategoryCount(BaseModel):
    category: Category
    count: int
