"""Opaque keyset cursors and the list envelope.

A cursor holds the sort name and the sort key of the last row served; the next page starts
strictly after it, so rows inserted meanwhile never make a page repeat or skip a row.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from app.errors import BadCursor

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1–100.")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=512, description="The `next_cursor` of the previous page."),
]


class Page(BaseModel, Generic[T]):
    """A page of a list: the items and the cursor of the next page, if any."""

    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(sort: str, key: list[Any]) -> str:
    """Encode a sort name and the last row's sort key as an opaque string."""
    payload = json.dumps({"s": sort, "k": key}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str) -> list[Any]:
    """Decode a cursor made for `sort`; anything else is a 400."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise BadCursor("The cursor is not valid; start again without one.") from exc
    if not isinstance(payload, dict) or payload.get("s") != sort:
        raise BadCursor("The cursor belongs to another list or sort order.")
    key = payload.get("k")
    if not isinstance(key, list):
        raise BadCursor("The cursor is not valid; start again without one.")
    return key


def cursor_uuid(value: Any) -> uuid.UUID:
    """Read an id out of a cursor key."""
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadCursor("The cursor is not valid; start again without one.") from exc


def cursor_datetime(value: Any) -> datetime:
    """Read a timestamp out of a cursor key."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadCursor("The cursor is not valid; start again without one.") from exc
    if parsed.tzinfo is None:
        raise BadCursor("The cursor is not valid; start again without one.")
    return parsed


def cursor_float(value: Any) -> float:
    """Read a number out of a cursor key."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadCursor("The cursor is not valid; start again without one.")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise BadCursor("The cursor is not valid; start again without one.")
    return number
