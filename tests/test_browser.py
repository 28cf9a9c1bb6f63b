"""The seed site in a real browser: headless Chromium opens it from disk, follows links, searches, runs axe-core.

Needs Playwright for Python (the test extra), Debian's chromium (never a downloaded browser) and axe-core,
which the axe-playwright-python wheel ships as axe.min.js (or AXE_CORE_JS names a file). Where one is
missing these tests skip with the reason; with DIGEST_REQUIRE_BROWSER=1 (CI) they fail instead.
Screenshots of the home and a story page at phone and desktop width go to tests/artifacts/.
"""

from __future__ import annotations

import functools
import http.server
import importlib.resources
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from digest.commands.build import build
from digest.config import Config
from tests.conftest import REPO, SEEDS

REQUIRE = "DIGEST_REQUIRE_BROWSER"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SERIOUS = ("serious", "critical")


def chromium_path() -> str | None:
    """The system Chromium: DIGEST_CHROMIUM, else chromium on the PATH."""
    named = os.environ.get("DIGEST_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def axe_source() -> str:
    """axe-core's browser bundle: AXE_CORE_JS, else the copy inside the axe-playwright-python wheel."""
    named = os.environ.get("AXE_CORE_JS")
    if named:
        return Path(named).read_text(encoding="utf-8")
    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium, or set DIGEST_CHROMIUM)"
    try:
        axe_source()
    except (ImportError, OSError) as error:
        return f"axe-core not found (pip install axe-playwright-python, or set AXE_CORE_JS): {error}"
    return None


@dataclass
class Watch:
    """What a page did that a reader would not want: console errors, failed or outside requests."""

    site: str
    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.site):
            self.problems.append(f"request outside the site: {request.url}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = missing()
    if reason is not None:
        if os.environ.get(REQUIRE):
            pytest.fail(f"{REQUIRE} is set but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("browser") / "site"
    build(Config(source=SEEDS, output=output), environ={})
    return output


@pytest.fixture
def open_page(browser: Any, site: Path) -> Iterator[Any]:
    """A function opening a site page in a fresh context; afterwards, no page may have misbehaved."""
    contexts, watches = [], []

    def open(path: str, *, viewport: dict[str, int] = DESKTOP, base: str = "", **options: Any) -> Any:
        base = base or site.as_uri() + "/"
        context = browser.new_context(viewport=viewport, **options)
        # Nothing may leave the site: any such request is recorded by Watch and never reaches a network.
        context.route(lambda url: not url.startswith(base), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        watch = Watch(base)
        watch.attach(page)
        watches.append(watch)
        page.goto(base + path)
        return page

    yield open
    for context in contexts:
        context.close()
    assert [p for w in watches for p in w.problems] == []


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    """The site served over HTTP on the loopback interface, as a static host would; its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


def test_reader_follows_home_story_article_and_source(open_page: Any, site: Path) -> None:
    page = open_page("index.html")
    page.locator("main .card .headline a").first.click()
    assert "/stories/" in page.url
    story_title = page.locator("h1").inner_text()
    assert page.locator(".timeline li").count() >= 1
    page.locator(".timeline a.coverage-title").first.click()
    assert "/articles/" in page.url
    assert page.locator(f'.kicker a:text-is("{story_title}")').count() == 1
    original = page.locator(".original a")
    href = original.get_attribute("href") or ""
    if href.startswith(("http://", "https://")):
        pytest.fail(f"the seed articles have no URL, so their source is a published copy; got {href}")
    original.click()
    assert "/originals/" in page.url
    assert len(page.locator("body").inner_text()) > 200


def body_only_word(site: Path) -> tuple[str, str]:
    """A word of one article's body found in no title, summary or other article: (word, article page)."""
    digest = json.loads((site / "digest.json").read_text(encoding="utf-8"))
    texts, bodies = {}, {}
    for article in digest["articles"]:
        html = (site / article["page"]).read_text(encoding="utf-8")
        body = html[
            html.index('<section class="body"') : html.index(
                "</section>", html.index('<section class="body"')
            )
        ]
        bodies[article["page"]] = set(re.findall(r"[a-z]+", re.sub(r"<[^>]+>", " ", body).lower()))
        texts[article["page"]] = " ".join([article["title"], *article["summary"]]).lower()
    candidates = []
    for page, body in bodies.items():
        others = [w for p, b in bodies.items() if p != page for w in b]
        for word in body:
            if len(word) < 6 or word in texts[page]:
                continue
            if any(w.startswith(word) for w in others) or any(
                word in t for p, t in texts.items() if p != page
            ):
                continue
            candidates.append((len(word), word, page))
    assert candidates, "the seeds have no word found only in one article's body"
    _, word, page = max(candidates)
    return word, page


@pytest.mark.parametrize("how", ["file", "http"])
def test_search_from_the_header_reaches_the_article_holding_a_body_word(
    open_page: Any, site: Path, how: str, request: pytest.FixtureRequest
) -> None:
    word, article = body_only_word(site)
    base = request.getfixturevalue("served") if how == "http" else ""
    page = open_page("index.html", base=base)
    box = page.locator('header input[type="search"]')
    box.fill(word)
    box.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    results = page.locator("#search-results li a")
    results.first.wait_for()
    assert results.count() == 1
    assert "1 article match" in page.locator("#search-status").inner_text()
    results.first.click()
    # Loaded, stylesheet included, before the test ends: the server stops first, and a request it cut
    # short would count as a page error.
    page.wait_for_load_state("load")
    assert page.url.endswith("/" + article)
    assert word in page.locator(".body").inner_text().lower()


def test_search_updates_as_the_reader_types(open_page: Any) -> None:
    from playwright.sync_api import expect

    page = open_page("search.html?q=gaza")
    page.locator("#search-results li").first.wait_for()
    assert page.locator("#search-results li").count() >= 2
    page.locator("#q").fill("zzqqxx")
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^No articles match"))
    assert page.locator("#search-results li").count() == 0


def site_pages(site: Path) -> list[str]:
    """One page of each kind."""
    first = {
        folder: sorted((site / folder).glob("*.html"))[0].name
        for folder in ("stories", "articles", "topics", "days")
    }
    return [
        "index.html",
        f"stories/{first['stories']}",
        f"articles/{first['articles']}",
        f"topics/{first['topics']}",
        f"days/{first['days']}",
        "archive.html",
        "sources.html",
        "quality.html",
        "search.html?q=israel",
        "404.html",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_accessibility_violations(open_page: Any, site: Path, scheme: str) -> None:
    source = axe_source()
    found = []
    for path in site_pages(site):
        page = open_page(path, color_scheme=scheme)
        if path.startswith("search.html"):
            page.locator("#search-results li").first.wait_for()
        page.evaluate(source)
        # preload would fetch the stylesheets with XHR, which file:// pages may not do.
        violations = page.evaluate("axe.run(document, {preload: false, resultTypes: ['violations']})")[
            "violations"
        ]
        for violation in violations:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(f"{path} [{scheme}] {violation['id']}: {violation['help']} at {targets}")
    assert found == []


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_home_and_story_fit_the_screen_and_are_photographed(
    open_page: Any, site: Path, name: str, viewport: dict[str, int]
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    story = site_pages(site)[1]
    for label, path in (("home", "index.html"), ("story", story)):
        page = open_page(path, viewport=viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport['width']}px"
        shot = ARTIFACTS / f"{label}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000


def test_light_and_dark_schemes_differ(open_page: Any) -> None:
    colours = []
    for scheme in ("light", "dark"):
        page = open_page("index.html", color_scheme=scheme)
        colours.append(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert colours[0] != colours[1]


def test_pages_read_without_javascript(open_page: Any) -> None:
    page = open_page("index.html", java_script_enabled=False)
    assert page.locator("main .card .headline a").count() >= 1
    search = open_page("search.html?q=gaza", java_script_enabled=False)
    assert search.locator(".needs-js").is_visible()
    assert "needs JavaScript" in search.locator(".needs-js").inner_text()
