"""Forecasts and their scenarios; a newer forecast supersedes the older ones."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel

from app.enums import Outcome, ReviewStatus, check_in
from app.models.base import OfAControversy, timestamp, utcnow, uuid_pk


class Forecast(OfAControversy, table=True):
    __tablename__ = "forecasts"
    __table_args__ = (
        CheckConstraint(check_in("review_status", ReviewStatus), name="ck_forecasts_review"),
        Index("ix_forecasts_controversy", "controversy_id", "generated_at", "id"),
        Index("ix_forecasts_generated_by", "generated_by"),
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
        CheckConstraint(
            f"outcome IS NULL OR ({check_in('outcome', Outcome)})",
            name="ck_forecast_scenarios_outcome",
        ),
        CheckConstraint(
            "(outcome IS NULL) = (resolved_at IS NULL)", name="ck_forecast_scenarios_resolved"
        ),
        CheckConstraint(
            "(probability IS NULL) = (horizon IS NULL)", name="ck_forecast_scenarios_pair"
        ),
        CheckConstraint(
            "outcome IS NULL OR probability IS NOT NULL",
            name="ck_forecast_scenarios_scorable",
        ),
        Index("ix_forecast_scenarios_forecast", "forecast_id", "position"),
        # The editors' queue: scorable, unresolved scenarios by horizon.
        Index(
            "ix_forecast_scenarios_due",
            "horizon",
            "id",
            postgresql_where=text("outcome IS NULL AND probability IS NOT NULL"),
        ),
        # The track record: scored scenarios by resolution time, with what the scores need.
        Index(
            "ix_forecast_scenarios_scored",
            "resolved_at",
            postgresql_include=["forecast_id", "probability", "outcome"],
            postgresql_where=text("outcome IN ('happened', 'did_not_happen')"),
        ),
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
    # The latest resolution (forecasts.md); a correction overwrites it and is audited.
    outcome: str | None = Field(default=None, sa_column=Column(Text))
    resolved_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    resolution_source_url: str | None = Field(default=None, sa_column=Column(Text))
    resolution_note: str | None = Field(default=None, sa_column=Column(Text))
    resolved_by: str | None = Field(default=None, sa_column=Column(Text))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))


class ForecastTrackRecord(SQLModel, table=True):
    """A generator's sums per calibration bin, maintained in every transaction that changes
    them: the card and the unfiltered track record read these few rows, never aggregate."""

    __tablename__ = "forecast_track_records"

    generated_by: str = Field(sa_column=Column(Text, primary_key=True))
    bin: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    n: int = Field(sa_column=Column(Integer, nullable=False))
    brier_sum: float = Field(sa_column=Column(Float, nullable=False))
    log_loss_sum: float = Field(sa_column=Column(Float, nullable=False))
    probability_sum: float = Field(sa_column=Column(Float, nullable=False))
    happened: int = Field(sa_column=Column(Integer, nullable=False))
