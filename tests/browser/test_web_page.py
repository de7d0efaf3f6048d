"""The reference page (`examples/web/`) in headless Chromium, against a real `serve` process.

One module, one browser: the demo data is loaded into a fresh database, `serve` runs on it, a
publishable key is made for the origin of a tiny static server that serves the page, and
selenium drives Chromium over real sockets — CORS, the key's origin binding and all.
Without Chromium and chromedriver (Debian's `chromium` and `chromium-driver`) it skips.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from app.migrations import upgrade
from tests.servers import BIN, ServedApi, served_api

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
WEB = Path(__file__).resolve().parents[2] / "examples" / "web"
GPT2 = "gpt-2-staged-release"
MORE_POSTS = "air-canada-chatbot-ruling"  # gets 11 older posts: more than the card shows
MARKUP_TITLE = '<img src=x onerror="window.__pwned = 1"><b>Markup</b> & "quotes"'


def _missing_browser() -> list[str]:
    return [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        bool(_missing_browser()),
        reason="headless Chromium not installed: apt-get install chromium chromium-driver"
        f" (missing {', '.join(_missing_browser())}; CHROMIUM and CHROMEDRIVER name other paths)",
    ),
]


def _cli(database_url: str, *args: str) -> str:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL")
    }
    env |= {"DATABASE_URL": database_url, "LOG_LEVEL": "ERROR"}
    result = subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _publishable_key(database_url: str, origin: str) -> str:
    created = _cli(
        database_url, "keys", "create", "--name", "web page", "--kind", "publishable",
        "--scopes", "read", "--origin", origin,
    )  # fmt: skip
    key: str = json.loads(created)["key"]
    return key


@pytest.fixture(scope="module")
def demo_database(fresh_database: Callable[[], str]) -> str:
    url = fresh_database()
    upgrade(url)
    _cli(url, "seed-demo", "--now", "2026-11-27T12:00:00Z")
    return url


@pytest.fixture(scope="module")
def api(demo_database: str) -> Iterator[ServedApi]:
    with served_api(demo_database) as served:
        # On one story more posts than the card shows and a resolved scenario; on another, a
        # title made of markup.
        older = [
            {
                "platform": "news",
                "external_id": f"older-{n}",
                "author": f"Archive writer {n}",
                "title": f"An older report, number {n}",
                "published_at": f"2024-01-{n + 1:02d}T08:00:00Z",
            }
            for n in range(11)
        ]
        with httpx.Client(base_url=served.base_url, headers=served.headers) as http:
            posted = http.post(f"/v1/controversies/{MORE_POSTS}/mentions", json={"mentions": older})
            assert posted.status_code == 200, posted.text
            body = {
                "slug": "markup",
                "title": MARKUP_TITLE,
                "category": "other",
                "stage": "emerging",
            }
            created = http.post("/v1/controversies", json=body)
            assert created.status_code == 201, created.text
            forecast = http.get(f"/v1/controversies/{MORE_POSTS}").json()["forecast"]
            resolution = (
                f"/v1/controversies/{MORE_POSTS}/forecasts/{forecast['id']}"
                f"/scenarios/{forecast['scenarios'][0]['id']}/resolution"
            )
            outcome = {"outcome": "did_not_happen", "resolved_at": forecast["generated_at"]}
            resolved = http.put(resolution, json=outcome, headers={"If-Match": "*"})
            assert resolved.status_code == 200, resolved.text
        yield served


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """examples/web/ on a static server of its own: the page's origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietFiles, directory=str(WEB)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium-manager never downloads anything.
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def page_url(site: str, api: ServedApi, key: str, slug: str | None = None) -> str:
    query = {"api": api.base_url, "key": key} | ({"slug": slug} if slug else {})
    return f"{site}/?{urlencode(query)}"


def wait_until_settled(browser: webdriver.Chrome) -> str:
    """Wait for the page to finish (body[data-state] ready or error); returns the state."""
    state: str = WebDriverWait(browser, 15).until(
        lambda driver: driver.execute_script(
            "const s = document.body.dataset.state; return s === 'loading' ? null : s"
        )
    )
    return state


def texts(scope: webdriver.Chrome | WebElement, selector: str) -> list[str]:
    """The text content of each match, read in one script (as in the DOM: no CSS
    text-transform; never a stale element while the page redraws), spaces collapsed."""
    driver, root = (scope, None) if isinstance(scope, webdriver.Chrome) else (scope.parent, scope)
    found: list[str] = driver.execute_script(
        "return [...(arguments[0] || document).querySelectorAll(arguments[1])]"
        ".map((e) => e.textContent.split(/\\s+/).filter(Boolean).join(' '))",
        root,
        selector,
    )
    return found


def text(scope: webdriver.Chrome | WebElement, selector: str) -> str:
    found = texts(scope, selector)
    assert found, f"nothing matches {selector}"
    return found[0]


def severe_console_messages(browser: webdriver.Chrome) -> list[str]:
    """What the page logged as errors (a CORS refusal, a failed fetch, a script error)."""
    logs: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry["message"] for entry in logs if entry["level"] == "SEVERE"]


@pytest.fixture(scope="module")
def key(demo_database: str, site: str) -> str:
    return _publishable_key(demo_database, site)


def api_get(api: ServedApi, path: str, **params: Any) -> Any:
    response = httpx.get(f"{api.base_url}{path}", params=params, headers=api.headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_gpt2_card_renders_every_part(
    browser: webdriver.Chrome, site: str, api: ServedApi, key: str
) -> None:
    browser.get(page_url(site, api, key, GPT2))
    state = wait_until_settled(browser)
    assert state == "ready", text(browser, "#status")
    card = api_get(api, f"/v1/controversies/{GPT2}")
    meta = api_get(api, "/v1/meta")

    def label(group: str, value: str) -> str:
        return next(str(item["label"]) for item in meta[group] if item["value"] == value)

    assert text(browser, "#card h1") == "The GPT-2 Staged Release Controversy" == card["title"]
    # Enum values are shown by their /v1/meta labels ("Safety", "Star power", "Hacker News").
    assert text(browser, ".kicker") == " · ".join(
        (label("categories", card["category"]), label("stages", card["stage"]))
    )
    assert texts(browser, ".tags li") == [f"#{tag}" for tag in card["tags"]]
    analysis = browser.find_element(By.CSS_SELECTOR, ".analysis")
    reviewed = label("review_statuses", "reviewed")
    assert text(browser, ".analysis").startswith(f"AI-analysed by Gemini · {reviewed}")
    link = analysis.find_element(By.TAG_NAME, "a").get_attribute("href")
    assert link == card["analysis"]["methodology_url"]

    assert text(browser, ".why p") == card["why_it_matters"]
    assert "OpenAI departed from the usual practice of publishing research" in text(
        browser, ".key-points li"
    )
    assert text(browser, ".summary p") == card["summary"]
    assert text(browser, ".eli5 p") == card["eli5"]

    # The sides, each actor with its grade.
    assert texts(browser, ".side h3") == ["Critics", "Defenders"]
    shown = {
        text(stance, ".actor strong"): text(stance, ".grade")
        for stance in browser.find_elements(By.CSS_SELECTOR, ".stances li")
    }
    assert shown["OpenAI"] == "B"
    assert shown == {
        stance["actor"]["name"]: stance["actor"]["grade"]
        for side in card["sides"]
        for stance in side["stances"]
    }
    assert "influence 70" in text(browser, ".stances li:has(.grade[data-grade='B'])")

    # The Noise Level: score (the API's, read a moment later), level, decay, seven components.
    assert abs(int(text(browser, ".noise-score")) - card["noise"]["score"]) <= 1
    assert text(browser, ".noise .level") == label("noise_levels", card["noise"]["level"])
    assert re.match(r"Decay \d{1,3}%", text(browser, ".noise .decay"))
    assert texts(browser, ".components tbody th") == [
        label("noise_components", name) for name in card["noise"]["components"]
    ]
    assert len(texts(browser, ".components tbody tr")) == 7
    assert "star_power" not in texts(browser, ".components tbody th")

    # The forecast and its generator's record.
    forecast = text(browser, ".forecast")
    assert "Forecast by Gemini" in forecast
    assert card["forecast"]["scenarios"][0]["title"] in texts(browser, ".scenarios h3")
    record = card["forecast"]["generator_track_record"]
    assert text(browser, ".track-record").startswith(
        f"Gemini's track record: {record['n']} resolved scenarios, Brier {record['brier']}"
    )

    # The timeline: today's posts, then the milestones; no "more" (the card holds them all).
    assert "/u/Ill-Association-8410" in texts(browser, ".posts .author")
    assert "surprisetalk" in texts(browser, ".posts .author")
    assert label("platforms", "hackernews") in texts(browser, ".posts .platform")
    assert "GPT-2 Announcement" in texts(browser, ".milestones h4")
    assert browser.find_elements(By.CSS_SELECTOR, ".more") == []
    assert severe_console_messages(browser) == []

    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, height)
    screenshot = Path(tempfile.mkdtemp(prefix="web-page-")) / "gpt-2-card.png"
    assert browser.save_screenshot(str(screenshot))
    browser.set_window_size(1280, 1000)
    print(f"\nscreenshot of the GPT-2 card: {screenshot}")


def test_the_list_is_loudest_first_and_a_click_loads_that_card(
    browser: webdriver.Chrome, site: str, api: ServedApi, key: str
) -> None:
    browser.get(page_url(site, api, key))  # no slug: the loudest story's card
    assert wait_until_settled(browser) == "ready", text(browser, "#status")
    listed = api_get(api, "/v1/controversies", sort="noise", limit=20)["data"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#loudest li")
    assert [row.get_attribute("data-slug") for row in rows] == [item["slug"] for item in listed]
    assert texts(browser, "#loudest .badge") == [str(item["noise"]["score"]) for item in listed]
    assert text(browser, "#card h1") == listed[0]["title"]
    assert text(browser, "#loudest li[aria-current] .title") == listed[0]["title"]

    # Data is text, never markup.
    assert MARKUP_TITLE in texts(browser, "#loudest .title")
    assert browser.find_elements(By.CSS_SELECTOR, "#loudest img, #loudest b") == []
    assert browser.execute_script("return window.__pwned") is None

    # A click loads that card (and puts its slug in the address).
    title = next(item["title"] for item in listed if item["slug"] == MORE_POSTS)
    browser.find_element(By.CSS_SELECTOR, f"#loudest a[data-slug='{MORE_POSTS}']").click()
    WebDriverWait(browser, 10).until(lambda driver: text(driver, "#card h1") == title)
    assert f"slug={MORE_POSTS}" in browser.current_url
    assert text(browser, ".scenarios .resolution").startswith("Resolved: Did not happen on ")

    # 14 posts, 10 on the card: "More posts" fetches the list (with the key) and adds the rest.
    assert len(browser.find_elements(By.CSS_SELECTOR, ".posts li")) == 10
    browser.find_element(By.LINK_TEXT, "More posts").click()
    WebDriverWait(browser, 10).until(
        lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".posts li")) == 14
    )
    assert "Archive writer 0" in texts(browser, ".posts .author")
    assert browser.find_elements(By.LINK_TEXT, "More posts") == []
    assert severe_console_messages(browser) == []


def test_a_key_the_page_cannot_use_is_explained(
    browser: webdriver.Chrome, site: str, api: ServedApi, key: str, demo_database: str
) -> None:
    # A key bound to another site, used from ours (whose origin CORS knows): a readable 403.
    elsewhere = _publishable_key(demo_database, "https://elsewhere.example")
    browser.get(page_url(site, api, elsewhere, GPT2))
    assert wait_until_settled(browser) == "error"
    assert text(browser, "#status").startswith("403 ")
    assert "origin" in text(browser, "#status")
    assert browser.find_elements(By.CSS_SELECTOR, "#card h1") == []

    # Our key, from an origin no key allows (the same files at localhost): CORS hides the
    # answer from the page, which can only say what is likely wrong.
    browser.get(page_url(site.replace("127.0.0.1", "localhost"), api, key, GPT2))
    assert wait_until_settled(browser) == "error"
    assert "does not allow this page's origin" in text(browser, "#status")

    # No key at all: the page says how to give one.
    browser.get(f"{site}/")
    assert wait_until_settled(browser) == "error"
    assert "key=ck_pub_" in text(browser, "#status")
