"""The incremental engine: the pipeline runs each stage through it, and it alone knows the cache, the worker
processes and what the last build made. Every memo is keyed by a hash of what its step reads."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar, cast, overload

from digest.config import Config
from digest.group import stream, topics
from digest.group.dedupe import MIN_WORDS, find_duplicates
from digest.group.grouping import (
    Grouping,
    Measure,
    Measures,
    Member,
    Place,
    Reading,
    group,
    measure,
    measure_each,
    subject_documents,
)
from digest.group.related import Relate, Relating, related_stories
from digest.group.vectors import Vector
from digest.incremental import near, related
from digest.incremental.cache import Cache, Stamp, stamp
from digest.incremental.files import DERIVED_PART, Derived, Settings, ingest, summarized, value_hash
from digest.incremental.packing import PackedTerms, pack, packed_hash, unpack
from digest.incremental.pages import RenderState, render_site
from digest.incremental.parallel import ahead, beside, fork_map
from digest.incremental.reuse import Compiled
from digest.models import Article, Digest, Fact, Features, Story, StorySentence, at_hand, deferred, head_of
from digest.read.discovery import Source
from digest.read.sources import Read
from digest.render.export import article_key, article_line, assemble, story_hash, story_line, summary_hash
from digest.summarize.stories import article_summary, summaries_of

T = TypeVar("T")
S = TypeVar("S")
# A story's traced summary and key facts as values ((text, article, sources) and (kind, text, sources)), and
# their ``summary_hash``: as the cache keeps them, since tuples unpickle much faster than records.
Summary = tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, str, int], ...], str]
# An article's summary, and the hash of the article and its summary (``files.summarized``).
Summarized = tuple[tuple[str, ...], str]


# Article summaries worth a process of their own while the build goes on: fewer are made with the stories.
SUMMARIES_AHEAD = 64
# Stories a summarizing worker handles before a fresh one replaces it. Each story touches several articles
# of the parent's, whose pages the worker then copies: it would soon hold a copy of most of them.
STORY_RECYCLE = 256


class Engine:
    """Runs the stages over ``cache`` (a cold build's holds nothing) on ``jobs`` processes, and remembers
    what each one made for the next build."""

    def __init__(self, cache: Cache, *, jobs: int = 1) -> None:
        self.cache = cache
        self.jobs = jobs
        self.read = 0  # source files read this time; the others came from the cache
        self._derived: dict[str, Derived] = {}
        self._summaries: dict[str, tuple[str, ...]] = {}
        self._summarized: dict[str, object] = {}  # by ``_article_key``: made or known by ``summarizing``
        self._summarized_from: dict[str, str] = {}  # the article hash each article's summary was keyed by
        self._summary_keys: dict[str, str] = {}  # and its key (``_article_key``)
        self._article_hashes: dict[str, str] = {}
        self._story_hashes: dict[str, str] = {}
        self._vector_hashes: dict[str, bytes] = {}  # each article's vector as ``_placed`` gave it, hashed
        self._words: _Words | None = None
        self._state: RenderState | None = None
        self._compiled: Compiled | None = None

    def files(
        self,
        sources: Sequence[Source],
        settings: Settings,
        stamps: Mapping[str, Stamp],
        advance: Callable[[int], None],
    ) -> Read:
        """Every source read (``read_source``) with what later stages derive from each article alone: the
        last build's result for a file whose stamp is unchanged."""
        ingested = ingest(sources, settings, self.cache, jobs=self.jobs, advance=advance, stamps=stamps)
        self.read = ingested.read
        # What later stages derive from each article is held here alone, so that it goes once grouping, its
        # last reader, is done.
        self._derived = ingested.derived
        self._article_hashes = {i: d.article_hash for i, d in ingested.derived.items()}
        self._words = _Words(ingested.derived)
        return Read(ingested.articles, ingested.issues)

    def summaries(self) -> dict[str, tuple[str, ...]]:
        """Each article's summary, by id (``summarizing``, then ``stories``)."""
        return self._summaries

    @contextlib.contextmanager
    def summarizing(self, articles: Sequence[Article], sentences: int) -> Iterator[None]:
        """Begin each article's summary of ``sentences`` (``article_summary``) in a child process, which makes
        what it can while the block runs: deduplicating and grouping, which it does not depend on and which
        leave the other core idle. ``stories`` makes the rest."""
        hashes = self._summarized_from = dict(self._article_hashes)  # ``dated`` changes the engine's
        keys = [_article_key(hashes[a.id], sentences) for a in articles]
        self._summary_keys = {a.id: key for a, key in zip(articles, keys, strict=True)}
        known = self.cache.recall("summary", keys)
        todo = [a for a, key in zip(articles, keys, strict=True) if key not in known]

        def work(start: int, stop: int) -> list[Summarized]:
            return [_summarized(a, sentences, hashes[a.id]) for a in todo[start:stop]]

        fork = self.jobs > 1 and len(todo) >= SUMMARIES_AHEAD
        with ahead(work, len(todo), chunk=16, fork=fork) as made:
            yield
            early = made()
        self._summarized = {**known, **{self._summary_keys[todo[i].id]: v for i, v in early.items()}}

    def step(self, kind: str, inputs: object, expected: type[T], run: Callable[[], T]) -> T:
        """``run()``, or the value it gave the last time it read the same ``inputs`` (a frozen value, hashed)."""
        key = value_hash((kind, inputs))
        known = self.cache.recall(kind, [key]).get(key)
        if isinstance(known, expected):
            return known
        value = run()
        self.cache.remember(kind, {key: value})
        return value

    def fold(
        self,
        kind: str,
        opening: object,
        steps: Sequence[object],
        start: Callable[[], S],
        advance: Callable[[S, int, Sequence[T]], T],
    ) -> tuple[S, list[T]]:
        """The state ``advance(state, i, made)`` leaves after every step in turn from ``start()``, and what
        each step made (``made``: those before it), resumed from the state the last build kept after the
        longest run of steps it also took. ``steps[i]`` is a frozen value of what step ``i`` reads, and
        ``opening`` of what ``start`` reads: each step's key hashes them with all before it."""
        chain, key = [], value_hash((kind, opening))
        for step in steps:
            key = value_hash((key, step))
            chain.append(key)
        outputs = self.cache.recall_rows(f"{kind}-made", chain)
        stored = self.cache.row_keys(f"{kind}-state")
        done, resume = 0, None
        for number, key in enumerate(chain):
            if key not in outputs:
                break
            if key in stored:
                done, resume = number + 1, key
        kept = self.cache.recall_rows(f"{kind}-state", [resume]).get(resume) if resume else None
        if not isinstance(kept, bytes):
            done = 0
        state = pickle.loads(kept) if isinstance(kept, bytes) else start()
        made = [cast(T, outputs[key]) for key in chain[:done]]
        checkpoints: dict[str, bytes] = {}
        for number in range(done, len(chain)):
            made.append(advance(state, number, made))
            if _checkpoint(number, len(chain)):
                checkpoints[chain[number]] = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
        # A row each, and only those this build made written: the states are megabytes each.
        self.cache.remember_rows(
            f"{kind}-made", {key: made[n] for n, key in enumerate(chain) if n >= done}, chain, now=True
        )
        steps_kept = [key for n, key in enumerate(chain) if _checkpoint(n, len(chain))]
        self.cache.remember_rows(f"{kind}-state", checkpoints, steps_kept, now=True)
        return state, made

    def duplicates(self, articles: Sequence[Article]) -> dict[str, str]:
        """Copies and what they copy (``find_duplicates``), near copies compared again only where a sample
        changed (``near.compare``): only those samples are read from the cache."""
        derived = self._derived
        ids = [a.id for a in articles if a.words >= MIN_WORDS]
        # What the last build compared names its articles and their samples' hashes: it is checked against
        # this build's, so it needs no key of its own.
        last = self.cache.recall("near", ["near"]).get("near")
        compared = near.compare(
            ids,
            [derived[i].sampled for i in ids],
            lambda i: derived[i].features.shingles,
            last if isinstance(last, near.Compared) else None,
        )
        if compared is not last:  # the same comparison stays as the cache holds it
            self.cache.remember("near", {"near": compared})
        rich = {i: d.richness for i, d in derived.items()}
        return find_duplicates(articles, pairs=compared.found(), rich=rich)

    def grouping(
        self, articles: Sequence[Article], duplicate_of: Mapping[str, str], config: Config
    ) -> Grouping:
        """Stories and topics (``group``), grouped again only when what grouping reads changed."""
        derived = self._derived
        members = tuple(sorted((a.id, derived[a.id].grouped) for a in articles))
        inputs = (repr(config.topics), config.unmatched, tuple(sorted(duplicate_of.items())), members)

        def run() -> Grouping:
            self.cache.read_parts(DERIVED_PART)  # every article's features, read only now, in one pass
            features = {i: d.features for i, d in derived.items()}
            members = {i: d.member for i, d in derived.items()}
            place = functools.partial(self._placed, {i: d.placed for i, d in derived.items()})
            measured = functools.partial(self._measured, {i: d.grouped for i, d in derived.items()})
            known = self.cache.recall("subjects", ["models"]).get("models")
            models = _Models(known if isinstance(known, dict) else {})
            grouping = _group(
                articles,
                duplicate_of,
                config,
                features,
                members,
                self.jobs,
                place,
                measured,
                models,
                self._related,
            )
            if models.used:
                self.cache.remember("subjects", {"models": models.used}, now=True)
            return grouping

        grouping = self.step("grouping", inputs, Grouping, run)
        self._derived = {}  # the features are the bulk of it, and grouping was their last reader
        return grouping

    def _placed(
        self, placed: Mapping[str, str], entries: Sequence[stream.Entry]
    ) -> tuple[list[list[int]], Sequence[Vector]]:
        """``stream.run``, from the state the last build left after the blocks it placed the same."""
        blocks = stream.blocks(entries)

        def key(entry: stream.Entry) -> tuple[str, str, int]:
            # ``placed`` hashes all the entry holds but its copies, of which the stream reads this alone
            return (entry.id, placed[entry.id], entry.undated_report)

        state, made = self.fold(
            "stories",
            tuple(map(key, entries[: stream.WINDOW])),
            [tuple(key(entries[p]) for p in block) for block in blocks],
            functools.partial(stream.start, entries),
            lambda state, number, _: _packed(stream.advance(state, entries, blocks[number])),
        )
        packed = [vector for vectors in made for vector in vectors]
        self._vector_hashes = {e.id: packed_hash(v) for e, v in zip(entries, packed, strict=True)}
        return stream.stories(state), _Vectors(packed)

    def _measured(self, grouped: Mapping[str, str], readings: Sequence[Reading]) -> list[Measures]:
        """``measure`` of each story, but for stories the last build measured from the same reading."""

        placed = self._vector_hashes

        def key(reading: Reading) -> str:
            # ``grouped`` hashes all the reading holds of an article but its vector, the one ``_placed`` gave it
            articles = tuple((m.id, grouped[m.id]) for m in reading.members)
            vectors = b"".join(placed[m.id] for m in reading.members)
            return value_hash((articles, vectors, tuple(sorted(reading.templates))))

        keys = [key(reading) for reading in readings]
        known = self.cache.recall_rows("measures", keys)
        made = [
            _unpacked_measures(m) if isinstance(m := known.get(k), tuple) else measure(r)
            for k, r in zip(keys, readings, strict=True)
        ]
        # A row each, those made now written at once: the measures of a whole digest are megabytes.
        fresh = {
            k: _packed_measures(m)
            for k, m in zip(keys, made, strict=True)
            if not isinstance(known.get(k), tuple)
        }
        self.cache.remember_rows("measures", fresh, keys, now=True)
        return made

    def _related(self, stories: Sequence[Relating]) -> Mapping[str, tuple[str, ...]]:
        """``related_stories``, worked out again only for the stories the last build found otherwise
        (``related.relate``)."""
        last = self.cache.recall("related", ["related"]).get("related")
        found, kept = related.relate(stories, last if isinstance(last, related.Found) else None)
        self.cache.remember("related", {"related": kept})
        return found

    def dated(self, articles: tuple[Article, ...], dated: Mapping[str, Article]) -> tuple[Article, ...]:
        """The articles with those their story dated (``dated``) replaced."""
        self._article_hashes.update({i: _redated(self._article_hashes[i], a) for i, a in dated.items()})
        return tuple(dated.get(a.id, a) for a in articles)

    def stories(
        self,
        stories: Sequence[Story],
        articles: Sequence[Article],
        sentences: int,
        advance: Callable[[int], None],
    ) -> tuple[Story, ...]:
        """Every story with its traced summary and key facts (``summaries_of``), worked out again only for
        stories whose articles changed; and each article's summary (``summarizing`` began them)."""
        own = self._article_summaries(articles, sentences)
        summaries = self._summaries = {i: summary for i, (summary, _) in own.items()}
        by_id = {a.id: a for a in articles}
        hashes = self._article_hashes
        keys = [_summary_key(story, hashes, sentences) for story in stories]
        values = self.each(
            "story", keys, lambda i: _summary(stories[i], by_id, summaries, sentences), advance
        )
        done = tuple(
            deferred(Story, head_of(story), functools.partial(_summary_records, value))
            for story, value in zip(stories, values, strict=True)
        )
        self._story_hashes = {s.id: story_hash(s, value[2]) for s, value in zip(done, values, strict=True)}
        # Pages and lines show an article's summary: their reuse goes by a hash of both, made with the summary
        # unless its story dated the article since.
        summarized_from = self._summarized_from
        self._article_hashes = {
            i: own[i][1] if i in own and summarized_from.get(i) == h else summarized(h, summaries.get(i, ()))
            for i, h in hashes.items()
        }
        return done

    def _article_summaries(self, articles: Sequence[Article], sentences: int) -> dict[str, Summarized]:
        """Each article's summary (``article_summary``), by id: those ``summarizing`` did not reach made now,
        over the workers."""
        hashes = self._summarized_from
        keys = [self._summary_keys[a.id] for a in articles]

        def run(i: int) -> Summarized:
            return _summarized(articles[i], sentences, hashes[articles[i].id])

        values = self.each("summary", keys, run, lambda done: None, known=self._summarized)
        self._summarized = {}
        return {a.id: value for a, value in zip(articles, values, strict=True)}

    def each(
        self,
        kind: str,
        keys: Sequence[str],
        run: Callable[[int], T],
        advance: Callable[[int], None],
        known: Mapping[str, object] | None = None,
    ) -> list[T]:
        """``run(i)`` for every item, over the workers, but for items whose key (``keys[i]``, a hash of what
        ``run`` reads of item ``i``) the last build met, or that are ``known`` (values made by this one)."""
        known = self.cache.recall(kind, keys) if known is None else known
        todo = [i for i, key in enumerate(keys) if key not in known]
        advance(len(keys) - len(todo))

        def work(start: int, stop: int) -> list[T]:
            return [run(i) for i in todo[start:stop]]

        fresh = fork_map(
            work, len(todo), jobs=self.jobs, chunk=16, minimum=64, advance=advance, recycle=STORY_RECYCLE
        )
        made = {keys[i]: value for i, value in zip(todo, fresh, strict=True)}
        self.cache.remember(kind, {key: known[key] if key in known else made[key] for key in keys})
        return [cast(T, known[key]) if key in known else made[key] for key in keys]

    def pages(
        self,
        digest: Digest,
        config: Config,
        put: Callable[[str, bytes], None],
        keep: Callable[[Iterable[str]], None],
        *,
        generated: str | None,
        advance: Callable[[int], None],
    ) -> None:
        """Render the site to ``put``; a page whose inputs are as the last build's goes to ``keep``, not
        rendered."""
        last = self.cache.recall("site", ["site"]).get("site")
        compiled = self.cache.recall("theme", ["theme"]).get("theme")
        self._compiled = compiled if isinstance(compiled, Compiled) else Compiled()
        self._state = render_site(
            digest,
            config,
            put,
            keep,
            generated=generated,
            jobs=self.jobs,
            advance=advance,
            previous=last if isinstance(last, RenderState) else None,
            article_hashes=self._article_hashes,
            words=self._words,
            compiled=self._compiled,
            story_hashes=self._story_hashes,
        )

    def export(self, digest: Digest) -> bytes:
        """``digest.json``, with the lines of articles and stories whose record is unchanged taken from the
        last build."""
        hashes, story_keys = self._article_hashes, self._story_hashes
        keys = {a.id: article_key(a, hashes[a.id], digest) for a in digest.articles if a.id in hashes}
        known = self.cache.recall("record", keys.values())
        told = self.cache.recall("story-record", story_keys.values())
        articles = {
            a.id: _line(known, keys.get(a.id), functools.partial(article_line, a, digest))
            for a in digest.articles
        }
        stories = {
            s.id: _line(told, story_keys.get(s.id), functools.partial(story_line, s)) for s in digest.stories
        }
        self.cache.remember("record", {keys[i]: line for i, line in articles.items() if i in keys})
        self.cache.remember(
            "story-record", {story_keys[i]: line for i, line in stories.items() if i in story_keys}
        )
        return assemble(digest, articles, stories)

    def written(self, output: str) -> None:
        """Remember the pages as the new site in ``output`` holds them, for the next build to reuse."""
        state = self._state
        if state is None:
            return
        # A kept page's stamp is the one it had: linking a file leaves its size and mtime as they were.
        for path, page in state.pages.items():
            if page.stamp is None:
                state.pages[path] = page._replace(stamp=stamp(f"{output}/{path}"))
        self.cache.remember("site", {"site": state})
        if self._compiled is not None and self._compiled.fresh:
            self.cache.remember("theme", {"theme": self._compiled})


class _Words(Mapping[str, str]):
    """Each article's search words, read from the cache only when asked for: search asks for those of the
    articles whose article hash changed."""

    def __init__(self, derived: Mapping[str, Derived]) -> None:
        # Words at hand are taken now; deferred ones are read later through their record, which holds no
        # features unless grouping read them: a fresh record's features are not kept alive for nothing.
        self._words = {
            i: words if isinstance(words := at_hand(d, "words"), str) else d for i, d in derived.items()
        }

    def __getitem__(self, key: str) -> str:
        words = self._words[key]
        return words if isinstance(words, str) else words.words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)


def _line(known: Mapping[str, object], key: str | None, make: Callable[[], bytes]) -> bytes:
    """The line the last build made for ``key``, else ``make()``."""
    line = known.get(key) if key is not None else None
    return line if isinstance(line, bytes) else make()


def _group(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    config: Config,
    features: Mapping[str, Features],
    members: Mapping[str, Member],
    jobs: int,
    place: Place = stream.run,
    measured: Measure = measure_each,
    models: _Models | None = None,
    relate: Relate = related_stories,
) -> Grouping:
    """``group``, with topics discovered in a child process while stories are clustered when ``jobs`` > 1;
    ``models``: the subjects discovered by the last build, and those this one used."""
    documents = subject_documents(articles, duplicate_of, config.topics, features)
    models = models or _Models({})
    # The child reads no more than the documents: what it reads of this process's objects it copies.
    work = functools.partial(models.discover, documents or [])
    with beside(work, fork=documents is not None and jobs > 1) as discovered:

        def found() -> list[int]:
            subjects, models.used = discovered()
            return subjects

        return group(
            articles,
            duplicate_of,
            config.topics,
            config.unmatched,
            features,
            found,
            place,
            members,
            measured,
            relate,
        )


class _Models:
    """Subjects discovered on runs of documents (``topics.model``), by a hash of those documents: the last
    build's (``known``), and those this build used (``used``), which the next build will know."""

    def __init__(self, known: Mapping[str, object]) -> None:
        self.known = known
        self.used: dict[str, topics.Model] = {}

    def discover(self, documents: Sequence[topics.Document]) -> tuple[list[int], dict[str, topics.Model]]:
        """``topics.discover``, with the subjects of runs of documents seen before taken as they were; and
        the subjects used (a child process's are not this process's)."""
        used: dict[str, topics.Model] = {}

        def fitted(run: Sequence[topics.Document]) -> topics.Model:
            key = value_hash(tuple(run))
            known = self.known.get(key)
            used[key] = known if isinstance(known, topics.Model) else topics.model(run)
            return used[key]

        return topics.discover(documents, fitted), used


# A block's vectors as the cache keeps them.
Packed = tuple[PackedTerms, ...]


def _packed(vectors: Sequence[Vector]) -> Packed:
    return tuple(map(pack, vectors))


# A story's measures as the cache keeps them: its centroid, headline, coherence, terms and their counts, and
# evidence. As plain records, they would unpickle slower than they are made.
PackedMeasures = tuple[PackedTerms, str, float, PackedTerms, "array[float]"]


def _packed_measures(measures: Measures) -> PackedMeasures:
    return (
        pack(measures.centroid),
        measures.title,
        measures.coherence,
        pack(measures.terms, "q"),
        array("d", measures.evidence),
    )


def _unpacked_measures(packed: tuple[object, ...]) -> Measures:
    centroid, title, coherence, terms, evidence = cast(PackedMeasures, packed)
    return Measures(unpack(centroid), title, coherence, unpack(terms), tuple(evidence))


class _Vectors(Sequence[Vector]):
    """Packed vectors, each unpacked when read: unpacked all at once, they would outweigh the rest of grouping."""

    def __init__(self, packed: Sequence[PackedTerms]) -> None:
        self._packed = packed

    @overload
    def __getitem__(self, index: int) -> Vector: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Vector]: ...
    def __getitem__(self, index: int | slice) -> Vector | Sequence[Vector]:
        if isinstance(index, slice):
            return _Vectors(self._packed[index])
        return unpack(self._packed[index])

    def __len__(self) -> int:
        return len(self._packed)


def _checkpoint(number: int, steps: int) -> bool:
    """Whether the state after step ``number`` of ``steps`` is kept: the last two (a day's news fetched again
    changes the last step alone), and enough before them that an edit replays little: every 16th of the
    last 64 steps, every 64th before them."""
    return number >= steps - 2 or (number + 1) % 64 == 0 or ((number + 1) % 16 == 0 and number >= steps - 64)


def _redated(known: str, article: Article) -> str:
    """The article hash of an article its story dated: its own, and the date it was given."""
    return hashlib.sha256(f"{known}\0{article.date}\0{article.date_from}".encode()).hexdigest()


def _summary_key(story: Story, article_hashes: Mapping[str, str], sentences: int) -> str:
    """A hash of what a story's summary and facts are made of: its headline, its articles by their article
    hashes (which cover their titles, outlets and sentences, and so their own summaries), and the length of
    an article's summary."""
    return value_hash((story.title, sentences, tuple((a, article_hashes[a]) for a in story.articles)))


def _article_key(article_hash: str, sentences: int) -> str:
    """A hash of what an article's summary is made of: the article, and the summary's length."""
    return value_hash((article_hash, sentences))


def _summarized(article: Article, sentences: int, article_hash: str) -> Summarized:
    """An article's summary, and the hash of both (``article_hash``: the article's)."""
    summary = article_summary(article, sentences)
    return summary, summarized(article_hash, summary)


def _summary(
    story: Story, by_id: Mapping[str, Article], summaries: Mapping[str, tuple[str, ...]], sentences: int
) -> Summary:
    """A story's summary and facts as the cache keeps them, with their ``summary_hash``."""
    summary, facts = summaries_of(story, by_id, summaries, sentences)
    return (
        tuple((s.text, s.article, s.sources) for s in summary),
        tuple((f.kind, f.text, f.sources) for f in facts),
        summary_hash(summary, facts),
    )


def _summary_records(value: Summary) -> tuple[tuple[StorySentence, ...], tuple[Fact, ...]]:
    """A story's summary and facts from their values: made when first read (``Story.DEFERRED``)."""
    summary, facts, _ = value
    return tuple(StorySentence(*sentence) for sentence in summary), tuple(Fact(*fact) for fact in facts)
