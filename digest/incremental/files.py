"""The engine's memo per file: each source read (the read stage) with what later stages derive from each of its
articles alone, kept per file by its stamp and spread over worker processes when many."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import cast

from digest.group.dedupe import MIN_WORDS as DEDUPE_MIN_WORDS
from digest.group.dedupe import richness
from digest.group.grouping import Member
from digest.incremental.cache import Cache, Parts, Stamp, stamp
from digest.incremental.parallel import fork_map
from digest.models import Article, Deferred, Features, Issue, deferred, deferred_values, head_of
from digest.read.discovery import Source
from digest.read.sources import read_source

DERIVED_PART = 1  # the part of a file's cached result that holds its articles' deferred ``Derived`` fields
POOL_MINIMUM = 64  # fewer files than this are read in-process: starting workers would cost more
CHUNK = 32  # files per task sent to a worker


@dataclass(frozen=True)
class Derived(Deferred):
    """What later stages need of one article that depends on it alone: worked out once, cached with it."""

    # Read only when near-copy detection or grouping runs again, or the article's words changed: see
    # ``models.deferred``.
    DEFERRED = ("features", "words", "member")

    features: Features  # for deduplication and grouping
    article_hash: str  # a hash of the article (``article_hash``): with its summary's, for page reuse
    words: str  # what search finds it by, space-separated
    member: Member  # what grouping reads of it but its features
    grouped: str  # a hash of what grouping reads of it: its member and features (``grouped``)
    placed: str  # a hash of what the story stream reads of it: its member
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

    max_bytes: int


@dataclass(frozen=True)
class Ingested:
    """Every article, what is derived from it, and every problem, in source order."""

    articles: tuple[Article, ...]  # in source order, slugs not yet made unique
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
) -> Ingested:
    """Results for all sources: from the cache where the file is unchanged, else computed (in parallel).

    ``stamps`` are the sources' stamps when the caller has taken them already.
    """
    stamps = stamps if stamps is not None else {s.name: stamp(s.path) for s in sources}
    cached = {name: _joined(*entry) for name, entry in cache.files(stamps).items()}
    advance(len(cached))
    missing = [s for s in sources if s.name not in cached]
    fresh = dict(zip((s.name for s in missing), _process(missing, settings, jobs, advance), strict=True))
    cache.store((name, stamps[name], *_split(result)) for name, result in fresh.items())
    cache.forget_except(stamps)
    results = [fresh.get(s.name) or cached[s.name] for s in sources]
    return _assemble(results, read=len(missing))


def process_file(source: Source, settings: Settings) -> FileResult:
    """Read one file into articles, with what later stages derive from each of them alone."""
    read = read_source(source, settings.max_bytes)
    return FileResult(read.articles, tuple(map(derive, read.articles)), read.issues)


def derive(article: Article) -> Derived:
    """What later stages derive from one article alone."""
    from digest.group.grouping import article_features, member
    from digest.render.search import article_words

    features = article_features(article)
    read_by_grouping = member(article)
    return Derived(
        features,
        article_hash(article),
        article_words(article),
        read_by_grouping,
        grouped(read_by_grouping, features),
        value_hash(read_by_grouping),
        sampled(article, features),
        richness(article),
    )


def value_hash(value: object) -> str:
    """A stable hash of a frozen value: its repr, which names every field (the key of a step that reads it)."""
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def grouped(member: Member, features: Features) -> str:
    """A hash of what grouping reads of an article: its member, and its features but the near-copy sample."""
    return value_hash((member, features.names, features.counts, features.leads, features.rarities))


def sampled(article: Article, features: Features) -> str:
    """A hash of what near-copy detection reads of an article: whether it is long enough, and its sample."""
    compared = article.words >= DEDUPE_MIN_WORDS
    return hashlib.blake2b(features.shingles.tobytes() if compared else b"-", digest_size=16).hexdigest()


def article_hash(article: Article) -> str:
    """A hash of an article (before its slug is made unique).

    Pickled bytes depend on how objects share strings, so the hash is stable only because every article
    reaches this point the same way: fresh from its reader.
    """
    return hashlib.sha256(pickle.dumps(article, pickle.HIGHEST_PROTOCOL)).hexdigest()


def summarized(known: str, summary: tuple[str, ...]) -> str:
    """The hash of an article (``article_hash``) and its summary: what its page and lines show, for reuse."""
    return value_hash((known, summary))


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
        tuple(
            deferred(Derived, h, partial(_deferred, apart, DERIVED_PART, n)) for n, h in enumerate(derived)
        ),
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


def _assemble(results: Sequence[FileResult], *, read: int) -> Ingested:
    articles: list[Article] = []
    derived: dict[str, Derived] = {}
    issues: list[Issue] = []
    for result in results:
        articles.extend(result.articles)
        issues.extend(result.issues)
        derived.update(zip((a.id for a in result.articles), result.derived, strict=True))
    return Ingested(tuple(articles), derived, tuple(issues), read)
