"""The five routes of every kind of row editors write: create, read, change, archive, restore.

Sides, stances, milestones, forecasts and actors all answer them the same way — 201 with an
ETag and a Location, an ETag from the row's version, If-Match on changes, 204 for an archive,
the row again for a restore — so they are declared once here, from the service that serves
them. A service names its functions after its row (`create_side`, `read_side`, `update_side`,
`set_side_archived`), and their docstrings describe the routes.
"""

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from app.deps import IdOrSlug, IfMatch, ReadSessionDep, WriterDep
from app.errors import problem_responses
from app.etags import version_etag

Endpoint = Callable[..., Awaitable[Any]]
_KEYWORD = inspect.Parameter.KEYWORD_ONLY
CONTROVERSY = "/controversies/{id_or_slug}"


@dataclass(frozen=True)
class Schemas:
    """What a row's routes take and answer."""

    read: type[BaseModel]
    create: type[BaseModel]
    update: type[BaseModel]
    detail: type[BaseModel] | None = None  # what a GET answers, if more than `read`


def add_resource_routes(
    router: APIRouter,
    noun: str,
    segment: str,
    schemas: Schemas,
    service: ModuleType,
    *,
    nested: bool = True,
    created_under: tuple[str, str] | None = None,
) -> None:
    """Declare the five routes of one kind of row, served by `service`.

    Rows live at `/controversies/{id_or_slug}/{segment}/{id}` (or `/{segment}/{id}` when not
    `nested`); `created_under` = (segment, id name) creates them below another row instead,
    e.g. a stance on a side: `…/sides/{side_id}/stances`.
    """
    base = CONTROVERSY if nested else ""
    id_name = f"{noun}_id"
    path = f"{base}/{segment}/{{{id_name}}}"
    name = noun[0].upper() + noun[1:]
    owner = [_param("id_or_slug", IdOrSlug)] if nested else []
    row_id = _param(id_name, Annotated[uuid.UUID, Path(description=f"The {noun}'s id.")])
    writer, response = _param("writer", WriterDep), _param("response", Response)
    if_match = inspect.Parameter("if_match", _KEYWORD, annotation=IfMatch, default=None)
    read, create = getattr(service, f"read_{noun}"), getattr(service, f"create_{noun}")
    update, set_archived = (
        getattr(service, f"update_{noun}"),
        getattr(service, f"set_{noun}_archived"),
    )

    create_path, parents = f"{base}/{segment}", owner
    if created_under is not None:
        under, under_id = created_under
        create_path = f"{base}/{under}/{{{under_id}}}/{segment}"
        under_noun = under_id.removesuffix("_id")
        described = Annotated[uuid.UUID, Path(description=f"The {under_noun}'s id.")]
        parents = [*owner, _param(under_id, described)]
    parent_names = [parameter.name for parameter in parents]

    async def created(**kwargs: Any) -> Any:
        row = await create(kwargs["writer"], *(kwargs[n] for n in parent_names), kwargs["data"])
        location = "/v1" + path.format(**kwargs, **{id_name: row.id})
        return _tagged(kwargs["response"], row, location)

    async def got(**kwargs: Any) -> Any:
        row = await read(kwargs["session"], kwargs.get("id_or_slug"), kwargs[id_name])
        return _tagged(kwargs["response"], row)

    async def changed(**kwargs: Any) -> Any:
        owner_id, data = kwargs.get("id_or_slug"), kwargs["data"]
        row = await update(kwargs["writer"], owner_id, kwargs[id_name], data, kwargs["if_match"])
        return _tagged(kwargs["response"], row)

    async def archived(**kwargs: Any) -> Response:
        owner_id, row_key = kwargs.get("id_or_slug"), kwargs[id_name]
        await set_archived(kwargs["writer"], owner_id, row_key, True, kwargs["if_match"])
        return Response(status_code=204)

    async def restored(**kwargs: Any) -> Any:
        owner_id, row_key = kwargs.get("id_or_slug"), kwargs[id_name]
        row = await set_archived(kwargs["writer"], owner_id, row_key, False, None)
        return _tagged(kwargs["response"], row)

    body = [_param("data", schemas.create)]
    change = [_param("data", schemas.update)]
    routes: list[tuple[str, str, str, Endpoint, Endpoint, list[inspect.Parameter], Any]] = [
        ("POST", create_path, "create", created, create, [*parents, *body, writer, response],
         schemas.read),
        ("GET", path, "get", got, read, [*owner, row_id, _param("session", ReadSessionDep),
         response], schemas.detail or schemas.read),
        ("PATCH", path, "update", changed, update, [*owner, row_id, *change, writer, response,
         if_match], schemas.read),
        ("DELETE", path, "archive", archived, set_archived, [*owner, row_id, writer, if_match],
         Response),
        ("POST", f"{path}/restore", "restore", restored, set_archived, [*owner, row_id, writer,
         response], schemas.read),
    ]  # fmt: skip
    for method, route_path, verb, endpoint, served_by, parameters, answer in routes:
        doc = _route_doc(verb, noun, served_by)
        router.add_api_route(
            route_path,
            _endpoint(endpoint, f"{verb}_{noun}", doc, parameters, answer),
            methods=[method],
            operation_id=f"{verb}{name}",
            status_code={"create": 201, "archive": 204}.get(verb),
            responses=_RESPONSES.get(verb, {}),
        )


# The problems a route adds to those every /v1 route may answer.
_CHANGE_PROBLEMS = problem_responses(409, 412, 428)
_RESPONSES = {
    "create": problem_responses(409),
    "update": _CHANGE_PROBLEMS,
    "archive": _CHANGE_PROBLEMS,
    "restore": problem_responses(409),
}


def _param(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, _KEYWORD, annotation=annotation)


def _tagged(response: Response, row: Any, location: str | None = None) -> Any:
    response.headers["ETag"] = version_etag(row.version)
    if location is not None:
        response.headers["Location"] = location
    return row


def _route_doc(verb: str, noun: str, served_by: Endpoint) -> str:
    # The service function's docstring, which says what the route does; archive and restore
    # share one function, whose docstring covers both.
    doc = inspect.getdoc(served_by) or ""
    if verb == "archive":
        return f"Archive the {noun}: hidden from every read, restorable. {doc}"
    if verb == "restore":
        return f"Bring an archived {noun} back. {doc}"
    return doc


def _endpoint(
    body: Endpoint, name: str, doc: str, parameters: list[inspect.Parameter], returns: Any
) -> Endpoint:
    # FastAPI reads an endpoint's parameters from its signature: give each generated endpoint
    # the one its route needs (the path parameter named after its row, the right body model).
    async def endpoint(**kwargs: Any) -> Any:
        return await body(**kwargs)

    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=returns)  # type: ignore[attr-defined]
    endpoint.__name__ = name
    endpoint.__qualname__ = name
    endpoint.__doc__ = doc
    return endpoint
