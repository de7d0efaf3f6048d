"""Side and stance schemas: who stands where in a controversy, and what each one claims."""

from __future__ import annotations

import uuid

from pydantic import Field

from app.actors.schemas import ActorRead
from app.pagination import Page
from app.schemas_base import ReadModel, WriteModel
from app.validation import Label, LongText

VERSION_DOC = "Bumped on every change; the ETag is built from it."


class StanceRead(ReadModel):
    id: uuid.UUID
    claim: str
    version: int = Field(description=VERSION_DOC)
    actor: ActorRead


class SideRead(ReadModel):
    id: uuid.UUID
    label: str
    summary: str
    position: int
    version: int = Field(description=VERSION_DOC)
    stances: list[StanceRead]


class SideCreate(WriteModel):
    label: Label
    summary: LongText = ""
    position: int = Field(default=0, ge=0, le=1000)


class SideUpdate(WriteModel):
    label: Label | None = None
    summary: LongText | None = None
    position: int | None = Field(default=None, ge=0, le=1000)


class StanceCreate(WriteModel):
    actor_id: uuid.UUID
    claim: LongText = ""


class StanceUpdate(WriteModel):
    claim: LongText | None = None
    side_id: uuid.UUID | None = Field(
        default=None, description="Move the stance to another side of the same controversy."
    )


class SidePage(Page[SideRead]):
    """Every live side of a controversy, in their order (one page: a story has few sides)."""
