"""Actors: one row per organisation or person, shared by every controversy."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    Text,
)
from sqlmodel import Field

from app.enums import ActorKind, check_in
from app.models.base import EditedRow, uuid_pk


class Actor(EditedRow, table=True):
    __tablename__ = "actors"
    __table_args__ = (
        CheckConstraint(check_in("kind", ActorKind), name="ck_actors_kind"),
        CheckConstraint("influence BETWEEN 0 AND 100", name="ck_actors_influence"),
        Index("ix_actors_name", "name", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, sa_column=uuid_pk())
    name: str = Field(sa_column=Column(Text, nullable=False))
    # Lower-cased, whitespace-collapsed name: "OpenAI" exists once.
    name_key: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    kind: str = Field(sa_column=Column(Text, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    influence: int = Field(sa_column=Column(Integer, nullable=False))
