"""Stories as a stream: articles, oldest first, are placed a block at a time (a day's, or a run of undated
ones) into the stories of their time window; then fragments of one event that the block touched are joined,
and the block's articles are parted from an older story they took over without telling its event.

What the stream holds after a block depends on the blocks so far alone, the first WINDOW articles aside
(their document frequencies weigh every term until the window slides). So new articles dated after the
rest need only their own blocks placed, from the state the last build left (``Stream`` pickles).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial, reduce

from digest.group import cluster, events, sections, vectors
from digest.group.cluster import Span
from digest.language.text import STOPWORDS, stem, words
from digest.models import Features

# Cosine needed for an article to join a story, and for two fragments of a story to merge, by the
# article's length: headlines share few words, so fewer shared words prove one event; full texts share
# the vocabulary of their field whatever the event, so they need more. Tuned on labelled headlines
# (benchmarks/grouping.py); the full-text values keep a year of undated BBC articles from chaining. A
# fragment is merged by its centroid's cosine with the other story's summed members, lower than two
# centroids' would be: hence a merge threshold for headlines below the one that suited centroids.
STORY_JOIN = {"short": 0.12, "long": 0.25}
STORY_MERGE = {"short": 0.14, "long": 0.35}
# Without a date nothing keeps a year of one subject's news apart but the text: an undated article joins
# a story only when it is alike to most of the story's undated articles it is compared with (not only to
# the story's centroid, which a long run of one subject's reports pulls anywhere): more shared vocabulary,
# a lede telling the same news, the same days, figures and names (``events.agreement``).
UNDATED_SIMILARITY = {"short": 0.2, "long": 0.35}
EVENT_AGREEMENT = 0.5
LEDE_AGREEMENT = 0.5  # of one headline's terms, those the other lede tells
AGREE_SAMPLE = 6  # members of a story an undated newcomer is compared with
AGREE_SHARE = 0.75  # of the pairs compared, those that must be alike
# A saga's reports (a ruling, the appeal, the reaction) are alike by all the measures above: they share its
# names, figures and words. So an undated story of more than UNDATED_PAIR full reports (copies count) grows
# only with a newcomer that tells one of its reports' news again: every term of one headline in the other's
# headline or lede, and most of the fewer marks shared. Headline-only items have no lede nor marks to tell
# by, and are not counted.
UNDATED_PAIR = 2
CLOSE_LEDE = 1.0
CLOSE_EVENT = 0.7
MERGE_ROUNDS = 3
VECTOR_TERMS = 40
STORY_WINDOW_DAYS = 3  # beyond this gap from a story's dates, similarity decays
# Document frequencies weigh terms over this many articles: the first ones for themselves, then for each
# later article the latest ones up to it. A digest of fewer is weighed as a whole.
WINDOW = 5000
UNDATED_BLOCK = 256  # undated articles placed at once; dated ones are placed a day at a time
LEAD_SENTENCES = 8
# A column's headline names a section and the column, not an event ('Entertainment briefs', 'Monday Evening
# Business Brief', 'Business in Savannah in brief'): its items are several stories', so it joins none.
COLUMN_WORDS = 6
# 'to brief' is the verb: 'Court to brief' is news.
_COLUMN = re.compile(r"(?i)(?:\bin\s+)?(?<!\bto\s)\b(?:briefs?|round-?ups?)\W*$")


@dataclass(frozen=True)
class Entry:
    """What the stream reads of one article (not a copy): its key is a hash of these fields."""

    id: str
    span: Span  # its day: its date, else the date in its link
    undated: bool  # no date of its own: it comes after the dated ones, however its link is dated
    short: bool  # a headline and little more
    reports: int  # the article and its copies
    title: str
    sentences: tuple[str, ...]  # the first LEAD_SENTENCES
    features: Features

    @property
    def undated_report(self) -> int:
        """The full reports it counts for in an undated story, all the stream reads of its copies: itself
        and its copies, when it has no day and is long; else none (a copy of a dated article found later
        changes nothing the stream does)."""
        return self.reports if self.span is None and not self.short else 0


@dataclass(frozen=True)
class _Item:
    """What joining reads of a story's member, but its lede and event marks (read from its entry)."""

    position: int
    span: Span
    short: bool
    undated_report: int  # ``Entry.undated_report``
    vector: (
        vectors.Vector | None
    )  # kept for an undated member alone: only two undated ones are compared by it

    @classmethod
    def of(cls, position: int, entry: Entry, vector: vectors.Vector) -> _Item:
        vector_kept = vector if entry.span is None else None
        return cls(position, entry.span, entry.short, entry.undated_report, vector_kept)


@dataclass
class _Story:
    """What joining reads of a story: its first member and latest few (``sample``), and counts of the rest."""

    sample: list[_Item]  # the first member, then the latest, oldest first
    size: int = 1
    undated: int = 0  # members without a day
    undated_reports: int = 0
    strictest: float = 0.0  # the highest merge threshold of its members

    @classmethod
    def of(cls, item: _Item) -> _Story:
        return cls([item], 1, int(item.span is None), item.undated_report, STORY_MERGE[_length(item)])

    def joined(self, other: _Story) -> _Story:
        """The story of both: the first member of either, and the latest of both."""
        members = sorted([*self.sample, *other.sample], key=lambda item: item.position)
        size = self.size + other.size
        sample = members if size <= AGREE_SAMPLE else [members[0], *members[-(AGREE_SAMPLE - 1) :]]
        return _Story(
            sample,
            size,
            self.undated + other.undated,
            self.undated_reports + other.undated_reports,
            max(self.strictest, other.strictest),
        )


@dataclass
class Stream:
    """The stories placed so far, and the document frequencies that weigh the next article's terms."""

    opening: int  # articles whose frequencies weigh the first WINDOW (all of them, in a smaller digest)
    frequencies: Counter[str]  # of the articles of the window: the opening, then the latest WINDOW
    leader: cluster.Leader = field(
        default_factory=lambda: cluster.Leader(
            STORY_WINDOW_DAYS, cluster.reach([min(STORY_JOIN.values())], STORY_WINDOW_DAYS)
        )
    )
    stories: list[_Story] = field(default_factory=list)  # by cluster number


def start(entries: Sequence[Entry]) -> Stream:
    """An empty stream over ``entries`` (all of them, dated ones oldest first, then the undated, each by id):
    it reads their first WINDOW."""
    opening = entries[:WINDOW]
    return Stream(len(opening), Counter(t for entry in opening for t in entry.features.terms()))


def blocks(entries: Sequence[Entry]) -> list[range]:
    """The positions of ``entries`` (in stream order) placed at once: a day's articles, or a run of undated."""
    found: list[range] = []
    start = 0
    for position in range(1, len(entries) + 1):
        if position == len(entries) or _block_key(entries[position], position) != _block_key(
            entries[start], start
        ):
            found.append(range(start, position))
            start = position
    return found


def _block_key(entry: Entry, position: int) -> tuple[bool, int]:
    if entry.undated:
        return (True, position // UNDATED_BLOCK)
    return (False, entry.span[0] if entry.span else 0)


def advance(stream: Stream, entries: Sequence[Entry], block: range) -> list[vectors.Vector]:
    """Place the articles of ``block`` (positions in ``entries``), then join the fragments it touched;
    return their vectors."""
    touched: set[int] = set()
    made = []
    before = {c: stream.stories[c] for c in stream.leader.live()}  # records are replaced as stories grow
    for position in block:
        entry = entries[position]
        if position >= WINDOW:  # the window slides: this article in, the one WINDOW before it out
            _slide(stream.frequencies, entry, entries[position - WINDOW])
        vector = _vector(stream, entry)
        made.append(vector)
        single = _Story.of(_Item.of(position, entry, vector))
        allowed = partial(_may_take, stream, entries, single)
        number = stream.leader.place(position, vector, entry.span, STORY_JOIN[_length(entry)], allowed)
        if number == len(stream.stories):
            stream.stories.append(single)
        else:
            stream.stories[number] = stream.stories[number].joined(single)
        touched.add(number)
    _settle(stream, entries, touched)
    parted = _parted(stream, entries, block, made, before)
    if parted:
        _settle(stream, entries, parted)
    return made


def run(entries: Sequence[Entry]) -> tuple[list[list[int]], list[vectors.Vector]]:
    """The stories of ``entries`` (``stories``) and their vectors, placed from the start."""
    state = start(entries)
    made = [vector for block in blocks(entries) for vector in advance(state, entries, block)]
    return stories(state), made


def stories(stream: Stream) -> list[list[int]]:
    """The positions of each story's articles, stories by their first article."""
    return sorted(stream.leader.clusters(), key=lambda members: members[0])


def _vector(stream: Stream, entry: Entry) -> vectors.Vector:
    """An article's TF-IDF vector (``vectors.tfidf``), weighed by the frequencies of its window."""
    if is_column(entry.title):
        return {}
    features = entry.features
    n = min(stream.opening, WINDOW)
    having = stream.frequencies.get
    # The lead terms with their counts and rarities (``Features.terms`` and ``rarity``), read in one pass.
    names = features.names.split()[: features.leads]
    lead = zip(names, features.counts[: features.leads], features.rarities, strict=True)
    weights = {t: _tf(c) * _idf(n, having(t, 0)) * r for t, c, r in lead if c > 0}
    top = sorted(weights.items(), key=cluster.heaviest)[:VECTOR_TERMS]
    return vectors.normalized(dict(top))


@lru_cache(maxsize=4096)
def is_column(title: str) -> bool:
    """Whether a headline names a column of short items in a news section and nothing else (``_COLUMN``)."""
    found = words(title)
    if ":" in title or len(found) > COLUMN_WORDS or not _COLUMN.search(title):
        return False
    stems = {stem(w) for w in found}
    return any(name <= stems for s in sections.sections() for name in s.categories if name)


@lru_cache(maxsize=256)
def _tf(count: int) -> float:
    """Sublinear term frequency: a term's weight grows with the log of its count."""
    return 1.0 + math.log(count)


@lru_cache(maxsize=65536)
def _idf(articles: int, having: int) -> float:
    """Smoothed inverse document frequency of a term ``having`` of ``articles`` articles hold."""
    return math.log((1 + articles) / (1 + having)) + 1.0


def _slide(frequencies: Counter[str], coming: Entry, going: Entry) -> None:
    frequencies.update(coming.features.terms().keys())
    for term in going.features.terms():
        frequencies[term] -= 1
        if not frequencies[term]:
            del frequencies[term]  # a term no article of the window has: as if never seen


def _parted(
    stream: Stream,
    entries: Sequence[Entry],
    block: range,
    made: Sequence[vectors.Vector],
    before: Mapping[int, _Story],
) -> set[int]:
    """Part the block's articles from a story of before the block that they joined and outnumber, unless they
    would merge with it as it was (``_fragment_of``): an article that started a story must not keep the
    bigger event that came to it by a few words they share. Return the stories they now make.

    ``before``: the stories live before the block, as they were. A story that took in two of them is left.
    """
    leader = stream.leader
    held = defaultdict(list)
    for number in before:
        held[leader.lives(number)].append(number)
    parted = set()
    for host, numbers in sorted(held.items()):
        if len(numbers) != 1 or leader.members[host][-1] < block.start:  # members come in order
            continue
        story = before[numbers[0]]
        moved = [p for p in leader.members[host] if p >= block.start]
        if len(moved) <= story.size:
            continue
        placed = [(p, made[p - block.start], entries[p].span) for p in moved]
        newcomers = reduce(_Story.joined, (_Story.of(_Item.of(p, entries[p], v)) for p, v, _ in placed))
        days = cluster.union(entries[p].span for p in leader.members[host] if p < block.start)
        if not _one_event(stream, entries, (host, story, days), newcomers, placed):
            parted.add(leader.split(host, placed, days))
            stream.stories[host] = story
            stream.stories.append(newcomers)
    return parted


def _one_event(
    stream: Stream,
    entries: Sequence[Entry],
    was: tuple[int, _Story, Span],
    newcomers: _Story,
    placed: Sequence[tuple[int, vectors.Vector, Span]],
) -> bool:
    """Whether the newcomers to a story (each its position, vector and day) would merge with the story as it
    was before them (its number, record and days)."""
    number, story, days = was
    leader = stream.leader
    centroid = vectors.mean((v for _, v, _ in placed), max_terms=cluster.MERGE_TERMS)
    part = leader.without(number, [v for _, v, _ in placed])
    timing = cluster.time_factor(days, cluster.union(s for _, _, s in placed), STORY_WINDOW_DAYS)
    score = leader.similarity_to(centroid, part) * timing
    return score >= max(story.strictest, newcomers.strictest) and may_join(entries, newcomers, story)


def _settle(stream: Stream, entries: Sequence[Entry], touched: set[int]) -> None:
    """Join the stories the block touched to a story of the same event (its centroid alike to the other's
    members, by the stricter merge threshold, over time), biggest first, a few rounds at most."""
    leader = stream.leader
    for _ in range(MERGE_ROUNDS):
        live = sorted(
            {leader.lives(c) for c in touched}, key=lambda c: (-len(leader.members[c]), leader.members[c][0])
        )
        joined: set[int] = set()
        for number in live:
            if leader.lives(number) != number:
                continue  # absorbed this round
            host = _fragment_of(stream, entries, number)
            if host is not None:
                joined.add(host)
        if not joined:
            return
        touched = joined


def _fragment_of(stream: Stream, entries: Sequence[Entry], number: int) -> int | None:
    """Join story ``number`` to the story most like it that may take it; return the one they now are."""
    leader = stream.leader
    centroid = leader.centroid(number)
    span = leader.spans[number]
    best, best_score = None, 0.0
    candidates = leader.near(centroid, span, number)
    for other, cosine in zip(candidates, leader.similarity(centroid, candidates), strict=True):
        timing = cluster.time_factor(leader.spans[other], span, STORY_WINDOW_DAYS)
        threshold = max(stream.stories[number].strictest, stream.stories[other].strictest)
        score = cosine * timing
        better = score >= threshold and (best is None or score > best_score)
        if better and may_join(entries, stream.stories[number], stream.stories[other]):
            best, best_score = other, score
    if best is None:
        return None
    host, other = sorted((number, best), key=lambda c: (-len(leader.members[c]), leader.members[c][0]))
    leader.absorb(host, other)
    stream.stories[host] = stream.stories[host].joined(stream.stories[other])
    return host


def _may_take(stream: Stream, entries: Sequence[Entry], newcomer: _Story, number: int) -> bool:
    return may_join(entries, newcomer, stream.stories[number])


def may_join(entries: Sequence[Entry], items: _Story, members: _Story) -> bool:
    """Whether some articles may join a story: when most pairs of theirs (a sample of each side: the first
    and the latest) are alike and tell of the same event, so that no chain of similar undated reports makes
    a saga; past UNDATED_PAIR undated full reports, when one pair also tells the same news (``_close``). A
    pair with a dated article is alike: its date places the story in time, and the time window judges the
    other."""
    if not items.undated and not members.undated:
        return True
    pairs = [(a, b) for a in items.sample for b in members.sample]
    if sum(_alike(entries, a, b) for a, b in pairs) < AGREE_SHARE * len(pairs):
        return False
    undated = items.undated_reports + members.undated_reports
    return undated <= UNDATED_PAIR or any(_close(entries, a, b) for a, b in pairs)


def _alike(entries: Sequence[Entry], a: _Item, b: _Item) -> bool:
    if a.vector is None or b.vector is None:  # one of them is dated
        return True
    if vectors.dot(a.vector, b.vector) < UNDATED_SIMILARITY[_length(a)]:
        return False
    return _tells(entries, a, b, LEDE_AGREEMENT, EVENT_AGREEMENT)


def _close(entries: Sequence[Entry], a: _Item, b: _Item) -> bool:
    return _alike(entries, a, b) and _tells(entries, a, b, CLOSE_LEDE, CLOSE_EVENT)


def _tells(entries: Sequence[Entry], a: _Item, b: _Item, lede: float, event: float) -> bool:
    """Whether two articles tell the same news: as much of one headline in the other's lede as ``lede``
    asks, and (where both have enough event marks to tell by) as many of them shared as ``event`` asks."""
    first, second = entries[a.position], entries[b.position]
    if _told(_lede(first.title, first.sentences[:1]), _lede(second.title, second.sentences[:1])) < lede:
        return False
    shared = events.agreement(_cues(first.title, first.sentences), _cues(second.title, second.sentences))
    return shared is None or shared >= event


@lru_cache(maxsize=16384)
def _lede(title: str, first: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The terms of what an article says happened: those of its headline, and of its first sentence."""
    return _terms(title), _terms(" ".join(first))


@lru_cache(maxsize=16384)
def _cues(title: str, sentences: tuple[str, ...]) -> frozenset[str]:
    return events.cues(title, sentences)


def _told(a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]) -> float:
    """How much of one lede's headline the other's headline and first sentence tell (the most of either)."""
    return max(_overlap(a[0], b[0] | b[1]), _overlap(b[0], a[0] | a[1]))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of ``a`` that ``b`` holds (1 when either is empty: nothing to tell)."""
    return len(a & b) / len(a) if a and b else 1.0


def _terms(text: str) -> frozenset[str]:
    return frozenset(t for w in words(text) if (t := term(w)))


@lru_cache(maxsize=262144)
def term(word: str) -> str | None:
    """The indexing term of a lowercase word, or None for stopwords and single letters."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) < 2 or word in STOPWORDS:
        return None
    return stem(word)


def _length(entry: Entry | _Item) -> str:
    return "short" if entry.short else "long"
