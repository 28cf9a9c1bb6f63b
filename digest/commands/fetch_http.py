"""Polite, guarded HTTP GET for ``digest fetch``.

Retries with backoff, a per-host rate limit, robots.txt and redirects; every request within
``fetch.timeout`` and the whole fetch within ``fetch.deadline``; bodies capped at MAX_BYTES after
decompression; and no connection to a loopback, private or other non-global address unless the host is
trusted (a configured feed's host, or one in ``fetch.allow_hosts``).
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from digest.config import FetchSettings
from digest.errors import FetchError

if TYPE_CHECKING:
    from httpcore._backends.base import SOCKET_OPTION

MAX_BYTES = 10 * 1024 * 1024  # the build reads no file larger than this either
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
ACCEPTED_ENCODINGS = "gzip, deflate"  # what _Inflater undoes; anything else is refused
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRIED = frozenset({429, 500, 502, 503, 504})
_SHARED = ipaddress.ip_network(
    "100.64.0.0/10"
)  # carrier-grade NAT; Python counts it neither private nor global

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]


class Refused(FetchError):
    """A host that is not trusted lies on a loopback, private or other non-global address."""


class DeadlinePassed(FetchError):
    """``fetch.deadline`` passed: whatever was still to be fetched is skipped."""


class _Overtime(Exception):
    """One request took longer than ``fetch.timeout`` in all."""


class _Failed(FetchError):
    """A request that failed on every try; ``reason`` says why without the URL."""

    def __init__(self, url: str, reason: str, *, unreachable: bool) -> None:
        super().__init__(f"{url}: {reason}")
        self.reason = reason
        self.unreachable = unreachable  # no HTTP answer at all: no such name, refused, timed out, cut off


@dataclass(frozen=True)
class Response:
    """A successful (2xx) or not-modified (304) response, after redirects."""

    url: str  # the final URL
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # keys lowercased


def resolve_host(host: str) -> tuple[str, ...]:
    """The addresses ``host`` resolves to (an IP address: itself); raise OSError when there are none."""
    found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return tuple(dict.fromkeys(str(info[4][0]) for info in found))


def canonical_host(host: str) -> str:
    """A host as connections name it: lowercase IDNA ASCII without brackets or trailing dot; IPs compressed."""
    bare = host.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        pass
    try:
        return httpx.URL(f"http://{bare}/").raw_host.decode("ascii").rstrip(".")
    except (httpx.InvalidURL, UnicodeError):
        return bare


def non_global_kind(address: Address) -> str | None:
    """What kind of non-global address ``address`` is ("a loopback address", ...); None for a global one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return non_global_kind(embedded)
    kinds = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address in _SHARED, "a shared (carrier-grade NAT) address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "a non-global address"),
    )
    return next((kind for applies, kind in kinds if applies), None)


@dataclass(frozen=True)
class Guard:
    """Where fetch may connect: a trusted host wherever it is, any other host only at global addresses."""

    trusted: frozenset[str] = frozenset()  # canonical host names
    resolve: Resolver = resolve_host

    def addresses(self, host: str) -> tuple[str, ...]:
        """What to connect to for ``host``: itself when trusted, else its checked addresses; raise Refused."""
        host = canonical_host(host)
        if host in self.trusted:
            return (host,)
        found = (host,) if _is_ip(host) else tuple(self.resolve(host))
        if not found:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
        for address in found:
            kind = non_global_kind(ipaddress.ip_address(address))
            if kind is not None:
                named = f"{address} is" if address == host else f"{host} resolves to {address},"
                raise Refused(f"{named} {kind} (add {host} to fetch.allow_hosts to allow it)")
        return found

    def check(self, url: str) -> None:
        """Raise Refused when ``url``'s host is not trusted and resolves to a non-global address."""
        try:
            host = httpx.URL(url).raw_host.decode("ascii")
        except httpx.InvalidURL:
            return  # the request fails on the same URL and says why
        try:
            self.addresses(host)
        except Refused as exc:
            raise Refused(f"{url}: refused: {exc}") from None
        except OSError:
            pass  # the name does not resolve: connecting fails and says so


class Fetcher:
    """GETs URLs one at a time, politely; every failure is a FetchError with the reason."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        trusted: Iterable[str] = (),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        resolve: Resolver = resolve_host,
    ) -> None:
        """``trusted``: hosts (the feeds' own) that may be anywhere, as may those of ``fetch.allow_hosts``."""
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._deadline = clock() + settings.deadline
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser | str] = {}  # by origin: the rules, or why there are none
        hosts = frozenset(canonical_host(host) for host in (*trusted, *settings.allow_hosts))
        self._guard = Guard(hosts, resolve)
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPTED_ENCODINGS},
            follow_redirects=False,  # each hop is checked against the guard, robots.txt and the rate limit
            transport=transport if transport is not None else _GuardedTransport(self._guard),
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
        first = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_scheme(url)
            self._check_deadline(url)
            self._check_guard(first, url)
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

    def _check_guard(self, first: str, url: str) -> None:
        try:
            self._guard.check(url)
        except Refused as exc:
            raise (Refused(f"{first}: redirected to {exc}") if url != first else exc) from None

    def _check_deadline(self, url: str, *, during: bool = False) -> None:
        """Raise DeadlinePassed once the deadline has passed, saying whether a download was cut short."""
        if self._clock() < self._deadline:
            return
        deadline = f"fetch.deadline ({self.settings.deadline:g} s)"
        if during:
            raise DeadlinePassed(f"{url}: stopped: {deadline} passed during the download")
        raise DeadlinePassed(f"{url}: not fetched: {deadline} has passed")

    def _nap(self, seconds: float, passing: str) -> None:
        """Sleep, unless waking would be past the deadline: then raise DeadlinePassed(``passing``)."""
        if self._clock() + seconds >= self._deadline:
            raise DeadlinePassed(passing)
        self._sleep(seconds)

    def _request(self, url: str, headers: Mapping[str, str]) -> Response:
        """One GET, retried on timeouts, connection errors, 429 and 5xx with exponential backoff."""
        tries = max(1, self.settings.retries)
        for attempt in range(tries):
            wait = self.settings.backoff * 2**attempt
            self._pace(url)
            unreachable = True
            try:
                response = self._download(url, headers)
            except (httpx.TimeoutException, _Overtime):
                self._check_deadline(url, during=True)
                problem = f"timed out after {self.settings.timeout:g} s"
            except Refused as exc:  # the connection itself was refused: the name resolved differently
                raise Refused(f"{url}: refused: {exc}") from None
            except httpx.TransportError as exc:
                problem = _connection_problem(exc, _host(url))
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # not worth retrying: a bad URL or body
                raise FetchError(f"{url}: {_describe(exc)}") from exc
            else:
                if response.status not in _RETRIED:
                    return response
                unreachable = False
                problem = f"HTTP {response.status}{_reason(response.status)}"
                wait = max(wait, _retry_after(response.headers.get("retry-after")))
            if attempt + 1 < tries:
                deadline = self.settings.deadline
                self._nap(wait, f"{url}: {problem}; not tried again: fetch.deadline ({deadline:g} s) is near")
        reason = f"{problem} ({tries} {'try' if tries == 1 else 'tries'})"
        raise _Failed(url, reason, unreachable=unreachable)

    def _download(self, url: str, headers: Mapping[str, str]) -> Response:
        """One GET within ``fetch.timeout`` in all (and the deadline), its body decoded and capped."""
        started = self._clock()
        stop = min(started + self.settings.timeout, self._deadline)
        # httpx's timeout bounds each read; ``stop`` bounds them all, checked as the body arrives.
        with self._client.stream(
            "GET", url, headers=dict(headers), timeout=max(stop - started, 0.001)
        ) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise FetchError(
                    f"{url}: response is {int(declared) // 1024 // 1024} MB, over the 10 MB limit"
                )
            self._in_time(url, stop)
            return Response(
                url=str(response.url),
                status=response.status_code,
                content=self._body(url, response, stop),
                headers={key.lower(): value for key, value in response.headers.items()},
            )

    def _body(self, url: str, response: httpx.Response, stop: float) -> bytes:
        """The body as it arrives, unpacked here rather than by httpx so that the cap counts unpacked bytes."""
        if response.is_stream_consumed:
            # Made with content= by a mock transport: read (and unpacked) then, nothing comes over a wire.
            if len(response.content) > MAX_BYTES:
                raise FetchError(f"{url}: response is over the 10 MB limit")
            return response.content
        inflate = _Inflater(url, response.headers.get("content-encoding", ""))
        body = bytearray()
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > MAX_BYTES:
                raise FetchError(f"{url}: response is over the 10 MB limit")
            body += inflate(chunk, MAX_BYTES - len(body))
            if len(body) > MAX_BYTES:
                raise FetchError(f"{url}: response unpacks to over the 10 MB limit")
            self._in_time(url, stop)
        return bytes(body)

    def _in_time(self, url: str, stop: float) -> None:
        """Raise when ``stop`` has passed: DeadlinePassed at the deadline, else _Overtime (a timeout)."""
        self._check_deadline(url, during=True)
        if self._clock() > stop:
            raise _Overtime(url)

    def _pace(self, url: str) -> None:
        """Wait until ``rate_limit`` seconds have passed since the last request to the same host."""
        host = _host(url)
        last = self._last_request.get(host)
        if last is not None:
            delay = last + self.settings.rate_limit - self._clock()
            if delay > 0:
                deadline = self.settings.deadline
                self._nap(delay, f"{url}: not fetched: fetch.deadline ({deadline:g} s) is near")
        self._last_request[host] = self._clock()

    def _allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url``; raise FetchError when it cannot be read."""
        origin = _origin(url)
        robots = self._robots.get(origin)
        if robots is None:
            try:
                robots = self._read_robots(origin)
            except DeadlinePassed:
                raise  # not remembered: the next fetch asks again
            except FetchError as exc:
                robots = str(exc)  # remembered: one unreadable robots.txt is not asked again for every page
            self._robots[origin] = robots
        if isinstance(robots, str):
            raise FetchError(f"{url}: {robots}")
        return robots.can_fetch(self.settings.user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser:
        """The host's robots.txt, read as RFC 9309 says: 4xx allows all, 5xx or no answer allows nothing.

        The FetchError raised says why, without a URL: the caller names the URL it was asked for.
        """
        robots = RobotFileParser(f"{origin}/robots.txt")
        url = f"{origin}/robots.txt"
        host = _host(origin)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = self._request(url, {})
                location = response.headers.get("location")
                if response.status not in _REDIRECTS or not location:
                    break
                url = urljoin(url, location)
                _check_scheme(url)
                self._guard.check(url)
        except DeadlinePassed:
            raise
        except _Failed as exc:
            if exc.unreachable:  # the host itself does not answer: say so, whichever file was asked for
                raise FetchError(exc.reason) from exc
            raise FetchError(f"not fetched: robots.txt of {host} answered {exc.reason}") from exc
        except FetchError as exc:
            raise FetchError(f"not fetched: robots.txt of {host} could not be read: {exc}") from exc
        if 200 <= response.status < 300:
            robots.parse(response.content.decode("utf-8", "replace").splitlines())
        elif 400 <= response.status < 500:
            robots.parse([])  # no rules: everything allowed
        else:
            status = f"HTTP {response.status}{_reason(response.status)}"
            raise FetchError(f"not fetched: robots.txt of {host} answered {status}")
        return robots


class _Inflater:
    """Undoes a body's one content-coding (gzip or deflate) without ever unpacking more than there is room for."""

    def __init__(self, url: str, header: str) -> None:
        codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1:
            raise FetchError(f"{url}: content encoded {len(codings)} times ({header}); not accepted")
        self._url = url
        self._coding = codings[0] if codings else ""
        if self._coding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(
                f"{url}: unsupported content encoding {self._coding!r} (accepted: {ACCEPTED_ENCODINGS})"
            )
        self._wbits = zlib.MAX_WBITS | 16 if "gzip" in self._coding else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(self._wbits)
        self._started = False

    def __call__(self, data: bytes, room: int) -> bytes:
        """``data`` unpacked, at most ``room + 1`` bytes of it: one more than the room says it is too big."""
        if not self._coding:
            return data
        try:
            return self._unpack(data, room)
        except zlib.error as exc:
            raise FetchError(f"{self._url}: body is not valid {self._coding} ({exc})") from exc

    def _unpack(self, data: bytes, room: int) -> bytes:
        try:
            unpacked = self._zlib.decompress(data, room + 1)
        except zlib.error:
            if self._started or self._coding != "deflate":
                raise
            # Some servers send deflate without the zlib wrapper the standard asks for (httpx allows it too).
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            unpacked = self._zlib.decompress(data, room + 1)
        self._started = True
        return unpacked


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens connections only where the guard allows, to the very addresses it checked (no second lookup)."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """A connection to the first of the host's checked addresses that answers."""
        try:
            addresses = self._guard.addresses(host)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from exc
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return self._plain.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SOCKET_OPTION] | None = None
    ) -> httpcore.NetworkStream:
        """Never: fetch speaks TCP only."""
        raise httpcore.ConnectError("fetch does not connect to unix sockets")

    def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's own connect retries, which fetch leaves off)."""
        self._plain.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, over a connection pool whose every connection goes through the guard."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        # httpx gives no public way to set the pool's network backend, so the pool is replaced; fail loudly
        # should a new httpx keep it elsewhere, rather than connect unguarded.
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError(
                f"httpx {httpx.__version__} keeps no _pool: digest.commands.fetch_http needs updating"
            )
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(guard)
        )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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


_ERRNO_WORDS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.ECONNABORTED: "connection aborted",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "timed out while connecting",
}
_NAME_NOT_FOUND = {getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)}


def _connection_problem(error: Exception, host: str) -> str:
    """Why a request got no HTTP answer, naming the host: "example.org: name not found (DNS)"."""
    cause = _os_cause(error)
    if isinstance(cause, socket.gaierror):
        found = cause.errno in _NAME_NOT_FOUND
        return f"{host}: " + (
            "name not found (DNS)" if found else f"name lookup failed (DNS: {cause.strerror})"
        )
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"{host}: TLS certificate not accepted ({cause.verify_message})"
    if isinstance(cause, ssl.SSLError):
        return f"{host}: TLS failed ({cause.reason or _describe(cause)})"
    if cause is not None and cause.errno in _ERRNO_WORDS:
        return f"{host}: {_ERRNO_WORDS[cause.errno]}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"{host}: broken answer ({_describe(error)})"
    return f"{host}: connection failed ({_describe(error)})"


def _os_cause(error: BaseException) -> OSError | None:
    """The operating system's error beneath httpx's and httpcore's wrappers, if any."""
    seen: BaseException | None = error
    for _ in range(8):  # a chain is two or three deep; the bound guards against a cycle
        if seen is None or isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
