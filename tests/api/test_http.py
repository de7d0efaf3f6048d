"""HTTP conventions: ETag/304, gzip, request ids, CORS, body limit, problem errors, no 500s."""

from __future__ import annotations

import gzip
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import ChangesDelivered, app_client, heard

SEED = "gpt-2-staged-release"
CARD = f"/v1/controversies/{SEED}"
LIST = "/v1/controversies"
ALLOWED_ORIGIN = "https://app.example.com"
Maker = async_sessionmaker[AsyncSession]


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body


async def sql(maker: Maker, statement: str, **params: Any) -> None:
    async with maker() as session, session.begin():
        await session.execute(text(statement), params)


@pytest.fixture
async def tolerant(
    app: FastAPI, client: AsyncClient, changes_delivered: ChangesDelivered
) -> AsyncIterator[AsyncClient]:
    """The test's client, but an app exception becomes the 500 a real client would get."""
    headers = dict(client.headers)
    async with app_client(app, changes_delivered, headers, raise_app_exceptions=False) as http:
        yield http


# --------------------------------------------------------------------------- ETag


@pytest.mark.parametrize(
    "path",
    [
        LIST,
        CARD,
        f"{CARD}/sides",
        f"{CARD}/timeline",
        f"{CARD}/mentions",
        f"{CARD}/forecasts",
        f"{CARD}/noise",
        "/v1/actors",
        "/v1/categories",
        "/v1/methodology",
    ],
)
async def test_etag_and_conditional_get(client: AsyncClient, demo: int, path: str) -> None:
    first = await client.get(path)
    assert first.status_code == 200, first.text
    etag = first.headers["etag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag)

    cached = await client.get(path, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag

    # Either form of the tag, or one of a list, matches.
    strong = etag.removeprefix("W/")
    assert (await client.get(path, headers={"If-None-Match": strong})).status_code == 304
    listed = f'"other", {etag}'
    assert (await client.get(path, headers={"If-None-Match": listed})).status_code == 304

    other = await client.get(path, headers={"If-None-Match": 'W/"not-the-tag"'})
    assert other.status_code == 200
    assert other.content
    assert other.headers["etag"] == etag


async def test_card_etag_ignores_the_clock_but_not_the_score(
    client: AsyncClient, demo: int, sessionmaker: Maker, app: FastAPI
) -> None:
    # Two readings a minute apart (pinned with `at`, so no test waits on the clock).
    at = {"at": "2026-11-27T12:00:00Z"}
    first = await client.get(CARD, params=at)
    second = await client.get(CARD, params={"at": "2026-11-27T12:01:00Z"})
    # as_of and the 6-decimal decay moved; nothing a client draws did.
    assert first.json()["noise"]["as_of"] != second.json()["noise"]["as_of"]
    assert first.json()["noise"]["decay"] != second.json()["noise"]["decay"]
    assert first.headers["etag"] == second.headers["etag"]
    revalidated = await client.get(
        CARD, params=at, headers={"If-None-Match": first.headers["etag"]}
    )
    assert revalidated.status_code == 304

    async with heard(app.state.cards):
        await sql(
            sessionmaker, "UPDATE controversies SET noise_composite = 90 WHERE slug = :s", s=SEED
        )
    changed = await client.get(CARD, params=at, headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    assert changed.json()["noise"]["score"] != first.json()["noise"]["score"]
    assert changed.headers["etag"] != first.headers["etag"]


async def test_list_etag_changes_with_content(
    client: AsyncClient, demo: int, sessionmaker: Maker, app: FastAPI
) -> None:
    before = await client.get(LIST)
    async with heard(app.state.pages):
        await sql(
            sessionmaker, "UPDATE controversies SET title = 'Renamed' WHERE slug = :s", s=SEED
        )
    after = await client.get(LIST, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]


async def test_no_etag_on_errors(client: AsyncClient, demo: int) -> None:
    response = await client.get("/v1/controversies/nope")
    assert response.status_code == 404
    assert "etag" not in response.headers
    again = await client.get("/v1/controversies/nope", headers={"If-None-Match": "*"})
    assert again.status_code == 404


# --------------------------------------------------------------------------- gzip


async def test_gzip_when_asked(client: AsyncClient, demo: int) -> None:
    # The decay is evaluated at a pinned time, so the two bodies cannot differ by a tick.
    pinned = {"at": "2026-11-27T12:00:00Z"}
    plain = await client.get(CARD, params=pinned, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    zipped = await client.get(CARD, params=pinned, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    # httpx decodes transparently; the payload is the same document.
    assert zipped.json() == plain.json()
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.headers["etag"] == plain.headers["etag"]


async def test_gzip_bytes_are_real_gzip(client: AsyncClient, demo: int) -> None:
    async with client.stream("GET", LIST, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert raw[:2] == b"\x1f\x8b"
    assert gzip.decompress(raw).startswith(b'{"data":[')


# --------------------------------------------------------------------------- request id


async def test_request_id_is_echoed(client: AsyncClient) -> None:
    response = await client.get("/v1/methodology", headers={"X-Request-ID": "abc-123.test"})
    assert response.headers["x-request-id"] == "abc-123.test"


async def test_request_id_is_generated(client: AsyncClient) -> None:
    first = await client.get("/v1/methodology")
    second = await client.get("/v1/methodology")
    for response in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_invalid_request_id_is_replaced(client: AsyncClient) -> None:
    response = await client.get("/v1/methodology", headers={"X-Request-ID": "bad id; <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_request_id_on_errors(client: AsyncClient) -> None:
    response = await client.get("/v1/nothing-here", headers={"X-Request-ID": "err-1"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "err-1"


# --------------------------------------------------------------------------- CORS


async def test_cors_allowed_origin(client: AsyncClient, demo: int) -> None:
    response = await client.get(LIST, headers={"Origin": ALLOWED_ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "x-request-id" in exposed


async def test_cors_other_origin_gets_no_grant(client: AsyncClient, demo: int) -> None:
    response = await client.get(LIST, headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in response.headers


async def test_cors_preflight(client: AsyncClient) -> None:
    allowed = await client.options(
        LIST,
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization, If-None-Match",
        },
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "GET" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    denied = await client.options(
        LIST,
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert denied.headers.get("access-control-allow-origin") != "https://evil.example.com"


# --------------------------------------------------------------------------- body limit


@pytest.mark.parametrize(
    "path", [LIST, "/v1/not-a-route", "/healthz", f"{CARD}/mentions", "/v1/actors"]
)
async def test_large_body_is_413(tolerant: AsyncClient, path: str) -> None:
    body = b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await tolerant.post(path, content=body, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 413)
    assert problem["type"].endswith("/payload-too-large")


async def test_body_at_the_limit_is_not_413(tolerant: AsyncClient) -> None:
    response = await tolerant.post(
        "/v1/not-a-route", content=b"a" * (1024 * 1024), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 404


async def test_large_chunked_body_is_413(tolerant: AsyncClient) -> None:
    chunk = b"a" * 65536

    async def stream() -> AsyncIterator[bytes]:
        yield b'{"title": "'
        for _ in range(32):
            yield chunk
        yield b'"}'

    response = await tolerant.post(
        LIST, content=stream(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("path", ["/nope", "/v1", "/v1/", "/v1/controversies/x/nope", "/v2/x"])
async def test_unknown_path_is_404_problem(client: AsyncClient, path: str) -> None:
    body = assert_problem(await client.get(path), 404)
    assert "Traceback" not in body["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/v1/categories"), ("PUT", "/v1/methodology"), ("POST", "/healthz")],
)
async def test_wrong_method_is_405_problem(client: AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (LIST, {"q": "a\x00b"}),
        (LIST, {"cursor": "eyJzIjoiY29udHJvdmVyc2llczpub2lzZSIsImsiOlsxLCJ4Il19"}),
        ("/v1/actors/not-a-uuid", {}),
        (LIST, {"limit": "0"}),
    ],
)
async def test_problems_never_leak_internals(
    tolerant: AsyncClient, demo: int, url: str, query: dict[str, str]
) -> None:
    response = await tolerant.get(url, params=query)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
    for word in ("SELECT", "asyncpg", "Traceback", "sqlalchemy", 'File "', "app."):
        assert word not in response.text


# --------------------------------------------------------------------------- no 500s

WEIRD = [
    "",
    " ",
    "a" * 5000,
    "é😀中文",
    "%",
    "%25",
    "../../etc/passwd",
    "' OR 1=1 --",
    "-1",
    "0",
    "99999999999999999999999999999",
    "-99999999999999999999999999999",
    "1e309",
    "NaN",
    "true",
    "null",
    "[]",
    "{}",
    "2026-11-27T12:00:00",
    "2026-11-27T12:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "00000000-0000-0000-0000-000000000000",
    "\u202e\u200b",
    "a\x00b",
]
ENDPOINTS: list[tuple[str, list[str]]] = [
    (
        LIST,
        [
            "category",
            "stage",
            "tag",
            "actor",
            "q",
            "min_noise",
            "updated_since",
            "sort",
            "limit",
            "cursor",
        ],
    ),
    ("/v1/controversies/{x}", ["at"]),
    ("/v1/controversies/{x}/sides", []),
    ("/v1/controversies/{x}/timeline", ["kind", "limit", "cursor"]),
    ("/v1/controversies/{x}/mentions", ["platform", "limit", "cursor"]),
    ("/v1/controversies/{x}/events", ["limit", "cursor"]),
    ("/v1/controversies/{x}/forecasts", ["limit", "cursor"]),
    ("/v1/controversies/{x}/noise", ["at"]),
    ("/v1/controversies/{x}/noise/history", ["from", "to", "interval"]),
    ("/v1/actors", ["q", "kind", "limit", "cursor"]),
    ("/v1/actors/{x}", []),
    ("/v1/categories", []),
    ("/v1/methodology", []),
    ("/v1/meta", []),
    ("/v1/changes", ["controversy", "type", "limit", "cursor"]),
    ("/v1/forecasts/due", ["at", "limit", "cursor"]),
    ("/v1/forecasts/track-record", ["generated_by", "controversy", "category", "from", "to"]),
]


@pytest.mark.parametrize(("template", "params"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
async def test_no_input_produces_a_500(
    tolerant: AsyncClient, demo: int, template: str, params: list[str]
) -> None:
    failures: list[str] = []
    for value in WEIRD:
        urls: list[tuple[str, dict[str, str]]] = []
        if "{x}" in template:
            segment = value if value.strip() else "x"
            urls.append((template.replace("{x}", quote(segment, safe="")), {}))
        base = template.replace("{x}", SEED)
        urls.extend((base, {param: value}) for param in params)
        for url, query in urls:
            response = await tolerant.get(url, params=query)
            if response.status_code >= 500:
                failures.append(f"{url} {query} -> {response.status_code}")
            elif response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), (
                    url,
                    query,
                )
    # Bytes that are not UTF-8, in the path and in each query parameter.
    raw = [httpx.URL(template.replace("{x}", "%ff%fe"))] if "{x}" in template else []
    raw.extend(
        httpx.URL(template.replace("{x}", SEED), query=f"{param}=%ff%fe".encode())
        for param in params
    )
    for raw_url in raw:
        response = await tolerant.get(raw_url)
        if response.status_code >= 500:
            failures.append(f"{raw_url} -> {response.status_code}")
    assert not failures, failures


NUL_CASES = [
    ("/v1/controversies/a%00b", {}),
    (LIST, {"q": "a\x00b"}),
    (LIST, {"tag": "a\x00b"}),
    ("/v1/actors", {"q": "a\x00b"}),
    (f"{CARD}/noise/history", {"interval": "day\x00"}),
    (f"{CARD}/timeline", {"cursor": "abc\x00"}),
]


@pytest.mark.parametrize(("url", "query"), NUL_CASES)
async def test_nul_in_parameters_is_422(
    tolerant: AsyncClient, demo: int, url: str, query: dict[str, str]
) -> None:
    # PostgreSQL cannot store or compare NUL: it must be refused before it gets there.
    body = assert_problem(await tolerant.get(url, params=query), 422)
    assert body["type"].endswith("/validation-error")


@pytest.mark.parametrize(
    ("url", "param", "value"),
    [
        (CARD, "at", "0001-01-01T00:00:00+01:00"),
        (f"{CARD}/noise", "at", "9999-12-31T23:59:59-01:00"),
        (LIST, "updated_since", "0001-01-01T00:00:00+05:00"),
    ],
)
async def test_out_of_range_zoned_times_are_422(
    tolerant: AsyncClient, demo: int, url: str, param: str, value: str
) -> None:
    assert_problem(await tolerant.get(url, params={param: value}), 422)


# --------------------------------------------------------------------------- methods


@pytest.mark.parametrize(
    "path",
    ["/v1/actors", CARD, f"{CARD}/noise", f"{CARD}/timeline", "/v1/categories", "/healthz"],
)
async def test_head_answers_like_get_without_a_body(
    client: AsyncClient, demo: int, path: str
) -> None:
    # Only routes whose body cannot tick with the clock, or with the decay pinned by `at`.
    pinned = {"at": "2026-11-27T12:00:00Z"} if path in (CARD, f"{CARD}/noise") else {}
    got = await client.get(path, params=pinned)
    head = await client.head(path, params=pinned)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    for header in ("content-type", "content-length", "etag"):
        assert head.headers.get(header) == got.headers.get(header), header
    revalidated = await client.head(
        path, params=pinned, headers={"If-None-Match": got.headers["etag"]}
    )
    assert revalidated.status_code == 304


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", CARD, "GET, PATCH, DELETE, HEAD"),
        ("POST", f"{CARD}/noise", "GET, HEAD"),
        ("DELETE", LIST, "GET, POST, HEAD"),
    ],
)
async def test_405_lists_every_allowed_method(
    client: AsyncClient, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path)
    assert_problem(response, 405)
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize("path", [f"{LIST}/", f"{CARD}/", "/v1/actors/x/"])
async def test_no_redirect_is_built_from_the_host_header(
    client: AsyncClient, demo: int, path: str
) -> None:
    response = await client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers
