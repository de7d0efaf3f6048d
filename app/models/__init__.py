"""Every table model, imported in one place so the metadata is complete."""

from sqlmodel import SQLModel

from app.models.actor import Actor
from app.models.api_key import ApiKey, KeyUsage
from app.models.audit import AuditEntry
from app.models.controversy import Controversy
from app.models.event import OutboxEvent
from app.models.forecast import Forecast, ForecastScenario, ForecastTrackRecord
from app.models.idempotency import IdempotencyRecord
from app.models.noise import NoiseOverride, NoiseSnapshot
from app.models.side import Side, Stance
from app.models.timeline import Mention, TimelineEvent
from app.models.webhook import (
    NoiseLevelWatch,
    RecomputeRun,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDispatchCursor,
    WebhookEndpoint,
)

metadata = SQLModel.metadata

__all__ = [
    "Actor",
    "ApiKey",
    "AuditEntry",
    "Controversy",
    "Forecast",
    "ForecastScenario",
    "ForecastTrackRecord",
    "IdempotencyRecord",
    "KeyUsage",
    "Mention",
    "NoiseLevelWatch",
    "NoiseOverride",
    "NoiseSnapshot",
    "OutboxEvent",
    "RecomputeRun",
    "Side",
    "Stance",
    "TimelineEvent",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDispatchCursor",
    "WebhookEndpoint",
    "metadata",
]
