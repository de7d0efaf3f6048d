"""Base classes for API schemas."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from app.validation import in_time_range

UTCDatetime = Annotated[AwareDatetime, AfterValidator(in_time_range)]
"""An RFC 3339 time with a zone, normalised to UTC, within 1900–2199."""


class ReadModel(BaseModel):
    """A response body: built from rows or JSON documents, never from client input."""

    model_config = ConfigDict(from_attributes=True)


class WriteModel(BaseModel):
    """A request body: unknown fields are refused so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def non_null_changes(data: BaseModel) -> dict[str, Any]:
    """The fields a client sent; null is refused for fields that cannot be empty."""
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    nulls = [name for name, value in changes.items() if value is None]
    nullable: frozenset[str] = getattr(data, "nullable_fields", frozenset())
    refused = [name for name in nulls if name not in nullable]
    if refused:
        from app.errors import ValidationFailed

        raise ValidationFailed(
            "These fields cannot be null: " + ", ".join(sorted(refused)) + ".",
            errors=[
                {"location": "body", "field": name, "message": "may not be null"}
                for name in sorted(refused)
            ],
        )
    return changes
