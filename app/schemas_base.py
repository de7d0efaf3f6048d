"""Base classes for API schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UTCDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""An RFC 3339 time with a zone, normalised to UTC."""


class ReadModel(BaseModel):
    """A response body: built from rows or JSON documents, never from client input."""

    model_config = ConfigDict(from_attributes=True)


class WriteModel(BaseModel):
    """A request body: unknown fields are refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
