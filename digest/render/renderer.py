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
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, cast

import jinja2

from digest.config import Config
from digest.errors import DigestError, TemplateError
from digest.incremental.cache import Stamp, stamp
from digest.incremental.parallel import fork_each
from digest.incremental.reuse import (
    CALLS,
    SITE_CALLS,
    Compiled,
    Dependency,
    LoggedLookups,
    Making,
    Numbering,
    Records,
    Rendered,
    Unhashable,
    numbered,
    reusable,
    template_hashes,
)
from digest.models import Digest, Story, Topic
from digest.render import crawlers, feeds, paths, seo
from digest.render.humanize import clock, date_range, human_date, month_name, plural, reading_time
from digest.render.pages import Maker, Month, TopicGroup, Year, page_makers
from digest.render.search import INDEX_PAGE, Postings, search_files
from digest.render.site import Lookups, Page, topic_feed_path, topic_page_path
from digest.write.staging import Kept

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


@dataclass(frozen=True)
class RenderState:
    """What a render leaves for the next build: what each page and each page maker were made from, the
    state of everything they read, and what the search index was made of."""

    pages: dict[str, Rendered]  # by path
    makings: dict[str, Making]  # by page maker
    dependencies: tuple[Dependency, ...]  # what they read, numbered by position (``Numbering``)
    states: bytes  # what each of those was when this build read it (``Records.states``)
    records: dict[str, dict[str, str]]  # the hash of every record, by kind and id (``Records.hashes``)
    search: Postings
    appended: int = 0  # dependencies numbered since the list was last cleared of those nothing reads
    updated: dict[str, str | None] = field(default_factory=dict)  # each story's ``Lookups.updated``, by id


@dataclass(frozen=True)
class Made:
    """One page as a worker made it: its bytes and what they were made from, or the previous site's file."""

    page: Page  # its values are dropped: only path, listing and date travel back
    data: bytes | Kept
    # The page's key and the records it looked up; None when kept, or when it cannot be keyed (rendered
    # every time).
    rendered: tuple[str, tuple[Dependency, ...]] | None


def theme_dir() -> Path:
    """The default theme's folder: inside the package when installed, else the repository's ``templates/``."""
    packaged = Path(__file__).parents[1] / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parents[2] / "templates"


def environment(config: Config, compiled: Compiled | None = None) -> jinja2.Environment:
    """A strict Jinja2 environment over the user's template folder (if any), then the default theme; with
    ``compiled``, templates compiled by an earlier build are not compiled again."""
    env = jinja2.Environment(
        bytecode_cache=compiled,
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


PARALLEL_FROM = 256  # page makers (most make one page); fewer run faster in-process than a pool starts
LOOKUPS = ("articles", "stories", "topics", *CALLS)
WATCHED_TOPICS = ("nav_topics", "all_topics")


def render(
    digest: Digest,
    config: Config,
    *,
    generated: str | None = None,
    jobs: int = 1,
    advance: Callable[[int], None] = lambda done: None,
) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root ('/' separators); pages over ``jobs`` processes."""
    files: dict[str, bytes | Kept] = {}
    render_site(digest, config, files.__setitem__, generated=generated, jobs=jobs, advance=advance)
    return {path: data for path, data in sorted(files.items()) if isinstance(data, bytes)}


def render_site(
    digest: Digest,
    config: Config,
    sink: Callable[[str, bytes | Kept], None],
    *,
    generated: str | None = None,
    jobs: int = 1,
    advance: Callable[[int], None] = lambda done: None,
    previous: RenderState | None = None,
    article_hashes: Mapping[str, str] | None = None,
    words: Mapping[str, str] | None = None,
    compiled: Compiled | None = None,
    story_hashes: Mapping[str, str] | None = None,
    located: Callable[[str], tuple[str, Stamp] | None] = lambda path: None,
) -> RenderState:
    """Give every file of the site to ``sink`` as it is made; return what pages and index were made from.

    Of what the last build left (``previous``): a page maker none of whose reads changed is not run, and
    a page that would come out as the file already in ``config.output`` is not rendered; either way the
    file is ``Kept``. ``article_hashes`` and ``words`` are the articles' ``article_hash`` and ``article_words``
    when already known. Pages go to ``sink`` as they are rendered, so they need not all be held at once.
    ``compiled``: the theme as earlier builds compiled it; what this one compiles is added to it.
    ``story_hashes``: the stories' ``export.story_hash`` when already known. ``located``: where the new
    site holds a file of the current output already, and its stamp as linked there (``Staging.linked``): a
    kept page is checked against that stamp, rather than in the output and again as it is put.
    """
    site = Lookups(digest, config)
    renderer = _Renderer(
        environment(config, compiled), site, generated, article_hashes or {}, compiled, story_hashes
    )
    makers = page_makers(site)
    numbering = Numbering(previous.dependencies if previous is not None else ())
    if previous is not None:
        renderer.records.compare(previous.dependencies, previous.states, previous.records)
        since = renderer.records.since
        if since is not None:
            site.recall_updated(previous.updated, lambda story: not since.members_of(story))
    last = previous.pages if previous is not None else {}
    memo: dict[str, Rendered] = {}
    made_by: dict[str, Making] = {}
    listed: list[tuple[tuple[str, str | None], ...]] = [() for _ in makers]  # by maker: the sitemap's order
    stale: list[int] = []
    for number, (name, _) in enumerate(makers):
        making = previous.makings.get(name) if previous is not None else None
        kept = renderer.kept(making, last, located) if making is not None else None
        if making is None or kept is None:
            stale.append(number)
            continue
        made_by[name] = making
        for path, file in kept.items():
            memo[path] = last[path]
            sink(path, file)
        listed[number] = making.listed
        advance(len(making.pages))

    def work(start: int, stop: int) -> list[tuple[tuple[Dependency, ...], list[Made]]]:
        return [renderer.make(makers[stale[i]][1], last) for i in range(start, stop)]

    def put(start: int, stop: int, results: Sequence[tuple[tuple[Dependency, ...], list[Made]]]) -> None:
        for i, (dependencies, pages) in zip(range(start, stop), results, strict=True):
            number = stale[i]
            listed[number] = tuple((p.page.path, p.page.modified) for p in pages if p.page.listed)
            made_by[makers[number][0]] = Making(
                renderer.making_key(),
                numbering.numbers(dependencies),
                tuple(page.page.path for page in pages),
                listed[number],
            )
            for page in pages:
                sink(page.page.path, page.data)
                if isinstance(page.data, Kept):
                    memo[page.page.path] = last[page.page.path]
                elif page.rendered is not None:
                    key, looked_up = page.rendered
                    memo[page.page.path] = Rendered(key, numbering.numbers(looked_up))
            advance(len(pages))

    # Pages are made, checked against the last build and rendered in the workers: most of a rebuild's work.
    fork_each(work, len(stale), jobs=jobs, chunk=16, minimum=PARALLEL_FROM, each=put)
    search, postings = search_files(
        digest, words, previous.search if previous is not None else None, article_hashes
    )
    others = {
        **feed_files(site, renderer),
        **crawler_files(site, (page for pages in listed for page in pages)),
        **search,
        **static_files(config),
    }
    for path, data in others.items():
        sink(path, data)
    appended = 0
    if previous is not None:
        appended = previous.appended + len(numbering.dependencies) - len(previous.dependencies)
    if appended > len(numbering.dependencies) // 4:
        memo, made_by, numbering = _renumbered(memo, made_by, numbering)
        appended = 0
    dependencies = tuple(numbering.dependencies)
    records = renderer.records
    return RenderState(
        memo,
        made_by,
        dependencies,
        records.states(dependencies),
        records.hashes,
        postings,
        appended,
        site.updated_so_far(),
    )


def _renumbered(
    pages: dict[str, Rendered], makings: dict[str, Making], numbering: Numbering
) -> tuple[dict[str, Rendered], dict[str, Making], Numbering]:
    """The pages and makings numbering only the dependencies they read: deleted records' are dropped."""
    read = sorted(
        set().union(
            *(numbered(p.dependencies) for p in pages.values()),
            *(numbered(m.dependencies) for m in makings.values()),
        )
    )
    kept = Numbering(numbering.dependencies[number] for number in read)
    new = {old: number for number, old in enumerate(read)}

    def renumbered(packed: bytes) -> bytes:
        return array("I", [new[number] for number in numbered(packed)]).tobytes()

    return (
        {path: page._replace(dependencies=renumbered(page.dependencies)) for path, page in pages.items()},
        {
            name: making._replace(dependencies=renumbered(making.dependencies))
            for name, making in makings.items()
        },
        kept,
    )


def feed_files(site: Lookups, renderer: _Renderer) -> dict[str, bytes]:
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


def original_copies(digest: Digest) -> dict[str, str]:
    """Lookups path -> source path of every source file linked as an original (articles without a URL)."""
    copies = {
        paths.original_copy(a.source): paths.source_file(a.source) for a in digest.articles if not a.url
    }
    return dict(sorted(copies.items()))


def theme_stamps(config: Config) -> list[tuple[str, Stamp]]:
    """Every file of the template folders with its stamp, in a stable order: what a theme change changes."""
    return [
        (path.as_posix(), stamp(path))
        for folder in template_dirs(config)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


def template_dirs(config: Config) -> list[Path]:
    """The folders templates are looked up in: the user's override folder first, then the theme."""
    return [folder for folder in (config.templates, theme_dir()) if folder is not None]


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


class _Renderer:
    """Renders pages and feeds with the values every template shares; maps errors to TemplateError."""

    def __init__(
        self,
        env: jinja2.Environment,
        site: Lookups,
        generated: str | None,
        article_hashes: Mapping[str, str],
        compiled: Compiled | None = None,
        story_hashes: Mapping[str, str] | None = None,
    ) -> None:
        self.env = env
        self.site = site
        self.dirs = template_dirs(site.config)
        common = {**site.common(), "generated": generated}
        calls = {name: getattr(site, name) for name in SITE_CALLS}
        lookups = {**calls, **{name: common[name] for name in LOOKUPS}}
        self.records = Records(site.digest, article_hashes, lookups, story_hashes)
        # Every page lists topics in its header: what it shows of each is logged, not assumed, so adding a
        # story to one topic does not re-render the whole site.
        for name in WATCHED_TOPICS:
            common[name] = [self.records.watched(topic, "topics") for topic in common[name]]
        self.common = {**common, **self.records.recorded()}
        self.shared = self.records.value_hash(
            [config_values(site.config), {k: v for k, v in self.common.items() if k not in LOOKUPS}]
        )
        self.templates = template_hashes(env, compiled)
        self.settings = self.records.value_hash([self.shared, repr(site.config)])
        self._making_key: str | None = None
        self.maker_log: set[Dependency] = set()
        self.logged_site = cast(Lookups, LoggedLookups(site, self.maker_log))

    def making_key(self) -> str:
        """A hash of the site-wide values and settings, and of the stamp of every file of the theme.

        Any change to the theme makes every maker run again (which pages it changes, their keys decide):
        stamps are cheaper than parsing templates to see which include which, or reading a theme's images.
        """
        if self._making_key is None:
            theme = [(name, *mark) for name, mark in theme_stamps(self.site.config)]
            self._making_key = self.records.value_hash([self.settings, theme])
        return self._making_key

    def kept(
        self,
        making: Making,
        previous: Mapping[str, Rendered],
        located: Callable[[str], tuple[str, Stamp] | None] = lambda path: None,
    ) -> dict[str, Kept] | None:
        """The files of a maker's pages when it would make the same pages as last time, else None;
        ``located``: where the new site holds a file of the current output already, and its stamp, if it
        does."""
        if making.key != self.making_key() or not self.records.unchanged(making.dependencies):
            return None
        output = str(self.site.config.output)
        kept = {}
        for path in making.pages:
            rendered = previous.get(path)
            if rendered is None:
                return None
            where, mark = located(path) or (os.path.join(output, path), None)
            # The maker's values are unchanged, so the page's own key is the one it had.
            file = reusable(rendered, rendered.key, self.records, where, linked=mark)
            if file is None:
                return None
            kept[path] = file
        return kept

    def make(
        self, maker: Maker, previous: Mapping[str, Rendered]
    ) -> tuple[tuple[Dependency, ...], list[Made]]:
        """What a maker read to make its pages, and its pages, each rendered or kept."""
        self.maker_log.clear()
        pages = maker(self.logged_site)
        dependencies = tuple(sorted(self.maker_log))
        return dependencies, [self.made(page, previous.get(page.path)) for page in pages]

    def key(self, page: Page) -> str:
        """A hash of everything the page is given: its values, the site-wide values, its templates."""
        try:
            values = [page.path, page.template, page.title, page.values, page.meta, page.crumbs]
            return self.records.value_hash([self.shared, self.templates(page.template), values])
        except (Unhashable, jinja2.TemplateError):
            return ""  # rendered every time; a broken template is reported when the page is rendered

    def made(self, page: Page, previous: Rendered | None) -> Made:
        """The page rendered, or nothing when the previous site's file is still right."""
        key = self.key(page)
        bare = replace(page, values={}, meta=seo.Meta(), crumbs=())
        output = self.site.config.output / page.path
        kept = reusable(previous, key, self.records, output) if key else None
        if kept is not None:
            return Made(bare, kept, None)
        data, dependencies = self.page_and_dependencies(page)
        return Made(bare, data, (key, dependencies) if key else None)

    def page_and_dependencies(self, page: Page) -> tuple[bytes, tuple[Dependency, ...]]:
        """One HTML page, and the records it looked up."""
        self.records.log.clear()
        data = self.page(page)
        return data, tuple(sorted(self.records.log))

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
    "TopicGroup",
    "Year",
    "crawler_files",
    "date_range",
    "environment",
    "feed_files",
    "human_date",
    "month_name",
    "original_copies",
    "plural",
    "render",
    "static_files",
    "theme_dir",
]
