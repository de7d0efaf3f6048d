"""Webhook endpoints (scope `admin`): create, list, read, change, delete, rotate the secret,
send a test; and each endpoint's deliveries with their attempts, retried on demand."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response

from app.deps import SessionDep, WriterDep
from app.etags import version_etag
from app.json_route import JsonRoute
from app.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPage,
    DeliveryStatus,
    SecretRotate,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=JsonRoute)

OptionalIfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The ETag you last read: when sent, a stale one is refused with 412.",
    ),
]


def _etag(response: Response, webhook: WebhookRead) -> None:
    response.headers["ETag"] = version_etag(webhook.version)


@router.post("", operation_id="createWebhook", status_code=201)
async def create_webhook(
    data: WebhookCreate, writer: WriterDep, response: Response
) -> WebhookCreated:
    """Register an endpoint. Its signing `secret` is in this answer only: store it now."""
    created = await service.create_webhook(
        writer.session, data=data, settings=writer.settings, author=writer.author
    )
    _etag(response, created)
    response.headers["Location"] = f"/v1/webhooks/{created.id}"
    return created


@router.get("", operation_id="listWebhooks")
async def list_webhooks(
    session: SessionDep, limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None
) -> WebhookPage:
    """Every endpoint, newest first (never their secrets)."""
    return await service.list_webhooks(session, cursor=cursor, limit=limit)


@router.get("/{webhook_id}", operation_id="getWebhook")
async def get_webhook(
    webhook_id: uuid.UUID, session: SessionDep, response: Response
) -> WebhookRead:
    """One endpoint (never its secret)."""
    found = await service.get_webhook(session, webhook_id)
    _etag(response, found)
    return found


@router.patch("/{webhook_id}", operation_id="updateWebhook")
async def update_webhook(
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    writer: WriterDep,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> WebhookRead:
    """Change an endpoint. Setting `enabled: true` on a disabled one starts it afresh."""
    changed = await service.update_webhook(
        writer.session,
        endpoint_id=webhook_id,
        data=data,
        if_match=if_match,
        settings=writer.settings,
        author=writer.author,
    )
    _etag(response, changed)
    return changed


@router.delete("/{webhook_id}", operation_id="deleteWebhook", status_code=204)
async def delete_webhook(
    webhook_id: uuid.UUID, writer: WriterDep, if_match: OptionalIfMatch = None
) -> Response:
    """Delete an endpoint and its deliveries; nothing more is sent to it."""
    await service.delete_webhook(
        writer.session, endpoint_id=webhook_id, if_match=if_match, author=writer.author
    )
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", operation_id="rotateWebhookSecret")
async def rotate_secret(
    webhook_id: uuid.UUID,
    writer: WriterDep,
    response: Response,
    data: Annotated[SecretRotate | None, Body()] = None,
) -> WebhookCreated:
    """A new signing secret (shown once). Until `previous_secret_expires_at` every delivery
    carries a signature with each secret, so receivers can switch without losing one."""
    rotated = await service.rotate_secret(
        writer.session,
        endpoint_id=webhook_id,
        data=data or SecretRotate(),
        settings=writer.settings,
        now=writer.now,
        author=writer.author,
    )
    _etag(response, rotated)
    return rotated


@router.post("/{webhook_id}/test", operation_id="testWebhook", status_code=202)
async def test_webhook(webhook_id: uuid.UUID, writer: WriterDep) -> DeliveryDetail:
    """Queue a `webhook.test` message to the endpoint now; follow it in its deliveries."""
    return await service.send_test(
        writer.session, endpoint_id=webhook_id, now=writer.now, author=writer.author
    )


@router.get("/{webhook_id}/deliveries", operation_id="listWebhookDeliveries")
async def list_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    status: Annotated[
        DeliveryStatus | None, Query(description="Only deliveries in this state.")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first."""
    return await service.list_deliveries(
        session, endpoint_id=webhook_id, status=status, cursor=cursor, limit=limit
    )


@router.get("/{webhook_id}/deliveries/{delivery_id}", operation_id="getWebhookDelivery")
async def get_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep
) -> DeliveryDetail:
    """One delivery with every attempt: when, how long, the status and the answer's start."""
    return await service.get_delivery(session, endpoint_id=webhook_id, delivery_id=delivery_id)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    operation_id="retryWebhookDelivery",
    status_code=202,
)
async def retry_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, writer: WriterDep
) -> DeliveryDetail:
    """Send a finished (succeeded or failed) delivery once more, now; 409 while pending."""
    return await service.retry_delivery(
        writer.session,
        endpoint_id=webhook_id,
        delivery_id=delivery_id,
        now=writer.now,
        author=writer.author,
    )
