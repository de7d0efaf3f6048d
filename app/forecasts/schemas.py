"""Forecast schemas."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from app.enums import ReviewStatus
from app.schemas_base import ReadModel, UTCDatetime


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
