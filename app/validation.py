"""Constrained input types: what PostgreSQL would reject is refused here first, with a 422."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints


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
Percent = Annotated[int, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0, le=10**15)]

UUID_SHAPED = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
