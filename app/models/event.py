"""The outbox: every committed change, as events, written in the transaction of the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Identity, Index, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, utcnow


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_controversy", "controversy_id", "id"),
        Index("ix_outbox_events_occurred", "occurred_at"),
    )

    # Sortable, and in commit order: writers take one lock before appending (app/events).
    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    type: str = Field(sa_column=Column(Text, nullable=False))
    # Null only for events about no controversy (a webhook endpoint disabled).
    controversy_id: uuid.UUID | None = Field(default=None, sa_column=Column(UUID(as_uuid=True)))
    controversy_slug: str | None = Field(default=None, sa_column=Column(Text))
    controversy_version: int | None = Field(default=None, sa_column=Column(Integer))
    resource: str = Field(sa_column=Column(Text, nullable=False))
    resource_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False))
    resource_version: int | None = Field(default=None, sa_column=Column(Integer))
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
