"""Webhook endpoints and their deliveries as the admin API sees them: create, change, rotate
the secret, read the delivery log, retry, test. The fan-out of events to deliveries and the
attempts themselves are in app/webhooks/delivery.py, run by the workers."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import queue
from app.audit import service as audit_service
from app.config import Settings
from app.errors import Conflict, NotFound, ValidationFailed
from app.etags import check_if_match
from app.events import service as events_service
from app.models.webhook import WebhookDelivery, WebhookEndpoint
from app.pagination import cursor_datetime, cursor_uuid, make_page, read_cursor
from app.webhooks import delivery, repository, signing, urls
from app.webhooks.schemas import (
    AttemptRead,
    DeliveryDetail,
    DeliveryPage,
    DeliveryRead,
    DeliveryStatus,
    SecretRotate,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookRead,
    WebhookUpdate,
)
from app.writer import Author

logger = logging.getLogger(__name__)

RESOURCE = "webhook"
TEST_EVENT = "webhook.test"

# ------------------------------------------------------------------------------ endpoints


async def _checked_url(url: str, settings: Settings) -> str:
    try:
        await urls.check(url, allow_private=settings.webhook_allow_private_urls)
    except urls.RefusedUrl as exc:
        raise ValidationFailed(
            f"The URL cannot be used: {exc}.",
            errors=[{"location": "body", "field": "url", "message": str(exc)}],
        ) from None
    return url


async def _endpoint(session: AsyncSession, endpoint_id: uuid.UUID, *, lock: bool = False) -> Any:
    found = await repository.endpoint(session, endpoint_id, lock=lock)
    if found is None:
        raise NotFound(f"No webhook with id '{endpoint_id}'.")
    return found


async def _audit(
    session: AsyncSession, author: Author, endpoint_id: uuid.UUID, action: str, changes: Any
) -> None:
    await audit_service.record(
        session,
        author=author,
        resource=RESOURCE,
        resource_id=endpoint_id,
        action=action,
        changes=changes,
    )


async def create_webhook(
    session: AsyncSession, *, data: WebhookCreate, settings: Settings, author: Author
) -> WebhookCreated:
    """A new endpoint and its signing secret (shown in this answer only)."""
    await _checked_url(data.url, settings)
    endpoint_id = uuid.uuid4()
    secret = signing.new_secret()
    await repository.insert_endpoint(
        session,
        {
            "id": endpoint_id,
            "url": data.url,
            "description": data.description,
            "event_types": sorted(set(data.event_types)),
            "controversy_ids": await events_service.controversy_ids(session, data.controversies),
            "enabled": data.enabled,
            "status": "active",
            "secret": secret,
            "after_event_id": await events_service.newest_id(session) or 0,
            "created_by": author.actor,
        },
    )
    await _audit(session, author, endpoint_id, "create", data.model_dump(mode="json"))
    endpoint = await _endpoint(session, endpoint_id)
    return WebhookCreated.model_validate({**_read(endpoint).model_dump(), "secret": secret})


def _read(endpoint: WebhookEndpoint) -> WebhookRead:
    return WebhookRead.model_validate(endpoint)


async def list_webhooks(session: AsyncSession, *, cursor: str | None, limit: int) -> WebhookPage:
    """Every endpoint, newest first."""
    after = read_cursor(cursor, "webhooks", cursor_datetime, cursor_uuid)
    rows = await repository.endpoints_page(
        session, after=(after[0], after[1]) if after else None, limit=limit + 1
    )
    return make_page(
        rows, limit=limit, name="webhooks", position=lambda r: (r.created_at, r.id),
        item=_read, page=WebhookPage,
    )  # fmt: skip


async def get_webhook(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookRead:
    """One endpoint."""
    return _read(await _endpoint(session, endpoint_id))


async def update_webhook(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    data: WebhookUpdate,
    if_match: str | None,
    settings: Settings,
    author: Author,
) -> WebhookRead:
    """Change an endpoint (If-Match checked when sent)."""
    endpoint = await _endpoint(session, endpoint_id, lock=True)
    if if_match is not None:
        check_if_match(if_match, endpoint.version)
    sent = data.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in sent.items() if value is None)
    if nulls:
        raise ValidationFailed("These fields cannot be null: " + ", ".join(nulls) + ".")
    values: dict[str, Any] = {}
    if "url" in sent:
        values["url"] = await _checked_url(sent["url"], settings)
    if "event_types" in sent:
        values["event_types"] = sorted(set(sent["event_types"]))
    if "controversies" in sent:
        values["controversy_ids"] = await events_service.controversy_ids(
            session, sent["controversies"]
        )
    if "description" in sent:
        values["description"] = sent["description"]
    if "enabled" in sent:
        values["enabled"] = sent["enabled"]
        if sent["enabled"] and not endpoint.enabled:
            # Turned back on by hand: a fresh start, counted from now.
            values.update(status="active", failing_since=None, disabled_at=None)
    if values:
        await repository.update_endpoint(session, endpoint_id, values)
        await _audit(
            session, author, endpoint_id, "update", data.model_dump(mode="json", exclude_unset=True)
        )
    return _read(await _endpoint(session, endpoint_id))


async def delete_webhook(
    session: AsyncSession, *, endpoint_id: uuid.UUID, if_match: str | None, author: Author
) -> None:
    """Delete an endpoint with its deliveries (If-Match checked when sent)."""
    endpoint = await _endpoint(session, endpoint_id, lock=True)
    if if_match is not None:
        check_if_match(if_match, endpoint.version)
    await repository.delete_endpoint(session, endpoint_id)
    await _audit(session, author, endpoint_id, "delete", {"url": endpoint.url})


async def rotate_secret(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    data: SecretRotate,
    settings: Settings,
    now: datetime,
    author: Author,
) -> WebhookCreated:
    """A new secret; the old one keeps signing beside it for the overlap."""
    endpoint = await _endpoint(session, endpoint_id, lock=True)
    overlap = (
        data.overlap_seconds
        if data.overlap_seconds is not None
        else settings.webhook_secret_overlap_seconds
    )
    secret = signing.new_secret()
    await repository.update_endpoint(
        session,
        endpoint_id,
        {
            "secret": secret,
            "previous_secret": endpoint.secret if overlap else None,
            "previous_secret_expires_at": now + timedelta(seconds=overlap) if overlap else None,
        },
    )
    await _audit(session, author, endpoint_id, "rotate", {"overlap_seconds": overlap})
    endpoint = await _endpoint(session, endpoint_id)
    return WebhookCreated.model_validate({**_read(endpoint).model_dump(), "secret": secret})


# ------------------------------------------------------------------------------ deliveries


def _delivery_read(row: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead.model_validate(row)


async def list_deliveries(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    status: DeliveryStatus | None,
    cursor: str | None,
    limit: int,
) -> DeliveryPage:
    """An endpoint's deliveries, newest first."""
    await _endpoint(session, endpoint_id)
    after = read_cursor(cursor, "deliveries", cursor_datetime, cursor_uuid)
    rows = await repository.deliveries_page(
        session,
        endpoint_id,
        status=status.value if status else None,
        after=(after[0], after[1]) if after else None,
        limit=limit + 1,
    )
    return make_page(
        rows, limit=limit, name="deliveries", position=lambda r: (r.created_at, r.id),
        item=_delivery_read, page=DeliveryPage,
    )  # fmt: skip


async def get_delivery(
    session: AsyncSession, *, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryDetail:
    """One delivery with its attempts."""
    row = await repository.delivery(session, delivery_id, endpoint_id=endpoint_id)
    if row is None:
        raise NotFound(f"No delivery with id '{delivery_id}' for this webhook.")
    attempts = [AttemptRead.model_validate(a) for a in await repository.attempts(session, row.id)]
    return DeliveryDetail.model_validate(
        {**_delivery_read(row).model_dump(), "attempt_log": attempts}
    )


async def retry_delivery(
    session: AsyncSession,
    *,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    now: datetime,
    author: Author,
) -> DeliveryDetail:
    """Send a finished delivery once more (one attempt, now); 409 while it is still pending."""
    row = await repository.delivery(session, delivery_id, endpoint_id=endpoint_id)
    if row is None:
        raise NotFound(f"No delivery with id '{delivery_id}' for this webhook.")
    if row.status == DeliveryStatus.pending:
        raise Conflict("This delivery is still pending: its next attempt is already queued.")
    await repository.update_delivery(
        session,
        delivery_id,
        {"status": "pending", "next_attempt_at": now, "finished_at": None},
    )
    await queue.enqueue(
        session, queue.DELIVER_WEBHOOK, queue.payload(delivery=delivery_id, manual=True)
    )
    await _audit(session, author, endpoint_id, "retry", {"delivery_id": str(delivery_id)})
    return await get_delivery(session, endpoint_id=endpoint_id, delivery_id=delivery_id)


async def send_test(
    session: AsyncSession, *, endpoint_id: uuid.UUID, now: datetime, author: Author
) -> DeliveryDetail:
    """Queue a `webhook.test` message to the endpoint (enabled or not) at once."""
    endpoint = await _endpoint(session, endpoint_id)
    delivery_id = uuid.uuid4()
    body = delivery.message(TEST_EVENT, now, {"webhook_id": str(endpoint.id), "message": "ping"})
    await repository.insert_deliveries(
        session,
        [
            {
                "id": delivery_id,
                "endpoint_id": endpoint_id,
                "event_id": None,
                "event_type": TEST_EVENT,
                "body": body,
                "next_attempt_at": now,
            }
        ],
    )
    await queue.enqueue(
        session, queue.DELIVER_WEBHOOK, queue.payload(delivery=delivery_id, manual=True)
    )
    await _audit(session, author, endpoint_id, "test", {"delivery_id": str(delivery_id)})
    return await get_delivery(session, endpoint_id=endpoint_id, delivery_id=delivery_id)
