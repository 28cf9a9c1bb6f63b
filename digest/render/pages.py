"""The HTML pages of the site and what each template receives: one function per kind of page."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter

from digest.models import Article, Day, Fact, Story, Topic
from digest.render import paths, seo
from digest.render.feeds import latest, timestamp
from digest.render.humanize import human_date, month_name, split_date
from digest.render.site import Crumb, Lookups, Page, biggest, topic_feed_path, topic_page_path

HOME_DAYS = 7  # "recent" on the front page: the edition's day and the six before it
HOME_MIN_STORIES = 12  # a quiet week is filled up with older stories
HOME_MAX_STORIES = 40  # keeps the front page small at any size of digest
HOME_STORIES_PER_TOPIC = 6
FRESH_HALF_LIFE = 2  # days before the edition that halve a story's place in the news
EXTRA_ARTICLE_WEIGHT = 0.2  # of a further article by an outlet already counted, against a new outlet's 1
COHERENT = 0.6  # mean cosine of a story's articles with its centroid that one event's reports reach
SIDE_TOPICS = 20
TOPIC_PAGE_SIZE = 20
LIST_LIMIT = 500  # longest list on the data quality page; digest.json has everything
FACT_KINDS = (
    ("person", "People"),
    ("organisation", "Organisations"),
    ("place", "Places"),
    ("figure", "Figures"),
)
PROVENANCE_FIELDS = ("title", "date", "author", "publisher", "url")
_provenance = {name: attrgetter(name, f"{name}_from") for name in PROVENANCE_FIELDS}  # value, rule


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


@dataclass(frozen=True)
class Pager:
    """Links between the pages of a paginated list: (number, page path) for each page."""

    number: int
    pages: tuple[tuple[int, str], ...]

    @property
    def previous(self) -> str | None:
        """The page before this one."""
        return self.pages[self.number - 2][1] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        """The page after this one."""
        return self.pages[self.number][1] if self.number < len(self.pages) else None


@dataclass(frozen=True)
class Publisher:
    """One row of the sources page."""

    name: str | None  # None: articles whose publisher was not found
    articles: int
    copies: int
    latest: Article | None


@dataclass(frozen=True)
class Rule:
    """How often one rule found one field, with a few articles it was used on."""

    field: str
    rule: str | None  # None: the field was not found
    count: int
    examples: tuple[Article, ...]


Maker = Callable[[Lookups], list[Page]]  # makes some pages from whatever Lookups it is given


def page_makers(site: Lookups) -> list[tuple[str, Maker]]:
    """Every HTML page of the site, in order, as (name, function that makes them from a site): a name
    stands for the same pages from one build to the next, and the pages can be made anywhere."""
    digest = site.digest
    return [
        ("home", lambda made: [home(made)]),
        *((f"story:{story.id}", partial(_story_pages, story.id)) for story in digest.stories),
        *((f"article:{article.id}", partial(_article_pages, article.id)) for article in digest.articles),
        *((f"topic:{topic.id}", partial(_topic_pages, topic.id)) for topic in digest.topics),
        *((f"day:{day.date}", partial(_day_pages, index)) for index, day in enumerate(digest.days)),
        ("others", lambda made: [archive(made), sources(made), quality(made), *_fixed_pages()]),
    ]


# Makers look their record up in the site they are given, so that a site logging its lookups sees it read.
def _story_pages(story_id: str, site: Lookups) -> list[Page]:
    return [story_page(site, site.stories[story_id])]


def _article_pages(article_id: str, site: Lookups) -> list[Page]:
    return [article_page(site, site.articles[article_id])]


def _topic_pages(topic_id: str, site: Lookups) -> list[Page]:
    return topic_pages(site, site.topics[topic_id])


def _day_pages(index: int, site: Lookups) -> list[Page]:
    return [day_page(site, index)]


def _fixed_pages() -> list[Page]:
    return [
        Page("search.html", "search.html", "Search", crumbs=(_HOME, Crumb("Search")), listed=False),
        Page("404.html", "404.html", "Page not found", listed=False),
    ]


_HOME = Crumb("Home", "index.html")


def home(site: Lookups) -> Page:
    """The front page: the recent stories in news order (``front_stories``), grouped by topic."""
    chosen = front_stories(site)
    groups: dict[str, list[Story]] = {}
    for story in chosen:
        topic = site.story_topic(story)
        groups.setdefault(topic.id if topic else "", []).append(story)
    ordered = [
        TopicGroup(
            site.topics.get(key),
            tuple(items[:HOME_STORIES_PER_TOPIC]),
            len(site.topics[key].stories) if key in site.topics else len(items),
        )
        for key, items in groups.items()
    ]
    ordered.sort(key=lambda group: group.topic is None)  # stories without a topic go last
    description = f"The latest news from {len(site.digest.stories)} stories, summarized with their sources."
    return Page(
        "index.html",
        "index.html",
        "Front page",
        {
            "groups": tuple(ordered),
            "recent_days": site.digest.days[:HOME_DAYS],
            "side_topics": biggest(site.digest.topics, SIDE_TOPICS),
            "edition": site.edition,  # its own value, not every page's: each day's news would change them all
        },
        meta=seo.Meta(description=description),
        modified=latest(site.updated(s) for s in chosen),
    )


def front_stories(site: Lookups) -> list[Story]:
    """Stories of the last HOME_DAYS days in news order (``news_weight``), then (if few) older ones, newest
    first; without dates, all of them in news order."""
    stories = site.digest.stories
    edition = site.edition
    if edition is None:
        return news_order(stories, None)[:HOME_MAX_STORIES]
    start = (dt.date.fromisoformat(edition) - dt.timedelta(days=HOME_DAYS - 1)).isoformat()
    recent = news_order([s for s in stories if (s.updated or s.date or "") >= start], edition)
    shown = {s.id for s in recent}
    older = [s for s in stories if s.id not in shown][: max(0, HOME_MIN_STORIES - len(recent))]
    return (recent + older)[:HOME_MAX_STORIES]


def news_order(stories: Iterable[Story], edition: str | None) -> list[Story]:
    """The stories biggest news first (``news_weight``); stories of equal weight keep their order (newest
    first), so the order is the same from one build to the next."""
    return sorted(stories, key=lambda s: -news_weight(s, edition))


def news_weight(story: Story, edition: str | None) -> float:
    """How much a story is the news: the outlets reporting it (an outlet's further articles count for a
    little, together never more than one more outlet), halved every FRESH_HALF_LIFE days before the
    edition, and lowered when its articles are less alike than one event's (a story fused from several is
    no bigger news for it)."""
    coverage = story.outlets + min(1.0, EXTRA_ARTICLE_WEIGHT * max(0, len(story.articles) - story.outlets))
    age = 0
    if edition and story.updated:
        age = max(0, (dt.date.fromisoformat(edition) - dt.date.fromisoformat(story.updated[:10])).days)
    freshness: float = 0.5 ** (age / FRESH_HALF_LIFE)
    return round(coverage * freshness * min(1.0, story.coherence / COHERENT), 6)


def story_page(site: Lookups, story: Story) -> Page:
    """One story: attributed summary, key facts, timeline of its articles, copies."""
    path = paths.story_page(story.id)
    topic = site.story_topic(story)
    timeline = site.timeline(story)
    copies = tuple(
        (site.articles[d], site.articles.get(site.digest.duplicate_of.get(d, "")))
        for d in story.duplicates
        if d in site.articles
    )
    structured = None
    if site.config.base_url:
        items = [(a.title, site.absolute(paths.article_page(a.slug))) for a in timeline]
        structured = seo.item_list(story.title, items)
    return Page(
        path,
        "story.html",
        story.title,
        {
            "story": story,
            "topic": topic,
            "story_articles": timeline,
            "copies": copies,
            "facts": group_facts(story.facts),
            "related": site.related(story),
        },
        meta=seo.Meta(seo.describe(site.teaser(story)), structured=structured),
        crumbs=(_HOME, *_topic_crumb(topic), Crumb(story.title)),
        modified=site.updated(story),
    )


def group_facts(facts: Iterable[Fact]) -> tuple[tuple[str, tuple[Fact, ...]], ...]:
    """Key facts by kind (people, organisations, places, figures), most-reported first."""
    groups = []
    known = {kind for kind, _ in FACT_KINDS}
    for kind, label in (*FACT_KINDS, ("", "Other")):
        chosen = [f for f in facts if f.kind == kind or (kind == "" and f.kind not in known)]
        if chosen:
            groups.append((label, tuple(sorted(chosen, key=lambda f: -f.sources))))
    return tuple(groups)


def article_page(site: Lookups, article: Article) -> Page:
    """One article: byline, summary, full text, original link, provenance, related stories."""
    path = paths.article_page(article.slug)
    story = site.story_of_article(article)
    topic = site.story_topic(story) if story else None
    original = site.digest.duplicate_of.get(article.id)
    summary = site.digest.summaries.get(article.id, ())
    description = seo.describe(summary or [article.given_summary or article.text])
    structured = None
    if site.config.base_url:
        structured = seo.news_article(
            article, site.absolute(path), description, topic.label if topic else None
        )
    story_crumbs = (Crumb(story.title, paths.story_page(story.id)),) if story else ()
    return Page(
        path,
        "article.html",
        article.title,
        {
            "article": article,
            "summary": summary,
            "story": story,
            "topic": topic,
            "duplicate_of": site.articles.get(original) if original else None,
            "provenance": provenance(article),
            "related": site.related(story) if story else (),
        },
        meta=seo.Meta(
            description,
            kind="article",
            published=latest([article.published or article.date]),
            section=topic.label if topic else None,
            structured=structured,
        ),
        # The trail ends at the story: the headline right under it is the article's title already.
        crumbs=(_HOME, *_topic_crumb(topic), *story_crumbs),
        modified=latest([article.published or article.date]),
    )


def provenance(article: Article) -> tuple[tuple[str, str | None, str | None], ...]:
    """(field, value or None, the rule that found it or None) for each inferred field."""
    return (
        ("Title", article.title, article.title_from),
        ("Date", human_date(article.date) if article.date else None, article.date_from),
        ("Author", article.author, article.author_from),
        ("Publisher", article.publisher, article.publisher_from),
        ("Link", article.url, article.url_from),
    )


def topic_pages(site: Lookups, topic: Topic) -> list[Page]:
    """A topic's stories in news order, as on the front page (``news_order``), TOPIC_PAGE_SIZE to a page."""
    stories = tuple(news_order(site.stories_of(topic.stories), site.edition))
    chunks = [stories[i : i + TOPIC_PAGE_SIZE] for i in range(0, len(stories), TOPIC_PAGE_SIZE)] or [()]
    links = tuple((n, topic_page_path(topic.id, n)) for n in range(1, len(chunks) + 1))
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        path = topic_page_path(topic.id, number)
        suffix = f" (page {number} of {len(chunks)})" if number > 1 else ""
        structured = None
        if site.config.base_url:
            items = [(s.title, site.absolute(paths.story_page(s.id))) for s in chunk]
            structured = seo.item_list(topic.label + suffix, items)
        last = (
            (Crumb(topic.label, links[0][1]), Crumb(f"Page {number}"))
            if number > 1
            else (Crumb(topic.label),)
        )
        pages.append(
            Page(
                path,
                "topic.html",
                topic.label + suffix,
                {
                    "topic": topic,
                    "topic_stories": chunk,
                    "story_count": len(stories),
                    "pager": Pager(number, links),
                    "topic_feed": topic_feed_path(topic.id),
                },
                meta=seo.Meta(
                    f"{topic.label}: {len(stories)} stories, biggest news first.", structured=structured
                ),
                crumbs=(_HOME, *last),
                modified=latest(site.updated(s) for s in chunk),
            )
        )
    return pages


def day_page(site: Lookups, index: int) -> Page:
    """The stories of one day, with links to the days before and after."""
    days = site.digest.days  # newest first: the next (newer) day comes before this one
    day = days[index]
    stories = site.stories_of(day.stories)
    return Page(
        paths.day_page(day.date),
        "day.html",
        human_date(day.date),
        {
            "day": day,
            "day_stories": stories,
            "newer": days[index - 1] if index > 0 else None,
            "older": days[index + 1] if index + 1 < len(days) else None,
        },
        meta=seo.Meta(f"News of {human_date(day.date)}: {len(stories)} stories."),
        crumbs=(_HOME, Crumb("Archive", "archive.html"), Crumb(human_date(day.date))),
        modified=latest([day.date]),
    )


def archive(site: Lookups) -> Page:
    """Every day by year and month, and the stories without a date."""
    years: dict[str, dict[int, list[Day]]] = {}
    for day in sorted(site.digest.days, key=lambda d: d.date, reverse=True):
        year, month, _ = split_date(day.date)
        years.setdefault(f"{year:04d}", {}).setdefault(month, []).append(day)
    archive = tuple(
        Year(year, tuple(Month(number, month_name(number), tuple(days)) for number, days in months.items()))
        for year, months in years.items()
    )
    undated = tuple(story for story in site.digest.stories if story.date is None)
    return Page(
        "archive.html",
        "archive.html",
        "Archive",
        {"years": archive, "undated": undated},
        meta=seo.Meta("Every day of news in the digest, by year and month."),
        crumbs=(_HOME, Crumb("Archive")),
        modified=latest([site.edition]),
    )


def _moment(article: Article) -> dt.datetime:
    """When an article was published, as an instant (to the second when its time is known); undated first."""
    if not article.date:
        return _UNDATED
    return dt.datetime.fromisoformat(timestamp(article.published or article.date).replace("Z", "+00:00"))


_UNDATED = dt.datetime.min.replace(tzinfo=dt.UTC)


def sources(site: Lookups) -> Page:
    """The publishers, with how many articles each contributed."""
    kept: Counter[str | None] = Counter()
    copies: Counter[str | None] = Counter()
    newest: dict[str | None, Article] = {}
    # Read whole, once: the page lists every article anyway, and a logged look-up per article cost 10,000.
    copied = set(site.digest.duplicate_of)
    for article in site.digest.articles:
        name = article.publisher
        (copies if article.id in copied else kept)[name] += 1
        best = newest.get(name)
        if best is None or _moment(article) > _moment(best):
            newest[name] = article
    names = sorted(
        set(kept) | set(copies), key=lambda n: (n is None, -kept[n] - copies[n], (n or "").lower())
    )
    rows = tuple(Publisher(n, kept[n], copies[n], newest.get(n)) for n in names)
    return Page(
        "sources.html",
        "sources.html",
        "Sources",
        {"publishers": rows, "article_count": len(site.digest.articles)},
        meta=seo.Meta(f"The {len(rows)} publishers behind the digest's articles."),
        crumbs=(_HOME, Crumb("Sources")),
        modified=latest([site.edition]),
    )


def quality(site: Lookups) -> Page:
    """What the build could not read or had to guess: for readers who want to check the digest."""
    digest = site.digest
    undated = [a for a in digest.articles if a.date is None]
    duplicates = [
        (site.articles[d], site.articles[k])
        for d, k in sorted(digest.duplicate_of.items())
        if d in site.articles and k in site.articles
    ]
    sources = {a.source for a in digest.articles} | {paths.source_file(a.source) for a in digest.articles}
    skipped = [i for i in digest.issues if not _kept(i.source, sources)]
    warned = [i for i in digest.issues if _kept(i.source, sources)]
    return Page(
        "quality.html",
        "quality.html",
        "Data quality",
        {
            "article_count": len(digest.articles),
            "undated": tuple(undated[:LIST_LIMIT]),
            "undated_count": len(undated),
            "rules": rules(digest.articles),
            "duplicates": tuple(duplicates[:LIST_LIMIT]),
            "duplicate_count": len(duplicates),
            "skipped": tuple(skipped[:LIST_LIMIT]),
            "skipped_count": len(skipped),
            "warned": tuple(warned[:LIST_LIMIT]),
            "warned_count": len(warned),
            "cleaned": sum(1 for a in digest.articles if a.removed),
            "limit": LIST_LIMIT,
        },
        meta=seo.Meta("What the digest could not read, had to infer, or merged."),
        crumbs=(_HOME, Crumb("Data quality")),
    )


def rules(articles: Iterable[Article], examples: int = 3) -> tuple[Rule, ...]:
    """For each inferred field, how often each rule found it (None: not found), most used first."""
    articles = list(articles)
    found: list[Rule] = []
    for name in PROVENANCE_FIELDS:
        # Field by field, in comprehensions: the quality page is made again whenever any article changes.
        keys = [(rule or "unrecorded") if value else None for value, rule in map(_provenance[name], articles)]
        counts = Counter(keys)
        shown = _first_of_each(articles, keys, examples)
        order = sorted(counts, key=lambda rule: (rule is None, -counts[rule], rule or ""))
        found += (Rule(name, rule, counts[rule], tuple(shown[rule])) for rule in order)
    return tuple(found)


def _first_of_each(
    articles: list[Article], keys: list[str | None], count: int
) -> dict[str | None, list[Article]]:
    """The first ``count`` articles of each key (``keys[i]`` is article i's), in order."""
    shown: dict[str | None, list[Article]] = {key: [] for key in keys}
    wanted = sum(min(count, total) for total in Counter(keys).values())
    for article, key in zip(articles, keys, strict=True):
        listed = shown[key]
        if len(listed) < count:
            listed.append(article)
            wanted -= 1
            if not wanted:
                break
    return shown


def _kept(source: str, sources: set[str]) -> bool:
    """Whether an issue's file still gave an article (a warning), or was skipped."""
    return source in sources


def _topic_crumb(topic: Topic | None) -> tuple[Crumb, ...]:
    return (Crumb(topic.label, paths.topic_page(topic.id)),) if topic else ()


__all__ = [
    "Month",
    "Pager",
    "Publisher",
    "Rule",
    "TopicGroup",
    "Year",
    "front_stories",
    "group_facts",
    "news_order",
    "news_weight",
    "provenance",
    "rules",
]
