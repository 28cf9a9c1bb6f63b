"""The pipeline: read, normalize, deduplicate, group, summarize, render, write."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from digest import paths
from digest.config import Config
from digest.dedupe import find_duplicates
from digest.errors import BuildError, SourceError
from digest.export import export
from digest.group import group
from digest.models import Article, Digest, Issue, RawArticle, Story
from digest.normalize import normalize, unique_slugs
from digest.readers import reader_for
from digest.render import render
from digest.summarize import summarize_article, summarize_story
from digest.write import write_site

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One input file: where it is and its path relative to the source folder."""

    path: Path
    name: str  # relative, '/' separators


@dataclass(frozen=True)
class Result:
    """What a build produced, for the CLI's closing line."""

    articles: int
    duplicates: int
    stories: int
    topics: int
    files: int
    issues: tuple[Issue, ...]
    seconds: float


def build(
    config: Config,
    *,
    strict: bool = False,
    environ: Mapping[str, str] = os.environ,
    on_issue: Callable[[Issue], None] = lambda issue: None,
) -> Result:
    """Build the site for ``config``; the previous site stays untouched unless everything succeeds."""
    started = time.perf_counter()
    issues: list[Issue] = []

    def report(issue: Issue) -> None:
        issues.append(issue)
        on_issue(issue)

    sources = list(discover(config.source, config.output, report))
    raws = read_all(sources, report)
    articles = normalize_all(raws, report)
    duplicate_of = find_duplicates(articles)
    grouping = group(articles, duplicate_of, config.topics, config.unmatched)
    by_id = {a.id: a for a in articles}
    summaries = {a.id: summarize_article(a.sentences, config.sentences, title=a.title) for a in articles}
    stories = tuple(_with_summary(s, by_id) for s in grouping.stories)
    digest = Digest(
        title=config.title,
        articles=articles,
        duplicate_of=duplicate_of,
        summaries=summaries,
        stories=stories,
        topics=grouping.topics,
        days=grouping.days,
        issues=tuple(issues),
        story_of=_story_of(stories),
        topic_of={s.id: s.topic for s in stories},
    )
    if strict and issues:
        raise BuildError(f"{len(issues)} warning(s) and --strict is set; the previous site is left as it was")
    files = render(digest, config, generated=_generated(environ))
    files["digest.json"] = export(digest)
    files.update(_originals(articles, sources))
    write_site(files, config.output)
    return Result(
        articles=len(articles) - len(duplicate_of),
        duplicates=len(duplicate_of),
        stories=len(stories),
        topics=len(grouping.topics),
        files=len(files),
        issues=tuple(issues),
        seconds=time.perf_counter() - started,
    )


def discover(root: Path, output: Path, report: Callable[[Issue], None]) -> Iterator[Source]:
    """Article files under ``root`` in a stable order; hidden files, the output and outside links skipped."""
    root = root.absolute()
    real_root = root.resolve()
    skip = output.absolute().resolve()
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() != skip)
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or reader_for(path.suffix) is None:
                continue
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() and not path.resolve().is_relative_to(real_root):
                report(Issue(relative, "symbolic link to a file outside the source folder; not followed"))
                continue
            yield Source(path, relative)


def read_all(sources: list[Source], report: Callable[[Issue], None]) -> list[RawArticle]:
    """Run each file's reader; a file that cannot be read is reported and skipped."""
    raws: list[RawArticle] = []
    for source in sources:
        try:
            raws.extend(_read(source))
        except SourceError as error:
            report(Issue(error.source, error.reason))
    return raws


def _read(source: Source) -> list[RawArticle]:
    reader = reader_for(source.path.suffix)
    if reader is None:
        raise SourceError(source.name, "not an article format")
    try:
        size = source.path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(
                source.name, f"file is {size // 1024 // 1024} MB, over the 10 MB limit; skipped"
            )
        data = source.path.read_bytes()
    except OSError as exc:
        raise SourceError(source.name, f"cannot read ({exc.strerror})") from exc
    return reader(data, source.name)


def normalize_all(raws: list[RawArticle], report: Callable[[Issue], None]) -> tuple[Article, ...]:
    """Normalize every record; report degraded ones and skip those with nothing left."""
    articles = []
    for raw in raws:
        for warning in raw.warnings:
            report(Issue(raw.source, warning))
        try:
            articles.append(normalize(raw))
        except SourceError as error:
            report(Issue(error.source, error.reason))
    return unique_slugs(articles)


def _with_summary(story: Story, by_id: Mapping[str, Article]) -> Story:
    members = [(a, by_id[a].sentences) for a in story.articles]
    return replace(story, summary=summarize_story(members))


def _story_of(stories: tuple[Story, ...]) -> dict[str, str]:
    return {a: s.id for s in stories for a in (*s.articles, *s.duplicates)}


def _originals(articles: tuple[Article, ...], sources: list[Source]) -> dict[str, bytes]:
    """Copies of the source files of articles that have no URL, so every article links to its original."""
    wanted = {a.source.split("#", 1)[0] for a in articles if not a.url}
    return {paths.original_copy(s.name): s.path.read_bytes() for s in sources if s.name in wanted}


def _generated(environ: Mapping[str, str]) -> str | None:
    """The build time to print in the site: only when SOURCE_DATE_EPOCH fixes it, for reproducible builds."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).isoformat()
