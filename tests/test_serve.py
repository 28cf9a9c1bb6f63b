"""digest serve on 127.0.0.1: injected reload script, rebuild on change, error banner over the last good site."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from digest.commands.serve import EVENTS_PATH, RELOAD_PATH, Status, inject, serve
from digest.config import load
from digest.errors import ServeError
from tests.conftest import REPO

ARTICLE = "{title}\n\nThe harbour authority said on Monday that {what} after the storm passed the coast.\n"
WAIT = 20.0  # a deadline for a hang, generous for a loaded machine; a passing test waits far less


@dataclass
class Running:
    """A serve() running in a thread, with what it printed."""

    folder: Path
    url: str = ""
    messages: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    failure: list[BaseException] = field(default_factory=list)

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=WAIT) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def generation(self, page: str) -> int:
        found = re.search(re.escape(EVENTS_PATH) + r"\?since=(\d+)", page)
        assert found, "the page carries no reload script"
        return int(found[1])

    def reload_after(self, page: str, change: Callable[[], None]) -> None:
        """Make a change and wait for the reload event of the page; fail after WAIT seconds."""
        port = int(self.url.rsplit(":", 1)[1].strip("/"))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        connection.request("GET", f"{EVENTS_PATH}?since={self.generation(page)}")
        response = connection.getresponse()
        assert response.getheader("Content-Type") == "text/event-stream"
        assert response.fp.readline() == b"retry: 1000\n"
        change()
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            line = response.fp.readline()
            if line.startswith(b"event: reload"):
                connection.close()
                return
        raise AssertionError(f"no reload event; serve said: {self.messages}")


def write_config(folder: Path, extra: str = "") -> None:
    (folder / "digest.toml").write_text(f'[build]\nsource = "articles"\noutput = "site"\n{extra}')


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "port.txt").write_text(
        ARTICLE.format(title="Port reopens after storm", what="the port reopened")
    )
    write_config(tmp_path)
    state = Running(tmp_path)
    ready = threading.Event()

    def on_ready(url: str) -> None:
        state.url = url
        ready.set()

    def run() -> None:
        try:
            serve(
                lambda: load(tmp_path / "digest.toml", tmp_path),
                port=0,
                on_message=state.messages.append,
                on_ready=on_ready,
                stop=state.stop,
            )
        except BaseException as error:
            state.failure.append(error)
            ready.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(60) and not state.failure, state.failure
    time.sleep(0.3)  # let the file watcher start
    yield state
    state.stop.set()
    thread.join(10)
    assert not thread.is_alive(), "serve did not stop"
    assert not state.failure, state.failure


def test_pages_get_the_reload_script_only_when_served(running: Running) -> None:
    status, page = running.get("/")
    assert status == 200 and "Port reopens after storm" in page
    assert EVENTS_PATH in page and "digest-serve-error" not in page
    on_disk = (running.folder / "site" / "index.html").read_text()
    assert EVENTS_PATH not in on_disk
    status, data = running.get("/digest.json")
    assert status == 200 and data == (running.folder / "site" / "digest.json").read_text()
    assert running.get("/no-such-page.html")[0] == 404
    assert running.url.startswith("http://127.0.0.1:")


def test_a_changed_source_rebuilds_and_reloads(running: Running) -> None:
    _, page = running.get("/")
    ferries = running.folder / "articles" / "ferries.txt"
    running.reload_after(
        page, lambda: ferries.write_text(ARTICLE.format(title="Ferries resume", what="the ferries sailed"))
    )
    _, page = running.get("/")
    assert "Ferries resume" in page
    assert any(m.startswith("built 2 articles") for m in running.messages)


def test_a_build_error_shows_in_the_page_and_the_last_good_site_stays(running: Running) -> None:
    _, page = running.get("/")
    running.reload_after(page, lambda: write_config(running.folder, "[site]\ntitle = 5\n"))
    status, page = running.get("/")
    assert status == 200 and "Port reopens after storm" in page  # the last good site
    assert "digest-serve-error" in page and "`[site] title` must be text" in page
    assert any(m.startswith("error: ") and "`[site] title` must be text" in m for m in running.messages)
    (running.folder / "theme").mkdir()
    (running.folder / "theme" / "index.html").write_text("{% for x in %}")
    running.reload_after(page, lambda: write_config(running.folder, '[site]\ntemplates = "theme"\n'))
    _, page = running.get("/")
    banner = re.search(r'<div id="digest-serve-error"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert banner and "index.html" in banner[1] and "Port reopens after storm" in page
    running.reload_after(page, lambda: write_config(running.folder))
    _, page = running.get("/")
    assert "digest-serve-error" not in page and "Port reopens after storm" in page


def test_inject_places_script_before_body_end_and_escapes_errors() -> None:
    status = Status()
    status.record("<script>bad</script> & more")
    page = inject(b"<html><body><p>x</p></BODY></html>", status, 1)
    text = page.decode()
    assert text.index(EVENTS_PATH) < text.index("</BODY>")
    assert "&lt;script&gt;bad&lt;/script&gt; &amp; more" in text and "<script>bad" not in text
    assert inject(b"fragment", Status(), 0).startswith(b"fragment<script ")


def test_the_additions_keep_to_the_pages_content_security_policy(running: Running) -> None:
    """No inline script and no style attribute, which the pages' policy blocks: a script file instead."""
    _, page = running.get("/")
    added = page[page.rindex("<script") :]
    assert re.fullmatch(
        r'<script src="/__digest__/reload\.js" data-events="[^"]+"></script>\s*</body>\s*</html>\s*', added
    )
    status, script = running.get(RELOAD_PATH)
    assert status == 200 and "EventSource" in script and "cssText" in script
    assert "style=" not in inject(b"<body></body>", _failed(), 0).decode()


def _failed() -> Status:
    status = Status()
    status.record("broken template")
    return status


def test_a_taken_port_is_a_serve_error(running: Running) -> None:
    port = int(running.url.rsplit(":", 1)[1].strip("/"))
    with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}"):
        serve(lambda: load(running.folder / "digest.toml", running.folder), port=port)


def test_cli_serve_starts_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "port.txt").write_text(ARTICLE.format(title="Port reopens", what="it reopened"))
    write_config(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
        url = lines[1].split()[1] if lines[1].startswith("serving ") else ""
        assert lines[0].startswith("built 1 article,") and url.startswith("http://127.0.0.1:"), lines
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            assert "Port reopens" in response.read().decode()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0 and "stopped" in out and "Traceback" not in err


def request(running: Running, path: str, host: str) -> tuple[int, bytes]:
    """GET ``path`` with the Host header ``host``: the status and the body."""
    port = int(running.url.rsplit(":", 1)[1].strip("/"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(4096)
    finally:
        connection.close()


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:8000", "127.0.0.1.nip.io", "10.0.0.5"]
)
def test_a_page_asked_for_by_another_name_is_refused(running: Running, host: str) -> None:
    # A page on another site whose name was rebound to 127.0.0.1 would otherwise read the preview.
    status, body = request(running, "/index.html", host)
    assert status == 403 and b"Harbour" not in body
    assert request(running, EVENTS_PATH + "?since=0", host)[0] == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:8123", "[::1]:80", "127.0.0.1:9"])
def test_a_page_asked_for_by_a_local_name_is_served(running: Running, host: str) -> None:
    assert request(running, "/index.html", host)[0] == 200


@pytest.mark.parametrize("since", ["1" * 5000, "-1", "1e3", "x"])
def test_a_malformed_since_is_a_bad_request(running: Running, since: str) -> None:
    assert request(running, f"{EVENTS_PATH}?since={since}", "127.0.0.1")[0] == 400


def test_event_streams_are_capped(running: Running) -> None:
    from digest.commands import serve as serve_module

    port = int(running.url.rsplit(":", 1)[1].strip("/"))
    listening = []
    try:
        for _ in range(serve_module.MAX_EVENT_STREAMS):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
            connection.request("GET", f"{EVENTS_PATH}?since=1")
            response = connection.getresponse()
            assert response.status == 200 and response.fp.readline() == b"retry: 1000\n"
            listening.append(connection)
        assert request(running, f"{EVENTS_PATH}?since=1", "127.0.0.1")[0] == 503
        assert request(running, "/index.html", "127.0.0.1")[0] == 200  # pages are still served
    finally:
        for connection in listening:
            connection.close()


def test_a_taken_port_is_said_before_building(running: Running) -> None:
    port = int(running.url.rsplit(":", 1)[1].strip("/"))
    messages: list[str] = []
    with pytest.raises(ServeError, match=f"try --port {port + 1}"):
        serve(
            lambda: load(running.folder / "digest.toml", running.folder),
            port=port,
            on_message=messages.append,
        )
    assert messages == []  # no build ran first
