"""The four routes every writable row has: read it, change it, archive it, restore it.

Sides, stances, milestones, forecasts and actors all answer them the same way — an ETag from
the row's version, If-Match on changes, 204 for an archive, the row again for a restore — so
they are declared once here, from a RowRoutes description, instead of four times per resource.
"""

import inspect
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from app.deps import IdOrSlug, IfMatch, ReadSessionDep, WriterDep
from app.errors import problem_responses
from app.etags import version_etag

Endpoint = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class RowRoutes:
    """What the four routes of one kind of row need to know."""

    noun: str  # "event": operation ids getEvent, updateEvent, archiveEvent, restoreEvent
    segment: str  # "events": the path segment
    id_name: str  # "event_id": the path parameter
    read_model: type[BaseModel]
    update_model: type[BaseModel]
    # (session, parent id or slug, row id) -> the row; the parent is None for top-level rows
    read: Callable[..., Awaitable[Any]]
    # (writer, parent, row id, data, if_match) -> the row as changed
    update: Callable[..., Awaitable[Any]]
    # (writer, parent, row id, archived, if_match) -> the row restored, or None
    set_archived: Callable[..., Awaitable[Any]]
    read_doc: str
    update_doc: str
    archive_doc: str
    restore_doc: str
    nested: bool = True  # under /controversies/{id_or_slug}
    tags: tuple[str, ...] = ()
    changed_model: type[BaseModel] | None = None  # what a change answers, if not read_model


def add_row_routes(router: APIRouter, spec: RowRoutes) -> None:
    """Declare GET, PATCH, DELETE and POST …/restore for one kind of row."""
    base = "/controversies/{id_or_slug}" if spec.nested else ""
    path = f"{base}/{spec.segment}/{{{spec.id_name}}}"
    name = spec.noun[0].upper() + spec.noun[1:]
    row_id = inspect.Parameter(
        spec.id_name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[uuid.UUID, Path(description=f"The {spec.noun}'s id.")],
    )
    parent = (
        [inspect.Parameter("id_or_slug", inspect.Parameter.KEYWORD_ONLY, annotation=IdOrSlug)]
        if spec.nested
        else []
    )
    if_match = inspect.Parameter(
        "if_match", inspect.Parameter.KEYWORD_ONLY, annotation=IfMatch, default=None
    )
    response = inspect.Parameter("response", inspect.Parameter.KEYWORD_ONLY, annotation=Response)
    changes = problem_responses(409, 412, 428)

    def param(name: str, annotation: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)

    async def read(**kwargs: Any) -> Any:
        found = await spec.read(kwargs["session"], kwargs.get("id_or_slug"), kwargs[spec.id_name])
        kwargs["response"].headers["ETag"] = version_etag(found.version)
        return found

    async def update(**kwargs: Any) -> Any:
        changed = await spec.update(
            kwargs["writer"],
            kwargs.get("id_or_slug"),
            kwargs[spec.id_name],
            kwargs["data"],
            kwargs["if_match"],
        )
        kwargs["response"].headers["ETag"] = version_etag(changed.version)
        return changed

    async def archive(**kwargs: Any) -> Response:
        await spec.set_archived(
            kwargs["writer"],
            kwargs.get("id_or_slug"),
            kwargs[spec.id_name],
            True,
            kwargs["if_match"],
        )
        return Response(status_code=204)

    async def restore(**kwargs: Any) -> Any:
        restored = await spec.set_archived(
            kwargs["writer"], kwargs.get("id_or_slug"), kwargs[spec.id_name], False, None
        )
        kwargs["response"].headers["ETag"] = version_etag(restored.version)
        return restored

    tags: list[str | Enum] | None = list(spec.tags) or None
    router.add_api_route(
        path,
        _endpoint(
            read,
            f"get_{spec.noun}",
            spec.read_doc,
            [*parent, row_id, param("session", ReadSessionDep), response],
            spec.read_model,
        ),
        methods=["GET"],
        operation_id=f"get{name}",
        tags=tags,
    )
    router.add_api_route(
        path,
        _endpoint(
            update,
            f"update_{spec.noun}",
            spec.update_doc,
            [
                *parent,
                row_id,
                param("data", spec.update_model),
                param("writer", WriterDep),
                response,
                if_match,
            ],
            spec.changed_model or spec.read_model,
        ),
        methods=["PATCH"],
        operation_id=f"update{name}",
        responses=changes,
        tags=tags,
    )
    router.add_api_route(
        path,
        _endpoint(
            archive,
            f"archive_{spec.noun}",
            spec.archive_doc,
            [*parent, row_id, param("writer", WriterDep), if_match],
            Response,
        ),
        methods=["DELETE"],
        operation_id=f"archive{name}",
        status_code=204,
        responses=changes,
        tags=tags,
    )
    router.add_api_route(
        f"{path}/restore",
        _endpoint(
            restore,
            f"restore_{spec.noun}",
            spec.restore_doc,
            [*parent, row_id, param("writer", WriterDep), response],
            spec.changed_model or spec.read_model,
        ),
        methods=["POST"],
        operation_id=f"restore{name}",
        responses=problem_responses(409),
        tags=tags,
    )


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
