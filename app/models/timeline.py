"""Timeline events (milestones) and mentions (source posts)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field

from app.enums import EventKind, Platform, check_in
from app.models.base import EditedRow, OfAControversy, timestamp, utcnow, uuid_pk


class TimelineEvent(OfAControversy, EditedRow, table=True):
    __tablename__ = "timeline_events"
    __table_args__ = (
        CheckConstraint(check_in("kind", EventKind), name="ck_timeline_events_kind"),
        Index("ix_timeline_events_controversy", "controversy_id", "occurred_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    occurred_at: datetime = Field(sa_column=timestamp())
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    kind: str = Field(default="other", sa_column=Column(Text, nullable=False))
    source_url: str | None = Field(default=None, sa_column=Column(Text))


class Mention(OfAControversy, table=True):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_mentions_platform_external_id"),
        CheckConstraint(check_in("platform", Platform), name="ck_mentions_platform"),
        CheckConstraint(
            "audience >= 0 AND score >= 0 AND comments >= 0 AND shares >= 0",
            name="ck_mentions_metrics",
        ),
        Index("ix_mentions_controversy", "controversy_id", "published_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    platform: str = Field(sa_column=Column(Text, nullable=False))
    external_id: str = Field(sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = Field(default=None, sa_column=Column(Text))
    title: str | None = Field(default=None, sa_column=Column(Text))
    excerpt: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime = Field(sa_column=timestamp())
    audience: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    score: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    comments: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    shares: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
