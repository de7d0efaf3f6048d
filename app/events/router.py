"""Change events: a paged list, and a live stream (Server-Sent Events) resumable by id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.deps import SessionDep
from app.events import service
from app.events.hub import EventHub
from app.events.schemas import ChangeEvent, ChangeEventPage
from app.json_route import JsonRoute
from app.pagination import (
    DEFAULT_LIMIT,
    CursorQuery,
    LimitQuery,
    cursor_int,
    make_page,
    read_cursor,
)

router = APIRouter(tags=["events"], route_class=JsonRoute)

STREAM_PATH = "/v1/stream"
HEARTBEAT_SECONDS = 15
CATCH_UP_BATCH = 500

ControversyFilter = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=200)]],
    Query(max_length=20, description="Only these controversies (ids or slugs); repeatable."),
]
TypeFilter = Annotated[
    list[Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[a-z_]+\.([a-z_]+|\*)$")]],
    Query(
        alias="type",
        max_length=30,
        description="Only these event types (`side.*` for all of a kind); repeatable.",
    ),
]


@router.get("/changes", operation_id="listChanges")
async def list_changes(
    session: SessionDep,
    controversy: ControversyFilter = [],  # noqa: B006 (FastAPI copies defaults)
    types: TypeFilter = [],  # noqa: B006
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ChangeEventPage:
    """Committed changes, oldest first (the stream's events, for polling or backfill)."""
    after = read_cursor(cursor, "changes", cursor_int)
    ids = await service.controversy_ids(session, controversy)
    rows = await service.page(
        session, after[0] if after else None, limit=limit + 1, controversy_ids=ids, types=types
    )
    return make_page(
        rows, limit=limit, name="changes", position=lambda e: (e.id,), item=lambda e: e,
        page=ChangeEventPage,
    )  # fmt: skip


@router.get(
    "/stream",
    operation_id="streamEvents",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def stream_events(
    request: Request,
    session: SessionDep,
    controversy: ControversyFilter = [],  # noqa: B006
    types: TypeFilter = [],  # noqa: B006
    last_event_id: Annotated[
        int | None,
        Header(ge=0, description="Resume after this event id (sent by EventSource itself)."),
    ] = None,
    key: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A publishable key, for browsers' EventSource (it cannot send headers).",
        ),
    ] = None,
) -> EventSourceResponse:
    """Every committed change as it happens: `id` (for Last-Event-ID), `event` (the type) and
    `data` (the event as JSON). Filtered by controversy and type; heartbeats every 15 s; a
    reconnect with Last-Event-ID gets what it missed, in order, or a `reset` event when those
    events are no longer kept (refetch, then follow)."""
    ids = await service.controversy_ids(session, controversy)
    hub: EventHub = request.app.state.events
    subscriber = hub.subscribe()  # before any read: nothing can fall in between
    reset = False
    if last_event_id is not None:
        oldest = await service.oldest_id(session)
        reset = oldest is not None and last_event_id < oldest - 1
    # Where this stream stands: after the client's last event, or after the newest one now.
    start = last_event_id if last_event_id is not None and not reset else None
    if start is None:
        start = hub.last_id if hub.last_id is not None else (await service.newest_id(session) or 0)

    async def events() -> AsyncIterator[ServerSentEvent]:
        last = start
        try:
            if reset:
                yield ServerSentEvent(event="reset", data='{"reason": "events no longer kept"}')
            catch_up = last_event_id is not None and not reset
            while True:
                if catch_up or subscriber.behind:
                    subscriber.behind = False
                    async for event in _after(request, last):
                        last = event.id
                        if service.matches(event, ids, types):
                            yield _sse(event)
                    catch_up = False
                event = await subscriber.queue.get()
                if event.id <= last:
                    continue  # already sent by the catch-up read
                last = event.id
                if service.matches(event, ids, types):
                    yield _sse(event)
        finally:
            hub.unsubscribe(subscriber)

    return EventSourceResponse(events(), ping=HEARTBEAT_SECONDS)


async def _after(request: Request, last: int) -> AsyncIterator[ChangeEvent]:
    # What a resuming (or lagging) stream missed, from the database, in commit order.
    while True:
        async with request.app.state.read_sessionmaker() as session:
            batch = await service.after(session, last, limit=CATCH_UP_BATCH)
        for event in batch:
            last = event.id
            yield event
        if len(batch) < CATCH_UP_BATCH:
            return


def _sse(event: ChangeEvent) -> ServerSentEvent:
    return ServerSentEvent(id=str(event.id), event=event.type.value, data=event.model_dump_json())
