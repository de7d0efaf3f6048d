"""Actors: list, create, and the four routes of a row (read, change, archive, restore)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.actors import service
from app.actors.schemas import ActorCreate, ActorDetail, ActorRead, ActorUpdate
from app.deps import SessionDep, WriterDep
from app.enums import ActorKind
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page
from app.row_routes import RowRoutes, add_row_routes

router = APIRouter(tags=["actors"], route_class=JsonRoute)


@router.get("/actors", operation_id="listActors")
async def list_actors(
    session: SessionDep,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    kind: ActorKind | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ActorRead]:
    """Actors by name; `q` matches part of the name."""
    return await service.list_actors(session, q=q, kind=kind, cursor=cursor, limit=limit)


@router.post(
    "/actors", operation_id="createActor", status_code=201, responses=problem_responses(409)
)
async def create_actor(data: ActorCreate, writer: WriterDep, response: Response) -> ActorRead:
    """Create an actor; an existing normalised name answers 409 with `existing_id`."""
    actor = await service.create_actor(writer, data)
    response.headers["ETag"] = version_etag(actor.version)
    response.headers["Location"] = f"/v1/actors/{actor.id}"
    return actor


add_row_routes(
    router,
    RowRoutes(
        noun="actor",
        segment="actors",
        id_name="actor_id",
        read_model=ActorDetail,
        changed_model=ActorRead,
        update_model=ActorUpdate,
        read=service.read_actor,
        update=service.update_actor,
        set_archived=service.set_actor_archived,
        read_doc="One actor with the controversies and sides it stands on.",
        update_doc="Change an actor; a new influence recomputes the noise of every controversy"
        " it is in.",
        archive_doc="Archive an actor that stands on no live side.",
        restore_doc="Bring an archived actor back.",
        nested=False,
    ),
)
