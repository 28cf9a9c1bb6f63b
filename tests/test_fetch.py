"""digest fetch against a real HTTP server on 127.0.0.1: feeds, pages, retries, redirects, robots, state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.commands.fetch import fetch, markdown_text, to_markdown
from digest.commands.fetch_http import Fetcher
from digest.config import Config, Feed, FetchSettings, load
from digest.errors import ConfigError, FetchError
from digest.models import RawArticle
from digest.read.readers import markdown as markdown_reader
from tests.conftest import REPO, Reply, Server

FAST = FetchSettings(timeout=0.5, retries=3, backoff=0.01, rate_limit=0.0)


def rss(*items: str, title: str = "Harbour Times") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.org/</link>{''.join(items)}</channel></rss>"
    ).encode()


def item(title: str, link: str, text: str, date: str = "Mon, 06 May 2024 09:30:00 +0000") -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
        f"<author>desk@example.org (Ana Ruiz)</author><category>Ports</category>"
        f"<description>{text}</description></item>"
    )


FEED = rss(
    item(
        "Port reopens after storm", "https://example.org/port", "The port reopened on Monday after the storm."
    ),
    item("Ferries resume", "https://example.org/ferries", "Ferry services resumed across the bay on Monday."),
)


def setup(tmp_path: Path, *feeds: Feed, settings: FetchSettings = FAST) -> tuple[Config, Path]:
    config = Config(source=tmp_path / "articles", output=tmp_path / "site", feeds=feeds, fetch=settings)
    return config, tmp_path / ".digest-cache" / "fetch.json"


def read_back(path: Path) -> RawArticle:
    return markdown_reader.read(path.read_bytes(), path.name)[0]


def test_new_entries_become_markdown_the_reader_reads_back(tmp_path: Path, server: Server) -> None:
    server.static("/feed.xml", FEED, ETag='"v1"')
    config, state = setup(tmp_path, Feed(server.url("/feed.xml"), name="Harbour Times"))
    (report,) = fetch(config, state)
    assert (report.new, report.unchanged, report.failed) == (2, 0, None)
    files = sorted((tmp_path / "articles" / "harbour-times").glob("*.md"))
    assert [f.name[:-12] for f in files] == [
        "2024-05-06-ferries-resume",
        "2024-05-06-port-reopens-after-storm",
    ]
    article = read_back(files[1])
    assert article.title == "Port reopens after storm"
    assert article.published == "2024-05-06T09:30:00+00:00"
    assert (article.author, article.publisher) == ("Ana Ruiz", "Harbour Times")
    assert article.url == "https://example.org/port"
    assert article.tags == ("Ports",)
    assert article.paragraphs == ("The port reopened on Monday after the storm.",)
    assert f"feed: {server.url('/feed.xml')}" in files[1].read_text()
    user_agent = server.requests[-1][1]["user-agent"]
    assert user_agent == FAST.user_agent and user_agent.startswith("newsdigest/")


def test_etag_and_last_modified_are_sent_and_304_is_unchanged(tmp_path: Path, server: Server) -> None:
    def conditional(request: BaseHTTPRequestHandler) -> Reply:
        if request.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"', "Last-Modified": "Mon, 06 May 2024 10:00:00 GMT"}, FEED

    server.routes["/feed.xml"] = conditional
    config, state = setup(tmp_path, Feed(server.url("/feed.xml")))
    assert fetch(config, state)[0].new == 2
    (second,) = fetch(config, state)
    assert second.not_modified and second.new == 0 and second.failed is None
    sent = server.requests[-1][1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Mon, 06 May 2024 10:00:00 GMT"
    saved = json.loads(state.read_text())["feeds"][server.url("/feed.xml")]
    assert saved["etag"] == '"v1"' and len(saved["entries"]) == 2


def test_a_file_a_person_edited_is_never_overwritten(tmp_path: Path, server: Server) -> None:
    server.static("/feed.xml", FEED)
    config, state = setup(tmp_path, Feed(server.url("/feed.xml"), name="bay"))
    fetch(config, state)
    port, ferries = sorted((tmp_path / "articles" / "bay").glob("*port*.md")), None
    ferries = next((tmp_path / "articles" / "bay").glob("*ferries*.md"))
    edited = port[0].read_text().replace("reopened on Monday", "reopened on Monday morning")
    port[0].write_text(edited)
    assert fetch(config, state)[0].unchanged == 2  # same entries: nothing rewritten, edit kept
    server.static(
        "/feed.xml",
        rss(
            item("Port reopens after storm", "https://example.org/port", "Updated: the port reopened fully."),
            item("Ferries resume", "https://example.org/ferries", "Updated: every ferry line runs again."),
            item("Bridge closes", "https://example.org/bridge", "The bridge closed for repairs on Tuesday."),
        ),
    )
    (report,) = fetch(config, state)
    assert (report.new, report.updated, report.kept) == (
        1,
        1,
        (port[0].relative_to(config.source).as_posix(),),
    )
    assert port[0].read_text() == edited
    assert "every ferry line runs again" in ferries.read_text()
    assert len(list((tmp_path / "articles" / "bay").glob("*.md"))) == 3


def test_an_unknown_file_in_the_way_is_kept(tmp_path: Path, server: Server) -> None:
    server.static("/feed.xml", FEED)
    config, state = setup(tmp_path, Feed(server.url("/feed.xml"), name="bay"))
    fetch(config, state)
    state.unlink()  # state lost: files identical to what fetch would write are adopted, others kept
    ferries = next((tmp_path / "articles" / "bay").glob("*ferries*.md"))
    ferries.write_text("my own notes")
    (report,) = fetch(config, state)
    assert (report.new, report.unchanged, len(report.kept)) == (0, 1, 1)
    assert ferries.read_text() == "my own notes"


def test_500_then_200_is_retried(tmp_path: Path, server: Server) -> None:
    answers = iter([(500, {}, b"oops"), (503, {"Retry-After": "0"}, b"busy"), (200, {}, FEED)])
    server.routes["/feed.xml"] = lambda request: next(answers)
    config, state = setup(tmp_path, Feed(server.url("/feed.xml")))
    (report,) = fetch(config, state)
    assert report.failed is None and report.new == 2
    assert server.hits("/feed.xml") == 3


def test_persistent_500_fails_after_the_configured_tries(tmp_path: Path, server: Server) -> None:
    server.routes["/feed.xml"] = lambda request: (500, {}, b"down")
    config, state = setup(tmp_path, Feed(server.url("/feed.xml")), settings=replace(FAST, retries=2))
    (report,) = fetch(config, state)
    assert report.failed is not None and "HTTP 500 Internal Server Error (2 tries)" in report.failed
    assert server.hits("/feed.xml") == 2


def test_a_slow_server_times_out_and_other_feeds_still_arrive(tmp_path: Path, server: Server) -> None:
    def slow(request: BaseHTTPRequestHandler) -> Reply:
        time.sleep(0.6)
        return 200, {}, FEED

    server.routes["/slow.xml"] = slow
    server.static("/feed.xml", FEED)
    settings = replace(FAST, timeout=0.2, retries=2)
    config, state = setup(
        tmp_path, Feed(server.url("/slow.xml"), name="slow"), Feed(server.url("/feed.xml")), settings=settings
    )
    started = time.monotonic()
    slow_report, good = fetch(config, state)
    assert slow_report.failed is not None and "timed out after 0.2 s (2 tries)" in slow_report.failed
    assert good.new == 2
    assert time.monotonic() - started < 3
    assert server.url("/slow.xml") not in json.loads(state.read_text())["feeds"]


def test_redirects_are_followed_and_loops_stopped(tmp_path: Path, server: Server) -> None:
    server.routes["/old.xml"] = lambda request: (301, {"Location": "/moved.xml"}, b"")
    server.routes["/moved.xml"] = lambda request: (302, {"Location": server.url("/feed.xml")}, b"")
    server.static("/feed.xml", FEED)
    server.routes["/loop.xml"] = lambda request: (302, {"Location": "/loop.xml"}, b"")
    config, state = setup(tmp_path, Feed(server.url("/old.xml")), Feed(server.url("/loop.xml"), name="loop"))
    moved, loop = fetch(config, state)
    assert moved.new == 2 and moved.failed is None
    assert loop.failed is not None and "more than 5 redirects" in loop.failed


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<rss><channel><item><title>Broken", "feed has no entries"),
        (b'{"items": ["json, not a feed"]}', "not an RSS or Atom feed: no XML elements found"),
        (b"<html><body>Sign in</body></html>", "looks like an HTML page"),
        (b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rss version="2.0"></rss>', "declares entities"),
    ],
)
def test_malformed_feeds_fail_with_the_reader_reason(
    tmp_path: Path, server: Server, body: bytes, reason: str
) -> None:
    server.static("/bad.xml", body)
    config, state = setup(tmp_path, Feed(server.url("/bad.xml")))
    (report,) = fetch(config, state)
    assert report.failed is not None and reason in report.failed
    assert not list((tmp_path / "articles").rglob("*.md"))


def test_robots_txt_is_respected(tmp_path: Path, server: Server) -> None:
    server.static("/robots.txt", b"User-agent: newsdigest\nDisallow: /private/\n", kind="text/plain")
    server.static("/private/feed.xml", FEED)
    server.static("/feed.xml", FEED)
    config, state = setup(
        tmp_path, Feed(server.url("/private/feed.xml"), name="p"), Feed(server.url("/feed.xml"))
    )
    private, public = fetch(config, state)
    assert private.failed is not None and "disallowed by robots.txt" in private.failed
    assert server.hits("/private/feed.xml") == 0
    assert public.new == 2
    assert server.hits("/robots.txt") == 1  # read once per host


def test_an_unreachable_robots_txt_means_nothing_is_fetched(tmp_path: Path, server: Server) -> None:
    server.routes["/robots.txt"] = lambda request: (503, {}, b"")
    server.static("/feed.xml", FEED)
    config, state = setup(tmp_path, Feed(server.url("/feed.xml")))
    (report,) = fetch(config, state)
    host = server.base.removeprefix("http://")
    assert report.failed == (
        f"{server.url('/feed.xml')}: not fetched: robots.txt of {host} answered HTTP 503 Service Unavailable "
        "(3 tries)"
    )
    assert server.hits("/feed.xml") == 0


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_host_that_does_not_answer_is_named_not_its_robots_txt(tmp_path: Path, server: Server) -> None:
    def hang(request: BaseHTTPRequestHandler) -> Reply:
        time.sleep(0.6)
        return 200, {}, FEED

    server.routes["/robots.txt"] = hang
    port = closed_port()
    refused, slow = f"http://127.0.0.1:{port}/feed.xml", server.url("/feed.xml")
    settings = replace(FAST, timeout=0.2, retries=1)
    config, state = setup(tmp_path, Feed(refused, name="refused"), Feed(slow, name="slow"), settings=settings)
    first, second = fetch(config, state)
    assert first.failed == f"{refused}: 127.0.0.1:{port}: connection refused (1 try)"
    assert second.failed == f"{slow}: timed out after 0.2 s (1 try)"


def test_a_name_that_is_not_found_is_said_to_be_a_dns_problem() -> None:
    import socket

    def nowhere(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with Fetcher(replace(FAST, retries=1), resolve=nowhere) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.get("https://news.example/feed.xml")
    assert str(caught.value) == "https://news.example/feed.xml: news.example: name not found (DNS) (1 try)"


PAGE = b"""<!doctype html><html><head><title>Port reopens after storm | Harbour Times</title>
<meta property="og:site_name" content="Harbour Times"><meta name="author" content="Ana Ruiz">
<link rel="canonical" href="https://example.org/port"></head><body><nav>Home | World</nav><article>
<h1>Port reopens after storm</h1>
<p>The port reopened on Monday after a storm closed it for three days, the harbour authority said.</p>
<p>Cranes were inspected overnight and the first container ship docked at dawn, officials said.</p>
<p>Shipping lines expect the backlog of forty vessels to clear by the end of the week.</p>
</article><footer>Copyright Harbour Times</footer></body></html>"""


def test_full_text_downloads_the_page_and_falls_back_to_the_feed(tmp_path: Path, server: Server) -> None:
    server.static(
        "/feed.xml",
        rss(
            item("Port reopens after storm", server.url("/port.html"), "Short teaser."),
            item("Ferries resume", server.url("/gone.html"), "Ferry services resumed on Monday."),
        ),
    )
    server.static("/port.html", PAGE, kind="text/html; charset=utf-8")
    config, state = setup(tmp_path, Feed(server.url("/feed.xml"), name="bay", full_text=True))
    (report,) = fetch(config, state)
    assert report.new == 2
    assert (
        len(report.problems) == 1
        and "HTTP 404" in report.problems[0]
        and "kept the feed's text" in report.problems[0]
    )
    port = read_back(next((tmp_path / "articles" / "bay").glob("*port*.md")))
    assert port.paragraphs[0].startswith("The port reopened on Monday after a storm closed it")
    assert len(port.paragraphs) == 3 and port.url == server.url("/port.html")
    ferries = read_back(next((tmp_path / "articles" / "bay").glob("*ferries*.md")))
    assert ferries.paragraphs == ("Ferry services resumed on Monday.",)
    hits = server.hits("/port.html")
    fetch(config, state)  # unchanged entries: pages are not downloaded again
    assert server.hits("/port.html") == hits


def test_a_page_that_fails_leaves_the_outlet_as_publisher_not_the_feed_title(
    tmp_path: Path, server: Server
) -> None:
    feed = rss(
        item("Ferries resume", server.url("/gone.html"), "Ferry services resumed on Monday."),
        title="The Daily Globe - Top Stories",
    )
    server.static("/feed.xml", feed)
    config, state = setup(tmp_path, Feed(server.url("/feed.xml"), name="globe", full_text=True))
    (report,) = fetch(config, state)
    assert report.new == 1 and "HTTP 404" in report.problems[0]
    ferries = read_back(next((tmp_path / "articles" / "globe").glob("*ferries*.md")))
    assert ferries.publisher == "The Daily Globe"


def test_full_text_feeds_report_progress_entry_by_entry(tmp_path: Path, server: Server) -> None:
    server.static("/feed.xml", FEED)
    server.static("/full.xml", FEED.replace(b"https://example.org/", server.url("/").encode()))
    config, state = setup(
        tmp_path,
        Feed(server.url("/feed.xml"), name="plain"),
        Feed(server.url("/full.xml"), name="full", full_text=True),
    )
    heard: list[tuple[str, int, int]] = []
    fetch(config, state, on_progress=lambda feed, done, total: heard.append((feed, done, total)))
    assert heard == [("full", 1, 2), ("full", 2, 2)]


def test_unnamed_feeds_of_one_host_get_names_and_folders_of_their_own(tmp_path: Path, server: Server) -> None:
    server.static("/world/rss.xml", FEED)
    server.static("/sport/rss.xml", rss(item("Cup final tonight", "https://example.org/cup", "The final.")))
    config, state = setup(tmp_path, Feed(server.url("/world/rss.xml")), Feed(server.url("/sport/rss.xml")))
    world, sport = fetch(config, state)
    host = server.base.removeprefix("http://").split(":")[0]
    assert (world.feed, sport.feed) == (f"{host}/world", f"{host}/sport")
    folders = sorted(path.name for path in (tmp_path / "articles").iterdir())
    assert folders == ["127-0-0-1-sport", "127-0-0-1-world"]
    assert len(list((tmp_path / "articles" / "127-0-0-1-world").glob("*.md"))) == 2


def test_the_only_unnamed_feed_of_a_host_keeps_the_host_as_its_folder(tmp_path: Path, server: Server) -> None:
    server.static("/world/rss.xml", FEED)
    config, state = setup(
        tmp_path, Feed(server.url("/world/rss.xml")), Feed(server.url("/sport/rss.xml"), name="Sport")
    )
    world, _sport = fetch(config, state)
    assert world.feed == "127.0.0.1"
    assert len(list((tmp_path / "articles" / "127-0-0-1").glob("*.md"))) == 2


@pytest.mark.parametrize(
    ("urls", "labels"),
    [
        (
            [
                "https://example.org/world/rss.xml",
                "https://example.org/sport/rss.xml",
                "https://other.example/feed",
            ],
            ["example.org/world", "example.org/sport", "other.example"],
        ),
        (["https://x.example/rss.xml", "https://x.example/a/atom.xml"], ["x.example", "x.example/a"]),
        (
            ["https://x.example/a/rss.xml", "https://x.example/a/atom.xml"],
            ["x.example/a/rss.xml", "x.example/a/atom.xml"],
        ),
        (["https://x.example/f?c=1", "https://x.example/f?c=2"], ["x.example/f?c=1", "x.example/f?c=2"]),
        (["http://x.example/f", "https://x.example/f"], ["x.example/f", "x.example/f (2)"]),
        (["http://x.example:8001/rss", "http://x.example:8002/rss"], ["x.example:8001", "x.example:8002"]),
    ],
)
def test_feed_labels(urls: list[str], labels: list[str]) -> None:
    from digest.commands.fetch import feed_labels

    assert feed_labels([Feed(url) for url in urls]) == dict(zip(urls, labels, strict=True))


def test_rate_limit_spaces_requests_to_one_host(server: Server) -> None:
    server.static("/feed.xml", FEED)
    pauses: list[float] = []
    now = [100.0]
    settings = replace(FAST, rate_limit=2.0)
    with Fetcher(settings, trusted=["127.0.0.1"], sleep=pauses.append, clock=lambda: now[0]) as fetcher:
        fetcher.get(server.url("/feed.xml"))
        now[0] += 0.5
        fetcher.get(server.url("/feed.xml"))
    # robots.txt, then the feed twice: each request to the host waits out the rest of the 2 s.
    assert pauses == [2.0, 1.5]


def test_corrupt_state_and_no_feeds_are_errors(tmp_path: Path) -> None:
    config, state = setup(tmp_path, Feed("http://127.0.0.1:9/feed.xml"))
    state.parent.mkdir()
    state.write_text("{not json")
    with pytest.raises(FetchError, match="not valid JSON"):
        fetch(config, state)
    with pytest.raises(FetchError, match="no feeds configured"):
        fetch(replace(config, feeds=()), state)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Plain words, nothing odd.",
        "# Not a heading, and *not* emphasis or _this_ or `code`.",
        "1. Not a list item: 2024. Was a year; 3) also not.",
        "- dash, + plus, > quote, = equals, : colon, | pipe, ! bang",
        "<script>alert(1)</script> &amp; &lt;b&gt; [link](https://x.org) {: .attr} a\\b",
        "Tom & Jerry <3 [^1] *[HTML]: abbreviation",
        "--- three dashes",
        "1) also not; ~~~ not a fence; === not a rule; | a | b |; : not a definition; > not a quote",
        "snake_case_name {: .x} a > b <3 &copy; &#35; \\*",
    ],
)
def test_markdown_text_reads_back_exactly(paragraph: str) -> None:
    entry = RawArticle(
        source="f#1", format="feed", title="A title: with colon", paragraphs=(paragraph, "Second.")
    )
    text = to_markdown(entry, "https://example.org/feed")
    assert markdown_reader.read(text.encode(), "x.md")[0].paragraphs == (paragraph, "Second.")
    assert markdown_text("plain") == "plain"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"ab1 2.#*_-+=:|~>!<&;[](){}`\\^'\"/", "é", "&amp;", "<b>", "    "]), max_size=30
    )
)
def test_any_paragraph_reads_back_exactly(parts: list[str]) -> None:
    paragraph = " ".join("".join(parts).split())
    entry = RawArticle(
        source="f#1", format="feed", title="Title", paragraphs=(paragraph,) if paragraph else ()
    )
    text = to_markdown(entry, "https://example.org/feed")
    assert markdown_reader.read(text.encode(), "x.md")[0].paragraphs == entry.paragraphs


def test_feeds_config_is_validated(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    path = tmp_path / "digest.toml"
    path.write_text(
        '[[feeds]]\nurl = "https://example.org/rss"\nname = "Ex"\nfull_text = true\n'
        '[[feeds]]\nurl = "ftp://example.org/rss"\n'
        '[[feeds]]\nurl = "https://example.org/rss"\n'
        '[[feeds]]\nurl = "https://example.org/b"\nfull_text = "yes"\ncolour = 1\n'
        "[fetch]\ntimeout = 0\nrate_limit = 0.5\n"
    )
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "`[[feeds]]` number 2: url must be an http:// or https:// address" in problems
    assert "`[[feeds]]` number 3: url repeats feed number 1" in problems
    assert "`[[feeds]]` number 4: full_text must be true or false" in problems
    assert "`[[feeds]]` number 4: unknown key `colour`" in problems
    assert "`[fetch] timeout` must be more than 0 seconds, got 0" in problems
    path.write_text(
        '[[feeds]]\nurl = "https://example.org/rss"\nname = "Ex"\nfull_text = true\n[fetch]\ntimeout = 5\n'
    )
    config = load(path, tmp_path)
    assert config.feeds == (Feed("https://example.org/rss", "Ex", True),) and config.fetch.timeout == 5.0


def test_fetch_allow_hosts_and_deadline_are_validated(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    path = tmp_path / "digest.toml"
    path.write_text(
        '[fetch]\ndeadline = 0\nallow_hosts = ["Intranet.Example.", "http://wiki.example/", '
        '"wiki.example:8080", "*.example.org", "", 3, "10.0.0.5/8"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    expected = (
        '`[fetch] allow_hosts` must list bare host names such as "intranet.example" or "10.0.0.5" (no scheme,'
    )
    assert caught.value.problems == [
        *(
            f"{expected} port or path), got {bad}"
            for bad in (
                '"http://wiki.example/"',
                '"wiki.example:8080"',
                '"*.example.org"',
                '""',
                3,
                '"10.0.0.5/8"',
            )
        ),
        "`[fetch] deadline` must be more than 0 seconds, got 0",
    ]
    path.write_text('[fetch]\ndeadline = "soon"\nallow_hosts = "intranet.example"\n')
    with pytest.raises(ConfigError) as caught:
        load(path, tmp_path)
    assert caught.value.problems == [
        "`[fetch] deadline` must be a number, like 600",
        '`[fetch] allow_hosts` must be a list of text, in brackets: ["intranet.example"]',
    ]
    path.write_text(
        '[fetch]\ndeadline = 90\nallow_hosts = ["Intranet.Example.", "[::1]", "10.0.0.5", "intranet.example", '
        '"bücher.example", "wiki_1.corp"]\n'
    )
    settings = load(path, tmp_path).fetch
    assert settings.deadline == 90.0
    assert settings.allow_hosts == ("intranet.example", "::1", "10.0.0.5", "bücher.example", "wiki_1.corp")
    assert load(None, tmp_path).fetch == FetchSettings() and FetchSettings().deadline == 600.0


def test_cli_fetch_then_build(tmp_path: Path, server: Server) -> None:
    server.static("/feed.xml", FEED)
    server.routes["/down.xml"] = lambda request: (500, {}, b"")
    (tmp_path / "digest.toml").write_text(
        f'[build]\nsource = "articles"\n[fetch]\nrate_limit = 0\nbackoff = 0\nretries = 1\n'
        f'[[feeds]]\nurl = "{server.url("/feed.xml")}"\nname = "Harbour"\n'
        f'[[feeds]]\nurl = "{server.url("/down.xml")}"\nname = "Down"\n'
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "digest", *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    done = run("fetch")
    assert done.returncode == 0, done.stderr
    assert "feed Harbour: 2 new, 0 updated, 0 unchanged" in done.stdout
    assert "fetched 1 of 2 feeds" in done.stdout
    assert done.stderr.startswith("warning: feed Down: failed: ") and "HTTP 500" in done.stderr
    assert (tmp_path / ".digest-cache" / "fetch.json").is_file()
    assert run("fetch", "--strict").returncode == 1
    built = run("build")
    assert built.returncode == 0, built.stderr
    digest = json.loads((tmp_path / "site" / "digest.json").read_text())
    assert sorted(a["title"] for a in digest["articles"]) == ["Ferries resume", "Port reopens after storm"]


def test_cli_fetch_says_nothing_new_when_every_feed_is_not_modified(
    tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from digest.cli import main

    def conditional(request: BaseHTTPRequestHandler) -> Reply:
        if request.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"ETag": '"v1"'}, FEED

    server.routes["/a.xml"] = server.routes["/b.xml"] = conditional
    (tmp_path / "digest.toml").write_text(
        '[fetch]\nrate_limit = 0\n[[feeds]]\nurl = "' + server.url("/a.xml") + '"\nname = "A"\n'
        '[[feeds]]\nurl = "' + server.url("/b.xml") + '"\nname = "B"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["fetch"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[-1] == f"fetched 2 of 2 feeds into {tmp_path / 'articles'}: 4 new, 0 updated, 0 unchanged"
    assert main(["fetch"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "feed A: unchanged (not modified since the last fetch)",
        "feed B: unchanged (not modified since the last fetch)",
        "fetched 2 of 2 feeds: nothing new (2 not modified since the last fetch)",
    ]


def test_cli_fetch_shows_progress_on_a_terminal_only(tmp_path: Path, server: Server) -> None:
    import pty

    server.static("/full.xml", FEED.replace(b"https://example.org/", server.url("/").encode()))
    (tmp_path / "digest.toml").write_text(
        '[fetch]\nrate_limit = 0\nretries = 1\n[[feeds]]\nurl = "'
        + server.url("/full.xml")
        + '"\nname = "Full"\nfull_text = true\n'
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "80"}
    command = [sys.executable, "-m", "digest", "fetch"]
    master, terminal = pty.openpty()
    try:
        done = subprocess.run(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=terminal, timeout=60
        )
        os.set_blocking(master, False)
        shown = os.read(master, 1 << 16).decode()
    finally:
        os.close(terminal)
        os.close(master)
    assert done.returncode == 0
    progress, cleared, after = shown.partition("\r\x1b[Kwarning: feed Full: ")  # cleared before the warnings
    assert progress == "\rfeed Full: page 1 of 2 ...\x1b[K\rfeed Full: page 2 of 2 ...\x1b[K"
    assert cleared and "page" not in after
    (tmp_path / ".digest-cache" / "fetch.json").unlink()
    for path in (tmp_path / "articles").rglob("*.md"):
        path.unlink()
    captured = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert captured.returncode == 0 and "page" not in captured.stderr and "\r" not in captured.stdout
