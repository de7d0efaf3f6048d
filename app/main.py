"""create_app(): routers, middleware, error handlers — nothing else."""

from __future__ import annotations

import asyncio
import gc
import importlib.metadata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline

from app import health, pagination
from app.actors.router import router as actors_router
from app.audit.router import router as audit_router
from app.cards.cache import CardCache, PageCache
from app.cards.router import router as cards_router
from app.changes import ChangeFeed
from app.config import Settings, get_settings
from app.controversies.router import router as controversies_router
from app.db import make_engine, make_sessionmaker
from app.edge import Edge
from app.errors import install_error_handlers, problem_responses
from app.events.hub import EventHub
from app.events.router import router as events_router
from app.forecasts.router import router as forecasts_router
from app.keys import runtime as keys_runtime
from app.keys.auth import authorize
from app.keys.router import router as keys_router
from app.logging_setup import configure_logging
from app.meta.router import page_router as meta_page_router
from app.meta.router import router as meta_router
from app.noise.router import router as noise_router
from app.sides.router import router as sides_router
from app.timeline.router import router as timeline_router
from app.unit_of_work import UnitOfWorkMiddleware
from app.webhooks.router import router as webhooks_router

DESCRIPTION = """
AI controversies as data: what happened, the sides and who stands on them, how loud each
story is right now (the Noise Score, with a 7-day decay), forecasts and a timeline.

Errors are `application/problem+json` (RFC 9457). Lists use opaque cursors.
"""


def _api_router() -> APIRouter:
    # Every /v1 answer may be one of these problems; documented once for all routes.
    # Every /v1 route needs an API key with the right scope (app/keys/auth.py).
    api = APIRouter(
        prefix="/v1",
        dependencies=[Depends(authorize)],
        responses=problem_responses(400, 401, 403, 404, 413, 422, 429, 500, 503),
    )
    for router in (
        cards_router,
        sides_router,
        controversies_router,
        actors_router,
        timeline_router,
        forecasts_router,
        noise_router,
        meta_router,
        events_router,
        webhooks_router,
        audit_router,
        keys_router,
    ):
        api.include_router(router)
    return api


@asynccontextmanager
async def _worker_in_process(url: str, settings: Settings) -> AsyncIterator[None]:
    # `serve` on the embedded database runs a job worker beside the API (WORKER_IN_PROCESS),
    # so the one run command also delivers webhooks; in production workers run on their own.
    if not settings.worker_in_process:
        yield
        return
    from app.worker.runner import Worker

    worker = Worker(url, settings)
    task = asyncio.create_task(worker.run(), name="job-worker")
    try:
        yield
    finally:
        worker.stop.set()
        try:
            await asyncio.wait_for(task, WORKER_STOP_SECONDS)
        except Exception:  # a timeout included: it is cancelled
            task.cancel()


WORKER_STOP_SECONDS = 10.0


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    """Build the application for a database URL (default: the DATABASE_URL setting)."""
    settings = settings or get_settings()
    url = database_url or settings.database_url
    if not url:
        raise RuntimeError("create_app needs a database URL (the CLI starts an embedded one)")

    feed = ChangeFeed(url, connect_timeout=settings.db_connect_timeout_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(url, settings)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        # Reads need no transaction: one round trip per statement instead of three.
        app.state.read_sessionmaker = make_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        try:
            app.state.events = EventHub(app.state.read_sessionmaker, feed)
            async with (
                feed.running(),
                keys_runtime.running(app),
                app.state.events.running(),
                _worker_in_process(url, settings),
            ):
                # Everything built so far (the app, its routes, schemas, metadata) lives as long
                # as the process: out of the collector's sight, a full collection no longer walks
                # it, which shortens the pauses a batch of 1,000 mentions triggers.
                gc.freeze()
                yield
        finally:
            await engine.dispose()

    app = FastAPIOffline(
        title="Controversy API",
        version=importlib.metadata.version("controversy-api"),
        description=DESCRIPTION,
        lifespan=lifespan,
        separate_input_output_schemas=True,
        # No trailing-slash redirects: their Location would be built from the Host header, and
        # each redirected path would become a metrics label of its own.
        redirect_slashes=False,
        # We export our own Prometheus metrics; FastAPI's OpenTelemetry hooks would only
        # cost each request a check for providers nobody configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    secret = settings.cursor_secret.get_secret_value() or settings.api_key_pepper.get_secret_value()
    pagination.configure_signing_key(secret)
    install_error_handlers(app)
    app.state.changes = feed
    app.state.cards = CardCache(feed)
    app.state.pages = PageCache(feed)
    keys_runtime.install(app, settings, feed)
    app.include_router(health.router)
    app.include_router(meta_page_router)  # GET /methodology: public, no key
    app.include_router(_api_router())

    app.add_middleware(UnitOfWorkMiddleware)
    edge = partial(
        Edge,
        max_body_bytes=settings.max_body_bytes,
        origin_cache=app.state.keys.origins,
        cors_origins=settings.cors_origins,
        cors_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        exposed_headers=[
            "ETag",
            "X-Request-ID",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "Retry-After",
            "Location",
        ],
    )
    # The edge wraps even FastAPI's own outer layers (its error, telemetry and body-limit
    # middlewares), so the hot path inside it answers without them; every other request still
    # passes through all of them, and through the exception handlers.
    framework_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: edge(framework_stack())  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """The app of one `serve --workers N` worker process (its parent set DATABASE_URL)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)
