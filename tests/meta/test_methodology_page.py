"""GET /methodology: the Noise Score method as an HTML page for people, with no key."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi import FastAPI
from httpx import AsyncClient

from app.config import Settings
from app.meta import page, service
from app.meta.schemas import NoiseComponent
from app.noise import scoring
from app.noise import service as noise_service

PAGE = "/methodology"


class _Text(HTMLParser):
    """The page's text as a reader sees it, and the tags it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


def words(html: str) -> str:
    return re.sub(r"\s+", " ", " ".join(read(html).text))


async def test_the_page_needs_no_key(anon_client: AsyncClient) -> None:
    response = await anon_client.get(PAGE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.text.startswith("<!doctype html>")


async def test_the_page_shows_every_component_with_its_weight(
    anon_client: AsyncClient, settings: Settings
) -> None:
    text = words((await anon_client.get(PAGE)).text)
    method = noise_service.methodology(settings)
    labels = {item.value: item.label for item in service.meta().noise_components}
    assert len(method.components) == len(scoring.COMPONENTS) == 7
    for component in method.components:
        row = re.search(
            re.escape(labels[NoiseComponent(component.name)])
            + " "
            + re.escape(component.name)
            + r" .*? "
            + re.escape(page.percent(component.weight)),
            text,
        )
        assert row, f"{component.name} and its weight are not on the page"
    assert "14.3%" in text  # the default weights, a seventh each


async def test_the_page_explains_the_score_the_decay_and_the_levels(
    anon_client: AsyncClient,
) -> None:
    text = words((await anon_client.get(PAGE)).text)
    assert "How loud a controversy is right now, from 0 to 100" in text
    assert "7-day half-life" in text
    assert "halves every 7 days" in text
    for label, band in [
        ("Quiet", "0–19"),
        ("Murmur", "20–39"),
        ("Buzz", "40–59"),
        ("Loud", "60–79"),
        ("Uproar", "80–100"),
    ]:
        assert f"{label} {band}" in text


async def test_the_page_follows_the_configured_method(settings: Settings) -> None:
    weights = {name: 0.0 for name in scoring.COMPONENTS} | {"reach": 0.75, "polarity": 0.25}
    custom = Settings.model_validate(
        {**settings.model_dump(), "noise_weights": weights, "noise_half_life_days": 3.5}
    )
    text = words(service.methodology_page(custom))
    assert re.search(r"Reach reach .*? 75%", text)
    assert re.search(r"Polarity polarity .*? 25%", text)
    assert re.search(r"Duration duration .*? 0%", text)
    assert "halves every 3.5 days" in text and "after 7 days" in text


async def test_the_page_is_cached_with_an_etag(anon_client: AsyncClient, app: FastAPI) -> None:
    first = await anon_client.get(PAGE)
    etag = first.headers["etag"]
    assert app.state.methodology_html == (first.content, etag)
    cached = await anon_client.get(PAGE, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    head = await anon_client.head(PAGE)
    assert head.status_code == 200 and head.content == b""


async def test_the_page_is_not_in_the_api_document(anon_client: AsyncClient) -> None:
    document = (await anon_client.get("/openapi.json")).json()
    assert PAGE not in document["paths"]
    assert all(
        path.startswith("/v1/") or path in {"/healthz", "/readyz"} for path in document["paths"]
    )


def test_everything_from_data_is_escaped(settings: Settings) -> None:
    method = noise_service.methodology(settings)
    hostile = "<script>alert(\"x\")</script> & <b onclick='y'>"
    first = method.components[0].model_copy(update={"formula": hostile, "name": hostile})
    method = method.model_copy(
        update={"components": [first, *method.components[1:]], "summary": hostile}
    )
    html = page.render(method, components={hostile: (hostile, hostile)}, levels={})
    assert "<script" not in html and "<b " not in html and "onclick='" not in html
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b onclick=&#x27;y&#x27;&gt;"
        in html
    )
    parsed = read(html)
    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert hostile in " ".join(parsed.text)  # shown as text, exactly


async def test_the_served_page_is_well_formed(anon_client: AsyncClient) -> None:
    html = (await anon_client.get(PAGE)).text
    tags = read(html).tags
    assert "script" not in tags
    assert tags.count("table") == 2
    assert "&#x27;" in html  # "An editor's judgment": the apostrophe went through escape()
