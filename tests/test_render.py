"""The renderer: every page exists, every internal link resolves, pages parse, templates can be overridden."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Collection
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import html5lib
import pytest

from digest import paths
from digest.config import Config
from digest.errors import TemplateError
from digest.models import Article, Day, Digest, Story, StorySentence, Topic
from digest.render import date_range, human_date, original_copies, render, theme_dir

ATOM = "{http://www.w3.org/2005/Atom}"


def make_article(id: str, title: str, **fields: Any) -> Article:
    """An article with sensible defaults; ``fields`` override any of them."""
    paragraphs = fields.pop("paragraphs", (f"{title} first paragraph.", "Second paragraph."))
    values: dict[str, Any] = {
        "id": id,
        "slug": f"{id}-slug",
        "source": f"src/{id}.txt",
        "format": "text",
        "title": title,
        "title_from": "first-line",
        "date": "2024-04-07",
        "date_from": "text",
        "published": None,
        "author": None,
        "author_from": None,
        "publisher": None,
        "publisher_from": None,
        "url": None,
        "url_from": None,
        "paragraphs": paragraphs,
        "sentences": paragraphs,
        "html": None,
        "tags": (),
        "topic_hint": None,
        "given_summary": None,
        "removed": (),
        "content_hash": id * 2,
        "words": 42,
    }
    values.update(fields)
    return Article(**values)


def make_digest(title_a: str = "Rafah talks resume in Cairo") -> Digest:
    """2 topics, 3 stories, 5 articles: a duplicate, an undated article, one with a URL and some without."""
    articles = (
        make_article(
            "a1",
            title_a,
            publisher="Daily Planet",
            publisher_from="meta:og:site_name",
            author="Lois Lane",
            author_from="byline",
            url="https://example.com/a1",
            url_from="meta:og:url",
        ),
        make_article("a2", "Cairo talks: second report", date="2024-04-08", publisher="Gazette"),
        make_article(
            "a3", "Copy of the first report", publisher="Wire Copy", html="<p>Copied <em>text</em>.</p>"
        ),
        make_article(
            "b1", "Rates held steady", date="2024-03-30", source="money/rates.md", format="markdown"
        ),
        make_article("c1", "A quiet undated piece", date=None, date_from=None, removed=("Share this",)),
    )
    stories = (
        Story(
            "s1",
            title_a,
            articles=("a1", "a2"),
            duplicates=("a3",),
            date="2024-04-07",
            updated="2024-04-08",
            summary=(
                StorySentence("Talks resumed in Cairo.", "a1", sources=2),
                StorySentence("Delegations arrived on Sunday.", "a2"),
            ),
            topic="world",
        ),
        Story(
            "s2",
            "Rates held steady",
            ("b1",),
            (),
            "2024-03-30",
            "2024-03-30",
            (StorySentence("The bank held rates.", "b1"),),
            "money",
        ),
        Story("s3", "A quiet undated piece", ("c1",), (), None, None, (), "world"),
    )
    return Digest(
        title="Test Digest",
        articles=articles,
        duplicate_of={"a3": "a1"},
        summaries={
            "a1": ("Talks resumed in Cairo.",),
            "a2": ("Delegations arrived.",),
            "b1": ("Rates held.",),
        },
        stories=stories,
        topics=(
            Topic("world", "World", ("cairo", "talks"), ("s1", "s3")),
            Topic("money", "Money", ("rates",), ("s2",)),
        ),
        days=(Day("2024-04-08", ("s1",)), Day("2024-04-07", ("s1",)), Day("2024-03-30", ("s2",))),
        story_of={"a1": "s1", "a2": "s1", "a3": "s1", "b1": "s2", "c1": "s3"},
        topic_of={"s1": "world", "s2": "money", "s3": "world"},
    )


class _Links(HTMLParser):
    """Collects every href and src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links.extend(value for name, value in attrs if name in ("href", "src") and value is not None)


def links_of(html: bytes) -> list[str]:
    parser = _Links()
    parser.feed(html.decode("utf-8"))
    return parser.links


def broken_links(site: dict[str, bytes], extra: Collection[str] = ()) -> list[str]:
    """Internal links of every HTML page that do not resolve to a site file (or to ``extra``)."""
    broken = []
    for page, content in site.items():
        if not page.endswith(".html") or page == "404.html":
            continue
        for link in links_of(content):
            target = link.split("#", 1)[0]
            if not target or link.startswith(("http://", "https://", "mailto:")):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
            if resolved not in site and resolved not in extra:
                broken.append(f"{page}: {link}")
    return broken


@pytest.fixture
def site() -> dict[str, bytes]:
    return render(make_digest(), Config())


def test_every_expected_page_exists(site: dict[str, bytes]) -> None:
    expected = {
        "index.html",
        "archive.html",
        "404.html",
        "feed.xml",
        "static/style.css",
        *(paths.story_page(s) for s in ("s1", "s2", "s3")),
        *(paths.article_page(f"{a}-slug") for a in ("a1", "a2", "a3", "b1", "c1")),
        *(paths.topic_page(t) for t in ("world", "money")),
        *(paths.day_page(d) for d in ("2024-04-08", "2024-04-07", "2024-03-30")),
    }
    assert expected <= set(site)
    assert site["static/style.css"] == (theme_dir() / "static" / "style.css").read_bytes()


def test_every_internal_link_resolves(site: dict[str, bytes]) -> None:
    assert broken_links(site, set(original_copies(make_digest()))) == []


def test_original_copies_are_linked_only_for_articles_without_url(site: dict[str, bytes]) -> None:
    copies = original_copies(make_digest())
    assert copies["originals/money/rates.md"] == "money/rates.md"
    assert "originals/src/a1.txt" not in copies
    a1 = site[paths.article_page("a1-slug")].decode()
    b1 = site[paths.article_page("b1-slug")].decode()
    assert 'href="https://example.com/a1"' in a1
    assert 'href="../originals/money/rates.md"' in b1


def test_every_html_page_parses_strictly(site: dict[str, bytes]) -> None:
    for page, content in site.items():
        if page.endswith(".html"):
            html5lib.HTMLParser(strict=True).parse(content)


def test_links_are_relative_and_root_prefixed(site: dict[str, bytes]) -> None:
    for page, content in site.items():
        if page.endswith(".html"):
            assert not [link for link in links_of(content) if link.startswith("/")], page
    story = site[paths.story_page("s1")].decode()
    assert 'href="../index.html"' in story
    assert 'href="../static/style.css"' in story
    assert 'href="static/style.css"' in site["index.html"].decode()


def test_home_groups_stories_by_topic_newest_first(site: dict[str, bytes]) -> None:
    home = site["index.html"].decode()
    assert home.index(">World<") < home.index(">Money<", home.index("<main"))
    assert "Talks resumed in Cairo. Delegations arrived on Sunday." in home
    assert "7–8 April 2024" in home
    assert "2 sources" in home  # a1 and a2; the duplicate a3 is not counted
    assert "3 sources" not in home
    assert 'href="days/2024-04-08.html"' in home
    assert 'href="archive.html"' in home


def test_story_page_attributes_sentences_and_lists_copies(site: dict[str, bytes]) -> None:
    story = site[paths.story_page("s1")].decode()
    assert 'href="../articles/a1-slug.html">Daily Planet</a>; reported by 2 sources' in story
    assert "reported by 1 sources" not in story
    assert story.index("Rafah talks resume in Cairo</a>") < story.index("Cairo talks: second report</a>")
    assert "Also published by" in story
    assert 'href="../articles/a3-slug.html">Wire Copy</a>' in story
    assert 'href="../topics/world.html"' in story


def test_article_page_shows_text_provenance_and_duplicate(site: dict[str, bytes]) -> None:
    a1 = site[paths.article_page("a1-slug")].decode()
    assert "By Lois Lane" in a1 and "7 April 2024" in a1
    assert "<p>Rafah talks resume in Cairo first paragraph.</p>" in a1
    assert "<code>meta:og:site_name</code>" in a1 and "<code>byline</code>" in a1
    assert 'href="../stories/s1.html"' in a1
    a3 = site[paths.article_page("a3-slug")].decode()
    assert "<p>Copied <em>text</em>.</p>" in a3  # sanitized HTML is kept as markup
    assert 'This article is a copy of <a href="../articles/a1-slug.html">' in a3
    c1 = site[paths.article_page("c1-slug")].decode()
    assert "Undated" in c1 and "Share this" in c1


def test_day_pages_link_to_neighbours(site: dict[str, bytes]) -> None:
    middle = site[paths.day_page("2024-04-07")].decode()
    assert 'rel="prev" href="../days/2024-03-30.html"' in middle
    assert 'rel="next" href="../days/2024-04-08.html"' in middle
    oldest = site[paths.day_page("2024-03-30")].decode()
    assert 'rel="prev"' not in oldest


def test_archive_groups_days_by_year_and_month_and_lists_undated(site: dict[str, bytes]) -> None:
    archive = site["archive.html"].decode()
    assert archive.index("<h3>April</h3>") < archive.index("<h3>March</h3>")
    assert "2024</h2>" in archive
    assert 'href="stories/s3.html">A quiet undated piece</a>' in archive


def test_topic_page_lists_label_keywords_and_stories(site: dict[str, bytes]) -> None:
    world = site[paths.topic_page("world")].decode()
    assert "<h1>World</h1>" in world and "cairo, talks" in world
    assert world.index("stories/s1.html") < world.index("stories/s3.html")


def test_titles_are_escaped() -> None:
    site = render(make_digest("Evil <script>alert(1)</script> & co"), Config())
    for page in ("index.html", paths.story_page("s1"), paths.article_page("a1-slug"), "feed.xml"):
        text = site[page].decode()
        assert "<script>alert" not in text, page
        assert "&lt;script&gt;" in text, page


def test_feed_is_atom_with_relative_links_without_base_url(site: dict[str, bytes]) -> None:
    feed = ET.fromstring(site["feed.xml"])
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}updated") == "2024-04-08T00:00:00Z"
    entries = feed.findall(f"{ATOM}entry")
    assert entries[0].findtext(f"{ATOM}title") == "Rafah talks resume in Cairo"
    assert entries[0].find(f"{ATOM}link").get("href") == "stories/s1.html"  # type: ignore[union-attr]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3
    assert b'type="application/atom+xml"' in site["index.html"]


def test_base_url_gives_canonical_links_and_absolute_feed() -> None:
    site = render(make_digest(), Config(base_url="https://news.example.org/digest"))
    story = site[paths.story_page("s1")].decode()
    assert '<link rel="canonical" href="https://news.example.org/digest/stories/s1.html">' in story
    feed = ET.fromstring(site["feed.xml"])
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}id") == "https://news.example.org/digest/stories/s1.html"
    assert 'href="https://news.example.org/digest/index.html"' in site["404.html"].decode()


def test_no_canonical_or_build_time_without_base_url_and_clock(site: dict[str, bytes]) -> None:
    assert b'rel="canonical"' not in site["index.html"]
    assert b"Built" not in site["index.html"]
    stamped = render(make_digest(), Config(), generated="2024-05-01T10:00:00+00:00")
    assert "Built <time" in stamped["index.html"].decode()


def test_rendering_is_deterministic() -> None:
    assert render(make_digest(), Config()) == render(make_digest(), Config())


def test_user_template_and_static_override(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "style.css").write_text("body { color: red; }")
    (tmp_path / "static" / "extra.js").write_text("// extra")
    (tmp_path / "topic.html").write_text(
        "{% extends 'base.html' %}{% block main %}<p>MINE {{ topic.label }}</p>{% endblock %}"
    )
    site = render(make_digest(), Config(templates=tmp_path))
    assert "<p>MINE World</p>" in site[paths.topic_page("world")].decode()
    assert site["static/style.css"] == b"body { color: red; }"
    assert site["static/extra.js"] == b"// extra"
    assert b"Skip to content" in site[paths.topic_page("world")]  # the theme's base.html still applies


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "story.html").write_text(
        "{% extends 'base.html' %}\n{% block main %}\n{{ story.title }\n{% endblock %}\n"
    )
    with pytest.raises(TemplateError, match=r"story\.html line 3: unexpected '}'") as info:
        render(make_digest(), Config(templates=tmp_path))
    assert "\n" not in str(info.value)


def test_undefined_variable_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "archive.html").write_text("<p>\n{{ no_such_thing }}</p>\n")
    with pytest.raises(TemplateError, match=r"archive\.html line 2: 'no_such_thing' is undefined"):
        render(make_digest(), Config(templates=tmp_path))


def test_missing_included_template_is_a_template_error(tmp_path: Path) -> None:
    (tmp_path / "day.html").write_text("{% include 'nowhere.html' %}\n")
    with pytest.raises(TemplateError, match=r"day\.html line 1: template not found: nowhere\.html"):
        render(make_digest(), Config(templates=tmp_path))


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        ("2024-04-07", None, "7 April 2024"),
        ("2024-04-07", "2024-04-07", "7 April 2024"),
        ("2024-04-07", "2024-04-09", "7–9 April 2024"),
        ("2024-03-30", "2024-04-02", "30 March – 2 April 2024"),
        ("2023-12-31", "2024-01-01", "31 December 2023 – 1 January 2024"),
        (None, None, "Undated"),
    ],
)
def test_date_range(start: str | None, end: str | None, shown: str) -> None:
    assert date_range(start, end) == shown


def test_human_date_accepts_timestamps_and_rejects_garbage() -> None:
    assert human_date("2024-01-05T10:00:00+00:00") == "5 January 2024"
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        human_date("April 7")
