"""Webhook tables through their SQLModels."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.models.event import OutboxEvent
from app.models.webhook import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDispatchCursor,
    WebhookEndpoint,
)

# ------------------------------------------------------------------------------ endpoints


def _older_than(model: Any, after: tuple[datetime, uuid.UUID]) -> Any:
    # Keyset position for a newest-first list: rows after (created_at, id) in that order.
    created, last_id = after
    return or_(
        col(model.created_at) < created,
        (col(model.created_at) == created) & (col(model.id) < last_id),
    )


async def insert_endpoint(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(WebhookEndpoint).values(**values))


async def endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint | None:
    statement = select(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id)
    if lock:
        statement = statement.with_for_update()
    found: WebhookEndpoint | None = (await session.scalars(statement)).one_or_none()
    return found


async def endpoints_page(
    session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[WebhookEndpoint]:
    statement = (
        select(WebhookEndpoint)
        .order_by(col(WebhookEndpoint.created_at).desc(), col(WebhookEndpoint.id).desc())
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(_older_than(WebhookEndpoint, after))
    return (await session.scalars(statement)).all()


async def enabled_endpoints(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    statement = select(WebhookEndpoint).where(col(WebhookEndpoint.enabled))
    return (await session.scalars(statement)).all()


async def update_endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(col(WebhookEndpoint.id) == endpoint_id)
        .values(**values, version=WebhookEndpoint.version + 1, updated_at=func.now())
    )


async def delete_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    await session.execute(delete(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id))


async def failing_since_before(session: AsyncSession, cutoff: datetime) -> Sequence[uuid.UUID]:
    statement = select(WebhookEndpoint.id).where(
        col(WebhookEndpoint.enabled),
        col(WebhookEndpoint.status) == "failing",
        col(WebhookEndpoint.failing_since) <= cutoff,
    )
    return (await session.scalars(statement)).all()


# ------------------------------------------------------------------------------ deliveries


async def insert_deliveries(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> Sequence[uuid.UUID]:
    """Insert deliveries; one already made for an (endpoint, event) is skipped. The new ids."""
    if not rows:
        return []
    statement = (
        pg_insert(WebhookDelivery)
        .values(list(rows))
        .on_conflict_do_nothing(constraint="uq_webhook_deliveries_event")
        .returning(col(WebhookDelivery.id))
    )
    return (await session.scalars(statement)).all()


async def delivery(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    endpoint_id: uuid.UUID | None = None,
    lock: bool = False,
) -> WebhookDelivery | None:
    statement = select(WebhookDelivery).where(col(WebhookDelivery.id) == delivery_id)
    if endpoint_id is not None:
        statement = statement.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if lock:
        # Another worker sending this delivery holds it: skip rather than send it twice.
        statement = statement.with_for_update(skip_locked=True)
    found: WebhookDelivery | None = (await session.scalars(statement)).one_or_none()
    return found


async def deliveries_page(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    *,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[WebhookDelivery]:
    statement = (
        select(WebhookDelivery)
        .where(col(WebhookDelivery.endpoint_id) == endpoint_id)
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    if status is not None:
        statement = statement.where(col(WebhookDelivery.status) == status)
    if after is not None:
        statement = statement.where(_older_than(WebhookDelivery, after))
    return (await session.scalars(statement)).all()


async def update_delivery(
    session: AsyncSession, delivery_id: uuid.UUID, values: dict[str, Any]
) -> None:
    await session.execute(
        update(WebhookDelivery).where(col(WebhookDelivery.id) == delivery_id).values(**values)
    )


async def insert_attempt(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(WebhookAttempt).values(**values))


async def attempts(session: AsyncSession, delivery_id: uuid.UUID) -> Sequence[WebhookAttempt]:
    statement = (
        select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id) == delivery_id)
        .order_by(col(WebhookAttempt.attempt))
    )
    return (await session.scalars(statement)).all()


async def delete_finished_deliveries(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(
        delete(WebhookDelivery).where(
            col(WebhookDelivery.status) != "pending", col(WebhookDelivery.created_at) < cutoff
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ dispatch


async def lock_cursor(session: AsyncSession) -> int:
    """The newest event fanned out, locked until this transaction ends (one dispatcher at a
    time; the next waits and then starts where this one stopped)."""
    statement = select(WebhookDispatchCursor.last_event_id).with_for_update()
    found: int = (await session.scalars(statement)).one()
    return found


async def move_cursor(session: AsyncSession, last_event_id: int) -> None:
    await session.execute(update(WebhookDispatchCursor).values(last_event_id=last_event_id))


async def cursor(session: AsyncSession) -> int:
    found: int = (await session.scalars(select(WebhookDispatchCursor.last_event_id))).one()
    return found


async def events_after(session: AsyncSession, after_id: int, limit: int) -> Sequence[OutboxEvent]:
    statement = (
        select(OutboxEvent)
        .where(col(OutboxEvent.id) > after_id)
        .order_by(col(OutboxEvent.id))
        .limit(limit)
    )
    return (await session.scalars(statement)).all()
