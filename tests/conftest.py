"""Shared fixtures: the seed articles, the shared corpora, and small source folders built in tmp_path."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from digest import config as config_module

# A run started in the background by a non-interactive shell inherits SIGINT ignored, and processes it
# starts inherit that through exec: the Ctrl-C tests need it delivered, as it is from any terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"


def growth(work: Callable[[int], object], small: int, large: int, *, repeats: int = 5) -> float:
    """How many times longer `work(large)` takes than `work(small)`: the best of alternated runs of each."""
    # A ratio from one run, best of several, holds on a slow or busy machine where a time in seconds does not:
    # absolute speed is the benchmarks' figure, how the time grows with the input is a test's.
    best = {small: float("inf"), large: float("inf")}
    for _ in range(repeats):
        for size in (small, large):
            started = time.perf_counter()
            work(size)
            best[size] = min(best[size], time.perf_counter() - started)
    return best[large] / best[small]


@pytest.fixture
def corpora() -> Path:
    """The real news corpora beside the repository (skips where they are absent)."""
    if not CORPORA.is_dir():
        pytest.skip(f"shared corpora not found at {CORPORA}")
    return CORPORA


@pytest.fixture
def make_source(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write a source folder from {relative path: text or bytes}; return its path."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "src"
        root.mkdir(exist_ok=True)
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


@pytest.fixture
def run_build(tmp_path: Path) -> Callable[..., tuple[Any, dict[str, Any]]]:
    """Build a source folder into tmp_path/site; return the result and the parsed digest.json."""

    def run(source: Path, **settings: Any) -> tuple[Any, dict[str, Any]]:
        from digest.commands.build import build

        output = tmp_path / "site"
        config = config_module.Config(source=source, output=output, **settings)
        result = build(config, environ={})
        return result, json.loads((output / "digest.json").read_text(encoding="utf-8"))

    return run


Reply = tuple[int, dict[str, str], bytes]
Route = Callable[[BaseHTTPRequestHandler], Reply]


@dataclass
class Server:
    """A loopback HTTP server whose answers the test sets per path; it records every request."""

    base: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def static(self, path: str, body: bytes, kind: str = "application/rss+xml", **headers: str) -> None:
        self.routes[path] = lambda request: (200, {"Content-Type": kind, **headers}, body)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = state.routes.get(self.path)
            status, headers, body = route(self) if route else (404, {}, b"not here")
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


def node_search(
    site: Path, queries: list[str], column: int, work: Path, words: str | None = None
) -> dict[str, Any]:
    """Run a built site's search engine (static/search.js) in node over its index: each query's results, as
    ``column`` of each result's document; with ``words``, how the engine splits them, under "words"."""
    script = work / "query.js"
    split = f"out.words = Engine.words({json.dumps(words)});\n" if words is not None else ""
    script.write_text(
        "const Engine = require(process.argv[2]);\n"
        "const window = {};\n"
        "new Function('window', require('fs').readFileSync(process.argv[3], 'utf8'))(window);\n"
        "const engine = new Engine(window.DIGEST_SEARCH), out = {};\n"
        "for (const q of JSON.parse(process.argv[4])) {\n"
        f"  out[q] = engine.search(q).results.map(r => window.DIGEST_SEARCH.docs[r.doc][{column}]);\n"
        "}\n" + split + "console.log(JSON.stringify(out));\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            "node",
            str(script),
            str(site / "static" / "search.js"),
            str(site / "search-index.js"),
            json.dumps(queries),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found
