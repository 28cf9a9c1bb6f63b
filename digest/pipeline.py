"""The build, one stage a line: read, deduplicate, group, date, summarize, render, export. Each stage runs
through the incremental engine, which alone knows what the last build made."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from digest.config import Config
from digest.errors import check_strict
from digest.group.dating import dated_by_story
from digest.incremental.cache import Stamp
from digest.incremental.engine import Engine
from digest.incremental.files import Settings
from digest.models import Article, Digest, Issue, Story
from digest.progress import Stages
from digest.read.discovery import SITE_MARK, Source
from digest.read.permalinks import assign_pages, previous_site
from digest.read.readers.files import MEGABYTE, read_file
from digest.render import paths

Put = Callable[[str, bytes], None]  # one file of the new site
Keep = Callable[[Iterable[str]], None]  # files of the current site the new one keeps as they are


@dataclass(frozen=True)
class Built:
    """The digest a build made; the site's files went to its writer."""

    digest: Digest
    read: int  # source files read this time; the others came from the cache


def run(
    config: Config,
    sources: Sequence[Source],
    stamps: Mapping[str, Stamp],
    engine: Engine,
    put: Put,
    keep: Keep,
    *,
    stages: Stages,
    issues: list[Issue],
    report: Callable[[Issue], None],
    strict: bool = False,
    generated: str | None = None,
) -> Built:
    """Make the site of ``sources``: give each of its files to ``put``, but those of the current site that
    are unchanged, which go to ``keep``; ``issues``: those reported so far, which ``report`` adds to."""
    settings = Settings(config.max_file_mb * MEGABYTE)
    with stages.stage("read", total=len(sources)) as advance:
        read = engine.files(sources, settings, stamps, advance)
    for issue in read.issues:
        report(issue)
    articles = assign_pages(news(read.articles), previous_site(config.output / SITE_MARK))
    with engine.summarizing(articles, config.sentences):  # each article's summary, made meanwhile
        with stages.stage("dedupe"):
            duplicate_of = engine.duplicates(articles)
        with stages.stage("group"):
            grouping = engine.grouping(articles, duplicate_of, config)
    articles = engine.dated(articles, dated_by_story(articles, grouping.stories))
    with stages.stage("stories", total=len(grouping.stories)) as advance:
        stories = engine.stories(grouping.stories, articles, config.sentences, advance)
    digest = Digest(
        title=config.title,
        articles=articles,
        duplicate_of=duplicate_of,
        summaries=engine.summaries(),
        stories=stories,
        topics=grouping.topics,
        days=grouping.days,
        issues=tuple(issues),
        story_of=story_of(stories),
        topic_of={s.id: s.topic for s in stories},
    )
    check_strict(strict, len(issues))
    with stages.stage("render") as advance:
        engine.pages(digest, config, put, keep, generated=generated, advance=advance)
        put("digest.json", engine.export(digest))
        for path, data in originals(articles, sources, settings.max_bytes).items():
            put(path, data)
    return Built(digest, engine.read)


def news(articles: tuple[Article, ...]) -> tuple[Article, ...]:
    """The articles, without the samples (``Article.sample``) once there is any other."""
    if all(a.sample for a in articles) or not any(a.sample for a in articles):
        return articles
    return tuple(a for a in articles if not a.sample)


def story_of(stories: tuple[Story, ...]) -> dict[str, str]:
    """Each article's story, copies included."""
    return {a: s.id for s in stories for a in (*s.articles, *s.duplicates)}


def originals(articles: tuple[Article, ...], sources: Sequence[Source], max_bytes: int) -> dict[str, bytes]:
    """Copies of the source files of articles that have no URL, so every article links to its original."""
    wanted = {paths.source_file(a.source) for a in articles if not a.url}
    return {
        paths.original_copy(s.name): read_file(s.path, s.name, max_bytes) for s in sources if s.name in wanted
    }
