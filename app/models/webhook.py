"""Webhook endpoints, their deliveries and each delivery's attempts, and the dispatch cursor."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, utcnow

ENDPOINT_STATUSES = ("active", "failing", "disabled")
DELIVERY_STATUSES = ("pending", "succeeded", "failed")


class WebhookEndpoint(SQLModel, table=True):
    """Where to POST events, which ones, and the secret that signs them."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in ENDPOINT_STATUSES) + ")",
            name="ck_webhook_endpoints_status",
        ),
        Index("ix_webhook_endpoints_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    url: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Exact types or `kind.*`; empty: every event.
    event_types: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    # Empty: every controversy.
    controversy_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
    )
    enabled: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    status: str = Field(
        default="active", sa_column=Column(Text, nullable=False, server_default="active")
    )
    failing_since: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    disabled_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Kept readable (the worker signs with it); shown to a client only when made.
    secret: str = Field(sa_column=Column(Text, nullable=False))
    previous_secret: str | None = Field(default=None, sa_column=Column(Text))
    previous_secret_expires_at: datetime | None = Field(
        default=None, sa_column=timestamp(nullable=True)
    )
    # The newest event when it was made: it receives only those after it.
    after_event_id: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    created_by: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))


class WebhookDelivery(SQLModel, table=True):
    """One message to one endpoint: an event (at most once per endpoint) or a test ping."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_event"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in DELIVERY_STATUSES) + ")",
            name="ck_webhook_deliveries_status",
        ),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"),
        Index("ix_webhook_deliveries_created", "created_at"),
    )

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    endpoint_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    event_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    event_type: str = Field(sa_column=Column(Text, nullable=False))
    # The exact message body, so every attempt sends (and signs) the same bytes.
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(
        default="pending", sa_column=Column(Text, nullable=False, server_default="pending")
    )
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    next_attempt_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class WebhookAttempt(SQLModel, table=True):
    """One HTTP attempt of a delivery: when, how long, and what came back."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),)

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, Identity(always=True), primary_key=True)
    )
    delivery_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
            nullable=False,
        )
    )
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    attempted_at: datetime = Field(sa_column=timestamp())
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    latency_ms: float = Field(sa_column=Column(Float, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text))
    response_body: str | None = Field(default=None, sa_column=Column(Text))


class WebhookDispatchCursor(SQLModel, table=True):
    """The newest outbox event already fanned out to deliveries (one row)."""

    __tablename__ = "webhook_dispatch_cursor"
    __table_args__ = (CheckConstraint("id = 1", name="ck_webhook_dispatch_cursor_single"),)

    id: int = Field(default=1, sa_column=Column(Integer, primary_key=True))
    last_event_id: int = Field(sa_column=Column(BigInteger, nullable=False))


class NoiseLevelWatch(SQLModel, table=True):
    """The level band last announced for a controversy, and when decay may next move it."""

    __tablename__ = "noise_level_watch"
    __table_args__ = (Index("ix_noise_level_watch_check", "check_at"),)

    controversy_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True),
            ForeignKey("controversies.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    announced_level: str = Field(sa_column=Column(Text, nullable=False))
    check_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class RecomputeRun(SQLModel, table=True):
    """One `recompute-all` run through the queue, with its progress."""

    __tablename__ = "recompute_runs"

    id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), primary_key=True))
    requested_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    finished_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    total: int = Field(sa_column=Column(Integer, nullable=False))
    done: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    changed: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # The last controversy id done: the next batch starts after it.
    after_id: uuid.UUID | None = Field(default=None, sa_column=Column(UUID(as_uuid=True)))
