"""Actor and side read endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.actors import service
from app.actors.schemas import ActorDetail, ActorRead, SideRead
from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep
from app.enums import ActorKind
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page

router = APIRouter()


@router.get("/controversies/{id_or_slug}/sides", operation_id="listSides", tags=["controversies"])
async def list_sides(id_or_slug: IdOrSlug, session: SessionDep) -> list[SideRead]:
    """The sides of a controversy with who stands on them and what they claim."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.sides(session, controversy_id=controversy_id)


@router.get("/actors", operation_id="listActors", tags=["actors"])
async def list_actors(
    session: SessionDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    kind: ActorKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ActorRead]:
    """Actors by name; `q` matches part of the name."""
    return await service.list_actors(session, q=q, kind=kind, cursor=cursor, limit=limit)


@router.get("/actors/{actor_id}", operation_id="getActor", tags=["actors"])
async def get_actor(actor_id: uuid.UUID, session: SessionDep) -> ActorDetail:
    """One actor with the controversies and sides it stands on."""
    return await service.get_actor(session, actor_id=actor_id)
