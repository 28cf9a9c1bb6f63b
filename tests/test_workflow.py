"""The daily workflow as a user runs it, from a sub-folder of a `digest new` project: build, fetch from a
loopback server, serve, publish; each message the user reads, by its text."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import REPO, Reply, Server
from tests.test_publish import GIT_ENV, git

WAIT = 60  # seconds; what a busy machine may take to start a command, far more than it needs
FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour Times</title>'
    b"<link>https://harbour.example/</link>"
    b"<item><title>Port reopens after storm</title><link>https://harbour.example/news/port-reopens</link>"
    b"<pubDate>Mon, 06 May 2024 09:30:00 +0000</pubDate>"
    b"<description>The port reopened on Monday after the storm, the harbour master said.</description></item>"
    b"<item><title>Ferries resume across the bay</title><link>https://harbour.example/news/ferries</link>"
    b"<pubDate>Mon, 06 May 2024 11:00:00 +0000</pubDate>"
    b"<description>Ferry services resumed across the bay on Monday afternoon.</description></item>"
    b"</channel></rss>"
)


@dataclass
class Feed:
    """The feed the loopback server serves, with its ETag; a test changes both to correct the feed."""

    url: str
    body: bytes = FEED
    etag: str = '"v1"'


def command() -> list[str]:
    """The `digest` command installed beside this Python, as a user runs it; else the module."""
    installed = Path(sys.executable).with_name("digest")
    return [str(installed)] if installed.is_file() else [sys.executable, "-m", "digest"]


def environment() -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


def digest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `digest ARGS` in ``cwd``; what it printed and its exit status."""
    done = subprocess.run(
        [*command(), *args], cwd=cwd, env=environment(), capture_output=True, text=True, timeout=WAIT * 2
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def feed(server: Server) -> Feed:
    """A loopback server with one RSS feed, answering 304 to its current ETag; robots.txt is a 404."""
    served = Feed(server.url("/feed.xml"))

    def reply(request: BaseHTTPRequestHandler) -> Reply:
        if request.headers.get("If-None-Match") == served.etag:
            return 304, {"ETag": served.etag}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": served.etag}, served.body

    server.routes["/feed.xml"] = reply
    return served


def new_project(tmp_path: Path, feed_url: str) -> Path:
    """`digest new paper`, with the loopback feed listed and fetching made quick."""
    done = digest(tmp_path, "new", "paper")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "created paper: digest.toml, articles/welcome.md, templates/README.txt, .gitignore",
        "next: cd paper && digest build, then open site/index.html",
    ]
    project = tmp_path / "paper"
    config = project / "digest.toml"
    text = config.read_text(encoding="utf-8")
    assert "\nrate_limit = 1.0" in text
    text = text.replace("\nrate_limit = 1.0", "\nrate_limit = 0.0\nretries = 1\ntimeout = 10.0")
    config.write_text(text + f'\n[[feeds]]\nurl = "{feed_url}"\nname = "Harbour Times"\n', encoding="utf-8")
    return project


def test_outside_a_project_build_says_how_to_start_one(tmp_path: Path) -> None:
    done = digest(tmp_path, "build")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "error: no digest.toml in this folder or any folder above it: start a digest with "
        "`digest new NAME`, or build a folder of articles with `digest build FOLDER`\n"
    )


def test_the_daily_workflow_from_a_sub_folder(tmp_path: Path, feed: Feed) -> None:
    project = new_project(tmp_path, feed.url)
    articles, site = project / "articles", project / "site"

    built = digest(articles, "build")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built 1 article (0 duplicates), 1 story, 1 topic, ")
    assert f"into {site}" in built.stdout and built.stdout.rstrip().endswith("; 0 warnings")

    refused = digest(articles, "build", ".", "-o", "out")
    assert refused.returncode == 1 and not (articles / "out").exists()
    assert refused.stderr == (
        "error: out: the output folder is inside the source folder (.), so the site "
        "would be read back as articles; choose an output folder outside it\n"
    )

    fetched = digest(articles, "fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.splitlines() == [
        "feed Harbour Times: 2 new, 0 updated, 0 unchanged",
        f"fetched 1 of 1 feed into {articles}: 2 new, 0 updated, 0 unchanged",
    ]
    assert len(list((articles / "harbour-times").glob("2024-05-06-*.md"))) == 2
    again = digest(articles, "fetch")
    assert (
        again.stdout.splitlines()[-1]
        == "fetched 1 of 1 feed: nothing new (1 not modified since the last fetch)"
    )

    rebuilt = digest(articles, "build")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("built 2 articles (0 duplicates), ")  # the sample article has left
    pages = article_pages(site)
    assert sorted(pages) == ["Ferries resume across the bay", "Port reopens after storm"]

    # The feed corrects a headline: fetch rewrites the entry's file, and its page stays where it was.
    feed.body, feed.etag = FEED.replace(b"after storm", b"after the storm"), '"v2"'
    corrected = digest(articles, "fetch")
    assert corrected.stdout.splitlines()[0] == "feed Harbour Times: 0 new, 1 updated, 1 unchanged"
    assert digest(articles, "build").returncode == 0
    assert article_pages(site) == {
        "Ferries resume across the bay": pages["Ferries resume across the bay"],
        "Port reopens after the storm": pages["Port reopens after storm"],
    }

    serve_refuses_a_taken_port(articles)
    serve_serves_a_page_and_stops(articles)
    publish_to_a_branch_and_a_folder(project, articles, tmp_path / "public")


def article_pages(site: Path) -> dict[str, str]:
    """Each article's page in the built site, by its title."""
    document = json.loads((site / "digest.json").read_text(encoding="utf-8"))
    return {a["title"]: a["page"] for a in document["articles"]}


def serve_refuses_a_taken_port(cwd: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = digest(cwd, "serve", "--port", str(port))
    assert done.returncode == 1 and done.stdout == ""
    said = re.fullmatch(
        r"error: cannot listen on 127\.0\.0\.1:(\d+) \(.+\); another program uses it: (.+)\n", done.stderr
    )
    assert said is not None, done.stderr
    assert said.groups() == (str(port), f"try --port {port + 1}")


def serve_serves_a_page_and_stops(cwd: Path) -> None:
    process = subprocess.Popen(
        [*command(), "serve", "--port", "0"],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        built = process.stdout.readline()
        serving = process.stdout.readline()
        assert re.fullmatch(r"built 2 articles, 2 stories in [\d.]+ s\n", built), built
        said = re.fullmatch(r"serving (http://127\.0\.0\.1:\d+/) \(Ctrl\+C to stop\)\n", serving)
        assert said is not None, serving
        with urllib.request.urlopen(said[1] + "index.html", timeout=WAIT) as response:
            assert response.status == 200 and "Port reopens after the storm" in response.read().decode()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (0, "stopped\n", "")


def publish_to_a_branch_and_a_folder(project: Path, cwd: Path, public: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "start")
    done = digest(cwd, "publish")
    assert done.returncode == 0, done.stderr
    said = re.fullmatch(
        r"published (\d+) files to branch gh-pages as ([0-9a-f]{12}): "
        r"digest: 2 articles, 2 stories \(build [0-9a-f]{12}\)\n",
        done.stdout,
    )
    assert said is not None, done.stdout
    commit = git(project, "rev-parse", "gh-pages").strip()
    assert commit.startswith(said[2]) and "index.html" in git(project, "ls-tree", "--name-only", "gh-pages")
    assert git(project, "status", "--porcelain") == ""  # the working tree is untouched
    again = digest(cwd, "publish")
    assert again.stdout == f"branch gh-pages already holds this site ({commit}); nothing to publish\n"
    copied = digest(cwd, "publish", "--to", str(public), "-m", "by hand")
    assert copied.returncode == 0, copied.stderr
    files = int(said[1]) - 1  # the branch has a .nojekyll file besides the site
    assert copied.stdout == f"published {files} files to {public}: by hand\n"
    assert (public / "index.html").is_file()
