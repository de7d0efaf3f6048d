"""Constrained input types: what PostgreSQL would reject is refused here first, with a 422."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints

# Every time and date the API takes lies in this range. Far inside what Python (years 1–9999)
# and PostgreSQL can hold, so arithmetic on it (a 30-day wave, a 1,000-week history, the
# conversion to UTC) can never overflow into a 500.
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
EARLIEST_DATE = EARLIEST_TIME.date()
LATEST_DATE = LATEST_TIME.date()


def in_time_range(value: datetime) -> datetime:
    """A zoned time inside the supported range, in UTC."""
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("is outside the supported time range (1900–2199)") from exc
    if not EARLIEST_TIME <= in_utc <= LATEST_TIME:
        raise ValueError("is outside the supported time range (1900–2199)")
    return in_utc


def in_date_range(value: date) -> date:
    """A date inside the supported range."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError("is outside the supported date range (1900–2199)")
    return value


def storable(value: str) -> str:
    # NUL bytes and lone surrogates cannot be stored in a PostgreSQL text column.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http or https URL")
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain whitespace")
    return value


Title = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(storable)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(storable)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(storable)]
ShortText = Annotated[str, StringConstraints(max_length=2_000), AfterValidator(storable)]
LongText = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(storable)]
KeyPoint = Annotated[
    str, StringConstraints(min_length=1, max_length=1_000), AfterValidator(storable)
]
Tag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9\-\.]*$"),
]
Slug = Annotated[
    str,
    StringConstraints(min_length=3, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
]
HttpUrl = Annotated[
    str,
    StringConstraints(min_length=8, max_length=2_048),
    AfterValidator(storable),
    AfterValidator(_http_url),
]


def _path_or_http_url(value: str) -> str:
    # A path on this API ("/v1/methodology") or an absolute http(s) URL; no other scheme.
    if value.startswith("/") and not value.startswith("//"):
        return value
    return _http_url(value)


RelativeOrHttpUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2_048),
    AfterValidator(storable),
    AfterValidator(_path_or_http_url),
]
ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(storable)
]
SupportedDate = Annotated[date, AfterValidator(in_date_range)]
Percent = Annotated[int, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0, le=10**15)]

UUID_SHAPED = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
