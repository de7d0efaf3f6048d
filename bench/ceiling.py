"""The "ceiling app": the least a Python server can do to answer a card-like read.

One endpoint, `GET /c/{slug}`: one row of the API's `controversies` table by slug, through an
asyncpg pool of the API's default size (10), answered as orjson bytes. No ORM, no validation,
no middleware. bench/load.py measures it beside the API in the same run, so the API's figures
can be read as a fraction of what this stack (uvicorn + asyncpg + PostgreSQL, on this machine)
can do at all.

    DATABASE_URL=postgresql://... .venv/bin/uvicorn bench.ceiling:app --port 8001 --no-access-log
    DATABASE_URL=postgresql://... .venv/bin/python bench/ceiling.py --port 8001
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson
from fastapi import FastAPI, Request, Response

POOL_SIZE = 10  # the API's default DB_POOL_SIZE

# Every column but the generated `search` tsvector (an index input, never served).
QUERY = (
    "SELECT id, slug, title, category, stage, tags, summary, why_it_matters, key_points, eli5,"
    " analysis_generated_by, analysis_review_status, analysis_reviewed_at,"
    " analysis_methodology_url, started_at, created_at, updated_at, archived_at, version,"
    " industry_impact, noise_composite, noise_components, last_activity_at, hot_key,"
    " noise_computed_at FROM controversies WHERE slug = $1"
)

NOT_FOUND = b'{"status":404,"title":"Not found"}'


def plain_url(url: str) -> str:
    """asyncpg wants postgresql://, not postgresql+asyncpg://."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("the ceiling app needs DATABASE_URL")
    pool: Any = await asyncpg.create_pool(plain_url(url), min_size=POOL_SIZE, max_size=POOL_SIZE)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@app.get("/c/{slug}")
async def card(slug: str, request: Request) -> Response:
    row = await request.app.state.pool.fetchrow(QUERY, slug)
    if row is None:
        return Response(NOT_FOUND, status_code=404, media_type="application/json")
    # orjson serialises datetime natively; asyncpg's UUID is its own subclass of uuid.UUID,
    # which orjson refuses, so `default=str` gives the same canonical text orjson writes for a
    # UUID. jsonb arrives as its JSON text.
    return Response(orjson.dumps(dict(row), default=str), media_type="application/json")


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="the ceiling app for bench/load.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(
        app, host=args.host, port=args.port, workers=1, access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
