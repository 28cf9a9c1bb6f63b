"""Lookups every page shares, and the record of one page to render."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from digest.config import Config
from digest.models import Article, Digest, Story, Topic
from digest.render import paths, seo
from digest.render.feeds import earliest, latest, timestamp

NAV_TOPICS = 8  # topics named in every page's header; the rest are on the front page and in the archive
TEASER_SENTENCES = 3


@dataclass(frozen=True)
class Crumb:
    """One step of a page's breadcrumb trail; ``page`` is None for the page itself."""

    label: str
    page: str | None = None


@dataclass(frozen=True)
class Page:
    """One HTML page to render: where it goes, with which template and values."""

    path: str
    template: str
    title: str
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    meta: seo.Meta = field(default_factory=seo.Meta)
    crumbs: tuple[Crumb, ...] = ()
    modified: str | None = None  # newest article date behind the page, for the sitemap
    listed: bool = True  # in the sitemap


def edition_of(digest: Digest) -> str | None:
    """The newest day's date: what the front page calls the latest news, and how fresh a story is."""
    return digest.days[0].date if digest.days else None


class Lookups:
    """Lookups shared by every page."""

    def __init__(self, digest: Digest, config: Config) -> None:
        self.digest = digest
        self.config = config
        self.title = digest.title or config.title
        self.articles = {a.id: a for a in digest.articles}
        self.stories = {s.id: s for s in digest.stories}
        self.topics = {t.id: t for t in digest.topics}
        self.edition = edition_of(digest)
        self._updated: dict[str, str | None] = {}

    def absolute(self, page: str) -> str:
        """The page's absolute URL, or '' when the site has no base_url."""
        return f"{self.config.base_url}/{page}" if self.config.base_url else ""

    def story_topic(self, story: Story) -> Topic | None:
        """The topic a story belongs to, if any."""
        return self.topics.get(story.topic or self.digest.topic_of.get(story.id, ""))

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

    def timeline(self, story: Story) -> tuple[Article, ...]:
        """A story's kept articles in the order they were published; undated ones last."""
        kept = [self.articles[i] for i in story.articles if i in self.articles]
        return tuple(sorted(kept, key=lambda a: (a.date is None, _stamp(a.published or a.date))))

    def updated(self, story: Story) -> str | None:
        """The newest timestamp of a story's articles (RFC 3339), or None when none is dated."""
        if story.id not in self._updated:
            members = [self.articles[i] for i in story.articles if i in self.articles]
            self._updated[story.id] = latest([a.published or a.date for a in members]) or latest(
                [story.updated, story.date]
            )
        return self._updated[story.id]

    def recall_updated(self, last: Mapping[str, str | None], kept: Callable[[str], bool]) -> None:
        """Take the last build's ``updated`` of each story that ``kept`` says has the same articles as then."""
        # Sorting the feeds asks it of every story, parsing each article's date.
        stories = self.stories
        self._updated.update(
            (story, value) for story, value in last.items() if story in stories and kept(story)
        )

    def updated_so_far(self) -> dict[str, str | None]:
        """Each story's ``updated`` as worked out or recalled so far, for ``recall_updated`` next build."""
        return dict(self._updated)

    def published(self, story: Story) -> str | None:
        """The oldest timestamp of a story's articles (RFC 3339), or None."""
        members = [self.articles[i] for i in story.articles if i in self.articles]
        return earliest([a.published or a.date for a in members]) or earliest([story.date])

    def related(self, story: Story) -> tuple[Story, ...]:
        """The stories of its topic most like it (``Story.related``), most alike first."""
        return self.stories_of(story.related)

    def common(self) -> dict[str, Any]:
        """Values every template receives."""
        return {
            "site_title": self.title,
            "base_url": self.config.base_url,
            "nav_topics": biggest(self.digest.topics, NAV_TOPICS),
            "all_topics": sorted(self.digest.topics, key=lambda t: t.label.lower()),
            "articles": self.articles,
            "stories": self.stories,
            "topics": self.topics,
            "story_topic": self.story_topic,
            "teaser": self.teaser,
            "story_of_article": self.story_of_article,
            "story_updated": self.updated,
        }


def biggest(topics: Iterable[Topic], count: int) -> list[Topic]:
    """The ``count`` topics with the most stories, in label order."""
    chosen = sorted(topics, key=lambda t: (-len(t.stories), t.label))[:count]
    return sorted(chosen, key=lambda t: t.label.lower())


def topic_page_path(topic_id: str, number: int) -> str:
    """Page ``number`` (from 1) of a topic's story list."""
    return paths.topic_page(topic_id) if number == 1 else f"topics/{topic_id}/{number}.html"


def topic_feed_path(topic_id: str) -> str:
    """The Atom feed of one topic."""
    return f"topics/{topic_id}.xml"


def _stamp(value: str | None) -> str:
    """An article's date or timestamp as RFC 3339 (``latest`` of it alone), '' when it has none."""
    return timestamp(value) if value else ""


__all__ = ["NAV_TOPICS", "Crumb", "Lookups", "Page", "biggest", "topic_feed_path", "topic_page_path"]
