"""The two reads clients repeat all day, hand-written: the list on its indexes, the card in one
statement. Both name columns of the models' tables only; tests/cards/test_queries.py checks
every column named here against the metadata."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    cast,
    exists,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import metadata

controversies = metadata.tables["controversies"]
stances = metadata.tables["stances"]

# Each sort: its columns, newest/loudest first; the id breaks ties so pages never overlap.
SORT_COLUMNS = {
    "noise": controversies.c.hot_key,
    "recent": controversies.c.last_activity_at,
    "started": controversies.c.started_at,
    "created": controversies.c.created_at,
}

LIST_COLUMNS = (
    controversies.c.id,
    controversies.c.slug,
    controversies.c.title,
    controversies.c.category,
    controversies.c.stage,
    controversies.c.tags,
    controversies.c.summary,
    controversies.c.started_at,
    controversies.c.created_at,
    controversies.c.updated_at,
    controversies.c.noise_composite,
    controversies.c.last_activity_at,
    controversies.c.hot_key,
)


@dataclass(frozen=True)
class ListFilters:
    """Each tuple is OR-ed (empty: no filter); different filters are AND-ed."""

    categories: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    actor_ids: tuple[uuid.UUID, ...] = ()
    q: str | None = None
    min_noise: int | None = None
    updated_since: datetime | None = None


def _min_noise_clause(
    min_noise: int, now: datetime, half_life_seconds: float
) -> ColumnElement[bool]:
    # score >= m  <=>  C·D(now) >= m − 0.5. Since log2(C·D(now)) = hot_key − now/half_life
    # once activity is in the past, the hot_key bound is an index-friendly necessary condition
    # (it also holds for future activity, where D = 1); the exact check follows it.
    threshold = min_noise - 0.5
    if threshold <= 0:
        return and_(True)
    bound = math.log2(threshold) + now.timestamp() / half_life_seconds - 1e-9
    age = literal(now, DateTime(timezone=True)) - controversies.c.last_activity_at
    age_seconds = func.extract("epoch", age)
    decay = func.least(1.0, func.power(0.5, age_seconds / half_life_seconds))
    shown = controversies.c.noise_composite * decay + 0.5
    # The same 1e-9 tolerance as scoring.round_half_up, so the filter agrees with the score.
    exact = func.floor(shown + 1e-9 * func.greatest(1.0, shown)) >= min_noise
    return and_(controversies.c.hot_key >= bound, exact)


def _filters(
    filters: ListFilters, now: datetime, half_life_seconds: float
) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [controversies.c.archived_at.is_(None)]
    if filters.categories:
        clauses.append(controversies.c.category.in_(filters.categories))
    if filters.stages:
        clauses.append(controversies.c.stage.in_(filters.stages))
    if filters.tags:
        # && (overlap) on the GIN index of tags: any of them.
        clauses.append(controversies.c.tags.overlap(list(filters.tags)))
    if filters.actor_ids:
        clauses.append(
            exists().where(
                stances.c.controversy_id == controversies.c.id,
                stances.c.actor_id.in_(filters.actor_ids),
                stances.c.archived_at.is_(None),
            )
        )
    if filters.q:
        query = func.websearch_to_tsquery(cast(literal("english"), REGCONFIG), filters.q)
        clauses.append(controversies.c.search.op("@@")(query))
    if filters.min_noise is not None:
        clauses.append(_min_noise_clause(filters.min_noise, now, half_life_seconds))
    if filters.updated_since:
        clauses.append(controversies.c.updated_at >= filters.updated_since)
    return clauses


async def list_page(session: AsyncSession, statement: Select[Any]) -> Sequence[Any]:
    """Run a list statement (from `list_statement`)."""
    rows: Sequence[Any] = (await session.execute(statement)).all()
    return rows


def list_statement(
    *,
    filters: ListFilters,
    sort: str,
    after: tuple[Any, uuid.UUID] | None,
    limit: int,
    now: datetime,
    half_life_seconds: float,
) -> Select[Any]:
    """The list query: filters, keyset position, the sort's index order."""
    key = SORT_COLUMNS[sort]
    stmt = select(*LIST_COLUMNS).where(*_filters(filters, now, half_life_seconds))
    if after is not None:
        stmt = stmt.where(tuple_(key, controversies.c.id) < tuple_(after[0], after[1]))
    return stmt.order_by(key.desc(), controversies.c.id.desc()).limit(limit + 1)


async def category_counts(session: AsyncSession) -> dict[str, int]:
    """How many live controversies each category has."""
    rows = await session.execute(
        select(controversies.c.category, func.count())
        .where(controversies.c.archived_at.is_(None))
        .group_by(controversies.c.category)
    )
    return {category: count for category, count in rows}


# The whole card as one JSON document, in one round trip: sides with stances and actors,
# the latest forecast with its scenarios (and their resolutions) and its generator's track
# record's cells, the latest milestones and, on their own, the latest posts (so neither crowds
# out the other). Every sub-select walks an index keyed by the controversy id (the track record
# by its generator).
CARD_SQL = text(
    """
SELECT c.id, c.slug, c.title, c.category, c.stage, c.tags, c.summary, c.why_it_matters,
       c.key_points, c.eli5, c.analysis_generated_by, c.analysis_review_status,
       c.analysis_reviewed_at, c.analysis_methodology_url, c.started_at, c.created_at,
       c.updated_at, c.version, c.noise_composite, c.noise_components, c.last_activity_at,
       c.noise_computed_at,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'id', s.id, 'label', s.label, 'summary', s.summary, 'position', s.position,
                 'version', s.version,
                 'stances', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                 'id', st.id, 'claim', st.claim, 'version', st.version,
                                 'actor', jsonb_build_object(
                                     'id', a.id, 'name', a.name, 'kind', a.kind,
                                     'description', a.description, 'influence', a.influence,
                                     'version', a.version))
                               ORDER BY a.influence DESC, a.name, st.id), '[]'::jsonb)
                             FROM stances st JOIN actors a ON a.id = st.actor_id
                             WHERE st.side_id = s.id AND st.archived_at IS NULL))
               ORDER BY s.position, s.label), '[]'::jsonb)
          FROM sides s WHERE s.controversy_id = c.id AND s.archived_at IS NULL) AS sides,
       (SELECT jsonb_build_object(
                 'id', f.id, 'generated_by', f.generated_by, 'generated_at', f.generated_at,
                 'review_status', f.review_status, 'summary', f.summary,
                 'signals_as_of', f.signals_as_of, 'superseded', false, 'version', f.version,
                 'scenarios', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                   'id', sc.id, 'title', sc.title,
                                   'description', sc.description,
                                   'probability', sc.probability, 'horizon', sc.horizon,
                                   'version', sc.version,
                                   'resolution', CASE WHEN sc.outcome IS NOT NULL THEN
                                       jsonb_build_object(
                                         'outcome', sc.outcome, 'resolved_at', sc.resolved_at,
                                         'source_url', sc.resolution_source_url,
                                         'note', sc.resolution_note,
                                         'resolved_by', sc.resolved_by) END)
                                 ORDER BY sc.position, sc.id), '[]'::jsonb)
                               FROM forecast_scenarios sc WHERE sc.forecast_id = f.id),
                 'generator_cells', (SELECT jsonb_agg(jsonb_build_array(
                                       r.n, r.brier_sum, r.log_loss_sum) ORDER BY r.bin)
                                     FROM forecast_track_records r
                                     WHERE r.generated_by = f.generated_by))
          FROM forecasts f WHERE f.controversy_id = c.id AND f.archived_at IS NULL
          ORDER BY f.generated_at DESC, f.id DESC LIMIT 1) AS forecast,
       (SELECT coalesce(jsonb_agg(to_jsonb(e) ORDER BY e.occurred_at DESC, e.id DESC),
                        '[]'::jsonb)
          FROM (SELECT * FROM timeline_events e
                 WHERE e.controversy_id = c.id AND e.archived_at IS NULL
                 ORDER BY e.occurred_at DESC, e.id DESC LIMIT :section_rows) e) AS milestones,
       (SELECT coalesce(jsonb_agg(to_jsonb(m) ORDER BY m.published_at DESC, m.id DESC),
                        '[]'::jsonb)
          FROM (SELECT * FROM mentions m WHERE m.controversy_id = c.id
                 ORDER BY m.published_at DESC, m.id DESC LIMIT :section_rows) m) AS posts
  FROM controversies c
 WHERE c.archived_at IS NULL AND {where}
"""
)


async def card(session: AsyncSession, id_or_slug: str, section_items: int) -> Row[Any] | None:
    """The whole card of a live controversy, or None; its latest milestones and posts come
    `section_items + 1` each, the extra one only telling that there are more."""
    try:
        params: dict[str, Any] = {"id": uuid.UUID(id_or_slug)}
        where = "c.id = :id"
    except ValueError:
        params = {"slug": id_or_slug}
        where = "c.slug = :slug"
    statement = text(CARD_SQL.text.replace("{where}", where))
    result = await session.execute(statement, {**params, "section_rows": section_items + 1})
    return result.one_or_none()
