"""Every table model, imported in one place so the metadata is complete."""

from sqlmodel import SQLModel

from app.actors.models import Actor, Side, Stance
from app.audit.models import AuditEntry
from app.controversies.models import Controversy
from app.forecasts.models import Forecast, ForecastScenario
from app.idempotency.models import IdempotencyRecord
from app.keys.models import ApiKey, KeyUsage
from app.noise.models import NoiseOverride, NoiseSnapshot
from app.timeline.models import Mention, TimelineEvent

metadata = SQLModel.metadata

__all__ = [
    "Actor",
    "ApiKey",
    "AuditEntry",
    "Controversy",
    "Forecast",
    "ForecastScenario",
    "IdempotencyRecord",
    "KeyUsage",
    "Mention",
    "NoiseOverride",
    "NoiseSnapshot",
    "Side",
    "Stance",
    "TimelineEvent",
    "metadata",
]
