"""The engine's page reuse: the site rendered as ``render.renderer.render`` renders it, but a page maker none of
whose reads changed is not run, and a page whose inputs are unchanged is kept as the last build wrote it."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import jinja2

from digest.config import Config
from digest.incremental.cache import theme_stamps
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
    Watched,
    numbered,
    reusable,
    template_hashes,
)
from digest.incremental.search import Postings, search_files
from digest.models import Digest, Story, Topic
from digest.render import paths, seo
from digest.render.pages import Maker, page_makers
from digest.render.renderer import (
    Renderer,
    config_values,
    crawler_files,
    environment,
    feed_files,
    static_files,
)
from digest.render.site import Lookups, Page

PARALLEL_FROM = 256  # page makers (most make one page); fewer run faster in-process than a pool starts
LOOKUPS = ("articles", "stories", "topics", *CALLS)
WATCHED_TOPICS = ("nav_topics", "all_topics")


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
    data: bytes | None  # None: the file the previous site holds is still right
    # The page's key and the records it looked up; None when kept, or when it cannot be keyed (rendered
    # every time).
    rendered: tuple[str, tuple[Dependency, ...]] | None


def render_site(
    digest: Digest,
    config: Config,
    sink: Callable[[str, bytes], None],
    keep: Callable[[Iterable[str]], None],
    *,
    generated: str | None = None,
    jobs: int = 1,
    advance: Callable[[int], None] = lambda done: None,
    previous: RenderState | None = None,
    article_hashes: Mapping[str, str] | None = None,
    words: Mapping[str, str] | None = None,
    compiled: Compiled | None = None,
    story_hashes: Mapping[str, str] | None = None,
) -> RenderState:
    """Give every file of the site to ``sink`` as it is made; return what pages and index were made from.

    Of what the last build left (``previous``): a page maker none of whose reads changed is not run, and
    a page that would come out as the file already in ``config.output`` is not rendered; either way the
    file goes to ``keep`` instead, the pages of makers not run all at once. ``article_hashes`` and ``words`` are the articles' ``article_hash`` and ``article_words``
    when already known. Pages go to ``sink`` as they are rendered, so they need not all be held at once.
    ``compiled``: the theme as earlier builds compiled it; what this one compiles is added to it.
    ``story_hashes``: the stories' ``export.story_hash`` when already known.
    """
    site = Lookups(digest, config)
    renderer = ReusingRenderer(
        _environment(config, compiled), site, generated, article_hashes or {}, compiled, story_hashes
    )
    makers = page_makers(site)
    numbering = Numbering(previous.dependencies if previous is not None else ())
    if previous is not None:
        renderer.records.compare(previous.dependencies, previous.states, previous.records)
        since = renderer.records.since
        if since is not None:
            site.recall_updated(previous.updated, lambda story: not since.members_of(story))
    last = previous.pages if previous is not None else {}
    made_by: dict[str, Making] = {}
    listed: list[tuple[tuple[str, str | None], ...]] = [() for _ in makers]  # by maker: the sitemap's order
    stale: list[int] = []
    kept: list[str] = []
    for number, (name, _) in enumerate(makers):
        making = previous.makings.get(name) if previous is not None else None
        if making is None or not renderer.keeps(making, last):
            stale.append(number)
            continue
        made_by[name] = making
        kept.extend(making.pages)
        listed[number] = making.listed
    keep(kept)
    memo = {path: last[path] for path in kept}
    advance(len(kept))

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
                if page.data is None:
                    keep((page.page.path,))
                    memo[page.page.path] = last[page.page.path]
                    continue
                sink(page.page.path, page.data)
                if page.rendered is not None:
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


def _environment(config: Config, compiled: Compiled | None) -> jinja2.Environment:
    """The theme's environment, with the templates earlier builds compiled (``compiled``) not compiled again."""
    env = environment(config)
    env.bytecode_cache = compiled
    return env


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


class ReusingRenderer(Renderer):
    """A ``Renderer`` that logs what each page and page maker reads, keys pages by it, and keeps those the
    last build made from the same."""

    def __init__(
        self,
        env: jinja2.Environment,
        site: Lookups,
        generated: str | None,
        article_hashes: Mapping[str, str],
        compiled: Compiled | None = None,
        story_hashes: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(env, site, generated)
        common = self.common
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
        self._output = str(site.config.output)
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

    def keeps(self, making: Making, previous: Mapping[str, Rendered]) -> bool:
        """Whether a maker would make the same pages as last time, and the files of those are still right."""
        if making.key != self.making_key() or not self.records.unchanged(making.dependencies):
            return False
        for path in making.pages:
            rendered = previous.get(path)
            # The maker's values are unchanged, so the page's own key is the one it had.
            if rendered is None or not reusable(
                rendered, rendered.key, self.records, f"{self._output}/{path}"
            ):
                return False
        return True

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
        # A page's topic (an article's, a story's) is watched as the header's are: what the page shows of
        # it is its label and link, which a day's new stories in it leave as they were. So are the stories
        # a page shows but its own (an article's, the related ones): their headlines, dates and counts, not
        # their summaries or their own related stories, which a day's news changes.
        own = page.path
        page = replace(page, values={k: self._watched(v, own) for k, v in page.values.items()})
        key = self.key(page)
        bare = replace(page, values={}, meta=seo.Meta(), crumbs=())
        if key and reusable(previous, key, self.records, f"{self._output}/{page.path}"):
            return Made(bare, None, None)
        data, dependencies = self.page_and_dependencies(page)
        return Made(bare, data, (key, dependencies) if key else None)

    def _watched(self, value: object, own: str) -> object:
        """``value`` as the page's templates see it: a topic, or a story but the page's own, watched."""
        if isinstance(value, Watched):  # a maker's: what the page's templates read of it is the page's
            return value.logged_to(self.records.log)
        if isinstance(value, Topic):
            return self.records.watched(value, "topics")
        if isinstance(value, Story) and paths.story_page(value.id) != own:
            return self.records.watched(value, "stories")
        if isinstance(value, tuple) and value and all(isinstance(item, Story) for item in value):
            return tuple(self._watched(item, own) for item in value)
        return value

    def page_and_dependencies(self, page: Page) -> tuple[bytes, tuple[Dependency, ...]]:
        """One HTML page, and the records it looked up."""
        self.records.log.clear()
        data = self.page(page)
        return data, tuple(sorted(self.records.log))
