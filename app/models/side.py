"""The sides of a controversy, and the stances of actors on them."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field

from app.models.base import EditedRow, OfAControversy, uuid_pk


class Side(OfAControversy, EditedRow, table=True):
    __tablename__ = "sides"
    __table_args__ = (
        # Labels are unique among the live sides of a controversy.
        Index(
            "uq_sides_label",
            "controversy_id",
            "label",
            unique=True,
            postgresql_where="archived_at IS NULL",
        ),
        # Target of the stance's composite key: a stance's side belongs to its controversy.
        UniqueConstraint("id", "controversy_id", name="uq_sides_id_controversy"),
        CheckConstraint("position >= 0", name="ck_sides_position"),
        Index("ix_sides_controversy", "controversy_id", "position"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    label: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    position: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))


class Stance(OfAControversy, EditedRow, table=True):
    __tablename__ = "stances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["side_id", "controversy_id"],
            ["sides.id", "sides.controversy_id"],
            ondelete="CASCADE",
            name="fk_stances_side",
        ),
        # An actor stands on one (live) side of a controversy.
        Index(
            "uq_stances_actor",
            "controversy_id",
            "actor_id",
            unique=True,
            postgresql_where="archived_at IS NULL",
        ),
        Index("ix_stances_side", "side_id"),
        Index("ix_stances_actor", "actor_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    side_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False))
    actor_id: uuid.UUID = Field(
        sa_column=Column(
            UUID(as_uuid=True), ForeignKey("actors.id", ondelete="RESTRICT"), nullable=False
        )
    )
    claim: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
