"""Actor, side and stance schemas."""

from __future__ import annotations

import uuid

from pydantic import Field, computed_field

from app.enums import ActorKind
from app.noise.scoring import grade
from app.schemas_base import ReadModel


class ActorRead(ReadModel):
    id: uuid.UUID
    name: str
    kind: ActorKind
    description: str | None
    influence: int = Field(ge=0, le=100)

    @computed_field(description="Letter grade derived from influence: A ≥ 80 … F < 20.")  # type: ignore[prop-decorator]
    @property
    def grade(self) -> str:
        return grade(self.influence)


class StanceRead(ReadModel):
    id: uuid.UUID
    claim: str
    actor: ActorRead


class SideRead(ReadModel):
    id: uuid.UUID
    label: str
    summary: str
    position: int
    stances: list[StanceRead]


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
