"""Webhooks through the API, delivered by the worker's jobs to a real receiver on loopback,
whose signatures are checked with the `standardwebhooks` library."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.config import Settings
from app.worker.runner import Worker
from tests.api.test_writes import create_controversy, is_problem
from tests.conftest import MakeKey
from tests.receiver import Answer, running_receiver

RunJobs = Callable[[], Awaitable[None]]


async def create_webhook(client: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", json={"url": url, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def deliveries(client: httpx.AsyncClient, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/webhooks/{webhook['id']}/deliveries", params={"limit": 100})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]
    return items


async def jobs_until(run_jobs: RunJobs, done: Callable[[], Awaitable[bool]]) -> None:
    """Run the queue (retries wait their backoff) until `done` says so."""
    for _ in range(100):
        await run_jobs()
        if await done():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the jobs did not get there")


# ------------------------------------------------------------------------------ endpoints


async def test_an_endpoint_is_created_read_changed_and_deleted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["side.*"], "description": "ops"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    Webhook(created["secret"])  # the library accepts it as a signing secret
    assert response.headers["location"] == f"/v1/webhooks/{created['id']}"
    assert created["status"] == "active" and created["enabled"] is True

    read = await client.get(f"/v1/webhooks/{created['id']}")
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.headers["etag"] == 'W/"1"'
    listed = (await client.get("/v1/webhooks")).json()
    assert [item["id"] for item in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0]

    changed = await client.patch(
        f"/v1/webhooks/{created['id']}",
        json={"event_types": ["noise.level_changed"], "enabled": False},
        headers={"If-Match": 'W/"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["noise.level_changed"]
    assert changed.json()["enabled"] is False
    stale = await client.patch(
        f"/v1/webhooks/{created['id']}", json={"description": "x"}, headers={"If-Match": 'W/"1"'}
    )
    is_problem(stale, 412)

    assert (await client.delete(f"/v1/webhooks/{created['id']}")).status_code == 204
    is_problem(await client.get(f"/v1/webhooks/{created['id']}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/hook"},
        {"url": "https://user:pw@example.com/hook"},
        {"url": "not a url"},
        {"url": "https://example.com/hook", "event_types": ["Side.Created"]},
        {"url": "https://example.com/hook", "surprise": 1},
    ],
)
async def test_bad_endpoints_are_refused(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    is_problem(await client.post("/v1/webhooks", json=body), 422)


async def test_an_unknown_controversy_filter_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/h", "controversies": ["no-such-story"]}
    )
    is_problem(response, 404)


async def test_internal_addresses_are_refused_unless_allowed(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.state.settings, "webhook_allow_private_urls", False)
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ):
        problem = is_problem(await client.post("/v1/webhooks", json={"url": url}), 422)
        assert "non-public address" in problem["detail"], url
    allowed = await client.post("/v1/webhooks", json={"url": "https://93.184.215.14/hook"})
    assert allowed.status_code == 201, allowed.text


async def test_webhooks_need_the_admin_scope(
    app: FastAPI, make_key: MakeKey, changes_delivered: Any
) -> None:
    from tests.conftest import app_client

    key = await make_key(scopes=["read", "write"])
    async with app_client(app, changes_delivered, {"Authorization": f"Bearer {key.key}"}) as http:
        is_problem(await http.get("/v1/webhooks"), 403)
        is_problem(await http.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/"}), 403)


# ------------------------------------------------------------------------------ deliveries


async def test_a_committed_write_is_delivered_signed(
    client: httpx.AsyncClient, run_jobs: RunJobs
) -> None:
    with running_receiver() as receiver:
        webhook = await create_webhook(client, receiver.url)
        card = await create_controversy(client)
        await run_jobs()
        got = receiver.wait_for(1)
    assert len(got) == 1
    message = got[0].verified(webhook["secret"])
    assert message["type"] == "controversy.created"
    assert message["data"]["controversy_id"] == card["id"]
    assert message["data"]["controversy_slug"] == card["slug"]
    assert got[0].headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        got[0].verified("whsec_" + "QUJD" * 8)  # another secret does not verify it
    [delivery] = await deliveries(client, webhook)
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 1 and delivery["last_status_code"] == 200
    assert got[0].id == "msg_" + uuid.UUID(delivery["id"]).hex
    detail = (await client.get(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}")).json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [200]
    assert detail["attempt_log"][0]["response_body"] == "ok"


async def test_a_named_host_gets_its_name_while_the_checked_address_is_called(
    client: httpx.AsyncClient, run_jobs: RunJobs
) -> None:
    with running_receiver() as receiver:
        named = receiver.url.replace("127.0.0.1", "localhost")
        webhook = await create_webhook(client, named)
        await client.post(f"/v1/webhooks/{webhook['id']}/test")
        await run_jobs()
        [got] = receiver.wait_for(1)
    assert got.headers["host"] == f"localhost:{receiver.port}"
    assert got.verified(webhook["secret"])["type"] == "webhook.test"


async def test_filters_choose_the_events(client: httpx.AsyncClient, run_jobs: RunJobs) -> None:
    with running_receiver() as receiver:
        sides_only = await create_webhook(client, receiver.url, event_types=["side.*"])
        card = await create_controversy(client)
        other = await create_controversy(client, slug="another-story")
        of_other = await create_webhook(client, receiver.url, controversies=[other["slug"]])
        await client.post(f"/v1/controversies/{card['id']}/sides", json={"label": "For"})
        await client.post(f"/v1/controversies/{other['id']}/sides", json={"label": "Against"})
        await run_jobs()
        receiver.wait_for(3)
        await asyncio.sleep(0.2)
        got = receiver.snapshot()
    assert len(got) == 3
    to_sides = [r.verified(sides_only["secret"]) for r in got if _signed_by(r, sides_only)]
    to_other = [r.verified(of_other["secret"]) for r in got if _signed_by(r, of_other)]
    assert sorted(m["data"]["controversy_slug"] for m in to_sides) == sorted(
        [card["slug"], other["slug"]]
    )
    assert all(m["type"] == "side.created" for m in to_sides)
    assert [m["data"]["controversy_slug"] for m in to_other] == [other["slug"]]


def _signed_by(item: Any, webhook: dict[str, Any]) -> bool:
    try:
        item.verified(webhook["secret"])
    except WebhookVerificationError:
        return False
    return True


async def test_a_write_that_is_refused_delivers_nothing(
    client: httpx.AsyncClient, run_jobs: RunJobs, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    with running_receiver() as receiver:
        await create_controversy(client)
        webhook = await create_webhook(client, receiver.url)
        duplicate = await client.post("/v1/controversies", json={"slug": "model-card-dispute"})
        assert duplicate.status_code in (409, 422)
        await run_jobs()
    assert receiver.snapshot() == []
    assert await deliveries(client, webhook) == []


async def test_a_failing_receiver_is_retried_until_it_recovers_and_gets_it_once(
    client: httpx.AsyncClient, run_jobs: RunJobs
) -> None:
    with running_receiver(Answer(500, "down"), Answer(503, "still down"), Answer(200)) as receiver:
        webhook = await create_webhook(client, receiver.url)
        await create_controversy(client)

        async def delivered() -> bool:
            return [d["status"] for d in await deliveries(client, webhook)] == ["succeeded"]

        await jobs_until(run_jobs, delivered)
        got = receiver.snapshot()
    assert len(got) == 3
    assert len({r.id for r in got}) == 1  # one message, three attempts
    [delivery] = await deliveries(client, webhook)
    detail = (await client.get(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}")).json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 503, 200]
    assert detail["attempt_log"][0]["response_body"] == "down"
    assert detail["attempts"] == 3 and detail["status"] == "succeeded"
    assert (await client.get(f"/v1/webhooks/{webhook['id']}")).json()["status"] == "active"


async def test_redirects_are_not_followed(client: httpx.AsyncClient, run_jobs: RunJobs) -> None:
    with running_receiver(Answer(302, "", headers=(("location", "http://127.0.0.1:9/"),))) as rx:
        webhook = await create_webhook(client, rx.url)
        await create_controversy(client)
        await run_jobs()
        rx.wait_for(1)
    [delivery] = await deliveries(client, webhook)
    assert delivery["last_status_code"] == 302
    assert delivery["status"] == "pending" and delivery["attempts"] == 1  # a retry is queued


async def _worker_pass(database_url: str, settings: Settings, **changes: Any) -> None:
    await Worker(database_url, settings.model_copy(update=changes)).drain()


async def test_out_of_retries_the_endpoint_fails_and_is_disabled_with_an_event(
    client: httpx.AsyncClient, database_url: str, settings: Settings
) -> None:
    with running_receiver(Answer(500, "x" * 5000)) as receiver:
        webhook = await create_webhook(client, receiver.url)
        await create_controversy(client)
        options = {
            "webhook_max_attempts": 2,
            "webhook_retry_base_seconds": 0.05,
            "webhook_disable_after_seconds": 0,
        }
        for _ in range(50):
            await _worker_pass(database_url, settings, **options)
            if [d["status"] for d in await deliveries(client, webhook)] == ["failed"]:
                break
            await asyncio.sleep(0.1)
        assert len(receiver.snapshot()) == 2
    [delivery] = await deliveries(client, webhook)
    assert delivery["status"] == "failed" and delivery["attempts"] == 2
    detail = (await client.get(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}")).json()
    assert len(detail["attempt_log"][0]["response_body"]) == 1024  # truncated
    endpoint = (await client.get(f"/v1/webhooks/{webhook['id']}")).json()
    assert endpoint["status"] == "disabled" and endpoint["enabled"] is False
    assert endpoint["failing_since"] is not None and endpoint["disabled_at"] is not None
    changes = (await client.get("/v1/changes", params={"type": "webhook.*"})).json()["data"]
    assert [(c["type"], c["resource_id"], c["controversy_id"]) for c in changes] == [
        ("webhook.disabled", webhook["id"], None)
    ]
    # Enabled again by hand, it starts afresh.
    again = await client.patch(f"/v1/webhooks/{webhook['id']}", json={"enabled": True})
    assert again.json()["status"] == "active" and again.json()["failing_since"] is None


async def test_a_slow_receiver_times_out(
    client: httpx.AsyncClient, database_url: str, settings: Settings
) -> None:
    with running_receiver(Answer(200, delay=3.0)) as receiver:
        webhook = await create_webhook(client, receiver.url)
        await create_controversy(client)
        await _worker_pass(database_url, settings, webhook_timeout_seconds=0.5)
        receiver.wait_for(1)
    [delivery] = await deliveries(client, webhook)
    assert delivery["last_error"] == "timed out" and delivery["last_status_code"] is None
    assert delivery["status"] == "pending"


async def test_a_finished_delivery_can_be_retried_by_hand(
    client: httpx.AsyncClient, run_jobs: RunJobs
) -> None:
    with running_receiver() as receiver:
        webhook = await create_webhook(client, receiver.url)
        await create_controversy(client)
        await run_jobs()
        [delivery] = await deliveries(client, webhook)
        path = f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/retry"
        retried = await client.post(path)
        assert retried.status_code == 202, retried.text
        assert retried.json()["status"] == "pending"
        is_problem(await client.post(path), 409)  # already pending
        await run_jobs()
        got = receiver.wait_for(2)
    assert got[0].id == got[1].id  # the same message again
    detail = (await client.get(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}")).json()
    assert detail["status"] == "succeeded" and detail["attempts"] == 2
    is_problem(
        await client.post(f"/v1/webhooks/{webhook['id']}/deliveries/{uuid.uuid4()}/retry"), 404
    )


async def test_a_test_message_is_sent_on_demand(
    client: httpx.AsyncClient, run_jobs: RunJobs
) -> None:
    with running_receiver() as receiver:
        webhook = await create_webhook(client, receiver.url)
        sent = await client.post(f"/v1/webhooks/{webhook['id']}/test")
        assert sent.status_code == 202, sent.text
        assert sent.json()["event_type"] == "webhook.test" and sent.json()["event_id"] is None
        await run_jobs()
        [got] = receiver.wait_for(1)
    message = got.verified(webhook["secret"])
    assert message["type"] == "webhook.test"
    assert message["data"]["webhook_id"] == webhook["id"]


async def test_a_rotated_secret_signs_beside_the_old_one_for_the_overlap(
    client: httpx.AsyncClient, run_jobs: RunJobs
) -> None:
    with running_receiver() as receiver:
        webhook = await create_webhook(client, receiver.url)
        rotated = await client.post(
            f"/v1/webhooks/{webhook['id']}/rotate-secret", json={"overlap_seconds": 3600}
        )
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret != webhook["secret"]
        assert rotated.json()["previous_secret_expires_at"] is not None
        await client.post(f"/v1/webhooks/{webhook['id']}/test")
        await run_jobs()
        [during] = receiver.wait_for(1)
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        during.verified(webhook["secret"])
        during.verified(new_secret)

        again = await client.post(
            f"/v1/webhooks/{webhook['id']}/rotate-secret", json={"overlap_seconds": 0}
        )
        newest = again.json()["secret"]
        await client.post(f"/v1/webhooks/{webhook['id']}/test")
        await run_jobs()
        after = receiver.wait_for(2)[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    after.verified(newest)
    with pytest.raises(WebhookVerificationError):
        after.verified(new_secret)


async def test_deliveries_page_and_filter(client: httpx.AsyncClient, run_jobs: RunJobs) -> None:
    with running_receiver() as receiver:
        webhook = await create_webhook(client, receiver.url)
        card = await create_controversy(client)
        for label in ("A", "B", "C"):
            await client.post(f"/v1/controversies/{card['id']}/sides", json={"label": label})
        await run_jobs()
        receiver.wait_for(4)
    first = (
        await client.get(f"/v1/webhooks/{webhook['id']}/deliveries", params={"limit": 3})
    ).json()
    second = (
        await client.get(
            f"/v1/webhooks/{webhook['id']}/deliveries",
            params={"limit": 3, "cursor": first["next_cursor"]},
        )
    ).json()
    ids = [d["id"] for d in first["data"] + second["data"]]
    assert len(ids) == len(set(ids)) == 4 and second["next_cursor"] is None
    pending = await client.get(
        f"/v1/webhooks/{webhook['id']}/deliveries", params={"status": "pending"}
    )
    assert pending.json()["data"] == []
    is_problem(
        await client.get(f"/v1/webhooks/{webhook['id']}/deliveries", params={"status": "nope"}), 422
    )


async def test_deleting_an_endpoint_stops_its_deliveries(
    client: httpx.AsyncClient, run_jobs: RunJobs, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    with running_receiver(Answer(500)) as receiver:
        webhook = await create_webhook(client, receiver.url)
        await create_controversy(client)
        await run_jobs()
        receiver.wait_for(1)
        assert (await client.delete(f"/v1/webhooks/{webhook['id']}")).status_code == 204
        await asyncio.sleep(0.5)
        await run_jobs()
        assert len(receiver.snapshot()) == 1
    async with sessionmaker() as session:
        left = await session.scalar(text("SELECT count(*) FROM webhook_deliveries"))
    assert left == 0
