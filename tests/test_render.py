"""The renderer: every page exists, every internal link resolves, pages parse, templates can be overridden."""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import html5lib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.config import Config
from digest.errors import TemplateError
from digest.models import Article, Day, Digest, Fact, Issue, Story, StorySentence, Topic
from digest.render import paths
from digest.render.renderer import (
    date_range,
    human_date,
    render,
    theme_dir,
)
from digest.render.search import build_index, encode, words

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
            outlets=2,
            related=("s3",),
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
        Story("s3", "A quiet undated piece", ("c1",), (), None, None, (), "world", related=("s1",)),
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


def original_copies(digest: Digest) -> dict[str, str]:
    """Site path -> source path of every source file the site links as an original (articles without a URL)."""
    return {paths.original_copy(a.source): paths.source_file(a.source) for a in digest.articles if not a.url}


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
    assert "2 articles by 2 outlets" in home  # a1 and a2; the duplicate a3 is not counted
    assert "3 articles" not in home
    assert 'href="days/2024-04-08.html"' in home
    assert 'href="archive.html"' in home


def test_a_story_alone_in_its_row_of_the_front_page_spans_it(site: dict[str, bytes]) -> None:
    home = site["index.html"].decode()
    world = home[home.index(">World<") : home.index("</section>", home.index(">World<"))]
    assert world.count('<article class="card lead">') == 1  # s1 leads World, s3 alone beside it
    assert world.count('<article class="card wide">') == 1


def test_story_page_attributes_sentences_and_lists_copies(site: dict[str, bytes]) -> None:
    story = site[paths.story_page("s1")].decode()
    assert 'href="../articles/a1-slug.html">Daily Planet</a>; reported by 2 outlets' in story
    assert "reported by 1 outlet" not in story
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
    assert entries[0].findtext(f"{ATOM}published") == "2024-04-07T00:00:00Z"
    # The undated story s3 has no place in a dated feed.
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "urn:newsdigest:story:s1",
        "urn:newsdigest:story:s2",
    ]
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


# --- Pages added for a readable, publishable digest -------------------------------------------------


def test_every_page_has_the_search_box_the_security_policy_and_no_inline_code(site: dict[str, bytes]) -> None:
    for page, content in site.items():
        if not page.endswith(".html"):
            continue
        text = content.decode()
        assert '<input type="search"' in text, page
        assert '<meta http-equiv="Content-Security-Policy"' in text, page
        assert "<style" not in text and " style=" not in text, page
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)
        assert all("src=" in attrs or "ld+json" in attrs for attrs, _ in scripts), page
        external = [link for link in links_of(content) if link.startswith(("http:", "https:", "//"))]
        assert external == [link for link in external if _is_outbound_anchor(text, link)], page


def _is_outbound_anchor(text: str, link: str) -> bool:
    """An external URL may only appear as a link a reader clicks, never as a resource the page loads."""
    return f'<a href="{link}"' in text or f'<a class="coverage-title" href="{link}"' in text


def test_breadcrumbs_lead_from_home_through_topic_and_story(site: dict[str, bytes]) -> None:
    article = site[paths.article_page("a2-slug")].decode()
    crumbs = article[
        article.index('aria-label="Breadcrumb"') : article.index("</nav>", article.index("Breadcrumb"))
    ]
    assert (
        crumbs.index("../index.html")
        < crumbs.index("../topics/world.html")
        < crumbs.index("../stories/s1.html")
    )
    # The trail ends at the story: the article's own title is the headline just below it, not a crumb.
    assert crumbs.rstrip().endswith(
        '<a href="../stories/s1.html">Rafah talks resume in Cairo</a></li>\n  </ol>'
    )
    assert "Cairo talks: second report" not in crumbs
    assert "<h1>Cairo talks: second report</h1>" in article


def test_home_puts_most_covered_recent_stories_first() -> None:
    digest = make_digest()
    lone = Story("s4", "A newer lone report", ("a4",), (), "2024-04-09", "2024-04-09", (), "world")
    articles = (*digest.articles, make_article("a4", "A newer lone report", date="2024-04-09"))
    world = Topic("world", "World", ("cairo",), ("s4", "s1", "s3"))
    digest = replace(
        digest,
        articles=articles,
        stories=(lone, *digest.stories),
        topics=(world, digest.topics[1]),
        days=(Day("2024-04-09", ("s4",)), *digest.days),
        story_of={**digest.story_of, "a4": "s4"},
    )
    home = render(digest, Config())["index.html"].decode()
    # s1 (two sources) leads its topic although s4 is newer.
    assert home.index("stories/s1.html") < home.index("stories/s4.html")


def test_home_stays_small_with_many_stories() -> None:
    digest = make_digest()
    many = tuple(
        Story(f"m{n}", f"Story number {n}", ("a1",), (), "2024-04-08", "2024-04-08", (), "world")
        for n in range(300)
    )
    digest = replace(digest, stories=many + digest.stories)
    home = render(digest, Config())["index.html"].decode()
    assert home.count('<article class="card') <= 40


def test_story_page_shows_timeline_with_publishers_times_and_every_source(site: dict[str, bytes]) -> None:
    digest = make_digest()
    a1 = replace(digest.articles[0], published="2024-04-07T09:30:00+00:00")
    site = render(replace(digest, articles=(a1, *digest.articles[1:])), Config())
    story = site[paths.story_page("s1")].decode()
    timeline = story[story.index('class="timeline"') :]
    assert timeline.index("Daily Planet") < timeline.index("Gazette")
    assert "7 April 2024, 09:30" in timeline
    assert "Reported in 2 articles by 2 outlets" in story
    assert 'href="https://example.com/a1">Original at Daily Planet</a>' in story
    assert 'href="../originals/src/a2.txt">Source file</a>' in story
    assert 'href="../originals/src/a3.txt">Source file</a>' in story  # the merged copy links out too


def test_story_page_lists_key_facts_only_when_there_are_some(site: dict[str, bytes]) -> None:
    assert "Key facts" not in site[paths.story_page("s1")].decode()
    digest = make_digest()
    facts = (Fact("place", "Cairo", 2), Fact("person", "Lois Lane", 1), Fact("figure", "$10.9bn", 2))
    story = replace(digest.stories[0], facts=facts)
    page = render(replace(digest, stories=(story, *digest.stories[1:])), Config())[
        paths.story_page("s1")
    ].decode()
    section = page[page.index("Key facts") :]
    assert section.index("People") < section.index("Places") < section.index("Figures")
    assert 'Cairo <span class="muted">(in 2 articles)</span>' in section


def test_article_page_has_reading_time_and_related_stories(site: dict[str, bytes]) -> None:
    a1 = site[paths.article_page("a1-slug")].decode()
    assert "1 min read" in a1
    related = a1[a1.index("Related stories") :]
    assert 'href="../stories/s3.html"' in related and 'href="../stories/s1.html"' not in related


def test_topic_pages_are_paginated_newest_first() -> None:
    digest = make_digest()
    stories = tuple(
        Story(f"t{n:02d}", f"Topic story {n}", ("b1",), (), f"2024-03-{28 - n // 2:02d}", None, (), "money")
        for n in range(45)
    )
    money = Topic("money", "Money", ("rates",), tuple(s.id for s in stories))
    digest = replace(digest, stories=digest.stories + stories, topics=(digest.topics[0], money))
    site = render(digest, Config())
    first, third = site["topics/money.html"].decode(), site["topics/money/3.html"].decode()
    assert first.count('<article class="card') == 20 and third.count('<article class="card') == 5
    assert 'rel="next" href="../topics/money/2.html"' in first
    assert 'rel="prev" href="../../topics/money/2.html"' in third and 'rel="next"' not in third
    assert first.index("stories/t00.html") < first.index("stories/t19.html")
    assert "45 stories" in third
    assert broken_links(site, set(original_copies(digest))) == []


def test_a_topics_biggest_story_leads_its_first_page_as_on_the_front_page() -> None:
    digest = make_digest()
    briefs = tuple(
        Story(f"t{n:02d}", f"Market brief {n}", ("b1",), (), "2024-04-09", "2024-04-09", (), "money")
        for n in range(24)
    )
    big = Story(
        "big", "Central bank raises rates", ("b1",), (), "2024-04-08", "2024-04-08", (), "money", outlets=6
    )
    money = Topic("money", "Money", ("rates",), (*(s.id for s in briefs), "big"))
    digest = replace(digest, stories=(*briefs, big, *digest.stories), topics=(digest.topics[0], money))
    site = render(digest, Config())
    first = site["topics/money.html"].decode()
    # Six outlets a day ago outweigh one outlet today; equally big stories keep their newest-first order.
    assert first.index("stories/big.html") < first.index("stories/t00.html") < first.index("stories/t01.html")
    assert "stories/t19.html" not in first and "stories/t19.html" in site["topics/money/2.html"].decode()
    assert render(digest, Config())["topics/money.html"].decode() == first


def test_sources_page_counts_articles_by_publisher(site: dict[str, bytes]) -> None:
    sources = site["sources.html"].decode()
    rows = re.findall(
        r'<tr>\s*<th scope="row">(.*?)</th>\s*<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>',
        sources,
    )
    assert ("Daily Planet", "1", "0") in rows and ("Wire Copy", "0", "1") in rows
    assert rows[-1] == ("<em>Publisher not found</em>", "2", "0")


def test_quality_page_reports_undated_inferred_duplicates_and_skipped() -> None:
    digest = replace(
        make_digest(),
        issues=(Issue("broken.txt", "empty file; skipped"), Issue("src/b1.md", "impossible date 2024-02-30")),
    )
    digest = replace(
        digest, articles=tuple(replace(a, source="src/b1.md") if a.id == "b1" else a for a in digest.articles)
    )
    quality = render(digest, Config())["quality.html"].decode()
    skipped = quality[quality.index('id="skipped"') : quality.index('id="warned"')]
    assert "<code>broken.txt</code>: empty file; skipped" in skipped and "b1.md" not in skipped
    assert "<code>src/b1.md</code>: impossible date 2024-02-30" in quality[quality.index('id="warned"') :]
    undated = quality[quality.index('id="undated-articles"') :]
    assert 'href="articles/c1-slug.html">A quiet undated piece</a>' in undated
    assert re.search(
        r"<th scope=\"row\">author</th>\s*<td><code>byline</code></td>\s*<td class=\"num\">1</td>", quality
    )
    assert re.search(
        r"<th scope=\"row\">date</th>\s*<td><em>not found</em></td>\s*<td class=\"num\">1</td>", quality
    )
    assert 'href="articles/a3-slug.html">Copy of the first report</a> (Wire Copy) is a copy of' in quality


def test_404_page_works_at_any_depth_with_a_base_url() -> None:
    site = render(make_digest(), Config(base_url="https://news.example.org/digest"))
    page = site["404.html"].decode()
    assert 'href="https://news.example.org/digest/static/style.css"' in page
    assert 'action="https://news.example.org/digest/search.html"' in page


# --- Feeds, crawler files and metadata ---------------------------------------------------------------


def test_feeds_take_their_dates_from_the_articles_never_the_clock() -> None:
    plain = render(make_digest(), Config())
    stamped = render(make_digest(), Config(), generated="2031-01-01T00:00:00+00:00")
    for name in ("feed.xml", "feed.json", "topics/world.xml", "robots.txt"):
        assert plain[name] == stamped[name], name
    digest = make_digest()
    a2 = replace(digest.articles[1], published="2024-04-08T18:45:00")
    feed = ET.fromstring(
        render(replace(digest, articles=(digest.articles[0], a2, *digest.articles[2:])), Config())["feed.xml"]
    )
    assert feed.findtext(f"{ATOM}updated") == "2024-04-08T18:45:00Z"  # no zone given: UTC


def test_topic_feeds_hold_the_topics_stories_with_links_relative_to_the_feed(site: dict[str, bytes]) -> None:
    feed = ET.fromstring(site["topics/world.xml"])
    assert feed.findtext(f"{ATOM}title") == "World · Test Digest"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Rafah talks resume in Cairo"]
    assert entries[0].find(f"{ATOM}link").get("href") == "../stories/s1.html"  # type: ignore[union-attr]
    assert 'href="../topics/world.xml"' in site[paths.topic_page("world")].decode()


def test_json_feed_is_version_1_1() -> None:
    feed = json.loads(render(make_digest(), Config(base_url="https://news.example.org"))["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://news.example.org/feed.json"
    first = feed["items"][0]
    assert first["id"] == first["url"] == "https://news.example.org/stories/s1.html"
    assert (
        first["date_published"] == "2024-04-07T00:00:00Z" and first["date_modified"] == "2024-04-08T00:00:00Z"
    )
    assert first["content_text"].startswith("Talks resumed in Cairo.") and first["tags"] == ["World"]
    plain = json.loads(render(make_digest(), Config())["feed.json"])
    assert "url" not in plain["items"][0] and "feed_url" not in plain


def test_sitemap_lists_absolute_urls_with_article_dates_and_robots_names_it() -> None:
    site = render(make_digest(), Config(base_url="https://news.example.org/d"))
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in ET.fromstring(site["sitemap.xml"])}
    assert urls["https://news.example.org/d/stories/s1.html"] == "2024-04-08T00:00:00Z"
    assert urls["https://news.example.org/d/articles/b1-slug.html"] == "2024-03-30T00:00:00Z"
    assert urls["https://news.example.org/d/articles/c1-slug.html"] is None  # undated: no invented date
    assert (
        "https://news.example.org/d/404.html" not in urls
        and "https://news.example.org/d/search.html" not in urls
    )
    assert b"Sitemap: https://news.example.org/d/sitemap.xml" in site["robots.txt"]
    plain = render(make_digest(), Config())
    assert "sitemap.xml" not in plain and b"Sitemap:" not in plain["robots.txt"]


def test_base_url_adds_opengraph_twitter_and_json_ld() -> None:
    site = render(make_digest(), Config(base_url="https://news.example.org"))
    article = site[paths.article_page("a1-slug")].decode()
    assert '<meta property="og:type" content="article">' in article
    assert '<meta property="og:url" content="https://news.example.org/articles/a1-slug.html">' in article
    assert '<meta name="twitter:card" content="summary">' in article
    data = _json_ld(article)
    assert data["@type"] == "NewsArticle" and data["headline"] == "Rafah talks resume in Cairo"
    assert (
        data["author"] == [{"@type": "Person", "name": "Lois Lane"}] and data["datePublished"] == "2024-04-07"
    )
    story = _json_ld(site[paths.story_page("s1")].decode())
    assert story["@type"] == "ItemList"
    assert [i["url"] for i in story["itemListElement"]] == [
        "https://news.example.org/articles/a1-slug.html",
        "https://news.example.org/articles/a2-slug.html",
    ]
    topic = _json_ld(site[paths.topic_page("world")].decode())
    assert topic["@type"] == "ItemList" and topic["numberOfItems"] == 2


def test_no_social_tags_or_json_ld_without_base_url(site: dict[str, bytes]) -> None:
    article = site[paths.article_page("a1-slug")].decode()
    assert 'property="og:' not in article and "ld+json" not in article
    assert '<meta name="description" content="Talks resumed in Cairo.">' in article


def test_json_ld_cannot_close_its_script_element() -> None:
    site = render(make_digest("Evil </script><script>alert(1)</script>"), Config(base_url="https://x.org"))
    article = site[paths.article_page("a1-slug")].decode()
    block = article[article.index("application/ld+json") :]
    assert block.index("</script>") > block.index("\\u003c/script\\u003e")
    assert _json_ld(article)["headline"].startswith("Evil </script>")


def _json_ld(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found, "no JSON-LD block"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


# --- Search index ------------------------------------------------------------------------------------


def decode(encoded: str) -> list[int]:
    """The reader of digest.render.search.encode, as static/search.js does it."""
    last, more = "0123456789abcdefghijklmnopqrstuv", "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_"
    out, previous, value = [], -1, 0
    for char in encoded:
        if char in last:
            previous += value * 32 + last.index(char) + 1
            out.append(previous)
            value = 0
        else:
            value = value * 32 + more.index(char)
    return out


@pytest.mark.parametrize("numbers", [[], [0], [5], [0, 1, 2], [3, 40, 41, 2000, 70000, 1_000_000]])
def test_postings_round_trip(numbers: list[int]) -> None:
    assert decode(encode(numbers)) == numbers


def test_every_gap_a_lookup_table_may_spell_round_trips() -> None:
    gaps = range(33_000)  # one, two and three digits, and past them
    assert [decode(encode([gap]))[0] for gap in gaps] == list(gaps)


def test_words_fold_case_and_accents_and_drop_punctuation() -> None:
    assert words("Café au LAIT, naïve—résumé's 2024!") == [
        "cafe",
        "au",
        "lait",
        "naive",
        "resume",
        "s",
        "2024",
    ]
    assert words("x" * 40 + " ok") == ["ok"]


def test_search_index_holds_kept_articles_oldest_first_with_body_words() -> None:
    digest = make_digest()
    b1 = replace(digest.articles[3], paragraphs=("The governor mentioned zygomorphic flowers.",))
    digest = replace(digest, articles=(*digest.articles[:3], b1, digest.articles[4]))
    index = build_index(digest)
    slugs = [doc[0] for doc in index.docs]
    # The copy a3 is left out; undated first, then oldest first: a day's news takes the next numbers.
    assert slugs == ["c1-slug", "b1-slug", "a1-slug", "a2-slug"]
    found = decode(encode(index.postings[index.terms.index("zygomorphic")]))
    assert [slugs[n] for n in found] == ["b1-slug"]
    script = render(digest, Config())["search-index.js"].decode()
    assert script.startswith("window.DIGEST_SEARCH={") and script.rstrip().endswith("};")
    assert json.loads(script[len("window.DIGEST_SEARCH=") : script.rindex(";")])["page"] == [
        "articles/",
        ".html",
    ]


def test_search_page_loads_the_index_and_the_engine(site: dict[str, bytes]) -> None:
    page = site["search.html"].decode()
    assert '<script src="search-index.js" defer></script>' in page
    assert '<script src="static/search.js" defer></script>' in page
    assert 'class="needs-js notice"' in page  # what a reader without JavaScript sees
    assert "static/search.js" in site and "<script" not in site["index.html"].decode()


def test_an_empty_digest_renders_a_valid_site() -> None:
    site = render(Digest("Empty", (), {}, {}, (), (), ()), Config())
    assert "No stories yet." in site["index.html"].decode()
    assert broken_links(site) == []
    for page, content in site.items():
        if page.endswith(".html"):
            html5lib.HTMLParser(strict=True).parse(content)
    assert ET.fromstring(site["feed.xml"]).findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"


def _rules_by_hand(articles: list[Article], examples: int) -> list[tuple[str, str | None, int, list[str]]]:
    """The quality page's rule table worked out the plain way: group every (field, rule) and sort."""
    from digest.render.pages import PROVENANCE_FIELDS

    groups: dict[tuple[str, str | None], list[str]] = {}
    for article in articles:
        for name in PROVENANCE_FIELDS:
            value, rule = getattr(article, name), getattr(article, f"{name}_from")
            groups.setdefault((name, (rule or "unrecorded") if value else None), []).append(article.id)
    fields = {name: n for n, name in enumerate(PROVENANCE_FIELDS)}
    order = sorted(groups, key=lambda k: (fields[k[0]], k[1] is None, -len(groups[k]), k[1] or ""))
    return [(name, rule, len(groups[(name, rule)]), groups[(name, rule)][:examples]) for name, rule in order]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, "", "Ann Lee"]),
            st.sampled_from([None, "byline", "meta", "json-ld"]),
            st.sampled_from([None, "2024-04-07"]),
            st.sampled_from([None, "text", "front-matter"]),
        ),
        max_size=40,
    ),
    st.integers(1, 4),
)
def test_the_quality_pages_rule_table_counts_every_field_of_every_article(
    fields: list[tuple[str | None, str | None, str | None, str | None]], examples: int
) -> None:
    from digest.render.pages import rules

    articles = [
        make_article(f"a{n}", f"Story {n}", author=author, author_from=by, date=date, date_from=dated)
        for n, (author, by, date, dated) in enumerate(fields)
    ]
    table = [(r.field, r.rule, r.count, [a.id for a in r.examples]) for r in rules(articles, examples)]
    assert table == _rules_by_hand(articles, examples)


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("2024-03-05T14:05:00+00:00", "14:05 UTC"),
        ("2024-03-05T09:15:00-04:00", "09:15 UTC-4"),
        ("2024-03-05T09:15:00+05:30", "09:15 UTC+5:30"),
        ("2024-03-05T09:15:00", "09:15"),
        ("2024-03-05", ""),
    ],
)
def test_a_timelines_times_say_their_zone(published: str, shown: str) -> None:
    from digest.render.humanize import clock

    assert clock(published) == shown
