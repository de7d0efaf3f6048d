"""Domain errors and the RFC 9457 problem+json rendering of every error.

Hand-written rather than a library: the renderer is a few lines, and we need exact control
over the `errors[]` list, the `Retry-After` header and the guarantee that nothing internal
(stack traces, SQL, constraint names) reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app import db_errors

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://controversy-api.dev/problems/"


class AppError(Exception):
    """An error a client can act on: it carries its HTTP status and problem type."""

    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


Found = TypeVar("Found")


def found_or_404(found: Found | None, what: str) -> Found:
    """What a lookup found; a 404 naming `what` when it found nothing."""
    if found is None:
        raise NotFound(f"No {what}.")
    return found


class NotFound(AppError):
    status, type_slug, title = 404, "not-found", "Not found"


class BadCursor(AppError):
    status, type_slug, title = 400, "invalid-cursor", "Invalid cursor"


class ValidationFailed(AppError):
    status, type_slug, title = 422, "validation-error", "Validation failed"


class Conflict(AppError):
    status, type_slug, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, type_slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(AppError):
    status, type_slug, title = 428, "precondition-required", "Precondition required"


class PayloadTooLarge(AppError):
    status, type_slug, title = 413, "payload-too-large", "Payload too large"


class Unauthorized(AppError):
    status, type_slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(AppError):
    status, type_slug, title = 403, "forbidden", "Forbidden"


class TooManyRequests(AppError):
    status, type_slug, title = 429, "rate-limited", "Too many requests"


class ServiceUnavailable(AppError):
    status, type_slug, title = 503, "unavailable", "Service unavailable"


def problem_response(
    *,
    status: int,
    type_slug: str,
    title: str,
    detail: str,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + type_slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] != "body":
            # A query, header or path parameter is named by its name alone, not by which of
            # its repeated values failed (`category=x&category=y` → "category").
            location = location[:2]
        errors.append(
            {
                "location": location[0] if location else "body",
                "field": ".".join(location[1:]) or (location[0] if location else ""),
                "message": str(error.get("msg", "invalid value")),
                "type": str(error.get("type", "value_error")),
            }
        )
    return errors


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(exc, request.url.path)


def app_error_response(exc: AppError, path: str | None) -> JSONResponse:
    """The problem+json answer of an AppError."""
    return problem_response(
        status=exc.status,
        type_slug=exc.type_slug,
        title=exc.title,
        detail=exc.detail,
        instance=path,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    return problem_response(
        status=422,
        type_slug="validation-error",
        title="Validation failed",
        detail=f"{len(errors)} field(s) failed validation.",
        instance=request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    if status == 404 and detail == "Not Found":
        detail = "No resource at this path."
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        allowed = allowed_methods(request)
        detail = f"{request.method} is not allowed on this path; use {', '.join(allowed)}."
        headers["Allow"] = ", ".join(allowed)
    return problem_response(
        status=status,
        type_slug=phrase.lower().replace(" ", "-"),
        title=phrase,
        detail=detail,
        instance=request.url.path,
        headers=headers,
    )


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (HEAD wherever GET is)."""
    methods = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return [*methods, "HEAD"] if "GET" in methods else methods


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if db_errors.is_database_unavailable(exc):
        if db_errors.schema_missing(exc):
            logger.error("database schema is behind the code; run `controversy-api migrate`")
        else:
            logger.warning("database unavailable: %s", db_errors.describe(exc))
        return unavailable_response(request.url.path)
    logger.exception("database error", exc_info=exc)
    return _internal(request)


RETRY_AFTER_SECONDS = 2


def unavailable_response(path: str | None) -> JSONResponse:
    """The 503 for a database that is down, starting, frozen, overloaded or behind the code."""
    return problem_response(
        status=503,
        type_slug="unavailable",
        title="Service unavailable",
        detail="The database is unavailable right now; retry shortly.",
        instance=path,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _internal(request: Request) -> JSONResponse:
    return internal_error_response(request.url.path)


def internal_error_response(path: str | None) -> JSONResponse:
    """The 500 problem: no detail of what went wrong ever reaches the client."""
    return problem_response(
        status=500,
        type_slug="internal-error",
        title="Internal server error",
        detail="An unexpected error occurred; it has been logged.",
        instance=path,
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    if db_errors.is_database_unavailable(exc):
        logger.warning("database unavailable: %s", db_errors.describe(exc))
        return unavailable_response(request.url.path)
    logger.exception("unhandled error", exc_info=exc)
    return _internal(request)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error raised by the app as problem+json."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Registered per class, so these answers pass through every middleware (CORS, request id,
    # rate headers); a handler for Exception itself runs outside all of them.
    for database_error in (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        app.add_exception_handler(database_error, _database_error)
    app.add_exception_handler(Exception, _unhandled)


class FieldError(BaseModel):
    location: str
    field: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries documenting problem+json answers for the given statuses."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
