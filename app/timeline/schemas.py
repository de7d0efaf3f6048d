"""Timeline event, mention and merged timeline schemas."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from app.enums import EventKind, Platform
from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime, WriteModel
from app.validation import (
    Count,
    ExternalId,
    HttpUrl,
    LongText,
    MediumText,
    Name,
    ShortText,
    Title,
)


class EventRead(ReadModel):
    id: uuid.UUID
    occurred_at: UTCDatetime
    title: str
    description: str
    kind: EventKind
    source_url: str | None
    version: int = Field(
        default=1, description="Bumped on every change; the ETag is built from it."
    )


class MentionRead(ReadModel):
    id: uuid.UUID
    platform: Platform
    external_id: str
    url: str | None
    author: str | None
    title: str | None
    excerpt: str | None
    published_at: UTCDatetime
    audience: int
    score: int
    comments: int
    shares: int


class TimelineKind(StrEnum):
    """What a timeline item is: a milestone or a source post."""

    event = "event"
    mention = "mention"


class TimelineEventItem(ReadModel):
    kind: Literal["event"] = "event"
    at: UTCDatetime
    event: EventRead


class TimelineMentionItem(ReadModel):
    kind: Literal["mention"] = "mention"
    at: UTCDatetime
    mention: MentionRead


TimelineItem = Annotated[TimelineEventItem | TimelineMentionItem, Field(discriminator="kind")]


class EventCreate(WriteModel):
    occurred_at: UTCDatetime
    title: Title
    description: LongText = ""
    kind: EventKind = EventKind.other
    source_url: HttpUrl | None = None


class EventUpdate(WriteModel):
    nullable_fields: ClassVar[frozenset[str]] = frozenset({"source_url"})

    occurred_at: UTCDatetime | None = None
    title: Title | None = None
    description: LongText | None = None
    kind: EventKind | None = None
    source_url: HttpUrl | None = None


class MentionWrite(WriteModel):
    """One source post; (platform, external_id) identifies it across re-ingests."""

    platform: Platform
    external_id: ExternalId
    url: HttpUrl | None = None
    author: Name | None = None
    title: MediumText | None = None
    excerpt: ShortText | None = None
    published_at: UTCDatetime
    audience: Count = 0
    score: Count = 0
    comments: Count = 0
    shares: Count = 0


class MentionBatch(WriteModel):
    mentions: list[MentionWrite] = Field(min_length=1, max_length=1000)


class IngestResult(BaseModel):
    created: int
    updated: int
    unchanged: int


class TimelinePage(Page[TimelineItem]):
    """A page of the timeline: milestones and source posts merged."""


class MentionPage(Page[MentionRead]):
    """A page of a controversy's source posts."""


class EventPage(Page[EventRead]):
    """A page of a controversy's milestones."""
