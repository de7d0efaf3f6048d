"""Actor and side read endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.actors import service
from app.actors.schemas import (
    ActorCreate,
    ActorDetail,
    ActorRead,
    ActorUpdate,
    SideCreate,
    SideRead,
    SideUpdate,
    StanceCreate,
    StanceRead,
    StanceUpdate,
)
from app.controversies import service as controversy_service
from app.deps import AuthorDep, IdOrSlug, IfMatch, NowDep, SessionDep, SettingsDep
from app.enums import ActorKind
from app.errors import problem_responses
from app.etags import version_etag
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, Page

router = APIRouter(route_class=JsonRoute)


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
async def get_actor(actor_id: uuid.UUID, session: SessionDep, response: Response) -> ActorDetail:
    """One actor with the controversies and sides it stands on."""
    actor = await service.get_actor(session, actor_id=actor_id)
    response.headers["ETag"] = version_etag(actor.version)
    return actor


ActorId = Annotated[uuid.UUID, Path(description="The actor's id.")]
SideId = Annotated[uuid.UUID, Path(description="The side's id.")]
StanceId = Annotated[uuid.UUID, Path(description="The stance's id.")]
WRITE_PROBLEMS = problem_responses(409, 412, 428)


@router.post(
    "/actors",
    operation_id="createActor",
    status_code=201,
    tags=["actors"],
    responses=problem_responses(409),
)
async def create_actor(
    data: ActorCreate, session: SessionDep, author: AuthorDep, response: Response
) -> ActorRead:
    """Create an actor; an existing normalised name answers 409 with `existing_id`."""
    actor = await service.create_actor(session, data=data, author=author)
    response.headers["ETag"] = version_etag(actor.version)
    response.headers["Location"] = f"/v1/actors/{actor.id}"
    return actor


@router.patch(
    "/actors/{actor_id}", operation_id="updateActor", tags=["actors"], responses=WRITE_PROBLEMS
)
async def update_actor(
    actor_id: ActorId,
    data: ActorUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> ActorRead:
    """Change an actor; a new influence recomputes the noise of every controversy it is in."""
    actor = await service.update_actor(
        session,
        actor_id=actor_id,
        data=data,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(actor.version)
    return actor


@router.delete(
    "/actors/{actor_id}",
    operation_id="archiveActor",
    status_code=204,
    tags=["actors"],
    responses=WRITE_PROBLEMS,
)
async def archive_actor(
    actor_id: ActorId, session: SessionDep, author: AuthorDep, if_match: IfMatch = None
) -> Response:
    """Archive an actor that stands on no live side."""
    await service.set_actor_archived(
        session, actor_id=actor_id, archived=True, if_match=if_match, author=author
    )
    return Response(status_code=204)


@router.post("/actors/{actor_id}/restore", operation_id="restoreActor", tags=["actors"])
async def restore_actor(actor_id: ActorId, session: SessionDep, author: AuthorDep) -> ActorRead:
    """Bring an archived actor back."""
    actor = await service.set_actor_archived(
        session, actor_id=actor_id, archived=False, if_match=None, author=author
    )
    assert actor is not None
    return actor


@router.post(
    "/controversies/{id_or_slug}/sides",
    operation_id="createSide",
    status_code=201,
    tags=["controversies"],
    responses=problem_responses(409),
)
async def create_side(
    id_or_slug: IdOrSlug,
    data: SideCreate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
) -> SideRead:
    """Add a side (e.g. "Critics") to a controversy."""
    side = await service.create_side(
        session, id_or_slug=id_or_slug, data=data, author=author, now=now, settings=settings
    )
    response.headers["ETag"] = version_etag(side.version)
    return side


@router.get(
    "/controversies/{id_or_slug}/sides/{side_id}", operation_id="getSide", tags=["controversies"]
)
async def get_side(
    id_or_slug: IdOrSlug, side_id: SideId, session: SessionDep, response: Response
) -> SideRead:
    """One side with its stances."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    side = await service.get_side(session, controversy_id=controversy_id, side_id=side_id)
    response.headers["ETag"] = version_etag(side.version)
    return side


@router.patch(
    "/controversies/{id_or_slug}/sides/{side_id}",
    operation_id="updateSide",
    tags=["controversies"],
    responses=WRITE_PROBLEMS,
)
async def update_side(
    id_or_slug: IdOrSlug,
    side_id: SideId,
    data: SideUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> SideRead:
    """Change a side's label, summary or position."""
    side = await service.update_side(
        session,
        id_or_slug=id_or_slug,
        side_id=side_id,
        data=data,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(side.version)
    return side


@router.delete(
    "/controversies/{id_or_slug}/sides/{side_id}",
    operation_id="archiveSide",
    status_code=204,
    tags=["controversies"],
    responses=WRITE_PROBLEMS,
)
async def archive_side(
    id_or_slug: IdOrSlug,
    side_id: SideId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    if_match: IfMatch = None,
) -> Response:
    """Archive a side; its stances leave the card and the score."""
    await service.set_side_archived(
        session,
        id_or_slug=id_or_slug,
        side_id=side_id,
        archived=True,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    return Response(status_code=204)


@router.post(
    "/controversies/{id_or_slug}/sides/{side_id}/restore",
    operation_id="restoreSide",
    tags=["controversies"],
    responses=problem_responses(409),
)
async def restore_side(
    id_or_slug: IdOrSlug,
    side_id: SideId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
) -> SideRead:
    """Bring an archived side back."""
    side = await service.set_side_archived(
        session,
        id_or_slug=id_or_slug,
        side_id=side_id,
        archived=False,
        if_match=None,
        author=author,
        now=now,
        settings=settings,
    )
    assert side is not None
    return side


@router.post(
    "/controversies/{id_or_slug}/sides/{side_id}/stances",
    operation_id="createStance",
    status_code=201,
    tags=["controversies"],
    responses=problem_responses(409),
)
async def create_stance(
    id_or_slug: IdOrSlug,
    side_id: SideId,
    data: StanceCreate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
) -> StanceRead:
    """Put an actor on a side, with the claim it makes."""
    stance = await service.create_stance(
        session,
        id_or_slug=id_or_slug,
        side_id=side_id,
        data=data,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(stance.version)
    return stance


@router.get(
    "/controversies/{id_or_slug}/stances/{stance_id}",
    operation_id="getStance",
    tags=["controversies"],
)
async def get_stance(
    id_or_slug: IdOrSlug, stance_id: StanceId, session: SessionDep, response: Response
) -> StanceRead:
    """One stance with its actor."""
    controversy_id = await controversy_service.resolve(session, id_or_slug=id_or_slug)
    stance = await service.get_stance(session, controversy_id=controversy_id, stance_id=stance_id)
    response.headers["ETag"] = version_etag(stance.version)
    return stance


@router.patch(
    "/controversies/{id_or_slug}/stances/{stance_id}",
    operation_id="updateStance",
    tags=["controversies"],
    responses=WRITE_PROBLEMS,
)
async def update_stance(
    id_or_slug: IdOrSlug,
    stance_id: StanceId,
    data: StanceUpdate,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    response: Response,
    if_match: IfMatch = None,
) -> StanceRead:
    """Change a claim, or move the stance to another side."""
    stance = await service.update_stance(
        session,
        id_or_slug=id_or_slug,
        stance_id=stance_id,
        data=data,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    response.headers["ETag"] = version_etag(stance.version)
    return stance


@router.delete(
    "/controversies/{id_or_slug}/stances/{stance_id}",
    operation_id="archiveStance",
    status_code=204,
    tags=["controversies"],
    responses=WRITE_PROBLEMS,
)
async def archive_stance(
    id_or_slug: IdOrSlug,
    stance_id: StanceId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
    if_match: IfMatch = None,
) -> Response:
    """Archive a stance: the actor leaves the side."""
    await service.set_stance_archived(
        session,
        id_or_slug=id_or_slug,
        stance_id=stance_id,
        archived=True,
        if_match=if_match,
        author=author,
        now=now,
        settings=settings,
    )
    return Response(status_code=204)


@router.post(
    "/controversies/{id_or_slug}/stances/{stance_id}/restore",
    operation_id="restoreStance",
    tags=["controversies"],
    responses=problem_responses(409),
)
async def restore_stance(
    id_or_slug: IdOrSlug,
    stance_id: StanceId,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    author: AuthorDep,
) -> StanceRead:
    """Bring an archived stance back."""
    stance = await service.set_stance_archived(
        session,
        id_or_slug=id_or_slug,
        stance_id=stance_id,
        archived=False,
        if_match=None,
        author=author,
        now=now,
        settings=settings,
    )
    assert stance is not None
    return stance
