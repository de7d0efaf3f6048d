"""Change events: appended with their write, read back in commit order.

Every write to a controversy goes through ControversyWrite (app/controversies/writes.py),
which gathers an event per audited change and appends them to the outbox at the end of the
write, in its transaction: no event without its commit, no commit without its events.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.events import repository
from app.events.schemas import ChangeEvent, ChangeEventType

PAYLOAD_CAP_BYTES = 8_192

# The audit log's (resource, action) → the event type clients see.
_TYPES: dict[tuple[str, str], ChangeEventType] = {
    **{
        (resource, action): ChangeEventType(f"{resource}.{past}")
        for resource in ("controversy", "side", "stance", "event", "forecast")
        for action, past in (
            ("create", "created"),
            ("update", "updated"),
            ("archive", "archived"),
            ("restore", "restored"),
        )
        if (resource, action) != ("forecast", "create")
    },
    ("forecast", "create"): ChangeEventType.forecast_published,
    ("mentions", "ingest"): ChangeEventType.mentions_ingested,
    ("noise_inputs", "update"): ChangeEventType.noise_inputs_updated,
    ("scenario", "update"): ChangeEventType.forecast_resolved,
}


@dataclass
class Pending:
    """Events of one write, appended when it ends."""

    items: list[tuple[ChangeEventType, str, uuid.UUID, dict[str, Any], int | None]] = field(
        default_factory=list
    )

    def add(
        self,
        type_: ChangeEventType,
        resource: str,
        resource_id: uuid.UUID,
        payload: Mapping[str, Any],
        resource_version: int | None = None,
    ) -> None:
        """Note one event of this write (audited changes note theirs through ControversyWrite;
        an event without an audit entry of its own, such as a forecast superseded, is added
        directly)."""
        self.items.append((type_, resource, resource_id, _capped(payload), resource_version))


def event_type(resource: str, action: str) -> ChangeEventType | None:
    """The event an audited change announces (None: not a controversy's event)."""
    return _TYPES.get((resource, action))


def _capped(payload: Mapping[str, Any]) -> dict[str, Any]:
    # One encoding: it measures the payload and makes it JSON-safe (ids, times as text).
    encoded = orjson.dumps(dict(payload), default=str)
    if len(encoded) > PAYLOAD_CAP_BYTES:
        return {"truncated": True}
    return orjson.loads(encoded)  # type: ignore[no-any-return]


async def append(
    session: AsyncSession,
    pending: Pending,
    *,
    controversy_id: uuid.UUID,
    controversy_slug: str,
    controversy_version: int,
) -> None:
    """Append a write's events to the outbox, in its transaction."""
    if not pending.items:
        return
    await repository.append(
        session,
        [
            {
                "type": type_.value,
                "controversy_id": controversy_id,
                "controversy_slug": controversy_slug,
                "controversy_version": controversy_version,
                "resource": resource,
                "resource_id": resource_id,
                # The controversy's own version is the card's.
                "resource_version": controversy_version if resource == "controversy" else version,
                "payload": payload,
            }
            for type_, resource, resource_id, payload, version in pending.items
        ],
    )


async def append_unscoped(
    session: AsyncSession,
    type_: ChangeEventType,
    *,
    resource: str,
    resource_id: uuid.UUID,
    payload: Mapping[str, Any],
) -> None:
    """Append an event about no controversy (a webhook disabled), in this transaction."""
    await repository.append(
        session,
        [
            {
                "type": type_.value,
                "controversy_id": None,
                "controversy_slug": None,
                "controversy_version": None,
                "resource": resource,
                "resource_id": resource_id,
                "resource_version": None,
                "payload": _capped(payload),
            }
        ],
    )


async def append_for(
    session: AsyncSession,
    pending: Pending,
    *,
    controversy_id: uuid.UUID,
) -> None:
    """Append events of a controversy that is not being written (a level moved by decay):
    its slug and current version are read here."""
    found = await repository.controversy_brief(session, controversy_id)
    if found is None:
        return
    slug, version = found
    await append(
        session,
        pending,
        controversy_id=controversy_id,
        controversy_slug=slug,
        controversy_version=version,
    )


async def prune(session: AsyncSession, *, older_than: datetime, keep_after_id: int) -> int:
    """Forget events older than `older_than`, except those after `keep_after_id` (not yet
    fanned out to webhooks). Returns how many went."""
    return await repository.prune(session, older_than=older_than, keep_after_id=keep_after_id)


def matches(event: ChangeEvent, controversy_ids: Sequence[uuid.UUID], types: Sequence[str]) -> bool:
    """Whether a stream's filters let this event through (`side.*` matches every side event)."""
    if controversy_ids and event.controversy_id not in controversy_ids:
        return False
    if not types:
        return True
    return any(
        event.type == wanted
        or (wanted.endswith(".*") and event.type.startswith(wanted.removesuffix("*")))
        for wanted in types
    )


async def after(session: AsyncSession, after_id: int | None, *, limit: int) -> list[ChangeEvent]:
    """Events after `after_id`, oldest first (unfiltered: the stream filters)."""
    return [
        ChangeEvent.model_validate(row)
        for row in await repository.after(session, after_id, limit=limit)
    ]


async def newest_id(session: AsyncSession) -> int | None:
    """The newest committed event's id."""
    return await repository.newest_id(session)


async def oldest_id(session: AsyncSession) -> int | None:
    """The oldest kept event's id."""
    return await repository.oldest_id(session)


async def page(
    session: AsyncSession,
    after_id: int | None,
    *,
    limit: int,
    controversy_ids: Sequence[uuid.UUID],
    types: Sequence[str],
) -> list[ChangeEvent]:
    """A page of events after `after_id`, filtered (exact types, or `kind.*`)."""
    rows = await repository.after(
        session, after_id, limit=limit, controversy_ids=controversy_ids, types=types
    )
    return [ChangeEvent.model_validate(row) for row in rows]


async def controversy_ids(session: AsyncSession, names: Sequence[str]) -> list[uuid.UUID]:
    """The ids of the controversies a filter names (ids or slugs); 404 for an unknown one."""
    found = []
    for name in names:
        controversy_id = await repository.controversy_id(session, name)
        if controversy_id is None:
            raise NotFound(f"No controversy with id or slug '{name[:100]}'.")
        found.append(controversy_id)
    return found
