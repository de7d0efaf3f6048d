"""Demo links: a URL in the demo data points to the real page, or is null.

No invented links at real sites (`https://news.ycombinator.com/item?id=demo-hn-1`). A URL may
stay in app/demo/data/*.json only once someone has vouched for it here, in ALLOWED_URLS; the
tests read the JSON files only, no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.demo.loader import demo_cards

# Every URL the demo data may contain, each a real, stable page known exactly as written.
ALLOWED_URLS = frozenset(
    {
        # Google blog, 23 Feb 2024: Prabhakar Raghavan, "Gemini image generation got it wrong".
        "https://blog.google/products/gemini/gemini-image-generation-issue/",
        # Google blog, 7 Jun 2018: Sundar Pichai, "AI at Google: our principles".
        "https://blog.google/technology/ai/ai-principles/",
        # New York Times, 27 Dec 2023: "The Times Sues OpenAI and Microsoft Over A.I. Use of…".
        "https://www.nytimes.com/2023/12/27/business/media/new-york-times-open-ai-microsoft-lawsuit.html",
        # OpenAI, 8 Jan 2024: "OpenAI and journalism", its public reply to the Times' suit.
        "https://openai.com/index/openai-and-journalism/",
    }
)

# A relative link to this API's own methodology page, not a page elsewhere.
NOT_CHECKED = frozenset({"methodology_url"})

PLACEHOLDER_MARKERS = ("demo", "example.", "test", "placeholder", "xxx")


@pytest.fixture(autouse=True)
def clean_tables() -> None:
    """Overrides conftest's: these tests need no database to empty."""


def _links(value: Any, where: str) -> Iterator[tuple[str, str | None]]:
    """(where, value) for every URL field (`url`, `*_url`) and every other string that is a URL."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in NOT_CHECKED:
                continue
            if (key == "url" or key.endswith("_url")) and (item is None or isinstance(item, str)):
                yield f"{where}.{key}", item
            else:
                yield from _links(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _links(item, f"{where}[{index}]")
    elif isinstance(value, str) and value.lower().startswith(("http://", "https://", "www.")):
        yield where, value


LINKS = [link for card in demo_cards() for link in _links(card, card["slug"])]
KEPT = [(where, url) for where, url in LINKS if url is not None]


def test_the_demo_data_has_links_to_check() -> None:
    # The walk finds the mentions' and events' URL fields, null or not.
    assert any(where.endswith(".url") for where, _ in LINKS)
    assert any(where.endswith(".source_url") for where, _ in LINKS)


@pytest.mark.parametrize(("where", "url"), KEPT, ids=[where for where, _ in KEPT])
def test_a_kept_url_is_https_without_placeholders(where: str, url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme == "https", f"{where}: {url} is not an https URL"
    assert parts.hostname, f"{where}: {url} has no host"
    # The query too: `item?id=demo-hn-1` is the placeholder the issue found.
    checked = f"{parts.hostname}{parts.path}?{parts.query}#{parts.fragment}".lower()
    found = [marker for marker in PLACEHOLDER_MARKERS if marker in checked]
    assert not found, f"{where}: {url} looks invented ({', '.join(found)})"


@pytest.mark.parametrize(("where", "url"), KEPT, ids=[where for where, _ in KEPT])
def test_a_kept_url_has_been_vouched_for(where: str, url: str) -> None:
    assert url in ALLOWED_URLS, (
        f"{where}: {url} is not in ALLOWED_URLS; set it to null unless it is a real page you "
        "know exactly, then add it there with a comment saying what page it is"
    )


def test_every_allowed_url_is_still_used() -> None:
    # An entry no card uses any more is a vouch for nothing: remove it with the link.
    unused = ALLOWED_URLS - {url for _, url in KEPT}
    assert not unused, f"no demo card links to {sorted(unused)}"
