"""Article pages keep their path: through corrected headlines, renamed files and feeds that move on."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from digest.commands.build import build
from digest.config import Config
from digest.models import Article
from digest.read.normalize import normalize
from digest.read.permalinks import Before, assign_pages, previous_site
from digest.read.readers import feed, markdown

LEAD = "The harbour reopened on Monday after the storm, the port authority said in a statement."
MORE = "Ferries are expected to run to the usual timetable from Tuesday morning."


def article_file(title: str, *, slug: str | None = None, lead: str = LEAD) -> str:
    front = f"title: {title}\ndate: 2024-04-08\n" + (f"slug: {slug}\n" if slug else "")
    return f"---\n{front}---\n\n{lead}\n\n{MORE}\n"


def rss(*items: tuple[str, str]) -> str:
    """An RSS feed of (title, link) items."""
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 08 Apr 2024 09:00:00 GMT</pubDate><description>{LEAD} {title}.</description></item>"
        for title, link in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'


def project(tmp_path: Path) -> Config:
    source = tmp_path / "articles"
    source.mkdir()
    return Config(
        source=source, output=tmp_path / "site", cache=tmp_path / "cache", base_url="https://n.example"
    )


def site(config: Config, **options: Any) -> tuple[dict[str, Any], str]:
    """Build; the site's digest.json and its Atom feed."""
    build(config, environ={}, **options)
    digest = json.loads((config.output / "digest.json").read_text(encoding="utf-8"))
    return digest, (config.output / "feed.xml").read_text(encoding="utf-8")


def pages(digest: dict[str, Any]) -> dict[str, str]:
    """Each article's page by its title."""
    return {a["title"]: a["page"] for a in digest["articles"]}


def entry_ids(atom: str) -> list[str]:
    return re.findall(r"<entry>\s*<title>[^<]*</title>\s*<id>([^<]+)</id>", atom)


def test_a_corrected_headline_keeps_the_page_and_the_feed_entry(tmp_path: Path) -> None:
    config = project(tmp_path)
    (config.source / "harbour.md").write_text(article_file("Harbour reopens after storm"), encoding="utf-8")
    before, atom = site(config)
    (config.source / "harbour.md").write_text(article_file("Harbour reopens after gale"), encoding="utf-8")
    after, atom_after = site(config)
    assert pages(before) == {"Harbour reopens after storm": "articles/harbour.html"}
    assert pages(after) == {"Harbour reopens after gale": "articles/harbour.html"}
    assert entry_ids(atom) == entry_ids(atom_after) and len(entry_ids(atom)) == 1
    assert (config.output / "articles/harbour.html").is_file()


def test_a_corrected_headline_in_a_feed_file_keeps_the_page_and_the_feed_entry(tmp_path: Path) -> None:
    config = project(tmp_path)
    link = "https://wire.example/news/harbour-reopens-123"
    (config.source / "wire.xml").write_text(rss(("Harbour reopens", link)), encoding="utf-8")
    before, atom = site(config)
    (config.source / "wire.xml").write_text(rss(("Harbour reopens at last", link)), encoding="utf-8")
    after, atom_after = site(config)
    assert (
        list(pages(before).values()) == list(pages(after).values()) == ["articles/harbour-reopens-123.html"]
    )
    assert entry_ids(atom) == entry_ids(atom_after) and len(entry_ids(atom)) == 1


def test_a_feed_that_gains_an_entry_keeps_every_other_entrys_id_and_page(tmp_path: Path) -> None:
    config = project(tmp_path)
    old = ("Harbour reopens", "https://wire.example/news/harbour-reopens-123")
    (config.source / "wire.xml").write_text(rss(old), encoding="utf-8")
    before, _ = site(config)
    new = ("Council approves budget", "https://wire.example/news/budget-456")
    (config.source / "wire.xml").write_text(rss(new, old), encoding="utf-8")
    after, _ = site(config)
    (first,) = before["articles"]
    (kept,) = [a for a in after["articles"] if a["title"] == "Harbour reopens"]
    assert (kept["id"], kept["page"]) == (first["id"], first["page"])
    assert kept["source"] == "wire.xml#2"


def test_a_renamed_file_keeps_its_page_with_the_cache_and_without(tmp_path: Path) -> None:
    config = project(tmp_path)
    (config.source / "harbour.md").write_text(article_file("Harbour reopens after storm"), encoding="utf-8")
    (config.source / "other.md").write_text(
        article_file("Council approves budget", lead="The council approved its budget on Tuesday night."),
        encoding="utf-8",
    )
    site(config)
    (config.source / "harbour.md").rename(config.source / "2024-harbour.md")
    cached, _ = site(config)
    assert pages(cached)["Harbour reopens after storm"] == "articles/harbour.html"
    cold, _ = site(config, use_cache=False)
    assert pages(cold) == pages(cached)
    # Kept from then on, though its file is no longer new.
    (config.source / "other.md").unlink()
    later, _ = site(config)
    assert pages(later) == {"Harbour reopens after storm": "articles/harbour.html"}


def test_a_renamed_file_gets_a_page_of_its_name_when_the_last_site_is_gone(tmp_path: Path) -> None:
    config = project(tmp_path)
    (config.source / "harbour.md").write_text(article_file("Harbour reopens after storm"), encoding="utf-8")
    site(config)
    (config.source / "harbour.md").rename(config.source / "port.md")
    fresh = replace(config, output=tmp_path / "fresh")
    digest, _ = site(fresh)
    assert pages(digest) == {"Harbour reopens after storm": "articles/port.html"}


def test_a_front_matter_slug_names_the_page_and_wins_over_the_kept_one(tmp_path: Path) -> None:
    config = project(tmp_path)
    text = article_file("Harbour reopens after storm", slug="Harbour Reopens!")
    (config.source / "harbour.md").write_text(text, encoding="utf-8")
    digest, _ = site(config)
    assert pages(digest) == {"Harbour reopens after storm": "articles/harbour-reopens.html"}
    text = article_file("Harbour reopens after storm", slug="port-news")
    (config.source / "harbour.md").write_text(text, encoding="utf-8")
    digest, _ = site(config)
    assert pages(digest) == {"Harbour reopens after storm": "articles/port-news.html"}


def test_a_newcomer_of_the_same_name_leaves_the_first_its_page(tmp_path: Path) -> None:
    config = project(tmp_path)
    (config.source / "world").mkdir()
    (config.source / "sport").mkdir()
    (config.source / "world/harbour.md").write_text(article_file("Harbour reopens"), encoding="utf-8")
    site(config)
    second = article_file(
        "Regatta returns", lead="The regatta returns to the harbour this summer, organisers said."
    )
    (config.source / "sport/harbour.md").write_text(second, encoding="utf-8")
    digest, _ = site(config)
    assert pages(digest)["Harbour reopens"] == "articles/harbour.html"
    assert re.fullmatch(r"articles/harbour-[0-9a-f]{6}\.html", pages(digest)["Regatta returns"])


def sample_articles() -> list[Article]:
    texts = {
        "a/same.md": article_file("One"),
        "b/same.md": article_file("Two", lead="A second text about something else entirely, said the mayor."),
        "c/same.md": article_file("Three", slug="same"),
        "d/other.md": article_file(
            "Four", lead="A fourth text, about the weather this week, said forecasters."
        ),
    }
    return [normalize(raw) for name, text in texts.items() for raw in markdown.read(text.encode(), name)]


def test_page_names_do_not_depend_on_the_order_articles_come_in() -> None:
    articles = sample_articles()
    expected = {a.source: a.slug for a in assign_pages(articles)}
    for seed in range(5):
        shuffled = random.Random(seed).sample(articles, len(articles))
        assert {a.source: a.slug for a in assign_pages(shuffled)} == expected
    # The front matter's 'same' is the only plain one; the two files named 'same' share no page.
    assert expected["c/same.md"] == "same"
    assert len(set(expected.values())) == 4


def test_a_feed_entry_is_named_after_its_link_and_identified_by_its_guid() -> None:
    data = rss(
        ("Harbour reopens", "https://wire.example/2024/04/08/harbour-reopens/index.html"),
        ("Budget passes", "https://wire.example/article?p=123"),
    ).encode()
    first, second = (normalize(raw) for raw in feed.read(data, "wire.xml"))
    assert (first.slug, first.slug_from) == ("harbour-reopens", "feed:link")
    assert second.slug == "article-p-123"
    moved = (normalize(raw) for raw in feed.read(data.replace(b"<item>", b"<item> ", 1), "wire.xml"))
    assert [a.id for a in moved] == [first.id, second.id]


def test_the_last_site_is_read_from_digest_json_as_digest_wrote_it(tmp_path: Path) -> None:
    config = project(tmp_path)
    (config.source / "harbour.md").write_text(article_file("Harbour reopens after storm"), encoding="utf-8")
    digest, _ = site(config)
    (line,) = digest["articles"]
    before = previous_site(config.output / "digest.json").articles
    assert before == {line["id"]: Before("harbour", line["content_hash"])}
    # A site built before digest.json held content hashes keeps its pages.
    older = (config.output / "digest.json").read_text(encoding="utf-8")
    older = older.replace(f'"content_hash": "{line["content_hash"]}", ', "")
    (tmp_path / "older.json").write_text(older, encoding="utf-8")
    assert previous_site(tmp_path / "older.json").articles == {line["id"]: Before("harbour", "")}
    # Anything else is no last site: a file rewritten by another program, one that is not JSON, none.
    (tmp_path / "other.json").write_text(json.dumps(digest, indent=2), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    for name in ("other.json", "broken.json", "missing.json"):
        assert previous_site(tmp_path / name).articles == {}
