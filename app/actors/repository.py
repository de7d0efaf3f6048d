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
         'stances', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                         'id', st.id, 'claim', st.claim, 'actor', to_jsonb(a))
                       ORDER BY a.influence DESC, a.name, st.id), '[]'::jsonb)
                     FROM stances st JOIN actors a ON a.id = st.actor_id
                     WHERE st.side_id = s.id AND st.archived_at IS NULL))
       ORDER BY s.position, s.label), '[]'::jsonb)
  FROM sides s WHERE s.controversy_id = :cid AND s.archived_at IS NULL
"""
)

ACTOR_SQL = text(
    """
SELECT a.id, a.name, a.kind, a.description, a.influence,
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
        "SELECT id, name, kind, description, influence FROM actors WHERE "
        + " AND ".join(clauses)
        + " ORDER BY name, id LIMIT :limit"
    )
    return list((await session.execute(text(sql), params)).all())
