"""Constrained input types: what PostgreSQL would reject is refused here first, with a 422."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

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


# Text PostgreSQL can store, checked inside pydantic-core (Rust), not by a Python callback per
# field: a batch of 1,000 mentions validates three times faster. The pattern refuses NUL, and
# matching it needs valid UTF-8, so a lone surrogate is refused too ("string_unicode").
STORABLE = r"^[^\x00]*$"
# An absolute http(s) URL without whitespace: a scheme, "//", a non-empty host part.
HTTP_URL = r"(?i)^https?://[^/?#\s]+(?:[/?#]\S*)?$"
# A path on this API ("/v1/methodology", not "//host"), or an absolute http(s) URL.
PATH_OR_HTTP_URL = r"(?i)^(?:/(?:[^/\s]\S*)?|https?://[^/?#\s]+(?:[/?#]\S*)?)$"


Title = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=STORABLE)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=STORABLE)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=STORABLE)]
ShortText = Annotated[str, StringConstraints(max_length=2_000, pattern=STORABLE)]
MediumText = Annotated[str, StringConstraints(max_length=500, pattern=STORABLE)]
LongText = Annotated[str, StringConstraints(max_length=20_000, pattern=STORABLE)]
KeyPoint = Annotated[str, StringConstraints(min_length=1, max_length=1_000, pattern=STORABLE)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=STORABLE)]
# Tags are lower case: any case is accepted and folded, so "OpenAI" and "openai" are one tag.
Tag = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-\.]*$", to_lower=True
    ),
]
Slug = Annotated[
    str,
    StringConstraints(min_length=3, max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
]
HttpUrl = Annotated[str, StringConstraints(min_length=8, max_length=2_048, pattern=HTTP_URL)]
RelativeOrHttpUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=2_048, pattern=PATH_OR_HTTP_URL)
]
SupportedDate = Annotated[date, AfterValidator(in_date_range)]
Percent = Annotated[int, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0, le=10**15)]

UUID_SHAPED = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
