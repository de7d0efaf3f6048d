"""SQL for timeline events and mentions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_TIMELINE_PART_EVENTS = """
  (SELECT e.occurred_at AS at, e.id, 'event' AS kind, to_jsonb(e) AS doc
     FROM timeline_events e
    WHERE e.controversy_id = :cid AND e.archived_at IS NULL {after_e}
    ORDER BY e.occurred_at DESC, e.id DESC LIMIT :limit)"""

_TIMELINE_PART_MENTIONS = """
  (SELECT m.published_at AS at, m.id, 'mention' AS kind, to_jsonb(m) AS doc
     FROM mentions m
    WHERE m.controversy_id = :cid {after_m}
    ORDER BY m.published_at DESC, m.id DESC LIMIT :limit)"""


async def timeline_page(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    kinds: tuple[str, ...],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """Events and mentions merged newest first: each side walks its own index, then merge."""
    params: dict[str, Any] = {"cid": controversy_id, "limit": limit}
    after_e = after_m = ""
    if after is not None:
        params["after_at"], params["after_id"] = after
        after_e = "AND (e.occurred_at, e.id) < (:after_at, :after_id)"
        after_m = "AND (m.published_at, m.id) < (:after_at, :after_id)"
    parts = []
    if "event" in kinds:
        parts.append(_TIMELINE_PART_EVENTS.format(after_e=after_e))
    if "mention" in kinds:
        parts.append(_TIMELINE_PART_MENTIONS.format(after_m=after_m))
    sql = (
        "SELECT * FROM (" + " UNION ALL ".join(parts) + ") AS t ORDER BY at DESC, id DESC"
        " LIMIT :limit"
    )
    return list((await session.execute(text(sql), params)).all())


async def mentions_page(
    session: AsyncSession,
    *,
    controversy_id: uuid.UUID,
    platform: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """A page of mentions, newest first."""
    params: dict[str, Any] = {"cid": controversy_id, "limit": limit}
    clauses = ["controversy_id = :cid"]
    if platform:
        clauses.append("platform = :platform")
        params["platform"] = platform
    if after is not None:
        clauses.append("(published_at, id) < (:after_at, :after_id)")
        params["after_at"], params["after_id"] = after
    sql = (
        "SELECT * FROM mentions WHERE "
        + " AND ".join(clauses)
        + " ORDER BY published_at DESC, id DESC LIMIT :limit"
    )
    return list((await session.execute(text(sql), params)).mappings().all())


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
        text(
            "SELECT m.platform, m.external_id FROM mentions m"
            " JOIN unnest(CAST(:platform AS text[]), CAST(:external_id AS text[]))"
            "   AS k(platform, external_id)"
            "   ON m.platform = k.platform AND m.external_id = k.external_id"
            " WHERE m.controversy_id <> :cid"
        ),
        {
            "cid": controversy_id,
            "platform": [platform for platform, _ in keys],
            "external_id": [external_id for _, external_id in keys],
        },
    )
    return [(platform, external_id) for platform, external_id in rows]


async def insert_event(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert a timeline event."""
    columns = ", ".join(values)
    placeholders = ", ".join(f":{column}" for column in values)
    await session.execute(
        text(f"INSERT INTO timeline_events ({columns}) VALUES ({placeholders})"), values
    )


async def event(session: AsyncSession, controversy_id: uuid.UUID, event_id: uuid.UUID) -> Any:
    """A live event of a controversy."""
    return (
        (
            await session.execute(
                text(
                    "SELECT * FROM timeline_events WHERE id = :id AND controversy_id = :cid"
                    " AND archived_at IS NULL"
                ),
                {"id": event_id, "cid": controversy_id},
            )
        )
        .mappings()
        .one_or_none()
    )
