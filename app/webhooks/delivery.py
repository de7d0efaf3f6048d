"""Webhook delivery, run by the workers: the fan-out of change events to deliveries, and each
delivery's attempts with retries.

The path of an event: a write appends it to the outbox in its transaction (app/events);
`dispatch()` — run by a worker when the outbox announces new events, and every minute —
moves a cursor over the outbox and, in one transaction, makes one delivery per matching
endpoint (unique per endpoint and event) and one queue job per delivery. `deliver()` runs
such a job: it locks the delivery (a second worker skips it), POSTs the signed message, records
the attempt, and either finishes the delivery or queues the next attempt with a backoff —
all in one transaction, so an attempt is recorded exactly when its outcome is.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import queue
from app.config import Settings
from app.events import service as events_service
from app.events.schemas import ChangeEvent, ChangeEventType
from app.models.webhook import WebhookDelivery, WebhookEndpoint
from app.webhooks import repository, retry, signing, urls
from app.webhooks.schemas import DeliveryStatus

logger = logging.getLogger(__name__)

RESOURCE = "webhook"
DISPATCH_BATCH = 500
RESPONSE_BODY_CHARS = 1_024
USER_AGENT = "controversy-api-webhooks/1"


def message(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """A delivery's body: Standard Webhooks' envelope (`type`, `timestamp`, `data`)."""
    body = {
        "type": event_type,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return orjson.dumps(body).decode()


# ------------------------------------------------------------------------------ fan-out


def wants(endpoint: WebhookEndpoint, event: ChangeEvent) -> bool:
    """Whether an endpoint gets an event: one committed after it was made, through its
    filters."""
    return event.id > endpoint.after_event_id and events_service.matches(
        event, endpoint.controversy_ids, endpoint.event_types
    )


async def dispatch_batch(session: AsyncSession, now: datetime) -> tuple[int, bool]:
    """Fan the next events out to deliveries and delivery jobs, in the caller's transaction.
    Returns (deliveries made, whether more events wait)."""
    last = await repository.lock_cursor(session)
    rows = await repository.events_after(session, last, DISPATCH_BATCH)
    if not rows:
        return 0, False
    endpoints = await repository.enabled_endpoints(session)
    deliveries = []
    for row in rows:
        event = ChangeEvent.model_validate(row)
        body = None
        for endpoint in endpoints:
            if not wants(endpoint, event):
                continue
            body = body or message(event.type, event.occurred_at, event.model_dump(mode="json"))
            deliveries.append(
                {
                    "id": uuid.uuid4(),
                    "endpoint_id": endpoint.id,
                    "event_id": event.id,
                    "event_type": event.type.value,
                    "body": body,
                    "next_attempt_at": now,
                }
            )
    made = await repository.insert_deliveries(session, deliveries)
    await queue.enqueue_many(
        session, queue.DELIVER_WEBHOOK, [queue.payload(delivery=d) for d in made]
    )
    last_id = rows[-1].id
    assert last_id is not None
    await repository.move_cursor(session, last_id)
    return len(made), len(rows) == DISPATCH_BATCH


async def dispatch(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Fan out every event not yet fanned out; returns the deliveries made."""
    total = 0
    more = True
    while more:
        async with sessions() as session, session.begin():
            made, more = await dispatch_batch(session, datetime.now(UTC))
        total += made
    return total


async def dispatch_cursor(session: AsyncSession) -> int:
    """The newest event already fanned out (pruning keeps every event after it)."""
    return await repository.cursor(session)


# ------------------------------------------------------------------------------ attempts


def _signing_secrets(endpoint: WebhookEndpoint, at: datetime) -> list[str]:
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > at:
        secrets.append(endpoint.previous_secret)
    return secrets


class AttemptOutcome:
    """What one HTTP attempt gave."""

    def __init__(
        self,
        *,
        status_code: int | None,
        latency_ms: float,
        error: str | None,
        response_body: str | None,
    ) -> None:
        self.status_code = status_code
        self.latency_ms = latency_ms
        self.error = error
        self.response_body = response_body

    @property
    def succeeded(self) -> bool:
        """A 2xx answer (redirects are not followed, so a 3xx is a failure)."""
        return self.status_code is not None and 200 <= self.status_code < 300


async def post(
    client: httpx.AsyncClient,
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    *,
    settings: Settings,
) -> AttemptOutcome:
    """One signed POST of a delivery's message, to the address just checked."""
    started = time.perf_counter()
    try:
        address = await urls.address_to_call(
            endpoint.url, allow_private=settings.webhook_allow_private_urls
        )
        target = urls.pinned(endpoint.url, address)
        at = datetime.now(UTC)  # the receiver compares it with its clock (± 5 minutes)
        headers = signing.headers(
            f"msg_{delivery.id.hex}", delivery.body, _signing_secrets(endpoint, at), at
        )
        response = await client.post(
            target.url,
            content=delivery.body.encode(),
            headers={
                **headers,
                "host": target.host_header,
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            },
            # The connection goes to the checked address; TLS still verifies the name.
            extensions={"sni_hostname": target.server_name},
        )
    except urls.RefusedUrl as exc:
        return _failed(started, f"refused: {exc}")
    except httpx.TimeoutException:
        return _failed(started, "timed out")
    except httpx.HTTPError as exc:
        return _failed(started, f"{type(exc).__name__}: {exc}"[:300])
    return AttemptOutcome(
        status_code=response.status_code,
        latency_ms=(time.perf_counter() - started) * 1000,
        error=None,
        response_body=response.text[:RESPONSE_BODY_CHARS],
    )


def _failed(started: float, error: str) -> AttemptOutcome:
    return AttemptOutcome(
        status_code=None,
        latency_ms=(time.perf_counter() - started) * 1000,
        error=error,
        response_body=None,
    )


def http_client(settings: Settings) -> httpx.AsyncClient:
    """The client of a worker: bounded connect and total time, no redirects followed."""
    timeout = httpx.Timeout(
        settings.webhook_timeout_seconds, connect=settings.webhook_connect_timeout_seconds
    )
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        trust_env=False,
    )


class DeliveryResult:
    """What `deliver()` did, for metrics."""

    def __init__(
        self, outcome: AttemptOutcome | None, *, finished: str | None, lag_seconds: float | None
    ) -> None:
        self.outcome = outcome
        self.finished = finished  # "succeeded", "failed", or None (retry queued / skipped)
        self.lag_seconds = lag_seconds


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    *,
    delivery_id: uuid.UUID,
    manual: bool,
    settings: Settings,
) -> DeliveryResult:
    """Make one attempt of a pending delivery, and record it with what follows from it."""
    async with sessions() as session, session.begin():
        delivery = await repository.delivery(session, delivery_id, lock=True)
        if delivery is None or delivery.status != DeliveryStatus.pending:
            return DeliveryResult(None, finished=None, lag_seconds=None)  # gone, done, or busy
        endpoint = await repository.endpoint(session, delivery.endpoint_id)
        if endpoint is None:
            return DeliveryResult(None, finished=None, lag_seconds=None)
        if not endpoint.enabled and delivery.event_id is not None:
            await repository.update_delivery(
                session,
                delivery_id,
                {"status": "failed", "finished_at": datetime.now(UTC), "next_attempt_at": None,
                 "last_error": "the endpoint is disabled"},
            )  # fmt: skip
            return DeliveryResult(None, finished="failed", lag_seconds=None)
        outcome = await post(client, endpoint, delivery, settings=settings)
        now = datetime.now(UTC)
        attempt = delivery.attempts + 1
        await repository.insert_attempt(
            session,
            {
                "delivery_id": delivery_id,
                "attempt": attempt,
                "attempted_at": now,
                "status_code": outcome.status_code,
                "latency_ms": round(outcome.latency_ms, 3),
                "error": outcome.error,
                "response_body": outcome.response_body,
            },
        )
        values: dict[str, Any] = {
            "attempts": attempt,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        finished: str | None
        if outcome.succeeded:
            finished = "succeeded"
            values.update(status="succeeded", finished_at=now, next_attempt_at=None)
            if endpoint.status == "failing":
                await repository.update_endpoint(
                    session, endpoint.id, {"status": "active", "failing_since": None}
                )
        else:
            delay = None if manual else retry.next_delay(
                attempt,
                max_attempts=settings.webhook_max_attempts,
                base_seconds=settings.webhook_retry_base_seconds,
                cap_seconds=settings.webhook_retry_cap_seconds,
            )  # fmt: skip
            if delay is None:
                finished = "failed"
                values.update(status="failed", finished_at=now, next_attempt_at=None)
                if not manual and delivery.event_id is not None:
                    await _mark_failing(session, endpoint, now, settings)
            else:
                finished = None
                values["next_attempt_at"] = now + timedelta(seconds=delay)
                await queue.enqueue(
                    session,
                    queue.DELIVER_WEBHOOK,
                    queue.payload(delivery=delivery_id),
                    after=timedelta(seconds=delay),
                )
        await repository.update_delivery(session, delivery_id, values)
    lag = (now - delivery.created_at).total_seconds() if finished == "succeeded" else None
    return DeliveryResult(outcome, finished=finished, lag_seconds=lag)


async def _mark_failing(
    session: AsyncSession, endpoint: WebhookEndpoint, now: datetime, settings: Settings
) -> None:
    # A delivery ran out of retries: the endpoint is failing from now (if it was not already),
    # and disabled once it has been failing for long enough.
    since = endpoint.failing_since or now
    if endpoint.status != "failing":
        await repository.update_endpoint(
            session, endpoint.id, {"status": "failing", "failing_since": since}
        )
    if now - since >= timedelta(seconds=settings.webhook_disable_after_seconds):
        await _disable(session, endpoint.id, now)


async def _disable(session: AsyncSession, endpoint_id: uuid.UUID, now: datetime) -> None:
    endpoint = await repository.endpoint(session, endpoint_id, lock=True)
    if endpoint is None or not endpoint.enabled:
        return
    await repository.update_endpoint(
        session, endpoint_id, {"enabled": False, "status": "disabled", "disabled_at": now}
    )
    logger.warning("webhook disabled", extra={"webhook_id": str(endpoint_id)})
    await events_service.append_unscoped(
        session,
        ChangeEventType.webhook_disabled,
        resource=RESOURCE,
        resource_id=endpoint_id,
        payload={
            "webhook_id": str(endpoint_id),
            "url": endpoint.url,
            "failing_since": endpoint.failing_since,
        },
    )


async def disable_long_failing(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, settings: Settings
) -> int:
    """Disable the endpoints failing for longer than allowed; returns how many."""
    cutoff = now - timedelta(seconds=settings.webhook_disable_after_seconds)
    async with sessions() as session, session.begin():
        ids = await repository.failing_since_before(session, cutoff)
        for endpoint_id in ids:
            await _disable(session, endpoint_id, now)
    return len(ids)


async def prune_deliveries(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, settings: Settings
) -> int:
    """Forget finished deliveries older than the retention; returns how many."""
    cutoff = now - timedelta(days=settings.delivery_retention_days)
    async with sessions() as session, session.begin():
        return await repository.delete_finished_deliveries(session, cutoff)
