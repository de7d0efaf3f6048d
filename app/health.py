"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import literal, select

from app.errors import problem_response
from app.migrations import database_revision, head_revision

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    database: Literal["ok"]
    migration: str | None


@router.get("/healthz", operation_id="healthz")
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    response_model=Readiness,
    responses={503: {"description": "Database unreachable or behind the code's migrations."}},
)
async def readyz(request: Request) -> Readiness | JSONResponse:
    """The database answers and is migrated to the code's head revision."""
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(select(literal(1)))
            revision = await database_revision(connection)
    except Exception:  # any failure to reach the database means not ready
        return _not_ready(request, "The database is unreachable.")
    head = head_revision()
    if revision != head:
        return _not_ready(
            request, f"The database is at {revision or 'no revision'}, the code at {head}."
        )
    return Readiness(status="ready", database="ok", migration=revision)


def _not_ready(request: Request, detail: str) -> JSONResponse:
    return problem_response(
        status=503,
        type_slug="unavailable",
        title="Not ready",
        detail=detail,
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
