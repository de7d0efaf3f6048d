"""Actors: list, create, and the four routes of a row (read, change, archive, restore)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.actors import service
from app.actors.schemas import ActorCreate, ActorDetail, ActorPage, ActorRead, ActorUpdate
from app.deps import SessionDep
from app.enums import ActorKind
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from app.row_routes import Schemas, add_resource_routes

router = APIRouter(tags=["actors"], route_class=JsonRoute)


@router.get("/actors", operation_id="listActors")
async def list_actors(
    session: SessionDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    kind: ActorKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ActorPage:
    """Actors by name; `q` matches part of the name."""
    return await service.list_actors(session, q=q, kind=kind, cursor=cursor, limit=limit)


add_resource_routes(
    router,
    "actor",
    "actors",
    Schemas(ActorRead, ActorCreate, ActorUpdate, detail=ActorDetail),
    service,
    nested=False,
)
