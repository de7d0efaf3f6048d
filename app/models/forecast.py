"""Forecasts and their scenarios; a newer forecast supersedes the older ones."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, Float, ForeignKey, Index, Integer, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from app.enums import ReviewStatus, check_in
from app.models.base import OfAControversy, timestamp, utcnow, uuid_pk


class Forecast(OfAControversy, table=True):
    __tablename__ = "forecasts"
    __table_args__ = (
        CheckConstraint(check_in("review_status", ReviewStatus), name="ck_forecasts_review"),
        Index("ix_forecasts_controversy", "controversy_id", "generated_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    generated_by: str = Field(sa_column=Column(Text, nullable=False))
    generated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    review_status: str = Field(
        default="unreviewed", sa_column=Column(Text, nullable=False, server_default="unreviewed")
    )
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    signals_as_of: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    archived_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))


class ForecastScenario(SQLModel, table=True):
    __tablename__ = "forecast_scenarios"
    __table_args__ = (
        CheckConstraint(
            "probability IS NULL OR (probability >= 0 AND probability <= 1)",
            name="ck_forecast_scenarios_probability",
        ),
        Index("ix_forecast_scenarios_forecast", "forecast_id", "position"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    forecast_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("forecasts.id", ondelete="CASCADE"), nullable=False
        )
    )
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    probability: float | None = Field(default=None, sa_column=Column(Float))
    horizon: date | None = Field(default=None, sa_column=Column(Date))
