"""Opaque, signed keyset cursors and the list envelope: the one pagination helper of every list.

A cursor holds the list's name and the sort key of the last row served; the next page starts
strictly after it, so rows inserted meanwhile never make a page repeat or skip a row. Cursors
are signed (HMAC-SHA256 with CURSOR_SECRET), and every part is read back by a strict reader, so
anything we did not issue — edited, truncated, hand-made or from another list — is a 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from app.errors import BadCursor
from app.validation import EARLIEST_TIME, LATEST_TIME

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_MAC_BYTES = 12
_INVALID = "The cursor is not valid; start again without one."

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size, 1–100.")]
CursorQuery = Annotated[
    str | None,
    Query(max_length=512, description="The `next_cursor` of the previous page."),
]

_signing_key = b"controversy-api cursors v1"


def configure_signing_key(secret: str) -> None:
    """Sign cursors with this secret (every instance must use the same one)."""
    global _signing_key
    _signing_key = b"controversy-api cursors v1:" + secret.encode()


class Page(BaseModel, Generic[T]):
    """A page of a list: the items and the cursor of the next page, if any.

    Every list names its own page (`class ActorPage(Page[ActorRead])`), so the OpenAPI document
    and the clients generated from it say `ActorPage`, not a name made of type parameters.
    """

    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


P = TypeVar("P", bound=Page[Any])


def _mac(payload: bytes) -> bytes:
    return hmac.new(_signing_key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def encode_cursor(name: str, key: Sequence[Any]) -> str:
    """A signed, opaque cursor for list `name` positioned after the sort key `key`."""
    parts = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    payload = json.dumps({"s": name, "k": parts}, separators=(",", ":"), default=str).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload))}"


def _verified_payload(token: str) -> Any:
    body, dot, signature = token.partition(".")
    try:
        payload = _unb64(body)
        valid = dot == "." and hmac.compare_digest(_unb64(signature), _mac(payload))
        return json.loads(payload) if valid else None
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        return None


Reader = Callable[[Any], Any]


def read_cursor(token: str | None, name: str, *readers: Reader) -> tuple[Any, ...] | None:
    """The position a cursor of list `name` holds, each part checked by its reader."""
    if token is None:
        return None
    payload = _verified_payload(token)
    if not isinstance(payload, dict):
        raise BadCursor(_INVALID)
    if payload.get("s") != name:
        raise BadCursor("The cursor belongs to another list or sort order.")
    key = payload.get("k")
    if not isinstance(key, list) or len(key) != len(readers):
        raise BadCursor(_INVALID)
    return tuple(read(value) for read, value in zip(readers, key, strict=True))


def make_page(
    rows: Sequence[R],
    *,
    limit: int,
    name: str,
    position: Callable[[R], Sequence[Any]],
    item: Callable[[R], Any],
    page: type[P],
) -> P:
    """A `page` from `limit + 1` rows: the extra row only tells that another page exists."""
    items = [item(row) for row in rows[:limit]]
    more = len(rows) > limit
    next_cursor = encode_cursor(name, position(rows[limit - 1])) if more else None
    return page(data=items, next_cursor=next_cursor)


# ------------------------------------------------------------------------------ readers


def cursor_uuid(value: Any) -> uuid.UUID:
    """An id."""
    if not isinstance(value, str):
        raise BadCursor(_INVALID)
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise BadCursor(_INVALID) from exc


def cursor_datetime(value: Any) -> datetime:
    """A zoned time inside the range the API stores."""
    if not isinstance(value, str) or len(value) > 40:
        raise BadCursor(_INVALID)
    try:
        parsed = datetime.fromisoformat(value)
        in_utc = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError) as exc:
        raise BadCursor(_INVALID) from exc
    if in_utc is None or not EARLIEST_TIME <= in_utc <= LATEST_TIME:
        raise BadCursor(_INVALID)
    return in_utc


def cursor_date(value: Any) -> date:
    """A calendar date inside the range the API stores."""
    if not isinstance(value, str) or len(value) != 10:
        raise BadCursor(_INVALID)
    try:
        parsed = date.fromisoformat(value)
    except ValueError as exc:
        raise BadCursor(_INVALID) from exc
    if not EARLIEST_TIME.date() <= parsed <= LATEST_TIME.date():
        raise BadCursor(_INVALID)
    return parsed


def cursor_float(value: Any) -> float:
    """A finite number of a sane size (a hot key)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadCursor(_INVALID)
    number = float(value) if abs(value) < 1e12 else float("inf")
    if number != number or number in (float("inf"), float("-inf")):
        raise BadCursor(_INVALID)
    return number


def cursor_int(value: Any) -> int:
    """A 64-bit integer."""
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**63) <= value < 2**63:
        raise BadCursor(_INVALID)
    return value


def cursor_text(value: Any) -> str:
    """Text PostgreSQL can compare (no NUL, valid Unicode, bounded)."""
    if not isinstance(value, str) or len(value) > 500 or "\x00" in value:
        raise BadCursor(_INVALID)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadCursor(_INVALID) from exc
    return value
