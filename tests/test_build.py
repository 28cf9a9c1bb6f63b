"""The whole pipeline on the seeds and on crafted folders: what a user sees in digest.json and the site."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from digest import config as config_module
from digest.commands.build import build
from digest.errors import BuildError
from tests.conftest import SEEDS

Builder = Callable[..., tuple[Any, dict[str, Any]]]


def by_prefix(digest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["source"][:3]: a for a in digest["articles"]}


@pytest.fixture
def seeds(run_build: Builder) -> dict[str, Any]:
    return run_build(SEEDS)[1]


def test_seed_metadata(seeds: dict[str, Any]) -> None:
    articles = by_prefix(seeds)
    assert (
        articles["001"]["title"]
        == "Gallant: Israel Withdrawing From Southern Gaza to Prepare for Rafah Invasion"
    )
    assert articles["001"]["author"] == "Dave DeCamp"
    assert (articles["001"]["date"], articles["001"]["date_from"]) == ("2024-04-07", "text")
    assert articles["002"]["date"] == "2023-11-07"
    for prefix in ("000", "002"):
        title = articles[prefix]["title"]
        assert articles[prefix]["title_from"] == "lead"
        assert 3 <= len(title.split()) <= 16, title


def test_seed_stories_and_topic(seeds: dict[str, Any]) -> None:
    articles = by_prefix(seeds)
    assert articles["000"]["story"] == articles["001"]["story"]
    assert articles["002"]["story"] != articles["001"]["story"]
    assert len({a["topic"] for a in articles.values()}) == 1
    assert len(seeds["stories"]) == 2 and len(seeds["topics"]) == 1


@pytest.mark.parametrize("sentences", [2, 3, 5])
def test_a_one_article_story_is_summarized_at_a_storys_length(run_build: Builder, sentences: int) -> None:
    """A story of one article has the three sentences its article would give, whatever the length of
    article summaries (the article's own summary stands in for it only when that has three)."""
    _, digest = run_build(SEEDS, sentences=sentences)
    (story,) = [s for s in digest["stories"] if len(s["articles"]) == 1]
    (article,) = [a for a in digest["articles"] if a["id"] == story["articles"][0]]
    assert len(article["summary"]) == sentences
    source = (SEEDS / article["source"]).read_text(encoding="utf-8")
    assert all(s["text"] in source and s["article"] == article["id"] for s in story["summary"])
    assert len(story["summary"]) == 3
    if sentences == 3:
        assert [s["text"] for s in story["summary"]] == article["summary"]


def test_a_collapsed_copy_gets_its_summary(make_source: Callable[..., Path], run_build: Builder) -> None:
    """Article summaries are made with their story's: a collapsed copy, which is no story's article but one
    of its copies, still gets its summary, as the article it copies and an article alone in its story do."""
    body = (
        "The city council approved a new budget for the public library on Monday evening. "
        "The budget adds two million pounds for longer opening hours and new books. "
        "Council members voted nine to two in favour after a long debate about the costs. "
        "The library will open on Sundays from next month, the council said.\n"
    )
    other = (
        "The harbour ferry returned to service on Tuesday after a week of repairs to its engine. "
        "Passengers had used buses while the ferry was out of service. "
        "The operator said the repairs cost more than it had planned for this year. "
        "Timetables are unchanged and tickets bought last week remain valid.\n"
    )
    source = make_source(
        {
            "a.md": f"---\ntitle: Library budget approved\npublisher: Gazette\n---\n{body}",
            "b.md": f"---\ntitle: Library budget approved\npublisher: Gazette\n---\n{body}",
            "c.md": f"---\ntitle: Ferry back in service\npublisher: Herald\n---\n{other}",
        }
    )
    _, digest = run_build(source)
    articles = {a["source"]: a for a in digest["articles"]}
    copy, kept = sorted(("a.md", "b.md"), key=lambda name: articles[name]["duplicate_of"] is None)
    assert articles[copy]["duplicate_of"] == articles[kept]["id"]
    assert all(story["articles"] != [articles[copy]["id"]] for story in digest["stories"])
    for name, text in (("a.md", body), ("b.md", body), ("c.md", other)):
        summary = articles[name]["summary"]
        assert len(summary) == 3 and all(sentence in text for sentence in summary), name
    assert articles["a.md"]["summary"] == articles["b.md"]["summary"]


def test_seed_summaries_hold_no_boilerplate(seeds: dict[str, Any]) -> None:
    texts = [s for a in seeds["articles"] for s in a["summary"]]
    texts += [s["text"] for story in seeds["stories"] for s in story["summary"]]
    assert texts
    for text in texts:
        assert "follow him" not in text.lower() and "@" not in text
        assert "Author:" not in text and not text.rstrip().endswith("(")


def test_digest_json_is_consistent(seeds: dict[str, Any]) -> None:
    ids = {a["id"] for a in seeds["articles"]}
    story_ids = {s["id"] for s in seeds["stories"]}
    in_stories = [a for s in seeds["stories"] for a in s["articles"]]
    assert sorted(in_stories) == sorted(a["id"] for a in seeds["articles"] if a["duplicate_of"] is None)
    assert sorted(s for t in seeds["topics"] for s in t["stories"]) == sorted(story_ids)
    for story in seeds["stories"]:
        for sentence in story["summary"]:
            assert sentence["article"] in story["articles"]
    for article in seeds["articles"]:
        assert article["story"] in story_ids and article["duplicate_of"] in ids | {None}
        assert article["date"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", article["date"])


def test_every_internal_link_resolves(run_build: Builder, tmp_path: Path) -> None:
    run_build(SEEDS)
    site = tmp_path / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]+)"', html):
            if re.match(r"[a-z]+:", link) or link.startswith("#"):
                continue
            assert not link.startswith("/"), f"{page}: absolute link {link}"
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page.relative_to(site)}: broken link {link}"


def test_article_without_url_links_to_published_copy(run_build: Builder, tmp_path: Path) -> None:
    _, digest = run_build(SEEDS)
    article = digest["articles"][0]
    page = (tmp_path / "site" / article["page"]).read_text(encoding="utf-8")
    copy = re.search(r'href="((?:\.\./)+originals/[^"]+)"', page)
    assert copy is not None
    copied = (tmp_path / "site" / article["page"]).parent / copy.group(1)
    assert copied.read_bytes() == (SEEDS / article["source"]).read_bytes()


@pytest.mark.parametrize("name", ["notes #2.txt", "a#b.md", "feed.xml#2.txt"])
def test_a_hash_in_a_file_name_keeps_its_published_copy(
    name: str, make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    text = "Harbour notes\n\nThe harbour master said dredging would start on Monday and last two weeks.\n"
    source = make_source({name: text})
    _, digest = run_build(source)
    [article] = digest["articles"]
    page = tmp_path / "site" / article["page"]
    copy = re.search(r'href="((?:\.\./)+originals/[^"]+)"', page.read_text(encoding="utf-8"))
    assert copy is not None
    assert (page.parent / copy.group(1)).read_text(encoding="utf-8") == text


def test_a_headline_only_article_claims_no_reading_time_and_no_text(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    feed = (
        "<rss version='2.0'><channel><title>Wire</title><item><title>Sbarro files for Chapter 11 bankruptcy</title>"
        "<link>https://wire.example/sbarro</link><pubDate>Mon, 10 Mar 2014 22:15:00 +0000</pubDate></item>"
        "</channel></rss>"
    )
    _, digest = run_build(make_source({"wire.xml": feed}))
    [article] = digest["articles"]
    page = (tmp_path / "site" / article["page"]).read_text(encoding="utf-8")
    assert "Headline only" in page
    assert "min read" not in page and "Full text" not in page


def test_a_byline_is_never_a_headline(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    feed = (
        "<rss version='2.0'><channel><title>Business Recorder</title><link>https://recorder.example/</link>"
        "<item><title>Posted by Parvez Jabri</title><link>https://recorder.example/world/161192.html</link>"
        "<pubDate>Mon, 10 Mar 2014 18:05:00 +0000</pubDate><description>&lt;p&gt;Thailand's caretaker prime"
        " minister will answer graft charges over a rice subsidy scheme on Friday, the anti-corruption"
        " commission said.&lt;/p&gt;&lt;p&gt;Farmers have protested for weeks over unpaid rice.&lt;/p&gt;"
        "</description></item>"
        "<item><title>Posted by Shoaib-ur-Rehman Siddiqui</title>"
        "<link>https://recorder.example/markets/161540.html</link>"
        "<pubDate>Mon, 10 Mar 2014 22:40:00 +0000</pubDate></item>"
        "</channel></rss>"
    )
    story_file = (
        "---\ntitle: By JANE DOE and JOHN ROE, Reuters\ndate: 2014-03-10\n---\n\n"
        "Copper prices fell to a four-year low on Monday as worries about Chinese demand grew.\n"
    )
    result, digest = run_build(make_source({"recorder.xml": feed, "copper.md": story_file}))
    headlines = [a["title"] for a in digest["articles"]] + [s["title"] for s in digest["stories"]]
    assert not [h for h in headlines if "Posted by" in h or h.startswith("By ")]
    titles = {a["source"]: (a["title"], a["title_from"]) for a in digest["articles"]}
    assert titles["recorder.xml#1"][0].startswith("Thailand's caretaker prime minister will answer graft")
    assert titles["copper.md"] == ("Copper prices fell to a four-year low on Monday", "lead")
    # A byline and a link and nothing else tell a reader nothing: skipped, and the quality page says why.
    reasons = {issue.source: issue.reason for issue in result.issues}
    assert "byline" in reasons["recorder.xml#2"]
    quality = (tmp_path / "site" / "quality.html").read_text(encoding="utf-8")
    assert "Posted by Shoaib-ur-Rehman Siddiqui" in quality


def test_outlet_and_author_names_lose_the_backslashes_before_their_punctuation(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    feed = (
        "<rss version='2.0'><channel><title>ChicagoNow \\(blog\\)</title><link>https://chicagonow.example/</link>"
        "<item><title>Cubs open spring camp with a new manager</title><link>https://chicagonow.example/cubs</link>"
        "<pubDate>Mon, 10 Mar 2014 18:05:00 +0000</pubDate></item></channel></rss>"
    )
    note = (
        "---\ntitle: Wrigley Field renovation approved\ndate: 2014-03-10\n"
        "publisher: ChicagoNow (blog)\nauthor: Mary O\\'Brien\n---\n\n"
        "The city approved the long-delayed renovation of Wrigley Field on Monday.\n"
    )
    _, digest = run_build(make_source({"chicagonow.xml": feed, "wrigley.md": note}))
    names = {a["source"]: (a["publisher"], a["author"]) for a in digest["articles"]}
    assert names == {
        "chicagonow.xml#1": ("ChicagoNow (blog)", None),
        "wrigley.md": ("ChicagoNow (blog)", "Mary O'Brien"),
    }
    site = tmp_path / "site"
    pages = [site / "sources.html", *(site / a["page"] for a in digest["articles"])]
    assert not [page for page in pages if "\\(" in page.read_text(encoding="utf-8")]
    assert (site / "sources.html").read_text(encoding="utf-8").count("ChicagoNow (blog)") == 1


def test_front_matter_tags_and_topic_reach_the_site(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    def piece(title: str, text: str, topic: str | None) -> str:
        named = f"topic: {topic}\n" if topic else ""
        return f"---\ntitle: {title}\ndate: 2024-03-0{len(title) % 9 + 1}\ntags: [Space, Astronomy]\n{named}---\n{text}\n"

    source = make_source(
        {
            "a.md": piece(
                "Comet seen over the valley",
                "A bright comet was seen over the valley on Monday night.",
                "Science",
            ),
            "b.md": piece(
                "Probe lands on the moon",
                "A robotic probe landed near the moon's south pole on Friday.",
                "science",
            ),
            "c.md": piece(
                "Storm closes ports", "A storm closed the main ports on Monday, officials said.", None
            ),
        }
    )
    _, digest = run_build(source)
    by_title = {a["title"]: a for a in digest["articles"]}
    assert by_title["Comet seen over the valley"]["tags"] == ["Space", "Astronomy"]
    topics = {t["id"]: t for t in digest["topics"]}
    science = {by_title["Comet seen over the valley"]["topic"], by_title["Probe lands on the moon"]["topic"]}
    assert len(science) == 1 and topics[science.pop()]["label"] == "Science"
    assert topics[by_title["Storm closes ports"]["topic"]]["label"] != "Science"
    page = (tmp_path / "site" / by_title["Comet seen over the valley"]["page"]).read_text(encoding="utf-8")
    assert "<td>Space, Astronomy</td>" in page
    index = (tmp_path / "site" / "search-index.js").read_text(encoding="utf-8")
    assert "astronomy" in index.lower()


def test_a_publishers_latest_article_is_the_latest_to_the_minute(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    def piece(title: str, when: str) -> str:
        return f"---\ntitle: {title}\ndate: {when}\npublisher: Wire\n---\n{title} happened, officials said.\n"

    source = make_source(
        {
            "a.md": piece("Port reopens after the storm", "2024-03-05T09:15:00-04:00"),
            "b.md": piece("Bridge closes for repairs", "2024-03-05T22:10:00+00:00"),
            "c.md": piece("Ferries resume after the storm", "2024-03-05T23:50:00+00:00"),
        }
    )
    run_build(source)
    page = (tmp_path / "site" / "sources.html").read_text(encoding="utf-8")
    assert "Ferries resume after the storm" in page
    assert "Port reopens after the storm" not in page and "Bridge closes for repairs" not in page


def test_a_story_counts_its_outlets_not_only_its_articles(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    def piece(title: str, publisher: str) -> str:
        body = "A magnitude 6.8 earthquake struck off the coast of Fukushima on Wednesday, shaking buildings in Tokyo."
        return f"---\ntitle: {title}\ndate: 2024-03-06\npublisher: {publisher}\n---\n{body} {title}.\n"

    source = make_source(
        {
            "a.md": piece("Strong quake shakes Fukushima and Tokyo", "Daily Ledger"),
            "b.md": piece("Quake off Fukushima shakes Tokyo buildings", "Daily Ledger"),
            "c.md": piece("Fukushima quake rattles Tokyo commuters", "Pacific Times"),
        }
    )
    _, digest = run_build(source)
    [story] = digest["stories"]
    page = (tmp_path / "site" / story["page"]).read_text(encoding="utf-8")
    assert "Reported in 3 articles by 2 outlets" in page


@pytest.mark.parametrize(
    ("output", "replaced"),
    [("src", "the source folder"), (".", "the source folder"), ("src/..", "the source folder")],
)
def test_an_output_folder_that_would_replace_the_articles_is_refused(
    output: str, replaced: str, make_source: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_source({"a.txt": "Ports reopen\n\nThe ports reopened on Monday after the storm passed."})
    before = sorted(p.name for p in tmp_path.rglob("*"))
    config = config_module.Config(source=source, output=tmp_path / output)
    with pytest.raises(BuildError, match=f"the output folder would replace {replaced}"):
        build(config, environ={})
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_an_output_folder_inside_the_articles_is_refused(
    make_source: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_source({"a.txt": "Ports reopen\n\nThe ports reopened on Monday after the storm passed."})
    with pytest.raises(BuildError, match=r"output folder is inside the source folder \(.*src\)"):
        build(config_module.Config(source=source, output=source / "out"), environ={})
    assert not (source / "out").exists()


def test_a_site_left_among_the_articles_is_not_read_as_articles(
    make_source: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_source({"a.txt": "Ports reopen\n\nThe ports reopened on Monday after the storm passed."})
    build(config_module.Config(source=source, output=tmp_path / "site"), environ={})
    (tmp_path / "site").rename(source / "old-site")  # a site built elsewhere, moved in by hand
    result = build(config_module.Config(source=source, output=tmp_path / "site"), environ={})
    assert result.articles == 1 and result.issues == ()


def test_an_output_folder_holding_anything_but_a_site_is_refused(
    make_source: Callable[..., Path], tmp_path: Path
) -> None:
    source = make_source({"a.txt": "Ports reopen\n\nThe ports reopened on Monday after the storm passed."})
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "letter.txt").write_text("Dear editor,")
    with pytest.raises(BuildError, match="not empty and not a site built by digest"):
        build(config_module.Config(source=source, output=documents), environ={})
    assert (documents / "letter.txt").read_text() == "Dear editor,"
    build(config_module.Config(source=source, output=tmp_path / "site"), environ={})
    build(config_module.Config(source=source, output=tmp_path / "site"), environ={})  # its own site: replaced


def test_bad_files_are_skipped_with_a_reason(make_source: Callable[..., Path], run_build: Builder) -> None:
    source = make_source(
        {
            "good.txt": "Storm closes ports\n\nA storm closed the main ports on Monday, officials said.",
            "empty.txt": "",
            "binary.txt": b"\x00\x01\x02\x03\x00",
            "notes.docx": b"PK\x03\x04 ignored: not an article format",
        }
    )
    result, digest = run_build(source)
    reasons = {i.source: i.reason for i in result.issues}
    assert set(reasons) == {"empty.txt", "binary.txt"}
    assert [a["source"] for a in digest["articles"]] == ["good.txt"]
    assert {s["source"] for s in digest["skipped"]} == {"empty.txt", "binary.txt"}


def test_strict_fails_and_keeps_the_previous_site(make_source: Callable[..., Path], tmp_path: Path) -> None:
    source = make_source({"good.txt": "Storm closes ports\n\nA storm closed the main ports on Monday."})
    output = tmp_path / "site"
    config = config_module.Config(source=source, output=output)
    build(config, environ={})
    before = {p: p.read_bytes() for p in output.rglob("*") if p.is_file()}
    (source / "empty.txt").write_text("")
    (source / "more.txt").write_text("Rain returns\n\nRain returned to the region on Tuesday morning.")
    with pytest.raises(BuildError, match="strict"):
        build(config, strict=True, environ={})
    assert {p: p.read_bytes() for p in output.rglob("*") if p.is_file()} == before


def test_builds_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        build(config_module.Config(source=SEEDS, output=tmp_path / name), environ={})
        site = tmp_path / name
        outputs.append({p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]


def test_digest_json_golden(seeds: dict[str, Any]) -> None:
    golden = Path(__file__).parent / "golden" / "seeds-digest.json"
    text = json.dumps(seeds, ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("DIGEST_REGENERATE") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), "no golden file: run `make golden`"
    assert text == golden.read_text(encoding="utf-8"), "digest.json changed: review, then run `make golden`"


def test_a_page_and_a_text_file_named_after_its_copy_get_a_copy_each(
    make_source: Callable[..., Path], run_build: Builder, tmp_path: Path
) -> None:
    page = (
        "<html><head><title>Ferry strike ends</title></head><body><article><h1>Ferry strike ends</h1>"
        "<p>Ferry crews returned to work on Monday after a week-long strike over pay ended in a deal.</p>"
        "</article></body></html>"
    )
    text = "Library reopens\n\nThe city library reopened on Tuesday after a year of repairs to its roof.\n"
    source = make_source({"report.html": page, "report.html.txt": text})
    _, digest = run_build(source)
    copies = {}
    for article in digest["articles"]:
        html = (tmp_path / "site" / article["page"]).read_text(encoding="utf-8")
        copy = re.search(r'href="((?:\.\./)+originals/[^"]+)"', html)
        assert copy is not None, article["source"]
        copies[article["source"]] = (tmp_path / "site" / article["page"]).parent / copy.group(1)
    assert copies["report.html"] != copies["report.html.txt"]
    assert copies["report.html"].read_text(encoding="utf-8") == page
    assert copies["report.html.txt"].read_text(encoding="utf-8") == text


def test_an_undated_article_takes_its_storys_date(run_build: Builder) -> None:
    _, digest = run_build(SEEDS)
    articles = by_prefix(digest)
    assert (articles["000"]["date"], articles["000"]["date_from"]) == ("2024-04-07", "story")
    assert articles["000"]["story"] == articles["001"]["story"]
    assert articles["001"]["date_from"] != "story"


def test_an_empty_folder_builds_a_site_with_no_topic(
    make_source: Callable[..., Path], run_build: Builder
) -> None:
    _, digest = run_build(make_source({}))
    assert digest["articles"] == [] and digest["stories"] == [] and digest["topics"] == []


def test_seed_site_golden(tmp_path: Path) -> None:
    """The seed site, file by file, as the golden copy in tests/golden/seeds-site/ (`make golden`); but for the
    theme's static files, copied as they are."""
    build(config_module.Config(source=SEEDS, output=tmp_path / "site"), environ={})
    site = tmp_path / "site"
    built = {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.relative_to(site).parts[0] != "static"
    }
    golden = Path(__file__).parent / "golden" / "seeds-site"
    if os.environ.get("DIGEST_REGENERATE") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        for name, data in built.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(data)
    kept = {
        p.relative_to(golden).as_posix(): p.read_bytes() for p in sorted(golden.rglob("*")) if p.is_file()
    }
    assert kept, "no golden site: run `make golden`"
    changed = sorted(name for name in built.keys() | kept.keys() if built.get(name) != kept.get(name))
    assert changed == [], f"the seed site changed ({', '.join(changed)}): review, then run `make golden`"
