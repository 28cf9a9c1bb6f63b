"""Jinja2 theme -> site files: ``render_site`` hands each file to a sink (the build's writer) as it is
made, reusing pages of the last build that are still right; ``render(digest, config)`` returns them all as
{relative path: bytes}.

The pages and their values are in ``pages.py`` (shared lookups in ``site.py``); feeds in ``feeds.py``, crawler files in ``crawlers.py``; search in
``search.py``; page metadata in ``seo.py``. Every template receives ``root`` (the prefix back to the
site root, so links stay relative), ``page``, ``page_title``, ``crumbs``, ``meta``, ``social``,
``site_title``, ``base_url``, ``canonical``, ``generated``, ``edition`` (the newest date in the digest),
``nav_topics``, ``all_topics`` and the lookups ``articles``, ``stories``, ``topics`` (id -> record),
plus page-specific values documented in each template's header comment.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import jinja2

from digest.config import Config
from digest.errors import DigestError, TemplateError
from digest.models import Digest, Story, Topic
from digest.render import crawlers, feeds, paths, seo
from digest.render.humanize import clock, date_range, human_date, month_name, plural, reading_time
from digest.render.pages import Month, TopicGroup, Year, page_makers
from digest.render.search import INDEX_PAGE, search_files
from digest.render.site import Lookups, Page, topic_feed_path, topic_page_path
from digest.render.theme import template_dirs, theme_dir

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class Entry:
    """One story in a feed, with every value already worked out."""

    story: Story
    id: str
    link: str
    published: str
    updated: str
    summary: str
    topic: Topic | None


def environment(config: Config) -> jinja2.Environment:
    """A strict Jinja2 environment over the user's template folder (if any), then the default theme."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in template_dirs(config)]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        human_date=human_date,
        date_range=date_range,
        plural=plural,
        month_name=month_name,
        reading_time=reading_time,
        clock=clock,
        json_ld=seo.json_ld,
    )
    env.globals.update(
        story_page=paths.story_page,
        article_page=paths.article_page,
        topic_page=paths.topic_page,
        topic_page_n=topic_page_path,
        topic_feed=topic_feed_path,
        day_page=paths.day_page,
        original_copy=paths.original_copy,
        content_security_policy=CONTENT_SECURITY_POLICY,
        search_index=INDEX_PAGE,
    )
    return env


def render(digest: Digest, config: Config, *, generated: str | None = None) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root ('/' separators)."""
    site = Lookups(digest, config)
    renderer = Renderer(environment(config), site, generated)
    files: dict[str, bytes] = {}
    listed: list[tuple[str, str | None]] = []  # the sitemap's pages, in the order they are made
    for _, maker in page_makers(site):
        for page in maker(site):
            files[page.path] = renderer.page(page)
            if page.listed:
                listed.append((page.path, page.modified))
    search = search_files(digest)
    files.update(
        {**feed_files(site, renderer), **crawler_files(site, listed), **search, **static_files(config)}
    )
    return dict(sorted(files.items()))


def feed_files(site: Lookups, renderer: Renderer) -> dict[str, bytes]:
    """Atom feeds of the site and of each topic, and the site's JSON Feed."""
    files = {"feed.xml": renderer.feed("feed.xml", site.title, "index.html", site.digest.stories)}
    for topic in site.digest.topics:
        title = f"{topic.label} · {site.title}"
        stories = site.stories_of(topic.stories)
        files[topic_feed_path(topic.id)] = renderer.feed(
            topic_feed_path(topic.id), title, paths.topic_page(topic.id), stories
        )
    entries = renderer.entries(site.digest.stories)
    items = [_json_item(entry, site) for entry in entries]
    files["feed.json"] = feeds.json_feed(
        title=site.title,
        home=site.absolute("index.html"),
        feed_url=site.absolute("feed.json"),
        items=items,
    )
    return files


def crawler_files(site: Lookups, listed: Iterable[tuple[str, str | None]]) -> dict[str, bytes]:
    """robots.txt always; sitemap.xml only with base_url, since a sitemap must list absolute URLs.

    ``listed`` are the (path, date last modified) of the pages the sitemap lists.
    """
    if not site.config.base_url:
        return {"robots.txt": crawlers.robots(None)}
    urls = [(site.absolute(path), modified) for path, modified in listed]
    return {
        "robots.txt": crawlers.robots(site.absolute("sitemap.xml")),
        "sitemap.xml": crawlers.sitemap(urls),
    }


def static_files(config: Config) -> dict[str, bytes]:
    """The theme's ``static/`` files, overridden by same-named files in the user's ``static/``."""
    files: dict[str, bytes] = {}
    for folder in reversed(template_dirs(config)):
        static = folder / "static"
        if not static.is_dir():
            continue
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            files["static/" + path.relative_to(static).as_posix()] = path.read_bytes()
    return files


def config_values(config: Config) -> dict[str, Any]:
    """The settings pages may show."""
    return {"title": config.title, "base_url": config.base_url}


def _json_item(entry: Entry, site: Lookups) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id}
    if site.config.base_url:
        item["url"] = entry.link
    item.update(
        title=entry.story.title,
        content_text=entry.summary or entry.story.title,
        date_published=entry.published,
        date_modified=entry.updated,
    )
    if entry.summary:
        item["summary"] = entry.summary
    if entry.topic:
        item["tags"] = [entry.topic.label]
    return item


class Renderer:
    """Renders pages and feeds with the values every template shares; maps errors to TemplateError."""

    def __init__(self, env: jinja2.Environment, site: Lookups, generated: str | None) -> None:
        self.env = env
        self.site = site
        self.dirs = template_dirs(site.config)
        self.common: dict[str, Any] = {**site.common(), "generated": generated}

    def page(self, page: Page) -> bytes:
        """One HTML page."""
        canonical = self.site.absolute(page.path)
        # The 404 page is served at any depth: with a base URL its links are absolute, else root-relative.
        root = canonical[: -len(page.path)] if page.path == "404.html" and canonical else None
        context = {
            **self.common,
            "page": page.path,
            "root": root if root is not None else paths.relative_root(page.path),
            "page_title": page.title,
            "canonical": canonical,
            "crumbs": page.crumbs,
            "meta": page.meta,
            "social": seo.social(page.meta, page.title, canonical, self.site.title) if canonical else (),
            "home": self.site.absolute("index.html") or "index.html",
            **page.values,
        }
        return self._render(page.template, context)

    def feed(self, path: str, title: str, alternate: str, stories: Iterable[Story]) -> bytes:
        """One Atom feed of ``stories`` at ``path``."""
        entries = self.entries(stories, paths.relative_root(path))
        base = self.site.config.base_url
        context = {
            **self.common,
            "page": path,
            "root": paths.relative_root(path),
            "feed_title": title,
            "feed_id": self.site.absolute(path) or f"urn:newsdigest:feed:{path}",
            "feed_updated": feeds.latest(e.updated for e in entries) or feeds.EPOCH,
            "feed_self": self.site.absolute(path) if base else "",
            "feed_alternate": self.site.absolute(alternate) or paths.relative_root(path) + alternate,
            "entries": entries,
        }
        return self._render("feed.xml", context)

    def entries(self, stories: Iterable[Story], root: str = "") -> tuple[Entry, ...]:
        """Feed entries for the newest dated stories; without base_url, links are relative to ``root``."""
        site = self.site
        chosen = feeds.feed_stories(stories, site.updated)
        return tuple(
            Entry(
                story=story,
                id=site.absolute(paths.story_page(story.id)) or f"urn:newsdigest:story:{story.id}",
                link=site.absolute(paths.story_page(story.id)) or root + paths.story_page(story.id),
                published=site.published(story) or feeds.EPOCH,
                updated=site.updated(story) or feeds.EPOCH,
                summary=" ".join(site.teaser(story)),
                topic=site.story_topic(story),
            )
            for story in chosen
        )

    def _render(self, template: str, context: dict[str, Any]) -> bytes:
        try:
            return self.env.get_template(template).render(context).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            broken = self._where(exc.filename or exc.name or template, exc.lineno)
            raise TemplateError(f"{broken}: {exc.message}") from exc
        except jinja2.TemplateNotFound as exc:
            including = self._frame(exc.__traceback__)
            raise TemplateError(f"{including or template}: template not found: {exc.name}") from exc
        except DigestError:
            raise  # the build's own, met while rendering (say, reading an article's text): not the theme's
        except Exception as exc:
            where = self._frame(exc.__traceback__)
            # An error raised outside any template is a bug in the renderer, not in the theme.
            if where is None and not isinstance(exc, jinja2.TemplateError):
                raise
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise TemplateError(f"{where or template}: {message}") from exc

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


__all__ = [
    "CONTENT_SECURITY_POLICY",
    "Entry",
    "Month",
    "Renderer",
    "TopicGroup",
    "Year",
    "crawler_files",
    "date_range",
    "environment",
    "feed_files",
    "human_date",
    "month_name",
    "plural",
    "render",
    "static_files",
    "theme_dir",
]
