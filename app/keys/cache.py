"""API keys in memory: authentication without a database round trip.

Each entry is what the database said about one secret's hash (the key, or "no such key"),
kept only while the change feed is listening. A key's row changing anywhere (created,
revoked, rotated, its scopes or limit edited) announces `k:<id>` and every process forgets
all it knew, so a revocation takes effect everywhere within the feed's delivery time. Expiry
needs no announcement: it is checked against the request's time on every use.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from app.changes import ChangeFeed
from app.keys.schemas import AuthenticatedKey


@dataclass(frozen=True)
class KeyRecord:
    """What authentication needs to know about one secret's key, whatever the time."""

    key: AuthenticatedKey
    revoked: bool
    expires_at: datetime | None
    # The secret is the key's previous one (after a rotation), valid until this time.
    previous_until: datetime | None = None
    is_previous: bool = False

    def live_at(self, now: datetime) -> bool:
        """Whether the secret authenticates at `now`."""
        if self.revoked or (self.expires_at is not None and self.expires_at <= now):
            return False
        return not self.is_previous or (
            self.previous_until is not None and self.previous_until > now
        )


_UNKNOWN = object()


class KeyCache:
    """Secret hash → KeyRecord (or None for an unknown secret), bounded, feed-invalidated."""

    def __init__(self, feed: ChangeFeed | None, *, max_entries: int = 10_000) -> None:
        self.feed = feed
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, KeyRecord | None] = OrderedDict()
        self.generation = 0
        if feed is not None:
            feed.subscribe("k", self.forget_all)

    @property
    def usable(self) -> bool:
        """Entries may be trusted only while changes are being heard."""
        return self.feed is not None and self.feed.healthy

    def lookup(self, digest: bytes) -> KeyRecord | object | None:
        """The cached record, None for a known-unknown secret, or `MISSING`."""
        if not self.usable:
            return MISSING
        return self._entries.get(digest, MISSING)

    def store(self, digest: bytes, record: KeyRecord | None, generation: int) -> None:
        """Keep what a lookup read at `generation`, unless something changed meanwhile."""
        if generation != self.generation or not self.usable:
            return
        self._entries[digest] = record
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget_all(self, _item: str = "*") -> None:
        """A key changed somewhere: nothing cached can be trusted."""
        self.generation += 1
        self._entries.clear()


MISSING = _UNKNOWN
