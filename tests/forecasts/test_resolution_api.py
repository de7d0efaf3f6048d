"""Scorable scenarios, their resolution, the editors' queue and the track record, through
the API on a real PostgreSQL: forecasts.md's worked example reproduced to the digit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_writes import create_controversy, is_problem

GEMINI = "Gemini"


async def publish(
    client: httpx.AsyncClient, cid: str, scenarios: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    body = {"generated_by": GEMINI, "generated_at": "2026-01-10T12:00:00Z", **fields}
    response = await client.post(
        f"/v1/controversies/{cid}/forecasts", json={**body, "scenarios": scenarios}
    )
    assert response.status_code == 201, response.text
    forecast: dict[str, Any] = response.json()
    return forecast


def scenario_url(cid: str, forecast: dict[str, Any], index: int) -> str:
    sid = forecast["scenarios"][index]["id"]
    return f"/v1/controversies/{cid}/forecasts/{forecast['id']}/scenarios/{sid}"


async def resolve(
    client: httpx.AsyncClient, url: str, outcome: str, **fields: Any
) -> httpx.Response:
    etag = (await client.get(url)).headers["etag"]
    body = {"outcome": outcome, "resolved_at": "2026-07-01T00:00:00Z", **fields}
    return await client.put(f"{url}/resolution", json=body, headers={"If-Match": etag})


def scenario(title: str, probability: float, horizon: str = "2026-06-30") -> dict[str, Any]:
    return {"title": title, "probability": probability, "horizon": horizon}


async def worked_example(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """forecasts.md: one forecast with S1–S3, a second on another controversy with S4."""
    first = await create_controversy(client)
    second = await create_controversy(client, slug="second-story", category="copyright")
    forecast = await publish(
        client,
        first["id"],
        [scenario("S1", 0.7), scenario("S2", 0.2), scenario("S3", 0.5)],
    )
    other = await publish(client, second["id"], [scenario("S4", 0.9)])
    for index, outcome in enumerate(["happened", "did_not_happen", "annulled"]):
        answer = await resolve(client, scenario_url(first["id"], forecast, index), outcome)
        assert answer.status_code == 200, answer.text
    answer = await resolve(client, scenario_url(second["id"], other, 0), "did_not_happen")
    assert answer.status_code == 200, answer.text
    return first, second


async def test_worked_example_reproduces_through_the_api(client: httpx.AsyncClient) -> None:
    first, _second = await worked_example(client)
    forecast = (await client.get(f"/v1/controversies/{first['id']}/forecasts")).json()["data"][0]
    assert [s["score"] for s in forecast["scenarios"]] == [
        {"brier": 0.09, "log_loss": 0.3567},
        {"brier": 0.04, "log_loss": 0.2231},
        None,
    ]
    assert forecast["score"] == {"n": 2, "brier": 0.065, "log_loss": 0.2899, "brier_skill": 0.74}

    record = await client.get("/v1/forecasts/track-record", params={"generated_by": GEMINI})
    assert record.status_code == 200, record.text
    body = record.json()
    assert (body["n"], body["brier"], body["log_loss"], body["brier_skill"]) == (
        3,
        0.3133,
        0.9608,
        -0.253,
    )
    filled = {(b["lower"], b["upper"]): b for b in body["calibration"] if b["n"]}
    assert len(body["calibration"]) == 10
    assert {
        key: (b["n"], b["mean_probability"], b["observed_frequency"]) for key, b in filled.items()
    } == {
        (0.2, 0.3): (1, 0.2, 0.0),
        (0.7, 0.8): (1, 0.7, 1.0),
        (0.9, 1.0): (1, 0.9, 0.0),
    }
    assert body["by_generator"] == [
        {"generated_by": GEMINI, "n": 3, "brier": 0.3133, "log_loss": 0.9608, "brier_skill": -0.253}
    ]


async def test_track_record_filters_by_controversy_category_and_resolution_time(
    client: httpx.AsyncClient,
) -> None:
    _first, _second = await worked_example(client)
    by_story = await client.get(
        "/v1/forecasts/track-record", params={"controversy": "second-story"}
    )
    assert (by_story.json()["n"], by_story.json()["brier"]) == (1, 0.81)
    by_category = await client.get("/v1/forecasts/track-record", params={"category": "governance"})
    assert (by_category.json()["n"], by_category.json()["brier"]) == (2, 0.065)
    window = {"from": "2026-07-01T00:00:00Z", "to": "2026-07-01T00:00:01Z"}
    assert (await client.get("/v1/forecasts/track-record", params=window)).json()["n"] == 3
    later = {"from": "2026-07-01T00:00:01Z"}
    empty = (await client.get("/v1/forecasts/track-record", params=later)).json()
    assert (empty["n"], empty["brier"], empty["brier_skill"], empty["by_generator"]) == (
        0,
        None,
        None,
        [],
    )
    other = await client.get("/v1/forecasts/track-record", params={"generated_by": "Claude"})
    assert other.json()["n"] == 0
    missing = await client.get("/v1/forecasts/track-record", params={"controversy": "no-such"})
    is_problem(missing, 404)


async def test_card_shows_resolutions_and_the_generators_track_record(
    client: httpx.AsyncClient,
) -> None:
    first, second = await worked_example(client)
    card = await client.get(f"/v1/controversies/{first['id']}")
    forecast = card.json()["forecast"]
    assert [s["resolution"]["outcome"] for s in forecast["scenarios"]] == [
        "happened",
        "did_not_happen",
        "annulled",
    ]
    assert forecast["scenarios"][0]["resolution"]["resolved_at"] == "2026-07-01T00:00:00Z"
    assert forecast["score"]["brier"] == 0.065
    assert forecast["generator_track_record"] == {
        "n": 3,
        "brier": 0.3133,
        "log_loss": 0.9608,
        "brier_skill": -0.253,
    }
    # A resolution on another story moves this card's track record and its ETag.
    etag = card.headers["etag"]
    extra = await publish(client, second["id"], [scenario("S5", 0.1)])
    answer = await resolve(client, scenario_url(second["id"], extra, 0), "did_not_happen")
    assert answer.status_code == 200
    again = await client.get(f"/v1/controversies/{first['id']}")
    assert again.json()["forecast"]["generator_track_record"]["n"] == 4
    assert again.headers["etag"] != etag
    revalidated = await client.get(
        f"/v1/controversies/{first['id']}", headers={"If-None-Match": etag}
    )
    assert revalidated.status_code == 200


async def test_resolution_needs_if_match_and_a_stale_etag_is_refused(
    client: httpx.AsyncClient,
) -> None:
    story = await create_controversy(client)
    forecast = await publish(client, story["id"], [scenario("S", 0.4)])
    url = scenario_url(story["id"], forecast, 0)
    stale = (await client.get(url)).headers["etag"]
    body = {"outcome": "annulled"}
    is_problem(await client.put(f"{url}/resolution", json=body), 428)
    first = await client.put(f"{url}/resolution", json=body, headers={"If-Match": stale})
    assert first.status_code == 200, first.text
    assert first.json()["resolution"]["outcome"] == "annulled"
    assert first.headers["etag"] != stale
    twice = await client.put(f"{url}/resolution", json=body, headers={"If-Match": stale})
    problem = is_problem(twice, 412)
    assert problem["current_etag"] == first.headers["etag"]
    # A correction with the current ETag is taken, and the audit log keeps both.
    corrected = await client.put(
        f"{url}/resolution",
        json={
            "outcome": "happened",
            "note": "Confirmed later.",
            "source_url": "https://example.org/a",
        },
        headers={"If-Match": first.headers["etag"]},
    )
    assert corrected.status_code == 200
    assert corrected.json()["resolution"]["note"] == "Confirmed later."
    assert corrected.json()["score"] == {"brier": 0.36, "log_loss": 0.9163}
    audit = await client.get("/v1/audit", params={"resource": "scenario"})
    assert [e["changes"]["resolution"]["outcome"] for e in audit.json()["data"]] == [
        "happened",
        "annulled",
    ]
    withdrawn = await client.delete(
        f"{url}/resolution", headers={"If-Match": corrected.headers["etag"]}
    )
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["resolution"], withdrawn.json()["score"]) == (None, None)
    record = (await client.get("/v1/forecasts/track-record")).json()
    assert record["n"] == 0


@pytest.mark.parametrize(
    ("scenario_body", "field"),
    [
        ({"title": "S", "probability": 1.5, "horizon": "2026-06-30"}, "probability"),
        ({"title": "S", "probability": -0.1, "horizon": "2026-06-30"}, "probability"),
        ({"title": "S", "probability": 0.5}, "scenarios"),
        ({"title": "S", "horizon": "2026-06-30"}, "scenarios"),
        ({"title": "S", "probability": 0.5, "horizon": "2026-01-09"}, "horizon"),
    ],
)
async def test_bad_scenarios_are_422_problems(
    client: httpx.AsyncClient, scenario_body: dict[str, Any], field: str
) -> None:
    story = await create_controversy(client)
    answer = await client.post(
        f"/v1/controversies/{story['id']}/forecasts",
        json={
            "generated_by": GEMINI,
            "generated_at": "2026-01-10T12:00:00Z",
            "scenarios": [scenario_body],
        },
    )
    problem = is_problem(answer, 422)
    assert any(field in error["field"] for error in problem["errors"]), problem


async def test_bad_resolutions_are_clear_problems(client: httpx.AsyncClient) -> None:
    story = await create_controversy(client)
    forecast = await publish(
        client, story["id"], [scenario("Scorable", 0.4), {"title": "Narrative only"}]
    )
    url = scenario_url(story["id"], forecast, 0)
    etag = (await client.get(url)).headers["etag"]
    for body, status in [
        ({"outcome": "maybe"}, 422),
        ({"outcome": "happened", "resolved_at": "2026-01-01T00:00:00Z"}, 422),  # before it
        ({"outcome": "happened", "resolved_at": "2199-01-01T00:00:00Z"}, 422),  # future
        ({"outcome": "happened", "extra": 1}, 422),
        ({"outcome": "happened", "source_url": "javascript:alert(1)"}, 422),
    ]:
        answer = await client.put(f"{url}/resolution", json=body, headers={"If-Match": etag})
        is_problem(answer, status)
    narrative = scenario_url(story["id"], forecast, 1)
    narrative_etag = (await client.get(narrative)).headers["etag"]
    answer = await client.put(
        f"{narrative}/resolution",
        json={"outcome": "happened"},
        headers={"If-Match": narrative_etag},
    )
    is_problem(answer, 409)
    missing = f"/v1/controversies/{story['id']}/forecasts/{forecast['id']}/scenarios/{story['id']}"
    is_problem(await client.get(missing), 404)
    # Once resolved, the scenarios cannot be replaced (the probability it scored must stay).
    assert (await resolve(client, url, "happened")).status_code == 200
    read = await client.get(f"/v1/controversies/{story['id']}/forecasts/{forecast['id']}")
    replaced = await client.patch(
        f"/v1/controversies/{story['id']}/forecasts/{forecast['id']}",
        json={"scenarios": [{"title": "Rewritten"}]},
        headers={"If-Match": read.headers["etag"]},
    )
    is_problem(replaced, 409)


async def test_due_queue_lists_unresolved_scorable_scenarios_oldest_first(
    client: httpx.AsyncClient,
) -> None:
    story = await create_controversy(client)
    forecast = await publish(
        client,
        story["id"],
        [
            scenario("Late", 0.3, "2026-09-30"),
            scenario("Early", 0.6, "2026-03-31"),
            scenario("Middle", 0.5, "2026-06-30"),
            scenario("Future", 0.5, "2027-06-30"),
            {"title": "Narrative"},
        ],
    )
    at: dict[str, str | int] = {"at": "2026-10-01T00:00:00Z", "limit": 2}
    first = (await client.get("/v1/forecasts/due", params=at)).json()
    assert [item["scenario"]["title"] for item in first["data"]] == ["Early", "Middle"]
    assert first["data"][0]["controversy_slug"] == story["slug"]
    assert first["data"][0]["forecast_id"] == forecast["id"]
    rest = await client.get("/v1/forecasts/due", params={**at, "cursor": first["next_cursor"]})
    assert [item["scenario"]["title"] for item in rest.json()["data"]] == ["Late"]
    assert rest.json()["next_cursor"] is None
    # The horizon's own day is not past yet; a resolved scenario leaves the queue.
    same_day = await client.get("/v1/forecasts/due", params={"at": "2026-09-30T23:00:00Z"})
    assert [i["scenario"]["title"] for i in same_day.json()["data"]] == ["Early", "Middle"]
    assert (
        await resolve(client, scenario_url(story["id"], forecast, 1), "happened")
    ).status_code == 200
    after = await client.get("/v1/forecasts/due", params={"at": "2026-10-01T00:00:00Z"})
    assert [i["scenario"]["title"] for i in after.json()["data"]] == ["Middle", "Late"]
    is_problem(await client.get("/v1/forecasts/due", params={"cursor": "forged"}), 400)


async def test_archiving_a_forecast_removes_it_from_the_track_record(
    client: httpx.AsyncClient,
) -> None:
    first, second = await worked_example(client)
    forecasts = (await client.get(f"/v1/controversies/{second['id']}/forecasts")).json()["data"]
    url = f"/v1/controversies/{second['id']}/forecasts/{forecasts[0]['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert (await client.delete(url, headers={"If-Match": etag})).status_code == 204
    record = (await client.get("/v1/forecasts/track-record")).json()
    assert (record["n"], record["brier"]) == (2, 0.065)
    card = (await client.get(f"/v1/controversies/{first['id']}")).json()
    assert card["forecast"]["generator_track_record"]["n"] == 2
    assert (await client.post(f"{url}/restore")).status_code == 200
    assert (await client.get("/v1/forecasts/track-record")).json()["n"] == 3
