"""Cards and list pages in memory, exact at every request's time.

A cached card is the card as JSON-ready data at one version of its controversy. What moves
with the clock alone — the score, its level, the decay and `as_of` — is computed for each
request from the stored composite and last activity (noise.md: C on write, D on read) and
spliced in, so a cached card is exactly what a database read would give at that time.

Entries are trusted only while the change feed is listening. Any committed change to a
controversy drops its card (and every cached list page) in every process: at once in the
process that wrote it, within the notification's delivery elsewhere. A fill that started
before a change was heard is not kept (the generation check), so no stale read can be cached.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from app.changes import EVERYTHING, ChangeFeed


@dataclass(frozen=True)
class CachedCard:
    """One card at one version, without its clock-dependent noise fields."""

    id: uuid.UUID
    slug: str
    version: int
    composite: float
    last_activity_us: int  # epoch microseconds: what the per-request decay needs
    document: dict[str, Any]
    shown_tag: str | None = None  # of the forecaster's track record shown (see card_etag)


@dataclass(frozen=True)
class CachedPage:
    """One list page: its items' documents, their noise inputs, and the next cursor."""

    items: list[dict[str, Any]]
    noise_inputs: list[tuple[float, int]]  # composite, last activity in epoch microseconds
    next_cursor: str | None
    digest: bytes  # of the items as stored: with the scores, it makes the page's ETag


class _FeedCache:
    """The trust rules shared by both caches: usable only while the feed listens."""

    def __init__(self, feed: ChangeFeed | None) -> None:
        self.feed = feed
        self.generation = 0

    @property
    def usable(self) -> bool:
        return self.feed is not None and self.feed.healthy


class CardCache(_FeedCache):
    """Cards by id, reachable by slug too; bounded, least recently used out first."""

    def __init__(self, feed: ChangeFeed | None, *, max_entries: int = 2_000) -> None:
        super().__init__(feed)
        self.max_entries = max_entries
        self._cards: OrderedDict[uuid.UUID, CachedCard] = OrderedDict()
        self._slugs: dict[str, uuid.UUID] = {}
        if feed is not None:
            feed.subscribe("c", self.forget)

    def lookup(self, id_or_slug: str) -> CachedCard | None:
        """The cached card named by id or slug, if any and trusted."""
        if not self.usable:
            return None
        try:
            card_id = uuid.UUID(id_or_slug)
        except ValueError:
            found = self._slugs.get(id_or_slug)
            if found is None:
                return None
            card_id = found
        card = self._cards.get(card_id)
        if card is not None:
            self._cards.move_to_end(card_id)
        return card

    def store(self, card: CachedCard, generation: int) -> None:
        """Keep a card read at `generation`, unless a change was heard meanwhile."""
        if generation != self.generation or not self.usable:
            return
        self._cards[card.id] = card
        self._slugs[card.slug] = card.id
        while len(self._cards) > self.max_entries:
            _, dropped = self._cards.popitem(last=False)
            self._slugs.pop(dropped.slug, None)

    def forget(self, item: str) -> None:
        """A controversy changed (or all of them, `*`)."""
        self.generation += 1
        if item == EVERYTHING:
            self._cards.clear()
            self._slugs.clear()
            return
        try:
            dropped = self._cards.pop(uuid.UUID(item), None)
        except ValueError:
            dropped = None
        if dropped is not None and self._slugs.get(dropped.slug) == dropped.id:
            del self._slugs[dropped.slug]


class PageCache(_FeedCache):
    """List pages by their full query; any change to any controversy drops them all."""

    def __init__(self, feed: ChangeFeed | None, *, max_entries: int = 1_000) -> None:
        super().__init__(feed)
        self.max_entries = max_entries
        self._pages: OrderedDict[tuple[Any, ...], CachedPage] = OrderedDict()
        if feed is not None:
            feed.subscribe("c", self.forget)

    def lookup(self, query: tuple[Any, ...]) -> CachedPage | None:
        """The cached page of this exact query, if any and trusted."""
        if not self.usable:
            return None
        page = self._pages.get(query)
        if page is not None:
            self._pages.move_to_end(query)
        return page

    def store(self, query: tuple[Any, ...], page: CachedPage, generation: int) -> None:
        """Keep a page read at `generation`, unless a change was heard meanwhile."""
        if generation != self.generation or not self.usable:
            return
        self._pages[query] = page
        while len(self._pages) > self.max_entries:
            self._pages.popitem(last=False)

    def forget(self, _item: str) -> None:
        """Some controversy changed: any page may now be different."""
        self.generation += 1
        self._pages.clear()
