"""The controversy endpoints: the list and the card, and the writes, which answer with the
card. Only this package assembles the card, from the parts below it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.types import Scope

from app.cards import service
from app.cards.schemas import CardQuery, CategoryPage, ControversyPage, ControversyRead, ListQuery
from app.controversies import service as controversy_service
from app.controversies.schemas import ControversyCreate, ControversyUpdate
from app.deps import IdOrSlug, IfMatch, SessionDep, WriterDep
from app.errors import AppError, problem_responses
from app.etags import etag_matches
from app.json_route import JsonRoute
from app.request_scope import ETAG_DECIDED, request_time

router = APIRouter(tags=["controversies"], route_class=JsonRoute)


@router.get(
    "/controversies",
    operation_id="listControversies",
    response_model=ControversyPage,
)
async def list_controversies(request: Request, query: Annotated[ListQuery, Query()]) -> Response:
    """List live controversies, loudest now first by default."""
    return await list_response(request.app, request.scope, query)


async def list_response(app: Any, scope: Scope, query: ListQuery) -> Response:
    """A list page as JSON (shared with the hot path, app/hot_reads.py)."""
    body, etag = await service.list_controversies(
        app.state.pages,
        app.state.read_sessionmaker,
        filters=query.filters(),
        sort=query.sort,
        cursor=query.cursor,
        limit=query.limit,
        now=request_time(scope),
        settings=app.state.settings,
    )
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.get(
    "/controversies/{id_or_slug}",
    operation_id="getControversy",
    response_model=ControversyRead,
    responses={304: {"description": "Not modified: the card still matches `If-None-Match`."}},
)
async def get_controversy(
    id_or_slug: IdOrSlug,
    request: Request,
    query: Annotated[CardQuery, Query()],
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """The whole card: sides, actors, noise, latest forecast, latest milestones and posts."""
    return await card_response(request.app, request.scope, id_or_slug, query, if_none_match)


Admission = Callable[[bool], Awaitable[None]]


async def card_response(
    app: Any,
    scope: Scope,
    id_or_slug: str,
    query: CardQuery,
    if_none_match: str | None,
    admit: Admission | None = None,
) -> Response:
    """The card, or a 304 decided before any body is built (shared with the hot path).

    `admit(charged)`, when given, admits the request once its answer is known: a 304 is not
    charged to the key's rate limit. (The routed path admits before, in its dependency.)
    """
    settings = app.state.settings
    try:
        card = await service.cached_card(
            app.state.cards, app.state.read_sessionmaker, id_or_slug=id_or_slug, settings=settings
        )
    except AppError:
        if admit is not None:
            await admit(True)
        raise
    at = query.at or request_time(scope)
    etag = service.card_etag(card, service.card_score(card, at, settings))
    scope["state"][ETAG_DECIDED] = True
    revalidated = etag_matches(if_none_match, etag)
    if admit is not None:
        await admit(not revalidated)
    if revalidated:
        return Response(status_code=304, headers={"ETag": etag})
    body = service.card_json(card, at, settings)
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.get("/categories", operation_id="listCategories")
async def list_categories(session: SessionDep) -> CategoryPage:
    """Every category with its count of live controversies, zeros included."""
    return CategoryPage(data=await service.categories(session), next_cursor=None)


@router.post(
    "/controversies",
    operation_id="createControversy",
    status_code=201,
    responses=problem_responses(409),
)
async def create_controversy(
    data: ControversyCreate, writer: WriterDep, response: Response
) -> ControversyRead:
    """Create a controversy; its noise state is computed in the same transaction."""
    card = await service.card_after_write(
        writer, await controversy_service.create(writer, data=data)
    )
    response.headers["Location"] = f"/v1/controversies/{card.id}"
    return _with_etag(card, response)


@router.patch(
    "/controversies/{id_or_slug}",
    operation_id="updateControversy",
    responses=problem_responses(409, 412, 428),
)
async def update_controversy(
    id_or_slug: IdOrSlug,
    data: ControversyUpdate,
    writer: WriterDep,
    response: Response,
    if_match: IfMatch = None,
) -> ControversyRead:
    """Change some fields (send the card's ETag in If-Match)."""
    changed = await controversy_service.update(
        writer, id_or_slug=id_or_slug, data=data, if_match=if_match
    )
    return _with_etag(await service.card_after_write(writer, changed), response)


@router.delete(
    "/controversies/{id_or_slug}",
    operation_id="archiveControversy",
    status_code=204,
    responses=problem_responses(412, 428),
)
async def archive_controversy(
    id_or_slug: IdOrSlug, writer: WriterDep, if_match: IfMatch = None
) -> Response:
    """Archive: hidden from every read, kept in the database, restorable."""
    await controversy_service.archive(writer, id_or_slug=id_or_slug, if_match=if_match)
    return Response(status_code=204)


@router.post("/controversies/{id_or_slug}/restore", operation_id="restoreControversy")
async def restore_controversy(
    id_or_slug: IdOrSlug, writer: WriterDep, response: Response
) -> ControversyRead:
    """Bring an archived controversy back."""
    restored = await controversy_service.restore(writer, id_or_slug=id_or_slug)
    return _with_etag(await service.card_after_write(writer, restored), response)


def _with_etag(card: ControversyRead, response: Response) -> ControversyRead:
    response.headers["ETag"] = service.card_etag(card, card.noise.score)
    return card
