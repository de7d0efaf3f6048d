"""Timeline event, mention and merged timeline schemas."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field

from app.enums import EventKind, Platform
from app.schemas_base import ReadModel, UTCDatetime


class EventRead(ReadModel):
    id: uuid.UUID
    occurred_at: UTCDatetime
    title: str
    description: str
    kind: EventKind
    source_url: str | None


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


class TimelineEventItem(ReadModel):
    kind: Literal["event"] = "event"
    at: UTCDatetime
    event: EventRead


class TimelineMentionItem(ReadModel):
    kind: Literal["mention"] = "mention"
    at: UTCDatetime
    mention: MentionRead


TimelineItem = Annotated[TimelineEventItem | TimelineMentionItem, Field(discriminator="kind")]
