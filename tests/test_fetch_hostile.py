"""digest fetch against hostile servers and links: private addresses, decompression bombs, dripping bodies.

Every server listens on 127.0.0.0/8 (Linux routes all of it to loopback): 127.0.0.1 plays the feed's
host, 127.0.0.2 a host on the intranet that item links must not reach.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import struct
import subprocess
import sys
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from digest.cli import main
from digest.commands.fetch import fetch
from digest.commands.fetch_http import MAX_BYTES, DeadlinePassed, Fetcher, Refused, resolve_host
from digest.config import Config, Feed, FetchSettings
from digest.errors import FetchError
from tests.conftest import REPO

Route = Callable[[BaseHTTPRequestHandler], None]
FAST = FetchSettings(timeout=2.0, retries=1, backoff=0.05, rate_limit=0.0)
SECRET = "The intranet wiki says the door code is 4711 and the backup key is under the mat."
SECRET_PAGE = (
    f"<html><head><title>Intranet</title></head><body><article><p>{SECRET}</p>"
    "<p>Staff are reminded that the canteen closes early on Fridays during the summer months.</p>"
    "<p>The quarterly figures will be presented to the board at the end of next week.</p>"
    "</article></body></html>"
).encode()
PAGE = (
    b"<!doctype html><html><head><title>Port reopens</title></head><body><article><h1>Port reopens</h1>"
    b"<p>The port reopened on Monday after a storm closed it for three days, the harbour authority said.</p>"
    b"<p>Cranes were inspected overnight and the first container ship docked at dawn, officials said.</p>"
    b"</article></body></html>"
)


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour Times</title>'
        f"<link>https://example.org/</link>{''.join(items)}</channel></rss>"
    ).encode()


def item(title: str, link: str | None, text: str) -> str:
    link_element = f"<link>{link}</link>" if link else ""
    return (
        f"<item><title>{title}</title>{link_element}<pubDate>Mon, 06 May 2024 09:30:00 +0000</pubDate>"
        f"<description>{text}</description></item>"
    )


@dataclass
class Site:
    """A loopback HTTP server on one address: routes answer per path; every request's path is logged."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)  # set at the end: slow answers give up

    def url(self, path: str) -> str:
        return self.base + path


@contextlib.contextmanager
def serving(host: str) -> Iterator[Site]:
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            route = site.routes.get(self.path, reply(b"not here", status=404))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer((host, 0), Handler)
    httpd.daemon_threads = True
    site.base = f"http://{host}:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stop.set()
        httpd.shutdown()
        httpd.server_close()


def reply(body: bytes, status: int = 200, kind: str = "application/rss+xml", **headers: str) -> Route:
    def route(request: BaseHTTPRequestHandler) -> None:
        request.send_response(status)
        for key, value in {"Content-Type": kind, **headers, "Content-Length": str(len(body))}.items():
            request.send_header(key.replace("_", "-"), value)
        request.end_headers()
        request.wfile.write(body)

    return route


def redirect(location: str) -> Route:
    return reply(b"", status=302, Location=location)


def drip(site: Site, every: float, count: int = 100) -> Route:
    """A body of ``count`` bytes sent one every ``every`` seconds; stops when the test ends."""

    def route(request: BaseHTTPRequestHandler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Length", str(count))
        request.end_headers()
        for _ in range(count):
            if site.stop.wait(every):
                return
            request.wfile.write(b" ")

    return route


def setup(tmp_path: Path, *feeds: Feed, settings: FetchSettings = FAST) -> tuple[Config, Path]:
    config = Config(source=tmp_path / "articles", output=tmp_path / "site", feeds=feeds, fetch=settings)
    return config, tmp_path / ".digest-cache" / "fetch.json"


def written(tmp_path: Path) -> str:
    return "\n".join(path.read_text() for path in sorted((tmp_path / "articles").rglob("*.md")))


def rebinding(name: str, first: str, then: str) -> Callable[[str], Sequence[str]]:
    """A resolver whose answer for ``name`` changes after the first lookup, as a rebinding attacker's does."""
    answers = iter([first])

    def resolve(host: str) -> Sequence[str]:
        return (next(answers, then),) if host == name else resolve_host(host)

    return resolve


# SSRF: links to other hosts reach only global addresses.


def test_links_to_a_private_address_are_refused_directly_by_redirect_and_by_rebinding(tmp_path: Path) -> None:
    with serving("127.0.0.1") as home, serving("127.0.0.2") as intranet:
        intranet.routes["/secret.html"] = reply(SECRET_PAGE, kind="text/html")
        secret = intranet.url("/secret.html")
        renamed = f"http://rebind.test:{intranet.base.rsplit(':', 1)[1]}/secret.html"
        home.routes["/go"] = redirect(secret)
        home.routes["/feed.xml"] = reply(
            rss(
                item("Direct", secret, "Teaser one."),
                item("Bounced", home.url("/go"), "Teaser two."),
                item("Renamed", renamed, "Teaser three."),
            )
        )
        feed = Feed(home.url("/feed.xml"), name="bay", full_text=True)
        config, state = setup(tmp_path / "refused", feed)
        (report,) = fetch(config, state, resolve=rebinding("rebind.test", "93.184.216.34", "127.0.0.2"))
        assert intranet.requests == []  # not the pages, not robots.txt
        assert report.new == 3 and report.failed is None
        assert SECRET not in written(tmp_path / "refused")
        advice = "(add 127.0.0.2 to fetch.allow_hosts to allow it); kept the feed's text"
        assert report.problems[0] == f"{secret}: refused: 127.0.0.2 is a loopback address {advice}"
        assert report.problems[1] == (
            f"{home.url('/go')}: redirected to {secret}: refused: 127.0.0.2 is a loopback address {advice}"
        )
        # The first lookup passed the check; the connection's own lookup answered 127.0.0.2 and was refused.
        assert "refused: rebind.test resolves to 127.0.0.2, a loopback address" in report.problems[2]
        assert len(report.problems) == 3

        allowed = replace(config.fetch, allow_hosts=("127.0.0.2",))
        config, state = setup(tmp_path / "allowed", feed, settings=allowed)
        (report,) = fetch(config, state, resolve=rebinding("rebind.test", "93.184.216.34", "127.0.0.2"))
        assert intranet.requests.count("/secret.html") == 2 and "/robots.txt" in intranet.requests
        assert written(tmp_path / "allowed").count(SECRET) == 2
        # Allowed by name: 127.0.0.2 is, rebind.test (which resolves there) is not.
        assert len(report.problems) == 1 and "rebind.test resolves to 127.0.0.2" in report.problems[0]


def test_a_feed_redirected_to_another_private_host_fails(tmp_path: Path) -> None:
    with serving("127.0.0.1") as home, serving("127.0.0.2") as intranet:
        intranet.routes["/feed.xml"] = reply(rss(item("Inside", None, "Internal news.")))
        home.routes["/feed.xml"] = redirect(intranet.url("/feed.xml"))
        config, state = setup(tmp_path, Feed(home.url("/feed.xml")))
        (report,) = fetch(config, state)
        assert report.failed is not None and "redirected to" in report.failed and "refused" in report.failed
        assert intranet.requests == []


def mock_site(seen: list[str]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.path == "/go":
            return httpx.Response(302, headers={"Location": "http://intranet.example/x"})
        return httpx.Response(200, content=b"ok")

    return httpx.MockTransport(answer)


NAMES = {
    "news.example": ("93.184.216.34",),
    "intranet.example": ("10.0.0.5",),
    "metadata.example": ("169.254.169.254",),
    "both.example": ("93.184.216.34", "127.0.0.1"),
    "cgnat.example": ("100.64.0.7",),
    "v6.example": ("fd00::5",),
}


def test_the_policy_applies_with_any_transport(tmp_path: Path) -> None:
    seen: list[str] = []
    with Fetcher(FAST, trusted=["feeds.example"], transport=mock_site(seen), resolve=NAMES.__getitem__) as f:
        assert f.get("http://news.example/a").content == b"ok"
        refused = {
            "http://intranet.example/x": "intranet.example resolves to 10.0.0.5, a private address",
            "http://metadata.example/": "169.254.169.254, a link-local address",
            "http://both.example/": "127.0.0.1, a loopback address",
            "http://cgnat.example/": "a shared (carrier-grade NAT) address",
            "http://v6.example/": "fd00::5, a private address",
            "http://[::ffff:127.0.0.1]:8080/": "::ffff:7f00:1 is a loopback address",
            "http://0.0.0.0/": "0.0.0.0 is an unspecified address",
            "http://224.0.0.1/": "224.0.0.1 is a multicast address",
            "http://feeds.example/go": "redirected to http://intranet.example/x: refused: intranet.example",
        }
        for url, reason in refused.items():
            with pytest.raises(Refused) as caught:
                f.get(url)
            assert reason in str(caught.value) and "to fetch.allow_hosts to allow it" in str(caught.value)
    assert seen == [
        "news.example",
        "news.example",
        "feeds.example",
        "feeds.example",
    ]  # robots.txt, then the page
    allowed = replace(FAST, allow_hosts=("intranet.example",))
    with Fetcher(allowed, transport=mock_site(seen), resolve=NAMES.__getitem__) as fetcher:
        assert fetcher.get("http://Intranet.Example./x").content == b"ok"


# Bounded responses: a body is capped at MAX_BYTES once unpacked, and stacked encodings are refused.


def gzip_of_zeros(size: int, block: int = 1 << 20) -> bytes:
    """A valid gzip stream of ``size`` zero bytes, made in a second: one deflate block repeated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(block)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    steady = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)  # the window is all zeros from here on
    end = packer.flush()[:-8]  # the final empty block; the trailer is written for the whole size below
    crc = 0
    for _ in range(size // block):
        crc = zlib.crc32(zeros, crc)
    return first + steady * (size // block - 1) + end + struct.pack("<II", crc, size & 0xFFFFFFFF)


def test_bombs_are_cut_off_in_feeds_and_pages_with_little_memory(tmp_path: Path) -> None:
    bomb = gzip_of_zeros(2 << 30)  # 2 GiB unpacked from 2 MB
    stacked = gzip.compress(bomb)  # gzip(gzip(2 GiB)): 3.5 KB
    assert len(stacked) < 5000
    with serving("127.0.0.1") as home:
        home.routes["/bomb.xml"] = reply(bomb, Content_Encoding="gzip")
        home.routes["/stacked.xml"] = reply(stacked, Content_Encoding="gzip, gzip")
        home.routes["/bomb.html"] = reply(bomb, kind="text/html", Content_Encoding="gzip")
        home.routes["/stacked.html"] = reply(stacked, kind="text/html", Content_Encoding="gzip, gzip")
        home.routes["/pages.xml"] = reply(
            rss(
                item("Bomb", home.url("/bomb.html"), "Teaser."),
                item("Stack", home.url("/stacked.html"), "Tease."),
            )
        )
        (tmp_path / "digest.toml").write_text(
            '[build]\nsource = "articles"\n[fetch]\nrate_limit = 0\nretries = 1\n'
            f'[[feeds]]\nurl = "{home.url("/bomb.xml")}"\nname = "bomb"\n'
            f'[[feeds]]\nurl = "{home.url("/stacked.xml")}"\nname = "stacked"\n'
            f'[[feeds]]\nurl = "{home.url("/pages.xml")}"\nname = "pages"\nfull_text = true\n'
        )
        script = (
            "import sys\n"
            "from digest.cli import main\n"
            "code = main(['fetch'])\n"
            "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
            "print('peak', status, 'kB', 'exit', code)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
    peak = int(done.stdout.split("peak ")[1].split()[0])
    assert peak < 200 * 1024, done.stdout
    assert "exit 0" in done.stdout, done.stderr
    warnings = done.stderr.splitlines()
    assert (
        f"warning: feed bomb: failed: {home.url('/bomb.xml')}: response unpacks to over the 10 MB limit"
        in warnings
    )
    assert any(
        w.startswith("warning: feed stacked: failed: ") and "encoded 2 times (gzip, gzip)" in w
        for w in warnings
    )
    assert (
        f"warning: feed pages: {home.url('/bomb.html')}: response unpacks to over the 10 MB limit; kept the feed's text"
        in warnings
    )
    assert any("stacked.html: content encoded 2 times" in w for w in warnings)
    assert "feed pages: 2 new" in done.stdout


def encoded(text: bytes, coding: str) -> bytes:
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(text)
    if coding == "deflate":
        return zlib.compress(text)
    if coding == "raw-deflate":
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return packer.compress(text) + packer.flush()
    return text


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        ("gzip", encoded(b"hello " * 1000, "gzip"), b"hello " * 1000),
        ("x-gzip", encoded(b"hello", "gzip"), b"hello"),
        ("deflate", encoded(b"hello " * 1000, "deflate"), b"hello " * 1000),
        ("deflate", encoded(b"hello " * 1000, "raw-deflate"), b"hello " * 1000),
        ("identity", b"plain", b"plain"),
        ("GZIP, identity", encoded(b"hello", "gzip"), b"hello"),
        ("gzip, gzip", gzip.compress(gzip.compress(b"hello")), "content encoded 2 times (gzip, gzip)"),
        ("deflate, gzip", b"x", "content encoded 2 times"),
        ("br", b"\x0b\x02\x80hello\x03", "unsupported content encoding 'br' (accepted: gzip, deflate)"),
        ("gzip", b"not gzip at all", "body is not valid gzip"),
        ("gzip", encoded(bytes(MAX_BYTES + 1), "gzip"), "response unpacks to over the 10 MB limit"),
        ("gzip", encoded(bytes(MAX_BYTES), "gzip"), bytes(MAX_BYTES)),
    ],
)
def test_content_codings(header: str, body: bytes, expected: bytes | str) -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["accept-encoding"])
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        # stream=, not content=: httpx would unpack a content= body as the response is made
        return httpx.Response(200, headers={"Content-Encoding": header}, stream=httpx.ByteStream(body))

    with Fetcher(FAST, trusted=["feeds.example"], transport=httpx.MockTransport(answer)) as fetcher:
        if isinstance(expected, bytes):
            assert fetcher.get("http://feeds.example/feed").content == expected
        else:
            with pytest.raises(FetchError) as caught:
                fetcher.get("http://feeds.example/feed")
            assert str(caught.value).startswith("http://feeds.example/feed: ") and expected in str(
                caught.value
            )
    assert sent[-1] == "gzip, deflate"


# Deadlines: every request within fetch.timeout in all, the whole fetch within fetch.deadline.


@pytest.mark.parametrize("every", [0.1, 5.0])
def test_a_dripping_server_is_given_up_within_the_timeout(tmp_path: Path, every: float) -> None:
    settings = replace(FAST, timeout=1.0, retries=2)
    with serving("127.0.0.1") as home:
        home.routes["/drip.xml"] = drip(home, every)
        home.routes["/feed.xml"] = reply(rss(item("Ferries resume", None, "Ferries run again.")))
        config, state = setup(
            tmp_path, Feed(home.url("/drip.xml"), name="drip"), Feed(home.url("/feed.xml")), settings=settings
        )
        started = time.monotonic()
        dripping, good = fetch(config, state)
        took = time.monotonic() - started
    assert dripping.failed == f"{home.url('/drip.xml')}: timed out after 1 s (2 tries)"
    assert good.new == 1
    assert took < 8  # two tries of at most 1 s each (a trickle alone takes 20 s), room for a busy machine


def test_the_whole_fetch_stops_at_the_deadline(tmp_path: Path) -> None:
    settings = replace(FAST, timeout=1.0, retries=3, deadline=1.5)
    with serving("127.0.0.1") as home:
        home.routes["/drip.xml"] = drip(home, 0.1)
        home.routes["/feed.xml"] = reply(rss(item("Ferries resume", None, "Ferries run again.")))
        config, state = setup(
            tmp_path, Feed(home.url("/drip.xml"), name="drip"), Feed(home.url("/feed.xml")), settings=settings
        )
        started = time.monotonic()
        dripping, late = fetch(config, state)
        took = time.monotonic() - started
    assert (
        dripping.failed
        == f"{home.url('/drip.xml')}: stopped: fetch.deadline (1.5 s) passed during the download"
    )
    assert late.failed == f"{home.url('/feed.xml')}: not fetched: fetch.deadline (1.5 s) has passed"
    assert 1.5 <= took < 5  # the deadline, with room for a busy machine (the trickle alone takes 10 s)
    assert json.loads(state.read_text())["feeds"] == {}


def test_pages_left_at_the_deadline_wait_for_the_next_fetch(tmp_path: Path) -> None:
    settings = replace(FAST, timeout=1.0, retries=2, deadline=1.5)
    with serving("127.0.0.1") as home:
        home.routes["/page1.html"] = drip(home, 0.1)
        for page in ("/page2.html", "/page3.html"):
            home.routes[page] = reply(PAGE, kind="text/html")
        feed_body = rss(*(item(f"Story {n}", home.url(f"/page{n}.html"), f"Teaser {n}.") for n in (1, 2, 3)))

        def conditional(request: BaseHTTPRequestHandler) -> None:
            if request.headers.get("If-None-Match") == '"v1"':
                return reply(b"", status=304)(request)
            return reply(feed_body, ETag='"v1"')(request)

        home.routes["/feed.xml"] = conditional
        config, state = setup(
            tmp_path, Feed(home.url("/feed.xml"), name="bay", full_text=True), settings=settings
        )
        (report,) = fetch(config, state)
        assert report.new == 0 and report.failed is None
        assert report.problems == (
            "3 entries not written: fetch.deadline (1.5 s) passed before their pages were fetched; "
            "the next fetch gets them",
        )
        saved = json.loads(state.read_text())["feeds"][home.url("/feed.xml")]
        assert saved["etag"] is None and saved["entries"] == {}
        home.routes["/page1.html"] = reply(PAGE, kind="text/html")
        (again,) = fetch(replace(config, fetch=replace(settings, deadline=600.0)), state)
    assert again.new == 3 and again.problems == ()


def test_sleeps_never_run_past_the_deadline() -> None:
    now = [0.0]
    naps: list[float] = []

    def busy(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return httpx.Response(503, headers={"Retry-After": "60"})

    def failure(fetcher: Fetcher, url: str) -> str:
        with pytest.raises(DeadlinePassed) as caught:
            fetcher.get(url)
        return str(caught.value)

    settings = replace(FAST, retries=3, deadline=10.0)
    busy_site = httpx.MockTransport(busy)
    trusted = ["feeds.example"]
    with Fetcher(
        settings, trusted=trusted, transport=busy_site, sleep=naps.append, clock=lambda: now[0]
    ) as f:
        assert failure(f, "http://feeds.example/feed") == (
            "http://feeds.example/feed: HTTP 503 Service Unavailable; "
            "not tried again: fetch.deadline (10 s) is near"
        )
    paced = replace(FAST, rate_limit=5.0, deadline=3.0)
    ok = httpx.MockTransport(lambda request: httpx.Response(200, content=b"ok"))
    with Fetcher(paced, trusted=trusted, transport=ok, sleep=naps.append, clock=lambda: now[0]) as f:
        # robots.txt first, then 5 s to wait before the feed: past the deadline, so no wait at all
        assert failure(f, "http://feeds.example/feed") == (
            "http://feeds.example/feed: not fetched: fetch.deadline (3 s) is near"
        )
        now[0] = 3.0
        assert failure(f, "http://feeds.example/other") == (
            "http://feeds.example/other: not fetched: fetch.deadline (3 s) has passed"
        )
    assert naps == []


# What fetch prints: control characters from feeds are escaped, as the build's warnings are.


def test_fetch_output_escapes_control_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving("127.0.0.1") as home:
        home.routes["/feed.xml"] = reply(rss(item("Evil\u009b31m title\u0085next", None, "Text.")))
        # feedparser reads C1 controls in text as Windows-1252 (\u009b: ›); a header keeps them as they are.
        home.routes["/bad.xml"] = reply(b"", Content_Encoding="gzip, \u009b]0;owned")
        (tmp_path / "digest.toml").write_text(
            '[build]\nsource = "articles"\n[fetch]\nrate_limit = 0\nretries = 1\n'
            f'[[feeds]]\nurl = "{home.url("/feed.xml")}"\nname = "Bay\\u001b[2J"\nfull_text = true\n'
            f'[[feeds]]\nurl = "{home.url("/bad.xml")}"\nname = "Bad\\u009b"\n',
            encoding="utf-8",
        )
        monkeypatch.chdir(tmp_path)
        assert main(["fetch"]) == 0
    out, err = capsys.readouterr()
    shown = out + err
    assert not [ch for ch in shown if ch != "\n" and unicodedata.category(ch) == "Cc"], shown
    assert "feed Bay\\x1b[2J: 1 new" in out
    assert "warning: feed Bay\\x1b[2J: Evil›31m title…next: no link to fetch the full text from" in err
    assert "warning: feed Bad\\x9b: failed: " in err and "(gzip, \\x9b]0;owned); not accepted" in err
