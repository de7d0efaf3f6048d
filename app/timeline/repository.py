"""Milestones and mentions through their SQLModels; the mention upsert, hand-written.

The upsert of a batch is one hand-written statement (it pays: 1,000 mentions in one round
trip); tests/timeline/test_queries.py checks every column it names against the metadata.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.timeline import Mention, TimelineEvent
from app.repository_base import fresh


async def events_page(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[TimelineEvent]:
    """Live milestones of a controversy, newest first, after a keyset position."""
    statement = select(TimelineEvent).where(
        col(TimelineEvent.controversy_id) == controversy_id,
        col(TimelineEvent.archived_at).is_(None),
    )
    if after is not None:
        position = tuple_(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
        statement = statement.where(position < tuple_(*after))
    newest = col(TimelineEvent.occurred_at).desc(), col(TimelineEvent.id).desc()
    return (await session.scalars(fresh(statement.order_by(*newest).limit(limit)))).all()


async def mentions_page(
    session: AsyncSession,
    controversy_id: uuid.UUID,
    *,
    platform: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Mention]:
    """Mentions of a controversy, newest first, after a keyset position."""
    statement = select(Mention).where(col(Mention.controversy_id) == controversy_id)
    if platform:
        statement = statement.where(col(Mention.platform) == platform)
    if after is not None:
        position = tuple_(col(Mention.published_at), col(Mention.id))
        statement = statement.where(position < tuple_(*after))
    newest = col(Mention.published_at).desc(), col(Mention.id).desc()
    return (await session.scalars(fresh(statement.order_by(*newest).limit(limit)))).all()


async def live_event(
    session: AsyncSession, controversy_id: uuid.UUID, event_id: uuid.UUID
) -> TimelineEvent | None:
    """A live milestone of a controversy."""
    found: TimelineEvent | None = await session.scalar(
        fresh(
            select(TimelineEvent).where(
                col(TimelineEvent.id) == event_id,
                col(TimelineEvent.controversy_id) == controversy_id,
                col(TimelineEvent.archived_at).is_(None),
            )
        )
    )
    return found


MENTION_COLUMNS = (
    "url",
    "author",
    "title",
    "excerpt",
    "published_at",
    "audience",
    "score",
    "comments",
    "shares",
)

# One statement per batch: unnest the columns, upsert on (platform, external_id), and touch a
# row only when something differs, so re-sending the same batch changes nothing.
UPSERT_MENTIONS = text(
    """
INSERT INTO mentions (id, controversy_id, platform, external_id, url, author, title, excerpt,
                      published_at, audience, score, comments, shares)
SELECT gen_random_uuid(), :cid, b.platform, b.external_id, b.url, b.author, b.title, b.excerpt,
       b.published_at, b.audience, b.score, b.comments, b.shares
  FROM unnest(CAST(:platform AS text[]), CAST(:external_id AS text[]), CAST(:url AS text[]),
              CAST(:author AS text[]), CAST(:title AS text[]), CAST(:excerpt AS text[]),
              CAST(:published_at AS timestamptz[]), CAST(:audience AS bigint[]),
              CAST(:score AS bigint[]), CAST(:comments AS bigint[]), CAST(:shares AS bigint[]))
       AS b(platform, external_id, url, author, title, excerpt, published_at, audience, score,
            comments, shares)
ON CONFLICT (platform, external_id) DO UPDATE
   SET url = EXCLUDED.url, author = EXCLUDED.author, title = EXCLUDED.title,
       excerpt = EXCLUDED.excerpt, published_at = EXCLUDED.published_at,
       audience = EXCLUDED.audience, score = EXCLUDED.score, comments = EXCLUDED.comments,
       shares = EXCLUDED.shares, updated_at = now()
 WHERE mentions.controversy_id = EXCLUDED.controversy_id
   AND (mentions.url, mentions.author, mentions.title, mentions.excerpt, mentions.published_at,
        mentions.audience, mentions.score, mentions.comments, mentions.shares)
       IS DISTINCT FROM
       (EXCLUDED.url, EXCLUDED.author, EXCLUDED.title, EXCLUDED.excerpt, EXCLUDED.published_at,
        EXCLUDED.audience, EXCLUDED.score, EXCLUDED.comments, EXCLUDED.shares)
RETURNING (xmax = 0) AS created
"""
)


# The fields of a mention as sent, besides its platform, in the upsert's column order.
MENTION_FIELDS = ("external_id", *MENTION_COLUMNS)


async def upsert_mentions(
    session: AsyncSession, controversy_id: uuid.UUID, columns: dict[str, list[Any]]
) -> tuple[int, int]:
    """Upsert a batch given column by column; returns (created, updated).

    A row owned by another controversy, or identical to the stored one, is left alone.
    """
    params: dict[str, Any] = {"cid": controversy_id}
    for column in ("platform", *MENTION_FIELDS):
        params[column] = columns[column]
    rows = (await session.execute(UPSERT_MENTIONS, params)).scalars().all()
    created = sum(1 for was_created in rows if was_created)
    return created, len(rows) - created


async def owned_elsewhere(
    session: AsyncSession, controversy_id: uuid.UUID, keys: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The (platform, external_id) pairs already ingested for another controversy."""
    rows = await session.execute(
        select(Mention.platform, Mention.external_id).where(
            tuple_(col(Mention.platform), col(Mention.external_id)).in_(keys),
            col(Mention.controversy_id) != controversy_id,
        )
    )
    return [(platform, external_id) for platform, external_id in rows]
