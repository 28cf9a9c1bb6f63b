"""The built site as a whole: every link and asset resolves, every page parses, feeds are valid, pages stay small."""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest

from benchmarks.corpora import flatten_bbc
from digest.commands.build import build
from digest.config import Config
from digest.models import Day, Digest, Story, StorySentence, Topic
from digest.render.renderer import render
from digest.render.site import Lookups
from tests.conftest import SEEDS, node_search
from tests.test_render import make_article

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE_URL = "https://news.example.org/digest"
HOME_BUDGET = 100 * 1024
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


@dataclass
class PageLinks:
    """What one HTML page points at, and the ids it offers to fragments."""

    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found = PageLinks()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.found.ids.add(values["id"] or "")
        for name in ("href", "src", "action"):
            if values.get(name) is not None:
                self.found.links.append(values[name] or "")


def scan(html: str) -> PageLinks:
    collector = _Collector()
    collector.feed(html)
    return collector.found


def broken_links(root: Path, pages: list[Path] | None = None) -> list[str]:
    """Every internal link, asset, CSS url() and fragment of ``pages`` (default: all) that resolves to nothing."""
    pages = pages if pages is not None else sorted(root.rglob("*.html"))
    scanned: dict[Path, PageLinks] = {}

    def links_of(page: Path) -> PageLinks:
        if page not in scanned:
            scanned[page] = scan(page.read_text(encoding="utf-8"))
        return scanned[page]

    broken = []
    for page in pages:
        for link in links_of(page).links:
            problem = _resolve(root, page, link, links_of)
            if problem:
                broken.append(f"{page.relative_to(root)}: {link} ({problem})")
    for sheet in root.rglob("*.css"):
        for link in re.findall(r"url\(\s*['\"]?([^'\")]+)", sheet.read_text(encoding="utf-8")):
            if not link.startswith("data:") and _resolve(root, sheet, link, links_of):
                broken.append(f"{sheet.relative_to(root)}: {link}")
    return broken


def _resolve(root: Path, page: Path, link: str, links_of: object) -> str:
    parts = urlsplit(link)
    if parts.scheme in ("http", "https", "mailto"):
        return ""
    if parts.scheme or link.startswith("/"):
        return "not relative"
    target = page if not parts.path else page.parent / unquote(parts.path)
    target = Path(posixpath.normpath(target.as_posix()))
    if not target.is_relative_to(root):
        return "outside the site"
    if not target.is_file():
        return "missing"
    if parts.fragment and target.suffix == ".html":
        assert callable(links_of)
        if parts.fragment not in links_of(target).ids:
            return "no such id"
    return ""


def strict_parse_errors(pages: list[Path]) -> list[str]:
    errors = []
    for page in pages:
        try:
            html5lib.HTMLParser(strict=True).parse(page.read_bytes())
        except html5lib.html5parser.ParseError as error:
            errors.append(f"{page.name}: {error}")
    return errors


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("seeds") / "site"
    build(Config(source=SEEDS, output=output), environ={})
    return output


@pytest.fixture(scope="module")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("published") / "site"
    build(Config(source=SEEDS, output=output, base_url=BASE_URL), environ={})
    return output


def test_seed_site_has_every_kind_of_page(seed_site: Path) -> None:
    for name in (
        "index.html",
        "archive.html",
        "sources.html",
        "quality.html",
        "search.html",
        "404.html",
        "feed.xml",
        "feed.json",
        "robots.txt",
        "search-index.js",
        "static/style.css",
        "static/search.js",
    ):
        assert (seed_site / name).is_file(), name
    for folder, suffix in (
        ("stories", ".html"),
        ("articles", ".html"),
        ("topics", ".html"),
        ("topics", ".xml"),
    ):
        assert list((seed_site / folder).glob("*" + suffix)), folder
    assert list((seed_site / "days").glob("*.html"))


def test_every_internal_link_and_asset_resolves(seed_site: Path, published_site: Path) -> None:
    assert broken_links(seed_site) == []
    assert broken_links(published_site) == []


def test_link_checker_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        '<a href="b.html">b</a> <a href="a.html#nowhere">x</a> <img src="c.png">'
    )
    (tmp_path / "b.html").write_text('<a href="../outside.html">o</a> <a href="/abs.html">r</a>')
    assert sorted(broken_links(tmp_path)) == [
        "a.html: a.html#nowhere (no such id)",
        "a.html: c.png (missing)",
        "b.html: ../outside.html (outside the site)",
        "b.html: /abs.html (not relative)",
    ]


def test_every_page_parses_without_errors(seed_site: Path, published_site: Path) -> None:
    for root in (seed_site, published_site):
        pages = sorted(root.rglob("*.html"))
        assert len(pages) > 10
        assert strict_parse_errors(pages) == []


def test_feeds_are_valid_and_dated_by_their_articles(published_site: Path) -> None:
    digest = json.loads((published_site / "digest.json").read_text(encoding="utf-8"))
    article_dates = {a["date"] for a in digest["articles"] if a["date"]}
    for path in [published_site / "feed.xml", *sorted((published_site / "topics").glob("*.xml"))]:
        feed = ET.parse(path).getroot()
        assert feed.tag == f"{ATOM}feed", path
        stamps = [e.text or "" for e in feed.iter() if e.tag in (f"{ATOM}updated", f"{ATOM}published")]
        assert stamps and all(RFC3339.fullmatch(s) for s in stamps), stamps
        assert {s[:10] for s in stamps} <= article_dates, path
        for link in feed.iter(f"{ATOM}link"):
            href = link.get("href", "")
            assert href.startswith(BASE_URL + "/") and (published_site / href[len(BASE_URL) + 1 :]).is_file()
    feed = json.loads((published_site / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["items"]
    for item in feed["items"]:
        assert item["id"] and (item.get("content_text") or item.get("content_html"))
        assert item["date_published"][:10] in article_dates
        assert (published_site / item["url"][len(BASE_URL) + 1 :]).is_file()


def test_sitemap_lists_every_page_with_dates_from_articles(published_site: Path) -> None:
    urls = {
        u.findtext(f"{SITEMAP}loc") or "": u.findtext(f"{SITEMAP}lastmod")
        for u in ET.parse(published_site / "sitemap.xml").getroot()
    }
    pages = {p.relative_to(published_site).as_posix() for p in published_site.rglob("*.html")}
    assert {u[len(BASE_URL) + 1 :] for u in urls} == pages - {"404.html", "search.html"}
    digest = json.loads((published_site / "digest.json").read_text(encoding="utf-8"))
    article_dates = {a["date"] for a in digest["articles"] if a["date"]}
    assert {m[:10] for m in urls.values() if m} <= article_dates
    robots = (published_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in robots


def test_pages_load_nothing_from_outside_the_site(seed_site: Path) -> None:
    for page in seed_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assets = re.findall(
            r'<(?:link|script|img|iframe|source|video|audio)\b[^>]*\b(?:href|src)="([^"]+)"', text
        )
        assert not [a for a in assets if re.match(r"(?:[a-z]+:)?//", a)], page
    css = (seed_site / "static" / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css and "@font-face" not in css and "http" not in css


def big_digest(stories: int = 1000, topics: int = 40) -> Digest:
    """A large digest with long titles and summaries: the worst case for the front page's size."""
    articles, story_list = [], []
    for n in range(stories):
        date = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
        ids = tuple(f"{n:06d}{k}" for k in range(1 + n % 5))
        title = f"Story {n}: a long headline about an event that many outlets reported in detail"
        articles += [make_article(i, title, date=date, publisher=f"Outlet {k}") for k, i in enumerate(ids)]
        sentence = "A long summary sentence that goes on for a while and names several people and places. "
        summary = tuple(StorySentence(sentence * 2, i, 2) for i in ids[:3])
        story_list.append(Story(f"s{n}", title, ids, (), date, date, summary, f"t{n % topics}"))
    story_list.sort(key=lambda s: s.date or "", reverse=True)
    topic_list = tuple(
        Topic(f"t{t}", f"Topic {t}", ("word",), tuple(s.id for s in story_list if s.topic == f"t{t}"))
        for t in range(topics)
    )
    days = sorted({s.date for s in story_list if s.date}, reverse=True)
    return Digest(
        title="Big",
        articles=tuple(articles),
        duplicate_of={},
        summaries={},
        stories=tuple(story_list),
        topics=topic_list,
        days=tuple(Day(d, tuple(s.id for s in story_list if s.date == d)) for d in days),
        story_of={a: s.id for s in story_list for a in s.articles},
        topic_of={s.id: s.topic for s in story_list},
    )


def home_weight(files: dict[str, bytes]) -> int:
    return len(files["index.html"]) + len(files["static/style.css"])


def test_home_page_with_css_stays_under_100_kb_on_a_big_digest() -> None:
    files = render(big_digest(), Config())
    assert home_weight(files) < HOME_BUDGET


def test_home_page_with_css_stays_under_100_kb_on_the_bbc_corpus(corpora: Path, tmp_path: Path) -> None:
    assert len(flatten_bbc(tmp_path / "bbc")) > 2000
    output = tmp_path / "site"
    build(Config(source=tmp_path / "bbc", output=output), environ={})
    weight = (output / "index.html").stat().st_size + (output / "static" / "style.css").stat().st_size
    assert weight < HOME_BUDGET, f"home page and CSS weigh {weight} bytes"
    sample = [
        output / "index.html",
        output / "archive.html",
        output / "sources.html",
        output / "quality.html",
        *sorted((output / "topics").glob("*.html"))[:10],
        *sorted((output / "stories").glob("*.html"))[:20],
        *sorted((output / "articles").glob("*.html"))[:20],
    ]
    assert broken_links(output, sample) == []
    assert strict_parse_errors(sample) == []


@pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed: the browser-side engine is not run"
)
def test_browser_engine_finds_what_the_python_index_holds(seed_site: Path, tmp_path: Path) -> None:
    digest = json.loads((seed_site / "digest.json").read_text(encoding="utf-8"))
    kept = [a for a in digest["articles"] if a["duplicate_of"] is None]
    queries = {"GAZA": None, "Khan Yóunis": None, "withdraw": None, "zzzznothing": None}
    found = node_search(seed_site, list(queries), 0, tmp_path)
    slug = {a["page"].split("/")[-1][: -len(".html")]: a for a in kept}
    assert sorted(found["GAZA"]) == sorted(slug)  # every seed article is about Gaza
    assert found["Khan Yóunis"] and all(
        "Khan Younis" in _text(seed_site, slug[s]) for s in found["Khan Yóunis"]
    )
    assert found["withdraw"] and all(
        re.search(r"withdraw\w*", _text(seed_site, slug[s]), re.I) for s in found["withdraw"]
    )
    assert found["zzzznothing"] == []


def _text(site: Path, article: dict[str, object]) -> str:
    return (site / str(article["page"])).read_text(encoding="utf-8")


def test_related_stories_are_the_stories_grouping_found_alike() -> None:
    """Related stories are those grouping found most alike (``Story.related``), in that order: not the
    topic's largest or newest."""
    stories = (
        Story("a", "Storm floods coast", (), (), None, None, topic="t", related=("c", "gone", "b")),
        Story("b", "Storm damage counted", (), (), None, None, topic="t"),
        Story("c", "Floods close coast road", (), (), None, None, topic="t"),
        Story("d", "Biggest story of the topic", ("x", "y", "z"), (), None, None, topic="t"),
    )
    topic = Topic("t", "T", (), ("d", "a", "b", "c"))
    site = Lookups(Digest("D", (), {}, {}, stories, (topic,), ()), Config())
    assert [s.id for s in site.related(stories[0])] == ["c", "b"]
    assert site.related(stories[3]) == ()
