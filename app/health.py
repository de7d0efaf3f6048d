"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import literal, select

from app import queue
from app.errors import problem_response
from app.migrations import database_revision, head_revision
from app.worker import metrics as worker_metrics

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


QUEUE_DEPTH_TIMEOUT_SECONDS = 1.0


async def _read_queue_depth(request: Request) -> None:
    # The queue is shared by every instance: any of them can say how deep it is. A database
    # that does not answer at once leaves the last figures (metrics must not wait on it).
    try:
        async with request.app.state.read_sessionmaker() as session:
            rows = await asyncio.wait_for(queue.depth(session), QUEUE_DEPTH_TIMEOUT_SECONDS)
    except Exception:
        return
    worker_metrics.QUEUE_DEPTH.clear()
    for name, status, count in rows:
        worker_metrics.QUEUE_DEPTH.labels(name, status).set(count)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process (and the job queue's depth)."""
    await _read_queue_depth(request)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
