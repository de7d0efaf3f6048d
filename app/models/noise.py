"""Editorial overrides of noise components and the snapshots behind the history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, Float, ForeignKey, Index, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, utcnow

OVERRIDABLE = ("reach", "engagement", "star_power", "cross_platform", "polarity", "duration")


class NoiseOverride(SQLModel, table=True):
    """An editor's hand-set value for one component of one controversy."""

    __tablename__ = "noise_overrides"
    __table_args__ = (
        CheckConstraint(
            "component IN (" + ", ".join(f"'{c}'" for c in OVERRIDABLE) + ")",
            name="ck_noise_overrides_component",
        ),
        CheckConstraint("value BETWEEN 0 AND 100", name="ck_noise_overrides_value"),
    )

    controversy_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("controversies.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    component: str = Field(sa_column=Column(Text, primary_key=True))
    value: int = Field(sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))


class NoiseSnapshot(SQLModel, table=True):
    """The noise state after a recompute that changed C or last_activity_at."""

    __tablename__ = "noise_snapshots"
    __table_args__ = (
        Index("ix_noise_snapshots_controversy", "controversy_id", "computed_at", "id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    controversy_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("controversies.id", ondelete="CASCADE"), nullable=False
        )
    )
    computed_at: datetime = Field(sa_column=timestamp())
    composite: float = Field(sa_column=Column(Float, nullable=False))
    components: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    last_activity_at: datetime = Field(sa_column=timestamp())
