"""Generated hostile input on every list and every write: a clear 4xx, never a 500.

Cursors are made two ways: random text (anything a client could send) and payloads signed with
the server's own key (what a leaked signing secret would let someone forge), so the strict
decoding behind the signature is tested too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.pagination import encode_cursor
from tests.conftest import ChangesDelivered, MakeKey, app_client

SEED = "gpt-2-staged-release"
# Each list with the kinds of the parts of its cursor.
LISTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "controversies:noise": ("/v1/controversies?sort=noise", ("number", "id")),
    "controversies:recent": ("/v1/controversies?sort=recent", ("time", "id")),
    "controversies:started": ("/v1/controversies?sort=started", ("time", "id")),
    "controversies:created": ("/v1/controversies?sort=created", ("time", "id")),
    "actors": ("/v1/actors", ("text", "id")),
    "timeline:all": (f"/v1/controversies/{SEED}/timeline", ("time", "id")),
    "timeline:event": (f"/v1/controversies/{SEED}/timeline?kind=event", ("time", "id")),
    "mentions:all": (f"/v1/controversies/{SEED}/mentions", ("time", "id")),
    "forecasts": (f"/v1/controversies/{SEED}/forecasts", ("time", "id")),
    "audit": ("/v1/audit", ("int",)),
    "keys:created": ("/v1/keys", ("time", "id")),
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# JSON values at the edges: huge and tiny numbers, datetimes at and past the limits with
# offsets, NUL and lone surrogates, nested containers.
EDGE_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59Z",
        "1899-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
        "2026-11-27T12:00:00",
        "2026-11-27T12:00:00Z",
        "2026-13-01T00:00:00Z",
    ]
)
EDGE_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([2**63, -(2**63) - 1, 1e308, 1e-308, 0.0, -0.0]),
)
EDGE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["a\x00b", "\ud800", "00000000-0000-0000-0000-000000000000", ""]),
)
CURSOR_PART = st.one_of(
    EDGE_TIMES, EDGE_NUMBERS, EDGE_TEXT, st.booleans(), st.none(), st.just([]), st.just({})
)
# Well-formed parts of each kind, so most forged cursors get past the shape checks and test
# the values themselves (an edge part next to a valid one).
VALID_PART = {
    "id": st.uuids().map(str),
    "time": st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()),
    "number": st.floats(allow_nan=False, allow_infinity=False),
    "text": st.text(max_size=20),
    "int": st.integers(),
}


def cursor_parts(kinds: tuple[str, ...]) -> st.SearchStrategy[list[Any]]:
    """The parts of a forged cursor: each valid for its kind, or an edge value."""
    one = [st.one_of(VALID_PART[kind], VALID_PART[kind], CURSOR_PART) for kind in kinds]
    return st.one_of(st.tuples(*one).map(list), st.lists(CURSOR_PART, max_size=3))


@pytest.fixture
async def tolerant(
    app: FastAPI, make_key: MakeKey, changes_delivered: ChangesDelivered
) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client (with room for hundreds of examples a minute) for which an app
    exception becomes the 500 a real client would get."""
    key = await make_key(rate_limit=1_000_000)
    headers = {"Authorization": f"Bearer {key.key}"}
    async with app_client(app, changes_delivered, headers, raise_app_exceptions=False) as http:
        yield http


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(list_name=st.sampled_from(sorted(LISTS)), data=st.data())
async def test_signed_forged_cursors_are_400(
    tolerant: httpx.AsyncClient, demo: int, list_name: str, data: st.DataObject
) -> None:
    url, kinds = LISTS[list_name]
    parts = data.draw(cursor_parts(kinds))
    try:
        cursor = encode_cursor(list_name, parts)
    except ValueError:  # a lone surrogate cannot even be encoded as a cursor
        return
    response = await tolerant.get(url, params={"cursor": cursor})
    if len(cursor) > 512:  # longer than any cursor we issue: refused as a parameter
        assert response.status_code == 422, response.text
        return
    assert response.status_code in (200, 400), (parts, response.text)
    if response.status_code == 400:
        assert response.json()["type"].endswith("/invalid-cursor")


@FUZZ
@given(
    list_name=st.sampled_from(sorted(LISTS)),
    cursor=st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
)
async def test_random_cursors_are_400(
    tolerant: httpx.AsyncClient, demo: int, list_name: str, cursor: str
) -> None:
    response = await tolerant.get(LISTS[list_name][0], params={"cursor": cursor})
    assert response.status_code in (400, 422), (cursor, response.text)


async def test_every_issued_cursor_still_works(client: httpx.AsyncClient, demo: int) -> None:
    # The strict readers accept everything we issue: walk every list page by page.
    for name, (url, _) in LISTS.items():
        cursor: str | None = None
        for _ in range(20):
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            response = await client.get(url, params=params)
            assert response.status_code == 200, (name, response.text)
            cursor = response.json()["next_cursor"]
            if cursor is None:
                break


# A URL cannot carry a lone surrogate at all; every other character can.
URL_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
QUERY_EDGES = st.one_of(EDGE_TIMES, URL_TEXT, st.just("a\x00b"), EDGE_NUMBERS.map(str))
LIST_PARAMS = {
    "/v1/controversies": ["updated_since", "min_noise", "limit", "q", "tag", "category"],
    f"/v1/controversies/{SEED}": ["at"],
    f"/v1/controversies/{SEED}/noise": ["at"],
    f"/v1/controversies/{SEED}/noise/history": ["from", "to"],
    "/v1/actors": ["q", "limit"],
}


@FUZZ
@given(
    url=st.sampled_from(sorted(LIST_PARAMS)),
    data=st.data(),
    value=QUERY_EDGES,
)
async def test_extreme_query_values_are_never_a_500(
    tolerant: httpx.AsyncClient, demo: int, url: str, data: st.DataObject, value: str
) -> None:
    param = data.draw(st.sampled_from(LIST_PARAMS[url]))
    response = await tolerant.get(url, params={param: value})
    assert response.status_code < 500, (param, value, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


def _event(value: Any, field: str) -> dict[str, Any]:
    body: dict[str, Any] = {"occurred_at": "2026-01-01T00:00:00Z", "title": "t", "kind": "other"}
    body[field] = value
    return body


def _mention(value: Any, field: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "platform": "reddit",
        "external_id": "fuzz",
        "url": "https://example.com/p",
        "published_at": "2026-01-01T00:00:00Z",
    }
    body[field] = value
    return {"mentions": [body]}


def _forecast(value: Any, field: str) -> dict[str, Any]:
    scenario: dict[str, Any] = {"title": "s", "probability": 0.5, "horizon": "2027-01-01"}
    scenario[field] = value
    return {"generated_by": "Gemini", "scenarios": [scenario]}


def _controversy(value: Any, field: str) -> dict[str, Any]:
    body: dict[str, Any] = {"slug": "fuzz-story", "title": "t", "category": "other"}
    body["stage"] = "emerging"
    body[field] = value
    return body


WRITES = [
    ("/v1/controversies/{id}/events", _event, ["occurred_at", "title", "kind", "source_url"]),
    (
        "/v1/controversies/{id}/mentions",
        _mention,
        ["published_at", "audience", "score", "comments", "shares", "external_id", "url"],
    ),
    ("/v1/controversies/{id}/forecasts", _forecast, ["probability", "horizon", "title"]),
    ("/v1/controversies", _controversy, ["started_at", "industry_impact", "tags", "slug"]),
]
BODY_EDGES = st.one_of(
    EDGE_TIMES,
    EDGE_NUMBERS,
    EDGE_TEXT,
    st.sampled_from(["0001-01-01", "9999-12-31", "1900-01-01", "2199-12-31"]),
    st.lists(EDGE_TEXT, max_size=3),
)


@FUZZ
@given(index=st.integers(min_value=0, max_value=len(WRITES) - 1), data=st.data())
async def test_extreme_body_values_are_never_a_500(
    tolerant: httpx.AsyncClient, demo: int, index: int, data: st.DataObject
) -> None:
    template, build, fields = WRITES[index]
    field = data.draw(st.sampled_from(fields))
    value = data.draw(BODY_EDGES)
    url = template.replace("{id}", SEED)
    payload = json.dumps(build(value, field), allow_nan=True)
    response = await tolerant.post(
        url, content=payload, headers={"Content-Type": "application/json"}
    )
    assert response.status_code < 500, (field, value, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
