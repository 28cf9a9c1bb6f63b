"""The build's configuration: an optional ``digest.toml``, validated against one declarative schema."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.errors import ConfigError

CONFIG_NAME = "digest.toml"


@dataclass(frozen=True)
class Setting:
    """One documented key of digest.toml."""

    section: str
    key: str
    type: type
    default: Any
    help: str


# The single source of truth for settings; the README's table is checked against it by a test.
SETTINGS: tuple[Setting, ...] = (
    Setting("site", "title", str, "News Digest", "Site title, shown in the header and feeds."),
    Setting(
        "site",
        "base_url",
        str,
        "",
        "Absolute URL of the published site (https://...); used for feeds, sitemap and canonical links.",
    ),
    Setting(
        "site", "templates", str, "", "A folder whose templates override the default theme, file by file."
    ),
    Setting("build", "source", str, "seeds", "Folder of articles to read (searched recursively)."),
    Setting("build", "output", str, "site", "Folder the site is written to; replaced whole on success."),
    Setting("summary", "sentences", int, 3, "Sentences in each article summary (1-20)."),
)


@dataclass(frozen=True)
class TopicRule:
    """A configured topic: stories whose text matches its keywords go to it."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """Validated settings; relative folders are resolved against the config file's folder."""

    path: Path | None = None
    title: str = "News Digest"
    base_url: str = ""
    templates: Path | None = None
    source: Path = Path("seeds")
    output: Path = Path("site")
    sentences: int = 3
    topics: tuple[TopicRule, ...] = field(default_factory=tuple)


def find(cwd: Path) -> Path | None:
    """The digest.toml in ``cwd``, if there is one."""
    candidate = cwd / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load(path: Path | None, cwd: Path, *, check_source: bool = True) -> Config:
    """Read and validate a config file (or the defaults); raise ConfigError listing every problem."""
    data: dict[str, Any] = {}
    base = cwd
    if path is not None:
        data = _read_toml(path)
        base = path.parent
    problems: list[str] = []
    values = _values(data, problems)
    topics = _topics(data.get("topics", []), problems)
    config = Config(
        path=path,
        title=values["site.title"],
        base_url=values["site.base_url"].rstrip("/"),
        templates=(base / values["site.templates"]) if values["site.templates"] else None,
        source=base / values["build.source"],
        output=base / values["build.output"],
        sentences=values["summary.sentences"],
        topics=topics,
    )
    problems.extend(_check(config, check_source))
    if problems:
        raise ConfigError(path, problems)
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(path, ["file not found"]) from exc
    except OSError as exc:
        raise ConfigError(path, [f"cannot read ({exc.strerror})"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from exc


def _values(data: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    known = {(s.section, s.key): s for s in SETTINGS}
    sections = {s.section for s in SETTINGS} | {"topics"}
    values = {f"{s.section}.{s.key}": s.default for s in SETTINGS}
    for section, table in data.items():
        if section not in sections:
            problems.append(f"unknown section [{section}] (expected one of: {', '.join(sorted(sections))})")
            continue
        if section == "topics":
            continue
        if not isinstance(table, dict):
            problems.append(f"[{section}] must be a table")
            continue
        for key, value in table.items():
            setting = known.get((section, key))
            if setting is None:
                expected = ", ".join(s.key for s in SETTINGS if s.section == section)
                problems.append(f"unknown key {section}.{key} (expected one of: {expected})")
            elif not isinstance(value, setting.type) or isinstance(value, bool) is not (setting.type is bool):
                problems.append(
                    f"{section}.{key} must be {setting.type.__name__}, got {type(value).__name__} {value!r}"
                )
            else:
                values[f"{section}.{key}"] = value
    return values


def _topics(raw: Any, problems: list[str]) -> tuple[TopicRule, ...]:
    if not isinstance(raw, list):
        problems.append("topics must be an array of tables: [[topics]] name = ..., keywords = [...]")
        return ()
    rules = []
    for number, entry in enumerate(raw, start=1):
        where = f"topics #{number}"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a table with name and keywords")
            continue
        unknown = sorted(set(entry) - {"name", "keywords"})
        if unknown:
            problems.append(f"unknown key {where}.{unknown[0]} (expected name, keywords)")
        name, keywords = entry.get("name"), entry.get("keywords")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where}.name must be a non-empty string")
            continue
        if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) for k in keywords):
            problems.append(f"{where}.keywords must be a non-empty list of strings")
            continue
        rules.append(TopicRule(name.strip(), tuple(k.strip() for k in keywords if k.strip())))
    return tuple(rules)


def _check(config: Config, check_source: bool) -> list[str]:
    problems = []
    if check_source and not config.source.is_dir():
        problems.append(f"build.source: folder not found: {config.source}")
    if config.templates is not None and not config.templates.is_dir():
        problems.append(f"site.templates: folder not found: {config.templates}")
    if config.base_url and not config.base_url.startswith(("http://", "https://")):
        problems.append(f"site.base_url must start with http:// or https://, got {config.base_url!r}")
    if not 1 <= config.sentences <= 20:
        problems.append(f"summary.sentences must be between 1 and 20, got {config.sentences}")
    if config.output.resolve() == config.source.resolve():
        problems.append("build.output must not be the source folder")
    return problems
