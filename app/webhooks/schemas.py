"""Webhook endpoints and their deliveries as clients see and send them."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime, WriteModel
from app.webhooks.urls import RefusedUrl, check_syntax


def _url(value: str) -> str:
    try:
        check_syntax(value)
    except RefusedUrl as exc:
        raise ValueError(str(exc)) from None
    return value


WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        pattern=r"^https?://",
        description="Where to POST: an http(s) URL without credentials or fragment.",
        examples=["https://hooks.example.com/controversies"],
    ),
    AfterValidator(_url),
]
EventTypePattern = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z_]+\.([a-z_]+|\*)$",
        description="An event type, or `kind.*` for every event of a kind.",
        examples=["noise.level_changed", "side.*"],
    ),
]


class EndpointStatus(StrEnum):
    """Whether deliveries to an endpoint are getting through."""

    active = "active"
    failing = "failing"
    disabled = "disabled"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class WebhookCreate(WriteModel):
    """A new endpoint. Events go to `url` as signed POSTs (Standard Webhooks)."""

    url: WebhookUrl
    event_types: list[EventTypePattern] = Field(
        default_factory=list, max_length=50, description="Only these events; empty: all."
    )
    controversies: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=100,
        description="Only events of these controversies (ids or slugs); empty: all.",
    )
    description: str = Field(default="", max_length=500)
    enabled: bool = True


class WebhookUpdate(WriteModel):
    """Fields to change; those left out stay. Enabling a disabled endpoint makes it active."""

    url: WebhookUrl | None = None
    event_types: list[EventTypePattern] | None = Field(default=None, max_length=50)
    controversies: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, max_length=100
    )
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class SecretRotate(WriteModel):
    """How long the old secret keeps signing beside the new one (0: stops at once)."""

    overlap_seconds: int | None = Field(
        default=None, ge=0, le=30 * 86400, description="Default: WEBHOOK_SECRET_OVERLAP_SECONDS."
    )


class WebhookRead(ReadModel):
    """An endpoint (never its secret)."""

    id: uuid.UUID
    url: str
    event_types: list[str]
    controversy_ids: list[uuid.UUID]
    description: str
    enabled: bool
    status: EndpointStatus
    failing_since: UTCDatetime | None = Field(
        description="When its deliveries began to fail for good; null when they get through."
    )
    disabled_at: UTCDatetime | None
    previous_secret_expires_at: UTCDatetime | None = Field(
        description="Until then, deliveries are signed with the previous secret too."
    )
    version: int
    created_at: UTCDatetime
    updated_at: UTCDatetime


class WebhookCreated(WebhookRead):
    """A new endpoint, or a rotated secret, with the secret shown this once."""

    secret: str = Field(description="The signing secret (`whsec_…`). Shown once: store it now.")


class WebhookPage(Page[WebhookRead]):
    """Endpoints, newest first."""


class AttemptRead(ReadModel):
    """One HTTP attempt of a delivery."""

    attempt: int
    attempted_at: UTCDatetime
    status_code: int | None = Field(description="The receiver's HTTP status; null: no answer.")
    latency_ms: float
    error: str | None = Field(description="Why it failed without an answer (timeout, refused).")
    response_body: str | None = Field(description="The start of the answer (at most 1 KiB).")


class DeliveryRead(ReadModel):
    """One message to one endpoint and where it stands."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: int | None = Field(description="The change event delivered; null for a test.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: UTCDatetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: UTCDatetime
    finished_at: UTCDatetime | None


class DeliveryDetail(DeliveryRead):
    """A delivery with each of its attempts, oldest first."""

    attempt_log: list[AttemptRead]


class DeliveryPage(Page[DeliveryRead]):
    """Deliveries, newest first."""
