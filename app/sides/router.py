"""Sides of a controversy and the stances on them."""

from __future__ import annotations

from fastapi import APIRouter

from app.controversies import service as controversy_service
from app.deps import IdOrSlug, SessionDep
from app.json_route import JsonRoute
from app.row_routes import Schemas, add_resource_routes
from app.sides import schemas, service

router = APIRouter(tags=["controversies"], route_class=JsonRoute)


@router.get("/controversies/{id_or_slug}/sides", operation_id="listSides")
async def list_sides(id_or_slug: IdOrSlug, session: SessionDep) -> schemas.SidePage:
    """The sides of a controversy with who stands on them and what they claim (one page, in
    the shape of every list)."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    sides = await service.sides(session, controversy_id=controversy_id)
    return schemas.SidePage(data=sides, next_cursor=None)


add_resource_routes(
    router,
    "side",
    "sides",
    Schemas(schemas.SideRead, schemas.SideCreate, schemas.SideUpdate),
    service,
)
add_resource_routes(
    router,
    "stance",
    "stances",
    Schemas(schemas.StanceRead, schemas.StanceCreate, schemas.StanceUpdate),
    service,
    created_under=("sides", "side_id"),
)
