"""Audit log schemas."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime


class AuditResource(StrEnum):
    """What an audit entry changed."""

    controversy = "controversy"
    side = "side"
    stance = "stance"
    actor = "actor"
    event = "event"
    forecast = "forecast"
    scenario = "scenario"
    noise_inputs = "noise_inputs"
    mentions = "mentions"
    key = "key"
    webhook = "webhook"


class AuditEntryRead(ReadModel):
    id: int
    occurred_at: UTCDatetime
    actor: str
    resource: AuditResource
    resource_id: uuid.UUID
    action: str
    changes: dict[str, Any]
    request_id: str | None


class AuditEntryPage(Page[AuditEntryRead]):
    """A page of the audit log."""
