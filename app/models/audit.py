"""The audit log: who changed what, and when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, utcnow

AUDIT_ACTIONS = (
    "create",
    "update",
    "archive",
    "restore",
    "ingest",
    "rotate",
    "revoke",
    "delete",
    "retry",
    "test",
)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in AUDIT_ACTIONS) + ")",
            name="ck_audit_log_action",
        ),
        Index("ix_audit_log_resource", "resource", "resource_id", "id"),
        Index("ix_audit_log_occurred", "occurred_at", "id"),
    )

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True)
    )
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    actor: str = Field(sa_column=Column(Text, nullable=False))
    resource: str = Field(sa_column=Column(Text, nullable=False))
    resource_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    request_id: str | None = Field(default=None, sa_column=Column(Text))
