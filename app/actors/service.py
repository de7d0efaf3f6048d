"""Actor and side reads."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.actors import repository
from app.actors.schemas import ActorDetail, ActorRead, SideRead
from app.errors import BadCursor, NotFound
from app.pagination import Page, cursor_uuid, decode_cursor, encode_cursor


async def sides(session: AsyncSession, *, controversy_id: uuid.UUID) -> list[SideRead]:
    """The sides of a controversy, in display order."""
    return [SideRead.model_validate(s) for s in await repository.sides(session, controversy_id)]


async def get_actor(session: AsyncSession, *, actor_id: uuid.UUID) -> ActorDetail:
    """One actor with the controversies and sides it stands on."""
    row = await repository.actor_with_stances(session, actor_id)
    if row is None:
        raise NotFound(f"No actor with id '{actor_id}'.")
    return ActorDetail.model_validate(row)


async def list_actors(
    session: AsyncSession, *, q: str | None, kind: str | None, cursor: str | None, limit: int
) -> Page[ActorRead]:
    """Actors in name order."""
    name = "actors"
    after = None
    if cursor is not None:
        key = decode_cursor(cursor, name)
        if len(key) != 2 or not isinstance(key[0], str):
            raise BadCursor("The cursor is not valid; start again without one.")
        after = (key[0], cursor_uuid(key[1]))
    rows = await repository.actors_page(session, q=q, kind=kind, after=after, limit=limit + 1)
    items = [ActorRead.model_validate(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(name, [last.name, str(last.id)])
    return Page[ActorRead](data=items, next_cursor=next_cursor)
