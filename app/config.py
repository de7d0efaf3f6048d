"""Service configuration, read from the environment only."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.noise.scoring import COMPONENTS, default_weights, validate_weights


class Settings(BaseSettings):
    """Every knob of the service; each field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: an embedded PostgreSQL under DATA_DIR is started.",
    )
    data_dir: Path = Field(default=Path(".data"), description="Files of the embedded database.")
    redis_url: str | None = Field(default=None, description="Shared rate-limit storage.")
    cors_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    seed_demo_on_empty: bool = True
    db_pool_size: int = Field(default=10, ge=1, le=100)
    db_pool_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="Longest wait for a pooled connection, then 503."
    )
    db_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    db_statement_timeout_ms: int = Field(
        default=5_000,
        ge=100,
        le=600_000,
        description="Server-side statement timeout; the client gives up one second later.",
    )
    noise_half_life_days: float = Field(default=7.0, gt=0, le=365)
    noise_weights: dict[str, float] = Field(default_factory=default_weights)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    api_key_pepper: SecretStr = Field(
        default=SecretStr(""),
        description="Server-side secret mixed into key hashes (changing it invalidates keys).",
    )
    rate_limit_publishable: int = Field(default=120, ge=1, description="Requests/minute.")
    rate_limit_secret: int = Field(default=600, ge=1, description="Requests/minute.")
    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=5)
    usage_flush_seconds: float = Field(default=5.0, gt=0, le=3600)
    key_origins_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    key_last_used_interval_seconds: float = Field(default=60.0, ge=0, le=3600)
    cursor_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Signs list cursors (default: API_KEY_PEPPER); the same on every instance.",
    )
    public_base_url: str = Field(
        default="http://localhost:8000",
        description="Where clients reach the service (http or https, no trailing slash): the"
        " absolute links the API hands out are built from it, never from the Host header.",
    )

    # Webhooks and background work (app/webhooks, app/worker).
    webhook_allow_private_urls: bool = Field(
        default=False,
        description="Let webhooks call loopback, private and link-local addresses (development"
        " and tests only: in production it lets a webhook reach internal services).",
    )
    webhook_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="Longest a delivery attempt may take in all."
    )
    webhook_max_attempts: int = Field(default=10, ge=1, le=30)
    webhook_retry_base_seconds: float = Field(
        default=10.0, gt=0, le=3600, description="The wait after the first failed attempt."
    )
    webhook_retry_cap_seconds: float = Field(default=8 * 3600.0, gt=0, le=7 * 86400)
    webhook_disable_after_seconds: float = Field(
        default=5 * 86400.0,
        ge=0,
        description="How long an endpoint may stay failing before it is disabled.",
    )
    webhook_secret_overlap_seconds: int = Field(
        default=86_400, ge=0, le=30 * 86400, description="Default overlap of a rotated secret."
    )
    outbox_retention_days: float = Field(
        default=7.0, ge=7, le=3650, description="How long events stay resumable (at least 7 days)."
    )
    delivery_retention_days: float = Field(default=30.0, ge=1, le=3650)
    worker_in_process: bool | None = Field(
        default=None,
        description="Run a job worker inside `serve` (default: only on the embedded database).",
    )
    worker_concurrency: int = Field(
        default=20, ge=2, le=1000, description="Jobs one worker process runs at a time."
    )

    @property
    def db_command_timeout_seconds(self) -> float:
        """The client-side limit per statement: the server's limit plus a second to say so."""
        return self.db_statement_timeout_ms / 1000 + 1.0

    @field_validator("noise_weights")
    @classmethod
    def _weights_are_valid(cls, weights: dict[str, float]) -> dict[str, float]:
        return validate_weights(weights)

    @field_validator("public_base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        return _http_base_url(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # Accept "https://a.example,https://b.example" as well as a JSON list.
        if isinstance(value, str) and not value.strip().startswith("["):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


# The characters RFC 3986 allows in a URL: no spaces, quotes, angle brackets or controls.
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$")


def _http_base_url(value: str) -> str:
    # A prefix for absolute links: scheme and host, an optional path, nothing after it.
    if not _URL_CHARACTERS.fullmatch(value):
        raise ValueError("must be a URL without spaces, quotes or control characters")
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # a port that is not a number raises ValueError
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("must be an http:// or https:// URL with a host")
    if "@" in parts.netloc or "?" in value or "#" in value:
        raise ValueError("must not carry credentials, a query or a fragment")
    if value.endswith("/"):
        raise ValueError("must not end with a slash (links append their own path)")
    return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


__all__ = ["COMPONENTS", "Settings", "get_settings"]
