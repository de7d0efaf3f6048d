"""Controversy reads: the list with its cursor, the whole card, categories."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import service as audit_service
from app.audit.service import Author
from app.config import Settings
from app.controversies import repository
from app.controversies.cache import CachedCard, CachedPage, CardCache, PageCache
from app.controversies.schemas import (
    Analysis,
    AnalysisWrite,
    CategoryCount,
    ControversyCreate,
    ControversyRead,
    ControversySummary,
    ControversyUpdate,
)
from app.enums import Category
from app.errors import Conflict, NotFound, ValidationFailed
from app.etags import check_if_match
from app.forecasts.schemas import ForecastRead
from app.noise import scoring
from app.noise import service as noise_service
from app.pagination import (
    cursor_datetime,
    cursor_float,
    cursor_uuid,
    make_page,
    read_cursor,
)
from app.repository_base import lock_row, set_archived, update_row
from app.schemas_base import non_null_changes

CARD_TIMELINE_ITEMS = 10


async def resolve(session: AsyncSession, *, id_or_slug: str) -> uuid.UUID:
    """The id of a live controversy named by id or slug; 404 otherwise."""
    controversy_id = await repository.resolve_id(session, id_or_slug)
    if controversy_id is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    return controversy_id


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
            rows = await repository.list_page(
                session,
                filters=filters,
                sort=sort,
                after=after,
                limit=limit,
                now=now,
                half_life_seconds=noise_service.half_life(settings).total_seconds(),
            )
        listed = make_page(
            rows,
            limit=limit,
            name=name,
            position=lambda row: (getattr(row, _SORT_FIELD[sort]), row.id),
            item=lambda row: _summary(row, now, settings).model_dump(mode="json"),
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
    return ControversySummary(
        id=row.id,
        slug=row.slug,
        title=row.title,
        category=row.category,
        stage=row.stage,
        tags=row.tags,
        summary=row.summary,
        started_at=row.started_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        noise=noise_service.brief(
            composite=row.noise_composite,
            last_activity_at=row.last_activity_at,
            at=now,
            settings=settings,
        ),
    )


async def get_card(
    session: AsyncSession, *, id_or_slug: str, at: datetime, settings: Settings
) -> ControversyRead:
    """The whole card, in one database round trip."""
    row = await repository.card(session, id_or_slug, CARD_TIMELINE_ITEMS)
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
        row = await repository.card(session, id_or_slug, CARD_TIMELINE_ITEMS)
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
    )
    cache.store(card, generation)
    return card


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


def _card_from_row(row: Any, at: datetime, settings: Settings) -> ControversyRead:
    forecast = ForecastRead.model_validate(row.forecast) if row.forecast else None
    return ControversyRead(
        id=row.id,
        slug=row.slug,
        title=row.title,
        category=row.category,
        stage=row.stage,
        tags=row.tags,
        summary=row.summary,
        why_it_matters=row.why_it_matters,
        key_points=row.key_points,
        eli5=row.eli5,
        analysis=Analysis(
            generated_by=row.analysis_generated_by,
            review_status=row.analysis_review_status,
            reviewed_at=row.analysis_reviewed_at,
            methodology_url=row.analysis_methodology_url,
        ),
        started_at=row.started_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        noise=noise_service.present(
            composite=row.noise_composite,
            components=row.noise_components,
            last_activity_at=row.last_activity_at,
            computed_at=row.noise_computed_at,
            at=at,
            settings=settings,
        ),
        sides=row.sides,
        forecast=forecast,
        timeline=row.timeline,
    )


async def categories(session: AsyncSession) -> list[CategoryCount]:
    """Every category with its count of live controversies, zeros included."""
    counts = await repository.category_counts(session)
    return [CategoryCount(category=c, count=counts.get(c.value, 0)) for c in Category]


def _analysis_columns(analysis: AnalysisWrite, now: datetime) -> dict[str, Any]:
    reviewed = analysis.review_status == "reviewed"
    return {
        "analysis_generated_by": analysis.generated_by,
        "analysis_review_status": analysis.review_status.value,
        "analysis_reviewed_at": now if reviewed else None,
        "analysis_methodology_url": analysis.methodology_url,
    }


async def create(
    session: AsyncSession,
    *,
    data: ControversyCreate,
    author: Author,
    now: datetime,
    settings: Settings,
) -> ControversyRead:
    """Create a controversy with its initial noise state; 409 when the slug is taken."""
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "slug": data.slug,
        "title": data.title,
        "category": data.category.value,
        "stage": data.stage.value,
        "tags": data.tags,
        "summary": data.summary,
        "why_it_matters": data.why_it_matters,
        "key_points": data.key_points,
        "eli5": data.eli5,
        "started_at": data.started_at or now,
        "created_at": now,
        "updated_at": now,
        "last_activity_at": now,
        "industry_impact": data.industry_impact,
        **_analysis_columns(data.analysis or AnalysisWrite(), now),
    }
    controversy_id = await repository.insert(session, values)
    if controversy_id is None:
        raise Conflict(f"The slug '{data.slug}' is already taken.")
    await noise_service.recompute(
        session, controversy_id=controversy_id, now=now, settings=settings
    )
    await audit_service.record(
        session,
        author=author,
        resource="controversy",
        resource_id=controversy_id,
        action="create",
        changes=data.model_dump(mode="json"),
    )
    return await get_card(session, id_or_slug=str(controversy_id), at=now, settings=settings)


async def lock_live(session: AsyncSession, *, id_or_slug: str) -> Any:
    """Lock a live controversy for a write; 404 when there is none."""
    row = await repository.lock(session, id_or_slug, archived=False)
    if row is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    return row


async def touch(session: AsyncSession, *, controversy_id: uuid.UUID) -> int:
    """Record that something on the card changed (version and updated_at)."""
    return await repository.touch(session, controversy_id)


async def update(
    session: AsyncSession,
    *,
    id_or_slug: str,
    data: ControversyUpdate,
    if_match: str | None,
    author: Author,
    now: datetime,
    settings: Settings,
) -> ControversyRead:
    """Change some fields of a live controversy (If-Match required)."""
    row = await lock_live(session, id_or_slug=id_or_slug)
    check_if_match(if_match, row.version)
    changes = data.model_dump(mode="json", exclude_unset=True)
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "analysis":
            values.update(_analysis_columns(data.analysis or AnalysisWrite(), now))
        elif value is None:
            raise ValidationFailed(
                f"`{field}` cannot be null.",
                errors=[{"location": "body", "field": field, "message": "may not be null"}],
            )
        else:
            values[field] = value
    if data.slug and await repository.slug_taken(session, data.slug, row.id):
        raise Conflict(f"The slug '{data.slug}' is already taken.")
    if values:
        await update_row(session, "controversies", row.id, values)
        await audit_service.record(
            session,
            author=author,
            resource="controversy",
            resource_id=row.id,
            action="update",
            changes=changes,
        )
    return await get_card(session, id_or_slug=str(row.id), at=now, settings=settings)


async def archive(
    session: AsyncSession, *, id_or_slug: str, if_match: str | None, author: Author
) -> None:
    """Hide a controversy from every read; it stays in the table and can be restored."""
    row = await lock_live(session, id_or_slug=id_or_slug)
    check_if_match(if_match, row.version)
    await set_archived(session, "controversies", row.id, True)
    await audit_service.record(
        session, author=author, resource="controversy", resource_id=row.id, action="archive"
    )


async def restore(
    session: AsyncSession, *, id_or_slug: str, author: Author, now: datetime, settings: Settings
) -> ControversyRead:
    """Bring an archived controversy back (a live one is returned as it is)."""
    row = await repository.lock(session, id_or_slug, archived=None)
    if row is None:
        raise NotFound(f"No controversy with id or slug '{id_or_slug[:100]}'.")
    if row.archived_at is not None:
        await set_archived(session, "controversies", row.id, False)
        await audit_service.record(
            session, author=author, resource="controversy", resource_id=row.id, action="restore"
        )
    return await get_card(session, id_or_slug=str(row.id), at=now, settings=settings)


AfterWrite = Callable[[uuid.UUID], Awaitable[None]]
BeforeRestore = Callable[[Any, uuid.UUID], Awaitable[None]]


async def set_child_archived(
    session: AsyncSession,
    *,
    table: str,
    resource: str,
    id_or_slug: str,
    row_id: uuid.UUID,
    archived: bool,
    if_match: str | None,
    author: Author,
    after_write: AfterWrite,
    before_restore: BeforeRestore | None = None,
) -> uuid.UUID:
    """Archive (If-Match required) or restore a row of a live controversy; returns its id.

    The controversy is locked first, as in every write, then the row. `after_write` runs
    when the state changed (e.g. touch and recompute); `before_restore` may refuse a restore.
    """
    controversy = await lock_live(session, id_or_slug=id_or_slug)
    row = await lock_row(session, table, row_id, controversy_id=controversy.id, archived=None)
    if row is None:
        raise NotFound(f"No {resource} with id '{row_id}' in this controversy.")
    was_archived = row["archived_at"] is not None
    if archived:
        check_if_match(if_match, row["version"])
    elif was_archived and before_restore is not None:
        await before_restore(row, controversy.id)
    if was_archived != archived:
        await set_archived(session, table, row_id, archived)
        await after_write(controversy.id)
        await audit_service.record(
            session,
            author=author,
            resource=resource,
            resource_id=row_id,
            action="archive" if archived else "restore",
        )
    controversy_id: uuid.UUID = controversy.id
    return controversy_id


ValidateChanges = Callable[[dict[str, Any], uuid.UUID], Awaitable[None]]
WriteExtra = Callable[[dict[str, Any]], Awaitable[None]]


async def update_child(
    session: AsyncSession,
    *,
    table: str,
    resource: str,
    id_or_slug: str,
    row_id: uuid.UUID,
    data: BaseModel,
    if_match: str | None,
    author: Author,
    after_write: AfterWrite,
    validate: ValidateChanges | None = None,
    extra_fields: frozenset[str] = frozenset(),
    write_extra: WriteExtra | None = None,
) -> uuid.UUID:
    """Change some fields of a live row of a live controversy (If-Match required).

    `validate` may refuse the changes; fields in `extra_fields` are not columns and are
    handed to `write_extra` (e.g. a forecast's scenarios). Returns the controversy id.
    """
    controversy = await lock_live(session, id_or_slug=id_or_slug)
    row = await lock_row(session, table, row_id, controversy_id=controversy.id)
    if row is None:
        raise NotFound(f"No {resource} with id '{row_id}' in this controversy.")
    check_if_match(if_match, row["version"])
    changes = non_null_changes(data)
    if validate is not None:
        await validate(changes, controversy.id)
    if changes:
        columns = {
            name: value.value if isinstance(value, StrEnum) else value
            for name, value in changes.items()
            if name not in extra_fields
        }
        await update_row(session, table, row_id, columns)
        if write_extra is not None:
            await write_extra({k: v for k, v in changes.items() if k in extra_fields})
        await after_write(controversy.id)
        await audit_service.record(
            session,
            author=author,
            resource=resource,
            resource_id=row_id,
            action="update",
            changes=data.model_dump(mode="json", exclude_unset=True),
        )
    controversy_id: uuid.UUID = controversy.id
    return controversy_id
