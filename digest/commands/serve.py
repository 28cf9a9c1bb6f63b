"""``digest serve``: build, serve the site on 127.0.0.1, rebuild on changes and reload open pages.

Pages are served with a small script that listens on a server-sent events stream and reloads the page
after each build; when the last build failed they also carry a banner with the error. Both are added
to the response only, never to the files of the site. A failed build leaves the last good site in
place (the build writes atomically), so it keeps being served.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.config import Config
from digest.errors import DigestError, ServeError
from digest.incremental.cache import Resident
from digest.models import Issue
from digest.render.humanize import plural

HOST = "127.0.0.1"
# A page on another site whose name was rebound to 127.0.0.1 sends its own name: only these are ours.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
MAX_EVENT_STREAMS = 32  # open pages listening for reloads; more are refused, not queued
_GENERATION = re.compile(r"\d{1,18}")
EVENTS_PATH = "/__digest__/events"
DEBOUNCE_MS = 300
KEEPALIVE_SECONDS = 10.0
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
RELOAD_PATH = "/__digest__/reload.js"
# The pages' Content-Security-Policy allows scripts and styles from the site only: no inline script, no
# style attribute. So the page gets a script file the server serves, and it styles the banner (styles set
# from a script are not inline styles).
_SCRIPT = '<script src="%s" data-events="%s?since=%d"></script>'
_RELOAD_JS = b"""/* added by digest serve; not part of the site */
(function () {
  var banner = document.getElementById("digest-serve-error");
  if (banner) {
    banner.style.cssText = "position:fixed;left:0;right:0;bottom:0;z-index:99999;margin:0;" +
      "padding:1em 1.5em;background:#8b0000;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;" +
      "max-height:50vh;overflow:auto";
  }
  var events = new EventSource(document.currentScript.getAttribute("data-events"));
  events.addEventListener("reload", function () { events.close(); location.reload(); });
})();
"""
_BANNER = (
    '<div id="digest-serve-error" role="alert">The last build failed; showing the last good site.\n%s</div>'
)

_NOT_BUILT = "<!doctype html><title>No site yet</title><body><h1>No site has been built yet</h1></body>"


class Status:
    """The outcome of the latest build, shared by the watcher and the request threads."""

    def __init__(self) -> None:
        self.generation = 0
        self.error: str | None = None
        self.closed = False
        self._changed = threading.Condition()

    def record(self, error: str | None) -> None:
        """A build finished (``error`` None when it succeeded): wake every waiting page."""
        with self._changed:
            self.generation += 1
            self.error = error
            self._changed.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        """The generation once it differs from ``since``, the server closes, or ``timeout`` passes."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != since or self.closed, timeout)
            return self.generation

    def close(self) -> None:
        """Release every waiting events stream."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def serve(
    load_config: Callable[[], Config],
    *,
    port: int,
    on_message: Callable[[str], None] = lambda message: None,
    on_ready: Callable[[str], None] = lambda url: None,
    stop: threading.Event | None = None,
    jobs: int = 1,
) -> None:
    """Build and serve until ``stop`` is set (or Ctrl+C); the config is read again for every build.

    What the cache holds stays in memory between rebuilds, so a rebuild after one change reads one file.
    """
    config = load_config()
    served = config.output
    status = Status()
    resident = Resident()

    def again() -> Config | None:
        return rebuild(load_config, served, status, on_message, jobs=jobs, resident=resident)

    server = _listen(port, served, status)  # a taken port is said before a whole build, not after it
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        again()
        on_ready(f"http://{HOST}:{server.server_address[1]}/")
        _watch(again, config, served, on_message, stop or threading.Event())
    finally:
        status.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        resident.settle()  # the last build's cache writes, so the next build finds them


def rebuild(
    load_config: Callable[[], Config],
    served: Path,
    status: Status,
    on_message: Callable[[str], None],
    *,
    jobs: int = 1,
    resident: Resident | None = None,
) -> Config | None:
    """Build into ``served``; on failure keep the last good site and record the error. The config used."""
    from digest.commands.build import build

    started = time.perf_counter()
    try:
        config = replace(load_config(), output=served)

        def warn(issue: Issue) -> None:
            on_message(f"warning: {issue.source}: {issue.reason}")

        result = build(config, on_issue=warn, jobs=jobs, resident=resident)
    except DigestError as error:
        status.record(str(error))
        on_message(f"error: {error}")
        on_message("build failed; still serving the last good site")
        return None
    status.record(None)
    on_message(
        f"built {plural(result.articles, 'article')}, {plural(result.stories, 'story', 'stories')} "
        f"in {time.perf_counter() - started:.2f} s"
    )
    return config


def inject(page: bytes, status: Status, generation: int) -> bytes:
    """The page with the reload script, and the error banner when the last build failed."""
    addition = _SCRIPT % (RELOAD_PATH, EVENTS_PATH, generation)
    if status.error is not None:
        addition = _BANNER % html.escape(status.error) + addition
    data = addition.encode("utf-8")
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + data
    at = ends[-1].start()
    return page[:at] + data + page[at:]


def watched(config: Config) -> tuple[Path, ...]:
    """What a change to means a rebuild: the config file, the source folder and the templates folder."""
    candidates = (config.path, config.source, config.templates)
    return tuple(dict.fromkeys(p.absolute() for p in candidates if p is not None and p.exists()))


def relevant(config: Config, served: Path) -> Callable[[Any, str], bool]:
    """A watchfiles filter: article files in the source, any template, the config; never the site."""
    from digest.read.readers import SUFFIXES

    site = served.resolve()
    source = config.source.resolve()
    templates = config.templates.resolve() if config.templates is not None else None
    settings = config.path.resolve() if config.path is not None else None

    def keep(change: Any, name: str) -> bool:
        path = Path(name).resolve()
        if path == settings:
            return True
        if path.is_relative_to(site) or path.name.startswith("."):
            return False
        if templates is not None and path.is_relative_to(templates):
            return True
        return path.is_relative_to(source) and path.suffix.lower() in SUFFIXES

    return keep


def _watch(
    again: Callable[[], Config | None],
    config: Config,
    served: Path,
    on_message: Callable[[str], None],
    stop: threading.Event,
) -> None:
    """Rebuild after each burst of relevant changes; watch anew when the config moves what is watched."""
    import watchfiles

    while not stop.is_set():
        roots = watched(config)
        if not roots:  # everything watched was removed: wait for it to come back, then build
            if not stop.wait(1.0) and watched(config):
                config = again() or config
            continue
        restart = False
        for changes in watchfiles.watch(
            *roots,
            watch_filter=relevant(config, served),
            debounce=DEBOUNCE_MS,
            step=50,
            stop_event=stop,
        ):
            on_message(f"changed: {_names(path for _, path in changes)}")
            config = again() or config
            # A config file replaced by a rename is a new file: the old watch on it is gone.
            restart = watched(config) != roots or any(
                config.path is not None and Path(path) == config.path.absolute() for _, path in changes
            )
            if restart:
                break
        if not restart:
            return


def _names(paths: Iterable[str]) -> str:
    names = sorted({Path(path).name for path in paths})
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _listen(port: int, served: Path, status: Status) -> ThreadingHTTPServer:
    streams = threading.BoundedSemaphore(MAX_EVENT_STREAMS)
    handler = partial(_Handler, status=status, streams=streams, directory=str(served))
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        hint = f"; another program uses it: try --port {port + 1}" if port else ""
        raise ServeError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}){hint}") from exc
    server.daemon_threads = True
    return server


class _Handler(SimpleHTTPRequestHandler):
    """Static files from the site folder; HTML pages get the reload script (and the error banner)."""

    def __init__(self, *args: Any, status: Status, streams: threading.Semaphore, **kwargs: Any) -> None:
        self.status = status
        self.streams = streams
        super().__init__(*args, **kwargs)

    def do_HEAD(self) -> None:
        """Headers of a file, for this machine's own pages only."""
        if self._local():
            super().do_HEAD()

    def do_GET(self) -> None:
        """Serve the events stream, an HTML page with additions, or any other file as it is."""
        if not self._local():
            return
        url = urlsplit(self.path)
        if url.path == EVENTS_PATH:
            self._events(url.query)
            return
        if url.path == RELOAD_PATH:
            self._reload_script()
            return
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            if not url.path.endswith("/"):
                self._redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
                return
            target = target / "index.html"
        if target.suffix.lower() in (".html", ".htm") or not target.exists():
            self._page(target)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the terminal shows builds, not requests."""

    def _local(self) -> bool:
        """Whether the request names this machine as its host; answer 403 when it does not."""
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rpartition(":")[0] if host.rpartition(":")[2].isdigit() else host
        if name in LOCAL_HOSTS:
            return True
        self.send_error(HTTPStatus.FORBIDDEN, "digest serve answers only requests for 127.0.0.1 or localhost")
        return False

    def _page(self, target: Path) -> None:
        generation = self.status.generation
        try:
            page, code = target.read_bytes(), HTTPStatus.OK
        except OSError:
            page, code = self._not_found(), HTTPStatus.NOT_FOUND
        body = inject(page, self.status, generation)
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _reload_script(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(_RELOAD_JS)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(_RELOAD_JS)

    def _not_found(self) -> bytes:
        """The site's own 404 page when it has one."""
        site = Path(self.directory)
        if not site.is_dir():
            return _NOT_BUILT.encode("utf-8")
        try:
            return (site / "404.html").read_bytes()
        except OSError:
            return b"<!doctype html><title>Not found</title><h1>Not found</h1>"

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _events(self, query: str) -> None:
        """A server-sent events stream: one 'reload' event once a build newer than ``since`` finished."""
        values = parse_qs(query).get("since", [""])
        if values[0] and not _GENERATION.fullmatch(values[0]):
            self.send_error(HTTPStatus.BAD_REQUEST, "since must be a build number")
            return
        if not self.streams.acquire(blocking=False):
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "too many pages are listening for reloads")
            return
        try:
            self._stream(int(values[0]) if values[0] else self.status.generation)
        finally:
            self.streams.release()

    def _stream(self, since: int) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not self.status.closed:
                generation = self.status.wait(since, KEEPALIVE_SECONDS)
                if generation != since:
                    self.wfile.write(f"event: reload\ndata: {generation}\n\n".encode())
                    self.wfile.flush()
                    return
                self.wfile.write(b": keep-alive\n\n")  # also finds out when the page has gone
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
