"""Actor schemas: one actor across every controversy, and where it stands in each."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field, computed_field

from app.enums import ActorKind, Grade
from app.noise.scoring import grade
from app.pagination import Page
from app.schemas_base import ReadModel, WriteModel
from app.validation import Name, Percent, ShortText


class ActorRead(ReadModel):
    id: uuid.UUID
    name: str
    kind: ActorKind
    description: str | None
    influence: int = Field(ge=0, le=100)
    version: int = Field(description="Bumped on every change; the ETag is built from it.")

    @computed_field(description="Letter grade derived from influence: A ≥ 80 … F < 20.")  # type: ignore[prop-decorator]
    @property
    def grade(self) -> Grade:
        return Grade(grade(self.influence))


class ControversyRef(ReadModel):
    id: uuid.UUID
    slug: str
    title: str


class SideRef(ReadModel):
    id: uuid.UUID
    label: str


class ActorStance(ReadModel):
    """Where an actor stands in one controversy."""

    controversy: ControversyRef
    side: SideRef
    claim: str


class ActorDetail(ActorRead):
    stances: list[ActorStance]


class ActorCreate(WriteModel):
    """A new actor; names are unique once normalised ("OpenAI" exists once)."""

    name: Name
    kind: ActorKind
    description: ShortText | None = None
    influence: Percent


class ActorUpdate(WriteModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"description"})

    name: Name | None = None
    kind: ActorKind | None = None
    description: ShortText | None = None
    influence: Percent | None = None


class ActorPage(Page[ActorRead]):
    """A page of the actor list."""
