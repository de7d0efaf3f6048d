"""SQL for actors and sides."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

SIDES_SQL = text(
    """
SELECT coalesce(jsonb_agg(jsonb_build_object(
         'id', s.id, 'label', s.label, 'summary', s.summary, 'position', s.position,
         'version', s.version,
         'stances', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                         'id', st.id, 'claim', st.claim, 'version', st.version,
                         'actor', to_jsonb(a))
                       ORDER BY a.influence DESC, a.name, st.id), '[]'::jsonb)
                     FROM stances st JOIN actors a ON a.id = st.actor_id
                     WHERE st.side_id = s.id AND st.archived_at IS NULL))
       ORDER BY s.position, s.label), '[]'::jsonb)
  FROM sides s WHERE s.controversy_id = :cid AND s.archived_at IS NULL
"""
)

ACTOR_SQL = text(
    """
SELECT a.id, a.name, a.kind, a.description, a.influence, a.version,
       (SELECT coalesce(jsonb_agg(jsonb_build_object(
                 'controversy', jsonb_build_object('id', c.id, 'slug', c.slug, 'title', c.title),
                 'side', jsonb_build_object('id', s.id, 'label', s.label),
                 'claim', st.claim) ORDER BY c.hot_key DESC, c.id), '[]'::jsonb)
          FROM stances st
          JOIN sides s ON s.id = st.side_id AND s.archived_at IS NULL
          JOIN controversies c ON c.id = st.controversy_id AND c.archived_at IS NULL
         WHERE st.actor_id = a.id AND st.archived_at IS NULL) AS stances
  FROM actors a WHERE a.id = :id AND a.archived_at IS NULL
"""
)


async def sides(session: AsyncSession, controversy_id: uuid.UUID) -> list[dict[str, Any]]:
    """The sides of a controversy with their stances and actors, in one query."""
    result = await session.scalar(SIDES_SQL, {"cid": controversy_id})
    return list(result or [])


async def actor_with_stances(session: AsyncSession, actor_id: uuid.UUID) -> Any:
    """An actor with where it stands in each live controversy."""
    return (await session.execute(ACTOR_SQL, {"id": actor_id})).one_or_none()


async def actors_page(
    session: AsyncSession,
    *,
    q: str | None,
    kind: str | None,
    after: tuple[str, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """Actors by name."""
    clauses = ["archived_at IS NULL"]
    params: dict[str, Any] = {"limit": limit}
    if q:
        clauses.append("name_key LIKE :q ESCAPE '\\'")
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["q"] = f"%{escaped}%"
    if kind:
        clauses.append("kind = :kind")
        params["kind"] = kind
    if after is not None:
        clauses.append("(name, id) > (:after_name, :after_id)")
        params["after_name"], params["after_id"] = after
    sql = (
        "SELECT id, name, kind, description, influence, version FROM actors WHERE "
        + " AND ".join(clauses)
        + " ORDER BY name, id LIMIT :limit"
    )
    return list((await session.execute(text(sql), params)).all())


async def insert(session: AsyncSession, table: str, values: dict[str, Any]) -> None:
    """Insert one row into actors, sides or stances."""
    assert table in ("actors", "sides", "stances")
    columns = ", ".join(values)
    placeholders = ", ".join(f":{column}" for column in values)
    await session.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"), values)


async def actor_by_name_key(session: AsyncSession, name_key: str) -> uuid.UUID | None:
    """The actor with this normalised name, archived or not."""
    found: uuid.UUID | None = await session.scalar(
        text("SELECT id FROM actors WHERE name_key = :key"), {"key": name_key}
    )
    return found


async def live_actor(session: AsyncSession, actor_id: uuid.UUID) -> Any:
    """A live actor row."""
    return (
        (
            await session.execute(
                text("SELECT * FROM actors WHERE id = :id AND archived_at IS NULL"),
                {"id": actor_id},
            )
        )
        .mappings()
        .one_or_none()
    )


async def side_label_taken(
    session: AsyncSession, controversy_id: uuid.UUID, label: str, except_id: uuid.UUID | None
) -> bool:
    """True when a live side of the controversy already has this label."""
    found = await session.scalar(
        text(
            "SELECT 1 FROM sides WHERE controversy_id = :cid AND label = :label"
            " AND archived_at IS NULL AND id IS DISTINCT FROM :except_id"
        ),
        {"cid": controversy_id, "label": label, "except_id": except_id},
    )
    return found is not None


async def actor_stance_exists(
    session: AsyncSession, controversy_id: uuid.UUID, actor_id: uuid.UUID
) -> uuid.UUID | None:
    """The live stance of an actor in a controversy, if any."""
    found: uuid.UUID | None = await session.scalar(
        text(
            "SELECT id FROM stances WHERE controversy_id = :cid AND actor_id = :aid"
            " AND archived_at IS NULL"
        ),
        {"cid": controversy_id, "aid": actor_id},
    )
    return found


async def side(session: AsyncSession, controversy_id: uuid.UUID, side_id: uuid.UUID) -> Any:
    """One live side with its live stances, as a document."""
    return await session.scalar(
        text(
            SIDES_SQL.text.replace(
                "WHERE s.controversy_id = :cid AND s.archived_at IS NULL",
                "WHERE s.controversy_id = :cid AND s.archived_at IS NULL AND s.id = :sid",
            )
        ),
        {"cid": controversy_id, "sid": side_id},
    )


async def stance(session: AsyncSession, controversy_id: uuid.UUID, stance_id: uuid.UUID) -> Any:
    """One live stance with its actor."""
    return (
        (
            await session.execute(
                text(
                    "SELECT st.id, st.claim, st.version, st.side_id, to_jsonb(a) AS actor"
                    " FROM stances st JOIN actors a ON a.id = st.actor_id"
                    " JOIN sides s ON s.id = st.side_id AND s.archived_at IS NULL"
                    " WHERE st.id = :id AND st.controversy_id = :cid AND st.archived_at IS NULL"
                ),
                {"id": stance_id, "cid": controversy_id},
            )
        )
        .mappings()
        .one_or_none()
    )


async def controversies_of_actor(session: AsyncSession, actor_id: uuid.UUID) -> list[uuid.UUID]:
    """The controversies where an actor has a live stance, in id order (the lock order)."""
    rows = await session.execute(
        text(
            "SELECT DISTINCT controversy_id FROM stances WHERE actor_id = :aid"
            " AND archived_at IS NULL ORDER BY controversy_id"
        ),
        {"aid": actor_id},
    )
    return [row[0] for row in rows]


async def live_stance_count(session: AsyncSession, actor_id: uuid.UUID) -> int:
    """How many live stances an actor has in live controversies."""
    count: int = (
        await session.scalar(
            text(
                "SELECT count(*) FROM stances st JOIN controversies c ON c.id = st.controversy_id"
                " WHERE st.actor_id = :aid AND st.archived_at IS NULL AND c.archived_at IS NULL"
            ),
            {"aid": actor_id},
        )
        or 0
    )
    return count
