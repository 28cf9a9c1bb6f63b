"""``digest fetch``: download the configured feeds and write each new entry as a Markdown file.

Each entry becomes ``<source>/<feed-slug>/<date>-<title-slug>-<hash>.md`` with front matter the
Markdown reader understands. Feeds are parsed by the build's own feed reader, and full-text pages by
its HTML reader, so the same safety rules apply. A file whose content is no longer what fetch wrote
was edited by a person and is left alone (see fetch_state).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest.commands import fetch_state
from digest.commands.fetch_http import DeadlinePassed, Fetcher, Resolver, resolve_host
from digest.commands.fetch_state import FeedState, Written, digest_of
from digest.config import Config, Feed
from digest.errors import BuildError, FetchError, SourceError
from digest.models import RawArticle

if TYPE_CHECKING:
    import httpx

HASH_LENGTH = 8
# What would start a block: a heading, list item, quote, table, definition, fence or rule marker.
_LEADING_MARKUP = re.compile(r"^(?:(\d+)([.)])|([#+\-=:|~>]))")
_INLINE_MARKUP = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "{": "\\{",
        "}": "\\}",
        "&": "&amp;",
        "<": "&lt;",
    }
)
_BACKSLASHED = frozenset("#+-|>.)")  # Python-Markdown's backslash escapes; the rest become entities
# Last parts of a feed's path that name the format, not the section: /world/rss.xml is the world feed.
_FEED_FILES = frozenset({"rss", "rss2", "atom", "feed", "feeds", "rdf", "index", "all"})
_FEED_SUFFIXES = frozenset({"xml", "rss", "atom", "rdf"})

Progress = Callable[[str, int, int], None]  # feed label, entries reached, entries in the feed


@dataclass(frozen=True)
class FeedReport:
    """What fetching one feed did."""

    feed: str  # the feed's label: its name, else its host (and path, see feed_labels)
    url: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: tuple[str, ...] = ()  # files edited by a person, left as they are
    problems: tuple[str, ...] = ()  # entries degraded (page not fetched, bad date, ...)
    failed: str | None = None  # why the feed itself could not be fetched or read
    not_modified: bool = False  # the server answered 304


@dataclass(frozen=True)
class _Outcome:
    """What happened to one entry, and the record to remember for it."""

    kind: str  # 'new' | 'updated' | 'unchanged' | 'kept'
    record: Written


def fetch(
    config: Config,
    state_path: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    resolve: Resolver = resolve_host,
    on_report: Callable[[FeedReport], None] = lambda report: None,
    on_progress: Progress = lambda feed, done, total: None,
) -> tuple[FeedReport, ...]:
    """Fetch every configured feed into ``config.source``; state is saved after each feed.

    Pages linked from entries may only be on global addresses, unless on a feed's own host or one in
    ``fetch.allow_hosts``; once ``fetch.deadline`` passes, the feeds and pages left are skipped and reported.
    ``on_progress`` hears of each entry of a full-text feed before its page is fetched.
    """
    if not config.feeds:
        raise FetchError('no feeds configured: add [[feeds]] tables with url = "https://..." to digest.toml')
    states = fetch_state.load(state_path)
    try:
        config.source.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"{config.source}: cannot create source folder ({exc.strerror})") from exc
    reports = []
    trusted = [urlsplit(feed.url).hostname or "" for feed in config.feeds]
    labels = feed_labels(config.feeds)
    with Fetcher(config.fetch, trusted=trusted, transport=transport, sleep=sleep, resolve=resolve) as fetcher:
        for feed in config.feeds:
            report, state = fetch_feed(
                feed,
                fetcher,
                states.get(feed.url, FeedState()),
                config.source,
                label=labels[feed.url],
                on_progress=on_progress,
            )
            if report.failed is None:
                states[feed.url] = state
            fetch_state.save(state_path, states)
            on_report(report)
            reports.append(report)
    return tuple(reports)


def feed_labels(feeds: Sequence[Feed]) -> dict[str, str]:
    """How each feed (by URL) is named in reports and folder names: its name, else its host.

    Unnamed feeds of one host are told apart by their paths ('example.org/world', 'example.org/sport');
    the only unnamed feed of a host keeps the host alone, the folder it has always had.
    """
    labels = {feed.url: feed.name for feed in feeds if feed.name}
    by_host: dict[str, list[str]] = {}
    for feed in feeds:
        if not feed.name:
            by_host.setdefault(urlsplit(feed.url).hostname or feed.url, []).append(feed.url)
    for host, urls in by_host.items():
        labels.update(_told_apart(host, urls))
    return labels


def _told_apart(host: str, urls: list[str]) -> dict[str, str]:
    """Labels for the unnamed feeds of one host: the host alone, else the least of the URL that differs."""
    if len(urls) == 1:
        return {urls[0]: host}
    for port in (False, True):  # a port only when the feeds differ by it
        for level in (_section_label, _path_label):
            names = [level(url, port) for url in urls]
            if len(set(names)) == len(names):
                return dict(zip(urls, names, strict=True))
    labels: dict[str, str] = {}
    for number, url in enumerate(urls):  # the same path and query: http and https, say
        name = _path_label(url, True)
        times = sum(1 for other in urls[:number] if _path_label(other, True) == name)
        labels[url] = f"{name} ({times + 1})" if times else name
    return labels


def _section_label(url: str, port: bool) -> str:
    """Host and path without the feed's file name: https://example.org/world/rss.xml -> example.org/world."""
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    if segments:
        stem, dot, suffix = segments[-1].rpartition(".")
        last = stem if dot and stem and suffix.lower() in _FEED_SUFFIXES else segments[-1]
        segments[-1:] = [] if last.lower() in _FEED_FILES else [last]
    return "/".join([_netloc(url, port), *segments])


def _path_label(url: str, port: bool) -> str:
    """Host, whole path and query: example.org/feed?section=world."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{_netloc(url, port)}{parts.path.rstrip('/')}{query}"


def _netloc(url: str, port: bool) -> str:
    """The host, and with ``port`` the port when the URL gives one."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if port and parts.port is not None else host


def fetch_feed(
    feed: Feed,
    fetcher: Fetcher,
    state: FeedState,
    source: Path,
    *,
    label: str,
    on_progress: Progress = lambda feed, done, total: None,
) -> tuple[FeedReport, FeedState]:
    """Fetch one feed and write its entries; a feed that fails leaves its state as it was."""
    from digest.read.readers import feed as feed_reader

    report = FeedReport(feed=label, url=feed.url)
    try:
        response = fetcher.get(feed.url, _conditional(state))
    except FetchError as exc:
        return replace(report, failed=str(exc)), state
    if response.status == 304:
        return replace(report, not_modified=True), state
    try:
        entries = feed_reader.read(response.content, feed.url)
    except SourceError as exc:
        return replace(report, failed=f"{feed.url}: {exc.reason}"), state
    records = dict(state.entries)
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    kept: list[str] = []
    problems: list[str] = []
    late = 0  # entries skipped at the deadline
    for number, entry in enumerate(entries, start=1):
        if feed.full_text:
            on_progress(label, number, len(entries))
        key = entry_key(entry)
        try:
            outcome = _entry(feed, label, fetcher, entry, records.get(key), source, problems)
        except DeadlinePassed:
            late += 1
            continue
        records[key] = outcome.record
        if outcome.kind == "kept":
            kept.append(outcome.record.path)
        else:
            counts[outcome.kind] += 1
    if late:
        entries_word = "entry" if late == 1 else "entries"
        problems.append(
            f"{late} {entries_word} not written: fetch.deadline ({fetcher.settings.deadline:g} s) passed "
            "before their pages were fetched; the next fetch gets them"
        )
    new_state = FeedState(
        # Without the validators the next fetch gets the whole feed again, skipped entries included.
        etag=None if late else response.headers.get("etag"),
        last_modified=None if late else response.headers.get("last-modified"),
        entries=records,
    )
    report = replace(
        report,
        new=counts["new"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        kept=tuple(kept),
        problems=tuple(problems),
    )
    return report, new_state


def entry_key(entry: RawArticle) -> str:
    """A stable key for a feed entry: from its link, else its title and date, else its text."""
    identity = entry.url or (f"{entry.title}\n{entry.date}" if entry.title else "\n".join(entry.paragraphs))
    return hashlib.sha1(identity.encode("utf-8")).hexdigest()[:16]


def file_name(label: str, entry: RawArticle, key: str) -> str:
    """Where a new entry of the feed labelled ``label`` is written, relative to the source folder."""
    from digest.read.normalize import slugify

    title = entry.title or (entry.paragraphs[0] if entry.paragraphs else "entry")
    return f"{slugify(label)}/{entry.date or 'undated'}-{slugify(title)}-{key[:HASH_LENGTH]}.md"


def to_markdown(entry: RawArticle, feed_url: str) -> str:
    """The entry as a Markdown file with YAML front matter, as the Markdown reader reads it back."""
    import yaml

    meta = {
        "title": entry.title,
        "date": entry.published or entry.date,
        "author": entry.author,
        "publisher": entry.publisher,
        "url": entry.url,
        "tags": list(entry.tags) or None,
        "summary": entry.summary,
        "feed": feed_url,
    }
    front = yaml.safe_dump(
        {key: value for key, value in meta.items() if value}, sort_keys=False, allow_unicode=True, width=10**6
    )
    body = "\n\n".join(markdown_text(paragraph) for paragraph in entry.paragraphs)
    return f"---\n{front}---\n\n{body}\n" if body else f"---\n{front}---\n"


def markdown_text(paragraph: str) -> str:
    """One plain-text paragraph as Markdown that renders back to exactly that text."""
    escaped = paragraph.translate(_INLINE_MARKUP)
    match = _LEADING_MARKUP.match(escaped)
    if match is None:
        return escaped
    number, closer, marker = match.groups()
    rest = escaped[match.end() :]
    if number is not None:
        return f"{number}\\{closer}{rest}"
    return (f"\\{marker}" if marker in _BACKSLASHED else f"&#{ord(marker)};") + rest


def _conditional(state: FeedState) -> dict[str, str]:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _entry(
    feed: Feed,
    label: str,
    fetcher: Fetcher,
    entry: RawArticle,
    record: Written | None,
    source: Path,
    problems: list[str],
) -> _Outcome:
    fingerprint = _fingerprint(entry, feed.full_text)
    if record is not None and not _plain_path(record.path):
        record = None  # a state file edited to point outside the source folder is not trusted
    if record is not None and record.entry == fingerprint:
        return _Outcome("unchanged", record)
    notes = [f"{entry.title or entry.url}: {warning}" for warning in entry.warnings]
    article = _with_full_text(entry, fetcher, notes) if feed.full_text else entry  # may raise DeadlinePassed
    problems.extend(notes)
    data = to_markdown(article, feed.url).encode("utf-8")
    path = record.path if record is not None else file_name(label, article, entry_key(entry))
    kind = _write(source / path, data, record)
    written = record.written if kind == "kept" and record is not None else digest_of(data)
    return _Outcome(kind, Written(path, fingerprint, written))


def _write(target: Path, data: bytes, record: Written | None) -> str:
    """Write ``data`` unless a person changed the file since fetch wrote it; say what was done."""
    try:
        on_disk = target.read_bytes()
    except FileNotFoundError:
        on_disk = None
    except OSError as exc:
        raise FetchError(f"{target}: cannot read ({exc.strerror})") from exc
    if on_disk == data:
        return "unchanged"
    if record is None and on_disk is None:
        _replace(target, data)
        return "new"
    if record is not None and on_disk is not None and digest_of(on_disk) == record.written:
        _replace(target, data)
        return "updated"
    return "kept"  # edited or removed by a person, or a file fetch did not write


def _replace(target: Path, data: bytes) -> None:
    # A hidden temporary name: the build skips hidden files should it run meanwhile.
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise FetchError(f"{target}: cannot write ({exc.strerror})") from exc


def _with_full_text(entry: RawArticle, fetcher: Fetcher, problems: list[str]) -> RawArticle:
    """The entry completed from its article page; the feed's own text when the page fails."""
    from digest.read.readers import html as html_reader

    if not entry.url:
        problems.append(f"{entry.title}: no link to fetch the full text from; kept the feed's text")
        return entry
    try:
        response = fetcher.get(entry.url)
        page = html_reader.read(response.content, entry.url)[0]
    except DeadlinePassed:
        raise  # the entry waits for the next fetch rather than keep the feed's text for good
    except FetchError as exc:
        problems.append(f"{exc}; kept the feed's text")
        return entry
    except SourceError as exc:
        problems.append(f"{entry.url}: {exc.reason}; kept the feed's text")
        return entry
    return merge_page(entry, page, response.url)


def merge_page(entry: RawArticle, page: RawArticle, final_url: str) -> RawArticle:
    """The feed entry with the page's text, and the page's metadata where the entry has none."""
    longer = sum(map(len, page.paragraphs)) > sum(map(len, entry.paragraphs))
    publisher = page.publisher if entry.publisher_from != "feed:source" else None
    return replace(
        entry,
        paragraphs=page.paragraphs if longer else entry.paragraphs,
        title=entry.title or page.title,
        date=entry.date or page.date,
        published=entry.published if entry.date else page.published,
        author=entry.author or page.author,
        publisher=publisher or entry.publisher,
        url=entry.url or page.url or final_url,
        tags=entry.tags or page.tags,
        summary=entry.summary or page.summary,
    )


def _fingerprint(entry: RawArticle, full_text: bool) -> str:
    """What the entry says, without its position in the feed (which shifts as entries are added)."""
    fields = asdict(entry)
    for varying in ("source", "warnings"):
        fields.pop(varying)
    fields["full_text"] = full_text
    return digest_of(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8"))[:32]


def _plain_path(relative: str) -> bool:
    from digest.write.staging import safe_path

    try:
        safe_path(Path("."), relative)
    except BuildError:
        return False
    return relative.endswith(".md")
