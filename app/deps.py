"""Annotated dependency aliases used by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from asgi_correlation_id import correlation_id
from fastapi import Depends, Header, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.request_scope import SESSION_STATE_KEY, request_time
from app.writer import Author, Writer

# Every dependency is async: FastAPI runs plain functions in a thread pool, and a thread hop
# per dependency per request costs more than the work they do.


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # A write's session belongs to its unit of work, which commits before the answer is sent.
    # A read gets its own session, closed when the route returns (scope="function" below), so
    # its connection is back in the pool before the answer is sent.
    unit = request.scope.get("state", {}).get(SESSION_STATE_KEY)
    if unit is not None:
        yield unit
        return
    async with request.app.state.read_sessionmaker() as session:
        yield session


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _request_time(request: Request) -> datetime:
    return request_time(request.scope)


SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]
NowDep = Annotated[datetime, Depends(_request_time)]

IdOrSlug = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The controversy's id or slug.",
        examples=["gpt-2-staged-release"],
    ),
]


async def _author(request: Request) -> Author:
    key = getattr(request.state, "api_key", None)
    actor = getattr(key, "public_id", None) or "anonymous"
    return Author(actor=str(actor), request_id=correlation_id.get())


AuthorDep = Annotated[Author, Depends(_author)]


async def _writer(request: Request, session: SessionDep) -> Writer:
    return Writer(
        session=session,
        author=await _author(request),
        now=request_time(request.scope),
        settings=request.app.state.settings,
    )


# What every write service takes: the write's session (committed by its unit of work before
# the answer), who writes (the key), the request's time and the settings.
WriterDep = Annotated[Writer, Depends(_writer)]
ReadSessionDep = SessionDep
IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag you last read; required on updates and deletes (428 without it,"
        " 412 when stale).",
        max_length=200,
    ),
]
