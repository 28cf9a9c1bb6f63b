"""Read, normalize and summarize every source file: cached per file, spread over processes when many."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import cast

from digest.cache import Cache, Parts, Stamp, stamp
from digest.dedupe import MIN_WORDS as DEDUPE_MIN_WORDS
from digest.dedupe import richness
from digest.errors import SourceError
from digest.models import Article, Deferred, Features, Issue, deferred, deferred_values, head_of
from digest.normalize import normalize
from digest.parallel import fork_map
from digest.permalinks import Previous, assign_pages
from digest.readers import reader_for
from digest.readers.files import read_file

POOL_MINIMUM = 64  # fewer files than this are read in-process: starting workers would cost more
CHUNK = 32  # files per task sent to a worker


@dataclass(frozen=True)
class Source:
    """One input file: where it is and its path relative to the source folder."""

    path: str  # as the operating system is given it: a Path per file would cost a survey a third more
    name: str  # relative, '/' separators


@dataclass(frozen=True)
class Derived(Deferred):
    """What later stages need of one article that depends on it alone: worked out once, cached with it."""

    # Read only when near-copy detection or grouping runs again, or the article's words changed: see
    # ``models.deferred``.
    DEFERRED = ("features", "words")

    summary: tuple[str, ...]
    features: Features  # for deduplication and grouping
    article_hash: str  # a hash of the article and its summary (``article_hash``), for page reuse
    words: str  # what search finds it by, space-separated
    grouped: str  # a hash of what grouping reads of it (``group.article_key``)
    sampled: str  # a hash of what near-copy detection reads of it (its length and ``features.shingles``)
    # How it ranks among copies of it (``dedupe.richness``): worked out here, since it reads the body.
    richness: tuple[int, int, str, str]


@dataclass(frozen=True)
class FileResult:
    """What one file produced: its articles with what is derived from each, and its problems."""

    articles: tuple[Article, ...]
    derived: tuple[Derived, ...]
    issues: tuple[Issue, ...]


@dataclass(frozen=True)
class Settings:
    """The settings that shape a file's result (part of the cache key)."""

    sentences: int
    max_bytes: int


@dataclass(frozen=True)
class Ingested:
    """Every article (slugs unique), what is derived from it, and every problem, in source order."""

    articles: tuple[Article, ...]
    derived: dict[str, Derived]
    issues: tuple[Issue, ...]
    read: int  # files actually read this time (the rest came from the cache)


def ingest(
    sources: Sequence[Source],
    settings: Settings,
    cache: Cache,
    *,
    jobs: int = 1,
    advance: Callable[[int], None] = lambda count: None,
    stamps: Mapping[str, Stamp] | None = None,
    previous: Previous | None = None,
) -> Ingested:
    """Results for all sources: from the cache where the file is unchanged, else computed (in parallel).

    ``stamps`` are the sources' stamps when the caller has taken them already; ``previous`` is the last
    site, whose pages articles keep (``permalinks``).
    """
    stamps = stamps if stamps is not None else {s.name: stamp(s.path) for s in sources}
    cached = {name: _joined(*entry) for name, entry in cache.files(stamps).items()}
    advance(len(cached))
    missing = [s for s in sources if s.name not in cached]
    fresh = dict(zip((s.name for s in missing), _process(missing, settings, jobs, advance), strict=True))
    cache.store((name, stamps[name], *_split(result)) for name, result in fresh.items())
    cache.forget_except(stamps)
    results = [fresh.get(s.name) or cached[s.name] for s in sources]
    return _assemble(results, read=len(missing), previous=previous)


def process_file(source: Source, settings: Settings) -> FileResult:
    """Read one file into articles with summaries; a file that cannot be read becomes an issue."""
    from digest.group import article_features, article_key
    from digest.search import article_words
    from digest.summarize import summarize_article

    try:
        raws = reader_for(os.path.splitext(source.path)[1])(
            read_file(source.path, source.name, settings.max_bytes), source.name
        )  # type: ignore[misc]
    except SourceError as error:
        return FileResult((), (), (Issue(error.source, error.reason),))
    articles: list[Article] = []
    issues: list[Issue] = []
    for raw in raws:
        issues.extend(Issue(raw.source, warning) for warning in raw.warnings)
        try:
            articles.append(normalize(raw))
        except SourceError as error:
            issues.append(Issue(error.source, error.reason))
    derived = []
    for article in articles:
        summary = summarize_article(article.sentences, settings.sentences, title=article.title)
        features = article_features(article)
        derived.append(
            Derived(
                summary,
                features,
                article_hash(article, summary),
                article_words(article, summary),
                article_key(article),
                sampled(article, features),
                richness(article),
            )
        )
    return FileResult(tuple(articles), tuple(derived), tuple(issues))


def sampled(article: Article, features: Features) -> str:
    """A hash of what near-copy detection reads of an article: whether it is long enough, and its sample."""
    compared = article.words >= DEDUPE_MIN_WORDS
    return hashlib.blake2b(features.shingles.tobytes() if compared else b"-", digest_size=16).hexdigest()


def article_hash(article: Article, summary: tuple[str, ...]) -> str:
    """A hash of an article and its summary (before its slug is made unique), for page reuse.

    Pickled bytes depend on how objects share strings, so the hash is stable only because every article
    reaches this point the same way: fresh from its reader.
    """
    return hashlib.sha256(pickle.dumps((article, summary), pickle.HIGHEST_PROTOCOL)).hexdigest()


# A file's result as the cache keeps it: the fields of its articles and of what is derived from each but
# their deferred ones, and its problems. The deferred fields (the articles' bodies, the dedupe and grouping
# features: most of the bytes) are kept apart, and read when first needed (``models.deferred``).
_Head = tuple[tuple[tuple[object, ...], ...], tuple[tuple[object, ...], ...], tuple[Issue, ...]]
_Apart = tuple[tuple[tuple[object, ...], ...], tuple[tuple[object, ...], ...]]  # kept apart in two parts


def _split(result: FileResult) -> tuple[_Head, _Apart]:
    """A file's result as the cache keeps it, and its deferred fields."""
    head = (tuple(map(head_of, result.articles)), tuple(map(head_of, result.derived)), result.issues)
    return head, (tuple(map(deferred_values, result.articles)), tuple(map(deferred_values, result.derived)))


def _joined(head: object, apart: Parts) -> FileResult:
    """A file's result from the cache: its records read their deferred fields from it when first asked."""
    articles, derived, issues = cast(_Head, head)
    return FileResult(
        tuple(deferred(Article, h, partial(_deferred, apart, 0, n)) for n, h in enumerate(articles)),
        tuple(deferred(Derived, h, partial(_deferred, apart, 1, n)) for n, h in enumerate(derived)),
        issues,
    )


def _deferred(apart: Parts, kind: int, number: int) -> tuple[object, ...]:
    return cast(tuple[tuple[object, ...], ...], apart.get(kind))[number]


def _process(
    sources: Sequence[Source], settings: Settings, jobs: int, advance: Callable[[int], None]
) -> list[FileResult]:
    def work(start: int, stop: int) -> list[FileResult]:
        return [process_file(source, settings) for source in sources[start:stop]]

    return fork_map(work, len(sources), jobs=jobs, chunk=CHUNK, minimum=POOL_MINIMUM, advance=advance)


def _assemble(results: Sequence[FileResult], *, read: int, previous: Previous | None = None) -> Ingested:
    articles: list[Article] = []
    derived: dict[str, Derived] = {}
    issues: list[Issue] = []
    for result in results:
        articles.extend(result.articles)
        issues.extend(result.issues)
        derived.update(zip((a.id for a in result.articles), result.derived, strict=True))
    return Ingested(assign_pages(articles, previous), derived, tuple(issues), read)


def default_jobs() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
