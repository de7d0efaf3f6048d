"""The card and the list: read once (one statement each), kept in memory, exact at any time.

The card is one JSON-building statement; the list walks the index of its sort. Both are kept
in this process's caches (app/cards/cache.py) and served with the clock-dependent noise fields
computed for the request's time (noise.md: C is stored on write, D is computed on read).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cards import repository
from app.cards.cache import CachedCard, CachedPage, CardCache, PageCache
from app.cards.schemas import CategoryCount, ControversyRead, ControversySummary
from app.config import Settings
from app.enums import Category
from app.errors import NotFound
from app.etags import version_etag
from app.forecasts import service as forecast_service
from app.noise import scoring
from app.noise import service as noise_service
from app.pagination import Page, cursor_datetime, cursor_float, cursor_uuid, make_page, read_cursor
from app.writer import Writer

CARD_SECTION_ITEMS = 10  # latest milestones, and latest posts, on the card


_SORT_FIELD = {
    "noise": "hot_key",
    "recent": "last_activity_at",
    "started": "started_at",
    "created": "created_at",
}


async def list_controversies(
    cache: PageCache,
    sessions: async_sessionmaker[AsyncSession],
    *,
    filters: repository.ListFilters,
    sort: str,
    cursor: str | None,
    limit: int,
    now: datetime,
    settings: Settings,
) -> tuple[bytes, str]:
    """A page of compact cards as JSON and its ETag, loudest first, each score at `now`."""
    name = f"controversies:{sort}"
    sort_key = cursor_float if sort == "noise" else cursor_datetime
    after = read_cursor(cursor, name, sort_key, cursor_uuid)
    # Which rows match `min_noise` depends on the time: such pages are not kept.
    query = (sort, filters, after, limit) if filters.min_noise is None else None
    page = cache.lookup(query) if query is not None else None
    if page is None:
        generation = cache.generation
        async with sessions() as session:
            statement = repository.list_statement(
                filters=filters,
                sort=sort,
                after=after,
                limit=limit,
                now=now,
                half_life_seconds=noise_service.half_life(settings).total_seconds(),
            )
            rows = await repository.list_page(session, statement)
        listed = make_page(
            rows,
            limit=limit,
            name=name,
            position=lambda row: (getattr(row, _SORT_FIELD[sort]), row.id),
            item=lambda row: _summary(row, now, settings).model_dump(mode="json"),
            page=Page,
        )
        inputs = [
            (row.noise_composite, scoring.microseconds(row.last_activity_at))
            for row in rows[:limit]
        ]
        digest = hashlib.blake2b(orjson.dumps(listed.data), digest_size=16).digest()
        page = CachedPage(listed.data, inputs, listed.next_cursor, digest)
        if query is not None:
            cache.store(query, page, generation)
    return _page_json(page, now, settings)


def _page_json(page: CachedPage, now: datetime, settings: Settings) -> tuple[bytes, str]:
    # Each card's score at `now`; the ETag names the page and its scores, not the decays.
    at_us = scoring.microseconds(now)
    half_life_us = noise_service.half_life_us(settings)
    items = []
    scores = bytearray()
    for item, (composite, last_activity_us) in zip(page.items, page.noise_inputs, strict=True):
        score, factor, level = scoring.decayed(composite, last_activity_us, at_us, half_life_us)
        noise = {**item["noise"], "score": score, "level": level, "decay": round(factor, 6)}
        items.append({**item, "noise": noise})
        scores.append(score)
    body = {"data": items, "next_cursor": page.next_cursor}
    etag = hashlib.blake2b(page.digest + bytes(scores), digest_size=16).hexdigest()
    return orjson.dumps(body, option=orjson.OPT_UTC_Z), f'W/"{etag}"'


def _summary(row: Any, now: datetime, settings: Settings) -> ControversySummary:
    brief = noise_service.brief(
        composite=row.noise_composite,
        last_activity_at=row.last_activity_at,
        at=now,
        settings=settings,
    )
    return ControversySummary.model_validate({**row._mapping, "noise": brief})


async def get_card(
    session: AsyncSession, *, id_or_slug: str, at: datetime, settings: Settings
) -> ControversyRead:
    """The whole card, in one database round trip."""
    row = await repository.card(session, id_or_slug, CARD_SECTION_ITEMS)
    if row is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    return _card_from_row(row, at, settings)


async def cached_card(
    cache: CardCache,
    sessions: async_sessionmaker[AsyncSession],
    *,
    id_or_slug: str,
    settings: Settings,
) -> CachedCard:
    """The card from memory, or read once (one round trip, no transaction) and remembered."""
    card = cache.lookup(id_or_slug)
    if card is not None:
        return card
    generation = cache.generation
    async with sessions() as session:
        row = await repository.card(session, id_or_slug, CARD_SECTION_ITEMS)
    if row is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    read = _card_from_row(row, row.last_activity_at, settings)
    card = CachedCard(
        id=row.id,
        slug=row.slug,
        version=row.version,
        composite=row.noise_composite,
        last_activity_us=scoring.microseconds(row.last_activity_at),
        document=read.model_dump(mode="json"),
        shown_tag=_track_record_tag(read),
    )
    cache.store(card, generation)
    return card


def _track_record_tag(card: ControversyRead) -> str | None:
    # The forecaster's track record moves when any of its scenarios is resolved, on any
    # story, without this card's version: its ETag must move with it.
    if card.forecast is None or card.forecast.generator_track_record is None:
        return None
    record = card.forecast.generator_track_record.model_dump_json().encode()
    return hashlib.blake2b(record, digest_size=4).hexdigest()


def card_etag(card: CachedCard | ControversyRead, score: int) -> str:
    """The card's ETag: its version, its score at the request's time, its track-record tag."""
    if isinstance(card, CachedCard):
        return version_etag(card.version, score, card.shown_tag)
    return version_etag(card.version, score, _track_record_tag(card))


def card_score(card: CachedCard, at: datetime, settings: Settings) -> int:
    """The card's score at `at` (what its ETag carries)."""
    at_us = scoring.microseconds(at)
    score: int = noise_service.decayed(card.composite, card.last_activity_us, at_us, settings)[
        "score"
    ]
    return score


def card_json(card: CachedCard, at: datetime, settings: Settings) -> bytes:
    """The card as JSON with its noise evaluated at `at` (exactly `get_card` at that time)."""
    at_us = scoring.microseconds(at)
    decayed = noise_service.decayed(card.composite, card.last_activity_us, at_us, settings)
    noise = {**card.document["noise"], **decayed, "as_of": at}
    return orjson.dumps({**card.document, "noise": noise}, option=orjson.OPT_UTC_Z)


def _links(row: Any, settings: Settings) -> str:
    return f"{settings.public_base_url}/v1/controversies/{row.id}"


def _section(rows: list[dict[str, Any]], list_url: str) -> dict[str, Any]:
    # The statement read one row more than the card shows: it only tells there are more.
    return {
        "data": rows[:CARD_SECTION_ITEMS],
        "has_more": len(rows) > CARD_SECTION_ITEMS,
        "list_url": list_url,
    }


def _card_from_row(row: Any, at: datetime, settings: Settings) -> ControversyRead:
    analysis = {
        "generated_by": row.analysis_generated_by,
        "review_status": row.analysis_review_status,
        "reviewed_at": row.analysis_reviewed_at,
        # The page for people, linked absolutely from the configured base (never the Host
        # header); a stored absolute URL of another method page is kept as it is.
        "methodology_url": (
            f"{settings.public_base_url}/methodology"
            if row.analysis_methodology_url in (None, "/v1/methodology")
            else row.analysis_methodology_url
        ),
    }
    return ControversyRead.model_validate(
        {
            **row._mapping,
            "analysis": analysis,
            "noise": noise_service.present_stored(row, at, settings),
            "forecast": forecast_service.card_forecast(row.forecast),
            "milestones": _section(row.milestones, f"{_links(row, settings)}/events"),
            "posts": _section(row.posts, f"{_links(row, settings)}/mentions"),
        }
    )


async def categories(session: AsyncSession) -> list[CategoryCount]:
    """Every category with its count of live controversies, zeros included."""
    counts = await repository.category_counts(session)
    return [CategoryCount(category=c, count=counts.get(c.value, 0)) for c in Category]


async def card_after_write(writer: Writer, controversy_id: uuid.UUID) -> ControversyRead:
    """The card as a write left it (read in the write's own transaction)."""
    return await get_card(
        writer.session, id_or_slug=str(controversy_id), at=writer.now, settings=writer.settings
    )
