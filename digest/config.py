"""The build's configuration: an optional ``digest.toml``, validated against one declarative schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest import __version__
from digest.errors import ConfigError

CONFIG_NAME = "digest.toml"
UNMATCHED = ("other", "discover")
USER_AGENT = f"newsdigest/{__version__} (static news digest; reads the feeds listed in its digest.toml)"
FETCH_STATE = ".digest-cache/fetch.json"
# Labels of letters (any script), digits, '-' and '_', joined by dots: no scheme, port, path or wildcard.
_HOST_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)*")


@dataclass(frozen=True)
class Setting:
    """One documented key of digest.toml."""

    section: str
    key: str
    type: type
    default: Any
    help: str
    example: Any = None  # shown in messages when the default ("", []) makes a poor example


# The single source of truth for settings; the README's table is checked against it by a test.
SETTINGS: tuple[Setting, ...] = (
    Setting("site", "title", str, "News Digest", "Site title, shown in the header and feeds."),
    Setting(
        "site",
        "base_url",
        str,
        "",
        "Absolute URL of the published site (https://...); used for feeds, sitemap and canonical links.",
        "https://example.org/news",
    ),
    Setting(
        "site",
        "templates",
        str,
        "",
        "A folder whose templates override the default theme, file by file.",
        "templates",
    ),
    Setting("build", "source", str, "articles", "Folder of articles to read (searched recursively)."),
    Setting("build", "output", str, "site", "Folder the site is written to; replaced whole on success."),
    Setting(
        "build",
        "cache",
        str,
        ".digest-cache",
        "Folder of the incremental build cache (SQLite); `--no-cache` ignores it.",
    ),
    Setting(
        "build", "max_file_mb", int, 10, "Files larger than this many megabytes are skipped with a warning."
    ),
    Setting("summary", "sentences", int, 3, "Sentences in each article summary (1-20)."),
    Setting(
        "group",
        "unmatched",
        str,
        "other",
        'With `[[topics]]`: stories matching none go to one "Other" topic (`"other"`) '
        'or to automatically discovered topics (`"discover"`).',
    ),
    Setting(
        "fetch",
        "user_agent",
        str,
        USER_AGENT,
        "User-Agent header sent with every request.",
        "newsdigest (you@example.org)",
    ),
    Setting(
        "fetch",
        "timeout",
        float,
        20.0,
        "Seconds one request may take in all: connecting, waiting and reading the whole body.",
    ),
    Setting("fetch", "retries", int, 3, "Tries per request on timeouts, connection errors and 5xx (1-10)."),
    Setting("fetch", "backoff", float, 1.0, "Seconds before the first retry; doubled for each further one."),
    Setting("fetch", "rate_limit", float, 1.0, "Minimum seconds between two requests to the same host."),
    Setting(
        "fetch",
        "deadline",
        float,
        600.0,
        "Seconds the whole fetch may take; feeds and pages still waiting then are skipped until the next fetch.",
    ),
    Setting(
        "fetch",
        "allow_hosts",
        list,
        (),
        "Host names whose pages may be fetched although they are on a loopback, private or other "
        "non-public address (a feed's own host always may).",
        ["intranet.example"],
    ),
    Setting(
        "fetch",
        "state",
        str,
        "",
        f"File where fetch remembers ETags and what it wrote (default: {FETCH_STATE} beside digest.toml).",
        FETCH_STATE,
    ),
    Setting("serve", "port", int, 8000, "Port of `digest serve` on 127.0.0.1 (0: any free port)."),
    Setting("publish", "branch", str, "gh-pages", "Git branch `digest publish` commits the site to."),
    Setting(
        "publish",
        "folder",
        str,
        "",
        "Publish by copying the site to this folder instead of a branch.",
        "public",
    ),
)


@dataclass(frozen=True)
class TopicRule:
    """A configured topic: stories whose text matches its keywords go to it."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Feed:
    """A configured RSS or Atom feed that ``digest fetch`` downloads."""

    url: str
    name: str | None = None
    full_text: bool = False


@dataclass(frozen=True)
class FetchSettings:
    """How ``digest fetch`` talks to servers."""

    user_agent: str = USER_AGENT
    timeout: float = 20.0
    retries: int = 3
    backoff: float = 1.0
    rate_limit: float = 1.0
    state: Path | None = None  # None: FETCH_STATE beside the config file
    deadline: float = 600.0
    allow_hosts: tuple[str, ...] = ()  # lowercase host names, without brackets or a trailing dot


@dataclass(frozen=True)
class Config:
    """Validated settings; relative folders are resolved against the config file's folder."""

    path: Path | None = None
    title: str = "News Digest"
    base_url: str = ""
    templates: Path | None = None
    source: Path = Path("articles")
    output: Path = Path("site")
    max_file_mb: int = 10
    cache: Path | None = None  # None: no cache (load() always sets one; code that builds a Config may not)
    sentences: int = 3
    topics: tuple[TopicRule, ...] = field(default_factory=tuple)
    unmatched: str = "other"
    feeds: tuple[Feed, ...] = field(default_factory=tuple)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    port: int = 8000
    publish_branch: str = "gh-pages"
    publish_folder: Path | None = None


def find(cwd: Path) -> Path | None:
    """The project's digest.toml: in ``cwd`` or the nearest folder above it that has one, as git looks."""
    for folder in (cwd, *cwd.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load(path: Path | None, cwd: Path, *, check_source: bool = True) -> Config:
    """Read and validate a config file (or the defaults); raise ConfigError listing every problem."""
    data: dict[str, Any] = {}
    base = cwd
    if path is not None:
        data = _read_toml(path)
        base = path.parent
    problems: list[str] = []
    values = _values(data, problems)
    problems.extend(_base_url_problems(values["site.base_url"]))
    topics = _topics(data.get("topics", []), problems)
    feeds = _feeds(data.get("feeds", []), problems)
    config = Config(
        path=path,
        title=values["site.title"],
        base_url=values["site.base_url"].rstrip("/"),
        templates=(base / values["site.templates"]) if values["site.templates"] else None,
        source=base / values["build.source"],
        output=base / values["build.output"],
        max_file_mb=values["build.max_file_mb"],
        cache=base / values["build.cache"],
        sentences=values["summary.sentences"],
        topics=topics,
        unmatched=values["group.unmatched"],
        feeds=feeds,
        fetch=FetchSettings(
            user_agent=values["fetch.user_agent"],
            timeout=values["fetch.timeout"],
            retries=values["fetch.retries"],
            backoff=values["fetch.backoff"],
            rate_limit=values["fetch.rate_limit"],
            state=(base / values["fetch.state"]) if values["fetch.state"] else None,
            deadline=values["fetch.deadline"],
            allow_hosts=_allow_hosts(values["fetch.allow_hosts"], problems),
        ),
        port=values["serve.port"],
        publish_branch=values["publish.branch"],
        publish_folder=(base / values["publish.folder"]) if values["publish.folder"] else None,
    )
    problems.extend(_check(config, check_source))
    if problems:
        raise ConfigError(path, problems)
    return config


def fetch_state_path(config: Config, cwd: Path) -> Path:
    """Where fetch keeps its state: ``fetch.state``, else FETCH_STATE beside the config file (or in cwd)."""
    if config.fetch.state is not None:
        return config.fetch.state
    return (config.path.parent if config.path is not None else cwd) / FETCH_STATE


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # here: a build without a config file need not import it

    try:
        data = path.read_bytes()
        # Editors on Windows may save a byte-order mark, which TOML does not allow: it says nothing.
        return tomllib.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(path, ["file not found"]) from exc
    except OSError as exc:
        raise ConfigError(path, [f"cannot read ({exc.strerror})"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"not valid UTF-8 (byte {exc.start + 1}): save it as UTF-8"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from exc


def _values(data: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    known = {(s.section, s.key): s for s in SETTINGS}
    sections = {s.section for s in SETTINGS} | {"topics", "feeds"}
    values = {f"{s.section}.{s.key}": s.default for s in SETTINGS}
    for section, table in data.items():
        if section not in sections:
            problems.append(f"unknown section [{section}] (expected one of: {', '.join(sorted(sections))})")
            continue
        if section in ("topics", "feeds"):
            continue
        if not isinstance(table, dict):
            problems.append(f"`[{section}]` must be a section of settings, not {_toml(table)}")
            continue
        for key, value in table.items():
            setting = known.get((section, key))
            if setting is None:
                expected = ", ".join(s.key for s in SETTINGS if s.section == section)
                problems.append(f"unknown key `{key}` in [{section}] (expected one of: {expected})")
            elif not _is_a(value, setting.type):
                problems.append(_type_problem(setting, value))
            else:
                values[f"{section}.{key}"] = float(value) if setting.type is float else value
    return values


def _key(section: str, key: str) -> str:
    """A setting as the user writes it in digest.toml."""
    return f"`[{section}] {key}`"


def _type_problem(setting: Setting, value: Any) -> str:
    """What a setting of the wrong type must be, in words, with an example."""
    where = _key(setting.section, setting.key)
    if setting.type is list and isinstance(value, str):
        return f"{where} must be a list of text, in brackets: {_toml([value])}"
    example = setting.default if setting.example is None else setting.example
    return f"{where} must be {_KINDS[setting.type]}, like {_toml(example)}"


_KINDS = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "text",
    list: "a list of text",
}


def _toml(value: Any) -> str:
    """A value as it is written in TOML, for messages."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str | int):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return f"[{', '.join(map(_toml, value))}]"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _is_a(value: object, expected: type) -> bool:
    """Whether a TOML value has the setting's type; an integer is a fine float, a bool is only a bool."""
    accepted = (int, float) if expected is float else expected
    return isinstance(value, accepted) and isinstance(value, bool) is (expected is bool)


_FEED_EXAMPLE = "https://example.org/rss.xml"


def _feeds(raw: Any, problems: list[str]) -> tuple[Feed, ...]:
    if not isinstance(raw, list):
        problems.append(
            f'`feeds` must be [[feeds]] tables, each with a url: [[feeds]] url = "{_FEED_EXAMPLE}"'
        )
        return ()
    feeds: dict[str, tuple[int, Feed]] = {}  # by url: the feed's number in the file, and the feed
    for number, entry in enumerate(raw, start=1):
        where = f"`[[feeds]]` number {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a table with a url, and optionally name and full_text")
            continue
        unknown = sorted(set(entry) - {"url", "name", "full_text"})
        if unknown:
            problems.append(f"{where}: unknown key `{unknown[0]}` (expected url, name, full_text)")
        feed = _feed(entry, where, problems)
        if feed is None:
            continue
        if feed.url in feeds:
            problems.append(f"{where}: url repeats feed number {feeds[feed.url][0]}: {feed.url}")
            continue
        feeds[feed.url] = (number, feed)
    return tuple(feed for _number, feed in feeds.values())


def _feed(entry: dict[str, Any], where: str, problems: list[str]) -> Feed | None:
    """One [[feeds]] table as a Feed; None (with the problems recorded) when it is invalid."""
    url, name, full_text = entry.get("url"), entry.get("name"), entry.get("full_text", False)
    found = len(problems)
    if url is None:
        problems.append(f"{where} has no `url`")
    elif not isinstance(url, str) or not _is_web_address(url.strip()):
        problems.append(f"{where}: url must be an http:// or https:// address, like {_FEED_EXAMPLE}")
    if name is not None and not isinstance(name, str):
        problems.append(f'{where}: name must be text, like "Example World"')
    elif name is not None and not name.strip():
        problems.append(f"{where}: name must not be empty (leave it out to name the feed after its site)")
    if not isinstance(full_text, bool):
        problems.append(f"{where}: full_text must be true or false")
    if len(problems) > found or not isinstance(url, str):
        return None
    return Feed(url.strip(), name.strip() if isinstance(name, str) else None, bool(full_text))


def _is_web_address(url: str) -> bool:
    """Whether ``url`` is http(s) with a host: ``http://`` alone is not."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is not a number, or a malformed IPv6 address
        return False


def _allow_hosts(raw: list[Any], problems: list[str]) -> tuple[str, ...]:
    """fetch.allow_hosts as lowercase host names; each entry that is not a bare host name is a problem."""
    hosts: list[str] = []
    for entry in raw:
        host = _bare_host(entry)
        if host is None:
            problems.append(
                f'{_key("fetch", "allow_hosts")} must list bare host names such as "intranet.example" or '
                f'"10.0.0.5" (no scheme, port or path), got {_toml(entry)}'
            )
        elif host not in hosts:
            hosts.append(host)
    return tuple(hosts)


def _bare_host(entry: Any) -> str | None:
    """A host name or IP address, lowercased, without brackets or trailing dot; None when it is not one."""
    import ipaddress

    if not isinstance(entry, str):
        return None
    host = entry.strip().lower().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _HOST_NAME.fullmatch(host) is None:
        return None
    return host


def _topics(raw: Any, problems: list[str]) -> tuple[TopicRule, ...]:
    if not isinstance(raw, list):
        problems.append(
            '`topics` must be [[topics]] tables: [[topics]] name = "...", keywords = ["...", ...]'
        )
        return ()
    rules = []
    for number, entry in enumerate(raw, start=1):
        where = f"`[[topics]]` number {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a table with name and keywords")
            continue
        unknown = sorted(set(entry) - {"name", "keywords"})
        if unknown:
            problems.append(f"{where}: unknown key `{unknown[0]}` (expected name, keywords)")
        name, keywords = entry.get("name"), entry.get("keywords")
        if not isinstance(name, str) or not name.strip():
            problems.append(f'{where}: name must be text, like "Middle East"')
            continue
        if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) for k in keywords):
            problems.append(f'{where}: keywords must be a list of text, like ["Gaza", "Israel"]')
            continue
        rules.append(TopicRule(name.strip(), tuple(k.strip() for k in keywords if k.strip())))
    return tuple(rules)


def _base_url_problems(url: str) -> list[str]:
    """What makes a base URL unusable as the prefix of every page's address."""
    where = _key("site", "base_url")
    if not url:
        return []
    if not url.startswith(("http://", "https://")):
        return [f"{where} must start with http:// or https://, got {_toml(url)}"]
    if not url.isprintable() or any(ch.isspace() for ch in url):
        return [f"{where} must be a web address without spaces, got {_toml(url)}"]
    if not _is_web_address(url):
        return [f"{where} must name a host, like https://example.org/news, got {_toml(url)}"]
    parts = urlsplit(url)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return [
            f"{where} must not hold a query or a fragment ('?', '#'): pages are added after it, got {_toml(url)}"
        ]
    return []


def _check(config: Config, check_source: bool) -> list[str]:
    problems = []
    if check_source and not config.source.is_dir():
        problems.append(f"{_key('build', 'source')}: folder not found: {config.source}")
    if config.templates is not None and not config.templates.is_dir():
        problems.append(f"{_key('site', 'templates')}: folder not found: {config.templates}")
    if config.unmatched not in UNMATCHED:
        problems.append(
            f"{_key('group', 'unmatched')} must be {' or '.join(map(_toml, UNMATCHED))}, got {_toml(config.unmatched)}"
        )
    if config.max_file_mb < 1:
        problems.append(f"{_key('build', 'max_file_mb')} must be at least 1, got {config.max_file_mb}")
    if not 1 <= config.sentences <= 20:
        problems.append(f"{_key('summary', 'sentences')} must be between 1 and 20, got {config.sentences}")
    problems.extend(_fetch_problems(config.fetch))
    if not 0 <= config.port <= 65535:
        problems.append(f"{_key('serve', 'port')} must be between 0 and 65535, got {config.port}")
    if not config.publish_branch.strip():
        problems.append(f"{_key('publish', 'branch')} must not be empty")
    if config.output.resolve() == config.source.resolve():
        problems.append(f"{_key('build', 'output')} must not be the source folder")
    return problems


def _fetch_problems(fetch: FetchSettings) -> list[str]:
    problems = []
    if fetch.timeout <= 0:
        problems.append(f"{_key('fetch', 'timeout')} must be more than 0 seconds, got {fetch.timeout:g}")
    if not 1 <= fetch.retries <= 10:
        problems.append(f"{_key('fetch', 'retries')} must be between 1 and 10, got {fetch.retries}")
    for key, seconds in (("backoff", fetch.backoff), ("rate_limit", fetch.rate_limit)):
        if seconds < 0:
            problems.append(f"{_key('fetch', key)} must not be negative, got {seconds:g}")
    if fetch.deadline <= 0:
        problems.append(f"{_key('fetch', 'deadline')} must be more than 0 seconds, got {fetch.deadline:g}")
    return problems
