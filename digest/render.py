"""Jinja2 theme -> site files: ``render(digest, config)`` returns {relative path: bytes}, writing nothing.

Every template receives ``root`` (the prefix back to the site root, so links stay relative), ``page``,
``site_title``, ``base_url``, ``canonical``, ``generated``, ``edition`` (the newest date in the digest),
``nav_topics`` and the lookups ``articles``, ``stories``, ``topics`` (id -> record), plus page-specific
values documented in each template's header comment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

from digest import paths
from digest.config import Config
from digest.errors import TemplateError
from digest.models import Article, Day, Digest, Story, Topic

HOME_STORIES_PER_TOPIC = 6
HOME_DAYS = 7
FEED_ENTRIES = 50
TEASER_SENTENCES = 3
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_EPOCH = "1970-01-01T00:00:00Z"


@dataclass(frozen=True)
class TopicGroup:
    """The stories of one topic shown on a page; ``topic`` is None for stories without a topic."""

    topic: Topic | None
    stories: tuple[Story, ...]
    total: int


@dataclass(frozen=True)
class Month:
    """The days of one month in the archive."""

    number: int
    name: str
    days: tuple[Day, ...]


@dataclass(frozen=True)
class Year:
    """The months of one year in the archive, newest first."""

    year: str
    months: tuple[Month, ...]


def theme_dir() -> Path:
    """The default theme's folder: inside the package when installed, else the repository's ``templates/``."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parents[1] / "templates"


def environment(config: Config) -> jinja2.Environment:
    """A strict Jinja2 environment over the user's template folder (if any), then the default theme."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in _template_dirs(config)]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(human_date=human_date, date_range=date_range, plural=plural, month_name=month_name)
    env.globals.update(
        story_page=paths.story_page,
        article_page=paths.article_page,
        topic_page=paths.topic_page,
        day_page=paths.day_page,
        original_copy=paths.original_copy,
    )
    return env


NAV_TOPICS = 8  # topics named in every page's header; the rest are a click away on the home page


def _biggest(topics: Iterable[Topic], count: int) -> list[Topic]:
    """The ``count`` topics with the most stories, in label order."""
    chosen = sorted(topics, key=lambda t: (-len(t.stories), t.label))[:count]
    return sorted(chosen, key=lambda t: t.label.lower())


def render(digest: Digest, config: Config, *, generated: str | None = None) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root ('/' separators)."""
    env = environment(config)
    site = _Site(digest, config, generated)
    files: dict[str, bytes] = {}
    files["index.html"] = site.page(env, "index.html", "index.html", **_home(digest, site))
    for story in digest.stories:
        files[paths.story_page(story.id)] = site.page(
            env, "story.html", paths.story_page(story.id), **_story(story, site)
        )
    for article in digest.articles:
        page = paths.article_page(article.slug)
        files[page] = site.page(env, "article.html", page, **_article(article, site))
    for topic in digest.topics:
        page = paths.topic_page(topic.id)
        files[page] = site.page(
            env, "topic.html", page, topic=topic, topic_stories=site.stories_of(topic.stories)
        )
    for index, day in enumerate(digest.days):
        files[paths.day_page(day.date)] = site.page(
            env, "day.html", paths.day_page(day.date), **_day(index, site)
        )
    files["archive.html"] = site.page(env, "archive.html", "archive.html", **_archive(digest))
    files["404.html"] = site.page(env, "404.html", "404.html", home=_absolute(config, "index.html"))
    files["feed.xml"] = site.page(env, "feed.xml", "feed.xml", **_feed(digest, site))
    files.update(static_files(config))
    return dict(sorted(files.items()))


def static_files(config: Config) -> dict[str, bytes]:
    """The theme's ``static/`` files, overridden by same-named files in the user's ``static/``."""
    files: dict[str, bytes] = {}
    for folder in reversed(_template_dirs(config)):
        static = folder / "static"
        if not static.is_dir():
            continue
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            files["static/" + path.relative_to(static).as_posix()] = path.read_bytes()
    return files


def original_copies(digest: Digest) -> dict[str, str]:
    """Site path -> source path of every source file linked as an original (articles without a URL)."""
    copies = {paths.original_copy(a.source): a.source.split("#", 1)[0] for a in digest.articles if not a.url}
    return dict(sorted(copies.items()))


def human_date(value: str | None) -> str:
    """'2024-04-07' (or a timestamp starting so) -> '7 April 2024'; None -> 'Undated'."""
    if value is None:
        return "Undated"
    year, month, day = _split_date(value)
    return f"{day} {_MONTHS[month - 1]} {year}"


def date_range(start: str | None, end: str | None = None) -> str:
    """A compact human range: '7 April 2024', '7–9 April 2024', '30 March – 2 April 2024'."""
    if start is None or end is None or end[:10] == start[:10]:
        return human_date(start or end)
    (y1, m1, d1), (y2, m2, d2) = _split_date(start), _split_date(end)
    if y1 != y2:
        return f"{human_date(start)} – {human_date(end)}"
    if m1 != m2:
        return f"{d1} {_MONTHS[m1 - 1]} – {d2} {_MONTHS[m2 - 1]} {y2}"
    return f"{d1}–{d2} {_MONTHS[m2 - 1]} {y2}"


def month_name(number: int) -> str:
    """1 -> 'January'."""
    return _MONTHS[number - 1]


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 source', '3 sources'."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def _split_date(value: str) -> tuple[int, int, int]:
    parts = value[:10].split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def _template_dirs(config: Config) -> list[Path]:
    return [folder for folder in (config.templates, theme_dir()) if folder is not None]


class _Site:
    """Lookups shared by every page, and the rendering of one page with its common context."""

    def __init__(self, digest: Digest, config: Config, generated: str | None) -> None:
        self.digest = digest
        self.config = config
        self.articles = {a.id: a for a in digest.articles}
        self.stories = {s.id: s for s in digest.stories}
        self.topics = {t.id: t for t in digest.topics}
        self.dirs = _template_dirs(config)
        self.common: dict[str, Any] = {
            "site_title": digest.title or config.title,
            "base_url": config.base_url,
            "generated": generated,
            "edition": digest.days[0].date if digest.days else None,
            "nav_topics": _biggest(digest.topics, NAV_TOPICS),
            "articles": self.articles,
            "stories": self.stories,
            "topics": self.topics,
            "story_topic": self.story_topic,
            "teaser": self.teaser,
            "story_of_article": self.story_of_article,
        }

    def page(self, env: jinja2.Environment, template: str, page: str, **values: Any) -> bytes:
        """Render ``template`` as the site file ``page``."""
        context = {
            **self.common,
            "page": page,
            "root": paths.relative_root(page),
            "canonical": _absolute(self.config, page) if self.config.base_url else "",
            **values,
        }
        try:
            return env.get_template(template).render(context).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            broken = self._where(exc.filename or exc.name or template, exc.lineno)
            raise TemplateError(f"{broken}: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            including = self._frame(exc.__traceback__)
            raise TemplateError(f"{including or template}: template not found: {exc.name}") from exc
        except Exception as exc:
            where = self._frame(exc.__traceback__)
            # An error raised outside any template is a bug in the renderer, not in the theme.
            if where is None and not isinstance(exc, jinja2.TemplateError):
                raise
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise TemplateError(f"{where or template}: {message}") from exc

    def story_topic(self, story: Story) -> Topic | None:
        """The topic a story belongs to, if any."""
        topic_id = story.topic or self.digest.topic_of.get(story.id, "")
        return self.topics.get(topic_id)

    def teaser(self, story: Story) -> tuple[str, ...]:
        """The first sentences of a story's summary (or of its first article's summary)."""
        sentences = tuple(s.text for s in story.summary)
        if not sentences and story.articles:
            sentences = self.digest.summaries.get(story.articles[0], ())
        return sentences[:TEASER_SENTENCES]

    def story_of_article(self, article: Article) -> Story | None:
        """The story an article (or the article it duplicates) belongs to."""
        story_id = self.digest.story_of.get(article.id)
        if story_id is None and article.id in self.digest.duplicate_of:
            story_id = self.digest.story_of.get(self.digest.duplicate_of[article.id])
        return self.stories.get(story_id) if story_id else None

    def stories_of(self, ids: Iterable[str]) -> tuple[Story, ...]:
        """The stories with these ids, in that order, skipping unknown ids."""
        return tuple(self.stories[i] for i in ids if i in self.stories)

    def _frame(self, tb: TracebackType | None) -> str | None:
        """'file line N' of the innermost template frame of a traceback, if any."""
        found = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if any(filename.startswith(str(folder) + os.sep) for folder in self.dirs):
                found = self._where(filename, tb.tb_lineno)
            tb = tb.tb_next
        return found

    def _where(self, filename: str, line: int | None) -> str:
        theme = str(theme_dir()) + os.sep
        shown = (
            "templates/" + filename[len(theme) :].replace(os.sep, "/")
            if filename.startswith(theme)
            else filename
        )
        return f"{shown} line {line}" if line else shown


def _home(digest: Digest, site: _Site) -> dict[str, Any]:
    groups: dict[str, list[Story]] = {}
    for story in digest.stories:
        topic = site.story_topic(story)
        groups.setdefault(topic.id if topic else "", []).append(story)
    ordered = [
        TopicGroup(site.topics.get(key), tuple(items[:HOME_STORIES_PER_TOPIC]), len(items))
        for key, items in groups.items()
    ]
    # Stories without a topic go last, whatever their date.
    ordered.sort(key=lambda group: group.topic is None)
    return {"groups": tuple(ordered), "recent_days": digest.days[:HOME_DAYS]}


def _story(story: Story, site: _Site) -> dict[str, Any]:
    kept = [site.articles[i] for i in story.articles if i in site.articles]
    kept.sort(key=lambda a: (a.date is None, a.date or ""))
    copies = tuple(
        (site.articles[d], site.articles.get(site.digest.duplicate_of.get(d, "")))
        for d in story.duplicates
        if d in site.articles
    )
    return {"story": story, "story_articles": tuple(kept), "copies": copies, "topic": site.story_topic(story)}


def _article(article: Article, site: _Site) -> dict[str, Any]:
    original = site.digest.duplicate_of.get(article.id)
    provenance = (
        ("Title", article.title, article.title_from),
        ("Date", human_date(article.date) if article.date else None, article.date_from),
        ("Author", article.author, article.author_from),
        ("Publisher", article.publisher, article.publisher_from),
        ("Link", article.url, article.url_from),
    )
    return {
        "article": article,
        "summary": site.digest.summaries.get(article.id, ()),
        "story": site.story_of_article(article),
        "duplicate_of": site.articles.get(original) if original else None,
        "provenance": provenance,
    }


def _day(index: int, site: _Site) -> dict[str, Any]:
    days = site.digest.days  # newest first: the next (newer) day comes before this one
    return {
        "day": days[index],
        "day_stories": site.stories_of(days[index].stories),
        "newer": days[index - 1] if index > 0 else None,
        "older": days[index + 1] if index + 1 < len(days) else None,
    }


def _archive(digest: Digest) -> dict[str, Any]:
    years: dict[str, dict[int, list[Day]]] = {}
    for day in sorted(digest.days, key=lambda d: d.date, reverse=True):
        year, month, _ = _split_date(day.date)
        years.setdefault(f"{year:04d}", {}).setdefault(month, []).append(day)
    archive = tuple(
        Year(year, tuple(Month(number, month_name(number), tuple(days)) for number, days in months.items()))
        for year, months in years.items()
    )
    undated = tuple(story for story in digest.stories if story.date is None)
    return {"years": archive, "undated": undated}


def _feed(digest: Digest, site: _Site) -> dict[str, Any]:
    stories = digest.stories[:FEED_ENTRIES]
    dates = [d for s in stories for d in (s.updated, s.date) if d]
    updated = _timestamp(max(dates)) if dates else (site.common["generated"] or _EPOCH)
    config = site.config
    return {
        "feed_stories": stories,
        "feed_updated": updated,
        "feed_id": _absolute(config, "feed.xml") if config.base_url else "urn:newsdigest:feed",
        "entry_id": _entry_id(config),
        "link": _linker(config),
        "entry_updated": lambda story: _story_updated(story, updated),
    }


def _story_updated(story: Story, fallback: str) -> str:
    date = story.updated or story.date
    return _timestamp(date) if date else fallback


def _timestamp(date: str) -> str:
    return date if "T" in date else f"{date[:10]}T00:00:00Z"


def _absolute(config: Config, page: str) -> str:
    return f"{config.base_url}/{page}" if config.base_url else page


def _linker(config: Config) -> Callable[[str], str]:
    return lambda page: _absolute(config, page)


def _entry_id(config: Config) -> Callable[[Story], str]:
    # Atom ids must be absolute IRIs: without a base URL, a stable URN stands in for the page address.
    if config.base_url:
        return lambda story: _absolute(config, paths.story_page(story.id))
    return lambda story: f"urn:newsdigest:story:{story.id}"


__all__ = [
    "Month",
    "TopicGroup",
    "Year",
    "date_range",
    "environment",
    "human_date",
    "month_name",
    "original_copies",
    "plural",
    "render",
    "static_files",
    "theme_dir",
]
