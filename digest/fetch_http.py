"""Polite HTTP GET for ``digest fetch``: retries with backoff, a per-host rate limit, robots.txt, redirects."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from digest.config import FetchSettings
from digest.errors import FetchError

if TYPE_CHECKING:
    import httpx

MAX_BYTES = 10 * 1024 * 1024  # the build reads no file larger than this either
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRIED = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Response:
    """A successful (2xx) or not-modified (304) response, after redirects."""

    url: str  # the final URL
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # keys lowercased


class Fetcher:
    """GETs URLs one at a time, politely; every failure is a FetchError with the reason."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import httpx

        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser | FetchError] = {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent},
            follow_redirects=False,  # each hop is checked against robots.txt and the rate limit
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET ``url`` following redirects; raise FetchError for anything but 2xx or 304."""
        for _ in range(MAX_REDIRECTS + 1):
            _check_scheme(url)
            if not self._allowed(url):
                raise FetchError(f"{url}: disallowed by robots.txt of {_host(url)}")
            response = self._request(url, headers or {})
            location = response.headers.get("location")
            if response.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            if response.status == 304 or 200 <= response.status < 300:
                return response
            raise FetchError(f"{url}: HTTP {response.status}{_reason(response.status)}")
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, headers: Mapping[str, str]) -> Response:
        """One GET, retried on timeouts, connection errors, 429 and 5xx with exponential backoff."""
        import httpx

        tries = max(1, self.settings.retries)
        for attempt in range(tries):
            wait = self.settings.backoff * 2**attempt
            self._pace(url)
            try:
                response = self._download(url, headers)
            except httpx.TimeoutException:
                problem = f"timed out after {self.settings.timeout:g} s"
            except httpx.TransportError as exc:
                problem = f"connection failed ({_describe(exc)})"
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # not worth retrying: a bad URL or body
                raise FetchError(f"{url}: {_describe(exc)}") from exc
            else:
                if response.status not in _RETRIED:
                    return response
                problem = f"HTTP {response.status}{_reason(response.status)}"
                wait = max(wait, _retry_after(response.headers.get("retry-after")))
            if attempt + 1 < tries:
                self._sleep(wait)
        raise FetchError(f"{url}: {problem} ({tries} {'try' if tries == 1 else 'tries'})")

    def _download(self, url: str, headers: Mapping[str, str]) -> Response:
        with self._client.stream("GET", url, headers=dict(headers)) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise FetchError(
                    f"{url}: response is {int(declared) // 1024 // 1024} MB, over the 10 MB limit"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FetchError(f"{url}: response is over the 10 MB limit")
                chunks.append(chunk)
            return Response(
                url=str(response.url),
                status=response.status_code,
                content=b"".join(chunks),
                headers={key.lower(): value for key, value in response.headers.items()},
            )

    def _pace(self, url: str) -> None:
        """Wait until ``rate_limit`` seconds have passed since the last request to the same host."""
        host = _host(url)
        last = self._last_request.get(host)
        if last is not None:
            delay = last + self.settings.rate_limit - self._clock()
            if delay > 0:
                self._sleep(delay)
        self._last_request[host] = self._clock()

    def _allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url``; raise FetchError when it cannot be read."""
        origin = _origin(url)
        robots = self._robots.get(origin)
        if robots is None:
            try:
                robots = self._read_robots(origin)
            except FetchError as exc:
                robots = exc  # remembered: one unreadable robots.txt is not asked again for every page
            self._robots[origin] = robots
        if isinstance(robots, FetchError):
            raise FetchError(str(robots))
        return robots.can_fetch(self.settings.user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser:
        """The host's robots.txt, read as RFC 9309 says: 4xx allows all, 5xx or no answer allows nothing."""
        robots = RobotFileParser(f"{origin}/robots.txt")
        url = f"{origin}/robots.txt"
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = self._request(url, {})
                location = response.headers.get("location")
                if response.status not in _REDIRECTS or not location:
                    break
                url = urljoin(url, location)
                _check_scheme(url)
        except FetchError as exc:
            raise FetchError(f"robots.txt of {_host(origin)} could not be read: {exc}") from exc
        if 200 <= response.status < 300:
            robots.parse(response.content.decode("utf-8", "replace").splitlines())
        elif 400 <= response.status < 500:
            robots.parse([])  # no rules: everything allowed
        else:
            raise FetchError(f"robots.txt of {_host(origin)} answered HTTP {response.status}; not fetching")
        return robots


def _check_scheme(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: not an http(s) URL")


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return f" {HTTPStatus(status).phrase}"
    except ValueError:
        return ""


def _retry_after(value: str | None) -> float:
    """Seconds a Retry-After header asks for (capped); 0 when absent or given as a date."""
    if value is None or not value.strip().isdigit():
        return 0.0
    return min(float(value.strip()), MAX_RETRY_AFTER)


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return text[:120] if text else type(error).__name__
