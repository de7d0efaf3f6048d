"""Forecast schemas."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.enums import ReviewStatus
from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime, WriteModel
from app.validation import LongText, Name, SupportedDate, Title


class ScenarioRead(ReadModel):
    title: str
    description: str
    probability: float | None = Field(default=None, ge=0, le=1)
    horizon: date | None = None


class ForecastRead(ReadModel):
    id: uuid.UUID
    generated_by: str
    generated_at: UTCDatetime
    review_status: ReviewStatus
    summary: str
    scenarios: list[ScenarioRead]
    signals_as_of: UTCDatetime | None
    superseded: bool = Field(description="True when a newer forecast exists.")
    version: int = Field(description="Bumped on every change; the ETag is built from it.")


class ScenarioWrite(WriteModel):
    title: Title
    description: LongText = ""
    probability: float | None = Field(default=None, ge=0, le=1)
    horizon: SupportedDate | None = None


class ForecastCreate(WriteModel):
    """A new forecast; it supersedes the current one, which stays readable."""

    generated_by: Name
    generated_at: UTCDatetime | None = Field(default=None, description="Default: now.")
    review_status: ReviewStatus = ReviewStatus.unreviewed
    summary: LongText = ""
    scenarios: list[ScenarioWrite] = Field(min_length=1, max_length=10)
    signals_as_of: UTCDatetime | None = None


class ForecastUpdate(WriteModel):
    """Review a forecast or correct its text; its scenarios are replaced when sent."""

    review_status: ReviewStatus | None = None
    summary: LongText | None = None
    scenarios: list[ScenarioWrite] | None = Field(default=None, min_length=1, max_length=10)


class ForecastPage(Page[ForecastRead]):
    """A page of a controversy's forecasts, newest first."""
