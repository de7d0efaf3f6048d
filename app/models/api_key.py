"""API keys (only a hash of each secret is stored) and their daily usage counters."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlmodel import Field, SQLModel

from app.models.base import timestamp, utcnow, uuid_pk

# Shared with the migration, so the model and the database agree on every rule.
CK_KIND = "kind IN ('publishable', 'secret')"
CK_SCOPES = "cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]"
CK_PUBLISHABLE_READ_ONLY = "kind = 'secret' OR scopes <@ ARRAY['read']::text[]"
CK_RATE_LIMIT = "rate_limit > 0"
CK_PUBLIC_ID = "public_id ~ '^key_[A-Za-z0-9]{12}$'"
CK_HASH_LENGTH = (
    "octet_length(secret_hash) = 32"
    " AND (previous_secret_hash IS NULL OR octet_length(previous_secret_hash) = 32)"
)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(CK_KIND, name="ck_api_keys_kind"),
        CheckConstraint(CK_SCOPES, name="ck_api_keys_scopes"),
        CheckConstraint(CK_PUBLISHABLE_READ_ONLY, name="ck_api_keys_publishable_read_only"),
        CheckConstraint(CK_RATE_LIMIT, name="ck_api_keys_rate_limit"),
        CheckConstraint(CK_PUBLIC_ID, name="ck_api_keys_public_id"),
        CheckConstraint(CK_HASH_LENGTH, name="ck_api_keys_hash_length"),
        Index("ix_api_keys_created", "created_at", "id"),
        Index(
            "ix_api_keys_publishable",
            "kind",
            postgresql_where="kind = 'publishable' AND revoked_at IS NULL",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    public_id: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(Text, nullable=False))
    scopes: list[str] = Field(sa_column=Column(ARRAY(Text), nullable=False))
    origins: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    rate_limit: int = Field(sa_column=Column(Integer, nullable=False))
    # HMAC-SHA256 of the key string; the key itself is never stored.
    secret_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    # After a rotation the old secret stays valid until previous_secret_expires_at.
    previous_secret_hash: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True, unique=True)
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None, sa_column=timestamp(nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    expires_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    rotated_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class KeyUsage(SQLModel, table=True):
    __tablename__ = "key_usage"
    __table_args__ = (
        PrimaryKeyConstraint("key_id", "day", "route_group", name="pk_key_usage"),
        CheckConstraint("count >= 0", name="ck_key_usage_count"),
    )

    key_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False
        )
    )
    day: date = Field(sa_column=Column(Date, nullable=False))
    route_group: str = Field(sa_column=Column(Text, nullable=False))
    count: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
