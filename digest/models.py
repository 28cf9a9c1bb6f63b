"""Records that flow between the stages; frozen, no I/O."""

from __future__ import annotations

import dataclasses
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar, overload

R = TypeVar("R", bound="Deferred")


@dataclass(frozen=True)
class RawArticle:
    """What a reader found in one file or one feed entry, before normalizing.

    Every inferred field has a companion ``*_from`` naming the rule that produced it
    (for example ``"front-matter"``, ``"first-line"``, ``"meta:og:title"``, ``"text"``).
    """

    source: str  # path relative to the source folder, '/' separators; feed entry: 'a/feed.xml#3'
    format: str  # 'text' | 'markdown' | 'html' | 'feed'
    paragraphs: tuple[str, ...] = ()  # plain-text body paragraphs, markup removed
    html: str | None = None  # body as (unsanitized) HTML when the format carries markup
    title: str | None = None
    title_from: str | None = None
    date: str | None = None  # 'YYYY-MM-DD'
    date_from: str | None = None
    published: str | None = None  # full ISO 8601 timestamp when the source gives a time
    author: str | None = None
    author_from: str | None = None
    publisher: str | None = None
    publisher_from: str | None = None
    url: str | None = None  # http(s) link to the original
    url_from: str | None = None
    tags: tuple[str, ...] = ()
    topic: str | None = None  # topic named by the source (front matter)
    summary: str | None = None  # summary or description given by the source
    removed: tuple[str, ...] = ()  # lines the reader recognised as boilerplate and dropped
    warnings: tuple[str, ...] = ()  # reasons the record was degraded (bad date, ...)
    sample: bool = False  # front matter ``sample: true``: shown only while the digest has nothing else
    slug: str | None = None  # the page name the source asks for: front matter ``slug``, a feed entry's link
    slug_from: str | None = None  # 'front-matter', 'feed:link', 'feed:guid'
    # A feed entry's guid (else link, else title), unique in its feed: what identifies it there, where its
    # position ('#3') shifts whenever the feed gains an entry.
    entry: str | None = None


class Sentences(Sequence[str]):
    """An article's sentences as spans of its paragraphs, so their text is held once: it is most of what
    a build keeps in memory for each article, and of what the cache unpickles."""

    __slots__ = ("paragraphs", "spans")

    def __init__(self, paragraphs: tuple[str, ...], spans: array[int]) -> None:
        self.paragraphs = paragraphs
        self.spans = spans  # (paragraph index, start, end) for each sentence

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            # Sliced here, not sentence by sentence through ``self[at]``: grouping slices every article.
            start, stop, step = index.indices(len(self))
            paragraphs, spans = self.paragraphs, self.spans
            return tuple(
                paragraphs[spans[at]][spans[at + 1] : spans[at + 2]]
                for at in range(3 * start, 3 * stop, 3 * step)
            )
        count = len(self)
        if not -count <= index < count:
            raise IndexError("sentence index out of range")
        at = 3 * (index % count)
        paragraph, start, end = self.spans[at : at + 3]
        return self.paragraphs[paragraph][start:end]

    def __len__(self) -> int:
        return len(self.spans) // 3

    def __iter__(self) -> Iterator[str]:
        paragraphs, spans = self.paragraphs, self.spans
        for at in range(0, len(spans), 3):
            yield paragraphs[spans[at]][spans[at + 1] : spans[at + 2]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sentences | tuple):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[type[Sentences], tuple[tuple[str, ...], array[int]]]:
        return Sentences, (self.paragraphs, self.spans)


class Deferred:
    """A record some of whose fields (``DEFERRED``) may be read when first needed (``deferred``)."""

    DEFERRED: ClassVar[tuple[str, ...]] = ()

    def __getstate__(self) -> dict[str, object]:
        """Its fields, for pickling; the deferred ones read first if they were not yet."""
        if _LOADER in self.__dict__:
            getattr(self, self.DEFERRED[0])
        return self.__dict__


def deferring(kind: type[R]) -> type[R]:
    """A ``Deferred`` dataclass whose deferred fields' defaults are kept by its ``__init__`` alone: left on the
    class, a default would be read in place of a field not loaded yet, never reaching ``__getattr__``."""
    for name in kind.DEFERRED:
        if name in vars(kind):
            delattr(kind, name)
    return kind


def deferred(kind: type[R], head: Sequence[object], load: Callable[[], Sequence[object]]) -> R:
    """A ``kind`` record from the values of its fields but the ``DEFERRED`` ones (``head_of``); ``load()``
    gives those, in that order, when one of them is first read.

    The cache keeps what later stages seldom read (articles' text, their dedupe and grouping features)
    apart: a rebuild reads that of the few articles it renders or regroups, and unpickling every other
    would be a fifth of its time.
    """
    record = _made(kind, zip(_head_names(kind), head, strict=True))
    record.__dict__[_LOADER] = load
    return record


def _made(kind: type[R], fields: Mapping[str, object] | Iterable[tuple[str, object]]) -> R:
    """A record of ``kind`` holding ``fields`` as they are (a deferred one's loader included)."""
    record = object.__new__(kind)
    # Filled in place, not given a dict of its own: the instance's dict then shares its keys with every
    # other record of the kind, a third of the size, and twice as fast to make and to read.
    record.__dict__.update(fields)
    return record


def head_of(record: Deferred) -> tuple[object, ...]:
    """The values of a record's fields but its ``DEFERRED`` ones, in the order of its fields."""
    # Values only: a rebuild unpickles every article's, and with their names that took twice as long.
    fields = record.__getstate__()
    return tuple(fields[name] for name in _head_names(type(record)))


def _head_names(kind: type[Deferred]) -> tuple[str, ...]:
    """The names of the fields ``head_of`` gives, in order."""
    names = _HEAD_NAMES.get(kind)
    if names is None:
        fields = dataclasses.fields(kind)  # type: ignore[arg-type]
        names = _HEAD_NAMES[kind] = tuple(f.name for f in fields if f.name not in kind.DEFERRED)
    return names


_HEAD_NAMES: dict[type[Deferred], tuple[str, ...]] = {}


def deferred_values(record: Deferred) -> tuple[object, ...]:
    """A record's ``DEFERRED`` fields, in that order."""
    return tuple(getattr(record, name) for name in record.DEFERRED)


def at_hand(record: Deferred, name: str) -> object | None:
    """A field's value if the record holds it, None while it is deferred and not read yet."""
    return record.__dict__.get(name)


def _deferred_field(record: Deferred, name: str) -> object:
    """A deferred field of a record made by ``deferred``, read when first asked for."""
    fields = record.__dict__
    load = fields.get(_LOADER)
    if load is None or name not in record.DEFERRED:
        raise AttributeError(f"{type(record).__name__!r} object has no attribute {name!r}")
    fields.update(zip(record.DEFERRED, load(), strict=True))
    fields.pop(_LOADER, None)
    return fields[name]


_LOADER = "_deferred"
# Set apart from the class: declared in it, a __getattr__ would make type checkers accept any attribute.
setattr(Deferred, "__getattr__", _deferred_field)  # noqa: B010


@dataclass(frozen=True)
class Article(Deferred):
    """A normalized article: clean text, sentences, ISO date, stable id."""

    DEFERRED = ("paragraphs", "sentences", "html")  # its body: see ``deferred``

    id: str  # 12 hex digits, from the source path (and a feed entry's guid): stable across builds
    slug: str  # unique, safe alphabet; names the article's page (``permalinks``)
    source: str
    format: str
    title: str
    title_from: str
    date: str | None
    date_from: str | None
    published: str | None
    author: str | None
    author_from: str | None
    publisher: str | None
    publisher_from: str | None
    url: str | None
    url_from: str | None
    paragraphs: tuple[str, ...]
    sentences: Sequence[str]  # a tuple, or (from normalizing) ``Sentences`` over the paragraphs
    html: str | None  # sanitized body HTML, or None to render paragraphs
    tags: tuple[str, ...]
    topic_hint: str | None
    given_summary: str | None
    removed: tuple[str, ...]
    content_hash: str  # hash of the normalized title and text, for exact duplicates
    words: int
    sample: bool = False  # shown only while the digest has no other article (``RawArticle.sample``)
    slug_from: str = "file-name"  # what the slug was made from: 'front-matter' wins over a kept page

    @property
    def text(self) -> str:
        """The body as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)


def with_slug(article: Article, slug: str) -> Article:
    """The article under another slug; a body not read yet is not read for it (``deferred``)."""
    return _made(Article, {**article.__dict__, "slug": slug})


@dataclass(frozen=True)
class Features:
    """What deduplication and grouping read of one article, worked out (and cached) with the article.

    Stored packed, a few objects instead of hundreds of small ones: unpickling 10,000 of them from the
    cache, and holding 100,000 in memory, costs a tenth of what dictionaries of terms would.
    """

    shingles: array[int]  # sampled hashes of its opening's word 4-grams, distinct and ascending
    names: str  # the lead terms, then the subject terms, space-separated (a term holds no space)
    counts: array[int]  # of each of ``names``, in that order
    leads: int  # how many of ``names`` are lead terms
    rarities: array[float]  # of each lead term: its rarity in general English (its rarest written form)

    def terms(self) -> Counter[str]:
        """Stemmed terms of the headline (weighted) and the lead, with their counts."""
        return Counter(dict(zip(self.names.split()[: self.leads], self.counts, strict=False)))

    def subject(self) -> Counter[str]:
        """Stemmed terms of the sentences after the lead, for topics."""
        names = self.names.split()[self.leads :]
        return Counter(dict(zip(names, self.counts[self.leads :], strict=True)))


@dataclass(frozen=True)
class StorySentence:
    """One sentence of a story summary, traced to the article it comes from."""

    text: str
    article: str
    sources: int = 1  # how many of the story's articles state something similar


@dataclass(frozen=True)
class Fact:
    """A key fact of a story: a person, place, organisation or figure its sources agree on."""

    kind: str  # 'person' | 'place' | 'organisation' | 'figure'
    text: str  # as written, e.g. 'Khan Younis', '1.5 million Palestinians', '$10.9bn'
    sources: int  # how many of the story's articles mention it


@deferring
@dataclass(frozen=True)
class Story(Deferred):
    """One news event covered by one or more articles."""

    # A rebuild takes most stories' summaries from the cache and shows few of them: see ``models.deferred``.
    DEFERRED = ("summary", "facts")

    id: str
    title: str
    articles: tuple[str, ...]  # ids of kept articles, oldest first
    duplicates: tuple[str, ...]  # ids of collapsed copies of those articles
    date: str | None  # earliest article date
    updated: str | None  # latest article date
    summary: tuple[StorySentence, ...] = ()
    topic: str = ""
    facts: tuple[Fact, ...] = ()
    outlets: int = 1  # how many outlets published its kept articles
    coherence: float = 1.0  # how alike its articles are: their mean cosine with its centroid (0 to 1)
    related: tuple[str, ...] = ()  # ids of the stories of its topic most like it, most alike first


@dataclass(frozen=True)
class Topic:
    """A broad subject holding several stories."""

    id: str
    label: str
    keywords: tuple[str, ...]
    stories: tuple[str, ...]  # newest first


@dataclass(frozen=True)
class Day:
    """The stories with articles published on one date."""

    date: str
    stories: tuple[str, ...]


@dataclass(frozen=True)
class Issue:
    """A problem with one input file: the build warns and goes on."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class Digest:
    """Everything the renderer needs: the result of all stages before writing."""

    title: str
    articles: tuple[Article, ...]  # every article, duplicates included, in id order
    duplicate_of: dict[str, str]  # duplicate article id -> kept article id
    summaries: dict[str, tuple[str, ...]]  # article id -> summary sentences
    stories: tuple[Story, ...]  # newest first
    topics: tuple[Topic, ...]
    days: tuple[Day, ...]  # newest first
    issues: tuple[Issue, ...] = ()
    story_of: dict[str, str] = field(default_factory=dict)  # article id -> story id
    topic_of: dict[str, str] = field(default_factory=dict)  # story id -> topic id
