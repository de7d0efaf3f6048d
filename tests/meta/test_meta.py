"""GET /v1/meta: a label and a meaning for every value of every enum a client displays."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
from httpx import AsyncClient

from app.enums import (
    ActorKind,
    Category,
    ComponentSource,
    EventKind,
    Grade,
    NoiseLevel,
    Outcome,
    Platform,
    ReviewStatus,
    Stage,
)
from app.meta import service
from app.meta.schemas import Meta, NoiseComponent
from app.noise import scoring
from tests.conftest import MakeKey
from tests.keys.conftest import bearer

# Every list of /v1/meta and the enum it labels. A new list needs a line here, and
# test_every_list_is_checked fails until it has one.
LISTS: dict[str, type[StrEnum]] = {
    "categories": Category,
    "stages": Stage,
    "noise_levels": NoiseLevel,
    "noise_components": NoiseComponent,
    "component_sources": ComponentSource,
    "grades": Grade,
    "platforms": Platform,
    "actor_kinds": ActorKind,
    "event_kinds": EventKind,
    "review_statuses": ReviewStatus,
    "outcomes": Outcome,
}


def test_every_list_is_checked() -> None:
    assert set(Meta.model_fields) == set(LISTS)


def test_the_components_are_the_scores() -> None:
    assert tuple(NoiseComponent) == scoring.COMPONENTS


@pytest.mark.parametrize(("field", "enum"), LISTS.items(), ids=list(LISTS))
def test_every_value_has_words(field: str, enum: type[StrEnum]) -> None:
    items = getattr(service.meta(), field)
    assert [item.value for item in items] == list(enum)  # every value, once, in enum order
    for item in items:
        assert item.label.strip() and item.label == item.label.strip(), item
        assert item.description.strip() and "\n" not in item.description, item
        assert item.description.endswith("."), item
    assert len({item.label for item in items}) == len(items), "two values share a label"


def test_a_value_without_words_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(service.STAGES, Stage.dormant)
    with pytest.raises(LookupError, match=r"Stage\.dormant"):
        service.meta()


def test_bands_are_in_the_words() -> None:
    meta = service.meta()
    levels = {item.value: item.description for item in meta.noise_levels}
    assert levels[NoiseLevel.uproar].startswith("Scores 80–100: ")
    assert levels[NoiseLevel.quiet].startswith("Scores 0–19: ")
    grades = {item.value: item.description for item in meta.grades}
    assert grades[Grade.A].startswith("Influence 80–100: ")
    assert grades[Grade.F].startswith("Influence 0–19: ")


async def test_meta_over_http(client: AsyncClient) -> None:
    response = await client.get("/v1/meta")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == set(LISTS)
    for field, enum in LISTS.items():
        assert [item["value"] for item in body[field]] == [m.value for m in enum]
        for item in body[field]:
            assert list(item) == ["value", "label", "description"]
            assert item["label"] and item["description"]
    categories = {item["value"]: item["label"] for item in body["categories"]}
    assert categories["open_source"] == "Open source"
    components = {item["value"]: item["label"] for item in body["noise_components"]}
    assert components["star_power"] == "Star power"
    assert components["cross_platform"] == "Cross-platform"


async def test_meta_etag_and_304(client: AsyncClient) -> None:
    first = await client.get("/v1/meta")
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and etag.endswith('"')
    again = await client.get("/v1/meta")
    assert again.headers["etag"] == etag
    assert again.content == first.content
    cached = await client.get("/v1/meta", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.headers["etag"] == etag
    assert cached.content == b""
    other = await client.get("/v1/meta", headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200
    head = await client.head("/v1/meta")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == etag


async def test_meta_needs_a_read_key(anon_client: AsyncClient, make_key: MakeKey) -> None:
    missing = await anon_client.get("/v1/meta")
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith("application/problem+json")
    writer = await make_key(scopes=["write"], name="no read")
    refused = await anon_client.get("/v1/meta", headers=bearer(writer.key))
    assert refused.status_code == 403
    reader = await make_key(scopes=["read"], name="reader")
    allowed = await anon_client.get("/v1/meta", headers=bearer(reader.key))
    assert allowed.status_code == 200


async def test_meta_is_documented_with_named_types(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"]["/v1/meta"]["get"]
    assert operation["operationId"] == "getMeta"
    assert operation["security"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Meta"}
    schemas = document["components"]["schemas"]
    for field, enum in LISTS.items():
        items = schemas["Meta"]["properties"][field]["items"]["$ref"]
        label = schemas[items.rsplit("/", 1)[1]]
        assert label["properties"]["value"] == {"$ref": f"#/components/schemas/{enum.__name__}"}
        assert label["required"] == ["value", "label", "description"]
        assert schemas[enum.__name__]["enum"] == [m.value for m in enum]
