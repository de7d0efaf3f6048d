"""Change events as clients read them (the outbox, /v1/changes and /v1/stream)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field

from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime


class ChangeEventType(StrEnum):
    """What a committed write changed; `…updated` events carry the fields sent."""

    controversy_created = "controversy.created"
    controversy_updated = "controversy.updated"
    controversy_archived = "controversy.archived"
    controversy_restored = "controversy.restored"
    side_created = "side.created"
    side_updated = "side.updated"
    side_archived = "side.archived"
    side_restored = "side.restored"
    stance_created = "stance.created"
    stance_updated = "stance.updated"
    stance_archived = "stance.archived"
    stance_restored = "stance.restored"
    event_created = "event.created"
    event_updated = "event.updated"
    event_archived = "event.archived"
    event_restored = "event.restored"
    mentions_ingested = "mentions.ingested"
    noise_inputs_updated = "noise.inputs_updated"
    noise_level_changed = "noise.level_changed"
    forecast_published = "forecast.published"
    forecast_superseded = "forecast.superseded"
    forecast_updated = "forecast.updated"
    forecast_archived = "forecast.archived"
    forecast_restored = "forecast.restored"
    forecast_resolved = "forecast.resolved"
    webhook_disabled = "webhook.disabled"


class ChangeEvent(ReadModel):
    id: int = Field(description="Sortable, in commit order; the stream's `id` (Last-Event-ID).")
    type: ChangeEventType
    occurred_at: UTCDatetime
    controversy_id: uuid.UUID | None = Field(
        description="The controversy changed; null only for events about none (a webhook)."
    )
    controversy_slug: str | None
    controversy_version: int | None = Field(
        description="The card's version after this change (null with no controversy)."
    )
    resource: str = Field(description="What changed: controversy, side, stance, event, …")
    resource_id: uuid.UUID
    resource_version: int | None = Field(
        description='The changed row\'s version after the change (its ETag is `W/"<version>"`);'
        " null where the resource has none of its own (mention batches, noise inputs, …)."
    )
    payload: dict[str, Any] = Field(
        description="The fields the write sent, or counts; `{truncated: true}` past 8 KB."
    )


class ChangeEventPage(Page[ChangeEvent]):
    """Events in commit order, oldest first."""
