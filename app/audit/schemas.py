"""Audit log schemas."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from app.schemas_base import ReadModel, UTCDatetime

AuditResource = Literal[
    "controversy",
    "side",
    "stance",
    "actor",
    "event",
    "forecast",
    "noise_inputs",
    "mentions",
    "key",
]


class AuditEntryRead(ReadModel):
    id: int
    occurred_at: UTCDatetime
    actor: str
    resource: AuditResource
    resource_id: uuid.UUID
    action: str
    changes: dict[str, Any]
    request_id: str | None
