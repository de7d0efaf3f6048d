"""API schemas of keys and usage, and the authenticated key seen by the rest of the app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from app.pagination import Page
from app.schemas_base import ReadModel, UTCDatetime, WriteModel

MAX_GRACE_SECONDS = 7 * 24 * 3600
DEFAULT_GRACE_SECONDS = 24 * 3600


class Scope(StrEnum):
    read = "read"
    write = "write"
    admin = "admin"


class KeyKind(StrEnum):
    publishable = "publishable"
    secret = "secret"


@dataclass(frozen=True)
class AuthenticatedKey:
    """The key that authenticated the current request (`request.state.api_key`)."""

    id: uuid.UUID
    public_id: str
    name: str
    kind: str
    scopes: frozenset[str]
    origins: frozenset[str] = field(default_factory=frozenset)
    rate_limit: int = 0


def normalize_origin(value: str) -> str:
    """`scheme://host[:port]` in lower case; anything else (paths, queries) is refused."""
    text = value.strip()
    parts = urlsplit(text)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
    ):
        raise ValueError("an origin is scheme://host[:port], e.g. https://app.example.com")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{parts.hostname.lower()}{port}"


def _origin(value: str) -> str:
    return normalize_origin(value)


Origin = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_origin)]


class KeyCreate(WriteModel):
    """A new key. Publishable keys are read-only and need at least one allowed origin."""

    name: str = Field(min_length=1, max_length=100)
    kind: KeyKind = KeyKind.secret
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    origins: list[Origin] = Field(default_factory=list, max_length=20)
    rate_limit: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Requests per minute; default by kind."
    )
    expires_at: UTCDatetime | None = None

    @model_validator(mode="after")
    def _kind_rules(self) -> Self:
        self.scopes = sorted(set(self.scopes), key=list(Scope).index)
        self.origins = sorted(set(self.origins))
        if self.kind is KeyKind.publishable:
            if set(self.scopes) != {Scope.read}:
                raise ValueError("a publishable key can only have the read scope")
            if not self.origins:
                raise ValueError("a publishable key needs at least one allowed origin")
        return self


class KeyRotate(WriteModel):
    """How long the old secret keeps working after a rotation (0: stops at once)."""

    grace_seconds: int = Field(default=DEFAULT_GRACE_SECONDS, ge=0, le=MAX_GRACE_SECONDS)


class KeyRead(ReadModel):
    """A key as listed: never its secret."""

    id: str = Field(examples=["key_a1B2c3D4e5F6"])
    name: str
    kind: KeyKind
    scopes: list[Scope]
    origins: list[str]
    rate_limit: int = Field(description="Requests per minute.")
    created_at: UTCDatetime
    expires_at: UTCDatetime | None
    revoked_at: UTCDatetime | None
    rotated_at: UTCDatetime | None
    previous_secret_expires_at: UTCDatetime | None = Field(
        description="Until when the secret replaced by the last rotation still works."
    )
    last_used_at: UTCDatetime | None = Field(
        description="Approximate: written at most once a minute per key."
    )


class KeyCreated(KeyRead):
    """A new (or rotated) key with its secret, shown this once."""

    key: str = Field(description="The secret key string. It is shown only once: store it now.")


class UsageItem(ReadModel):
    day: date
    route_group: str = Field(description="The first path segment after /v1.")
    count: int


class UsageRead(ReadModel):
    """The calling key's request counts by day and route group."""

    key_id: str
    since: date
    until: date
    total: int
    data: list[UsageItem]


class KeyPage(Page[KeyRead]):
    """A page of the key list."""
