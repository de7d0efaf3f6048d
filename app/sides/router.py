"""Sides of a controversy and the stances on them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep, WriterDep
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.row_routes import RowRoutes, add_row_routes
from app.sides import service
from app.sides.schemas import (
    SideCreate,
    SideRead,
    SideUpdate,
    StanceCreate,
    StanceRead,
    StanceUpdate,
)

router = APIRouter(tags=["controversies"], route_class=JsonRoute)
SideId = Annotated[uuid.UUID, Path(description="The side's id.")]


@router.get("/controversies/{id_or_slug}/sides", operation_id="listSides")
async def list_sides(id_or_slug: IdOrSlug, session: SessionDep) -> list[SideRead]:
    """The sides of a controversy with who stands on them and what they claim."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    return await service.sides(session, controversy_id=controversy_id)


@router.post(
    "/controversies/{id_or_slug}/sides",
    operation_id="createSide",
    status_code=201,
    responses=problem_responses(409),
)
async def create_side(
    id_or_slug: IdOrSlug, data: SideCreate, writer: WriterDep, response: Response
) -> SideRead:
    """Add a side (e.g. "Critics") to a controversy."""
    side = await service.create_side(writer, id_or_slug, data)
    response.headers["ETag"] = version_etag(side.version)
    response.headers["Location"] = f"/v1/controversies/{id_or_slug}/sides/{side.id}"
    return side


@router.post(
    "/controversies/{id_or_slug}/sides/{side_id}/stances",
    operation_id="createStance",
    status_code=201,
    responses=problem_responses(409),
)
async def create_stance(
    id_or_slug: IdOrSlug,
    side_id: SideId,
    data: StanceCreate,
    writer: WriterDep,
    response: Response,
) -> StanceRead:
    """Put an actor on a side, with the claim it makes."""
    stance = await service.create_stance(writer, id_or_slug, side_id, data)
    response.headers["ETag"] = version_etag(stance.version)
    response.headers["Location"] = f"/v1/controversies/{id_or_slug}/stances/{stance.id}"
    return stance


add_row_routes(
    router,
    RowRoutes(
        noun="side",
        segment="sides",
        id_name="side_id",
        read_model=SideRead,
        update_model=SideUpdate,
        read=service.read_side,
        update=service.update_side,
        set_archived=service.set_side_archived,
        read_doc="One side with its stances.",
        update_doc="Change a side's label, summary or position (send its ETag in If-Match).",
        archive_doc="Archive a side; its stances leave the card and the score.",
        restore_doc="Bring an archived side back.",
    ),
)
add_row_routes(
    router,
    RowRoutes(
        noun="stance",
        segment="stances",
        id_name="stance_id",
        read_model=StanceRead,
        update_model=StanceUpdate,
        read=service.read_stance,
        update=service.update_stance,
        set_archived=service.set_stance_archived,
        read_doc="One stance with its actor.",
        update_doc="Change a claim, or move the stance to another side.",
        archive_doc="Archive a stance: the actor leaves the side.",
        restore_doc="Bring an archived stance back.",
    ),
)
