"""The controversy table, with its stored noise state and editorial noise inputs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Column, Computed, Float, Index, Integer, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from app.enums import Category, ReviewStatus, Stage, check_in
from app.models.base import timestamp, utcnow, uuid_pk

# The search document: title, summary and key points. The IMMUTABLE wrapper function is
# created by the migration, because array_to_string alone is not allowed in a generated column.
SEARCH_VECTOR_SQL = "controversy_search_vector(title, summary, key_points)"


class Controversy(SQLModel, table=True):
    __tablename__ = "controversies"
    __table_args__ = (
        CheckConstraint(check_in("category", Category), name="ck_controversies_category"),
        CheckConstraint(check_in("stage", Stage), name="ck_controversies_stage"),
        CheckConstraint(
            check_in("analysis_review_status", ReviewStatus), name="ck_controversies_review"
        ),
        CheckConstraint("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="ck_controversies_slug"),
        CheckConstraint(
            "industry_impact BETWEEN 0 AND 100", name="ck_controversies_industry_impact"
        ),
        Index("ix_controversies_search", "search", postgresql_using="gin"),
        Index(
            "ix_controversies_hot",
            "hot_key",
            "id",
            postgresql_where="archived_at IS NULL",
        ),
        Index(
            "ix_controversies_recent",
            "last_activity_at",
            "id",
            postgresql_where="archived_at IS NULL",
        ),
        Index(
            "ix_controversies_started", "started_at", "id", postgresql_where="archived_at IS NULL"
        ),
        Index(
            "ix_controversies_created", "created_at", "id", postgresql_where="archived_at IS NULL"
        ),
        Index("ix_controversies_tags", "tags", postgresql_using="gin"),
        Index("ix_controversies_category", "category", "hot_key"),
        Index("ix_controversies_updated", "updated_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    slug: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    title: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(sa_column=Column(Text, nullable=False))
    stage: str = Field(sa_column=Column(Text, nullable=False))
    tags: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    why_it_matters: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    key_points: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(Text), nullable=False, server_default="{}")
    )
    eli5: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    analysis_generated_by: str | None = Field(default=None, sa_column=Column(Text))
    analysis_review_status: str = Field(
        default="unreviewed", sa_column=Column(Text, nullable=False, server_default="unreviewed")
    )
    analysis_reviewed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    analysis_methodology_url: str | None = Field(default=None, sa_column=Column(Text))
    started_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    archived_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    # Bumped on every change to anything the card shows; the ETag and If-Match use it.
    version: int = Field(
        default=1, sa_column=Column(BigInteger, nullable=False, server_default="1")
    )

    # Editorial noise inputs (noise.md § Inputs). Overrides live in noise_overrides.
    industry_impact: int = Field(
        default=50, sa_column=Column(Integer, nullable=False, server_default="50")
    )

    # The stored noise state, recomputed on write (noise.md).
    noise_composite: float = Field(
        default=0.0, sa_column=Column(Float, nullable=False, server_default="0")
    )
    noise_components: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}")
    )
    last_activity_at: datetime = Field(default_factory=utcnow, sa_column=timestamp(server_now=True))
    hot_key: float = Field(
        default=-30.0, sa_column=Column(Float, nullable=False, server_default="-30")
    )
    noise_computed_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))

    search: str | None = Field(
        default=None,
        sa_column=Column(TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True)),
    )
