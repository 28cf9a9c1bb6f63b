"""Exact and near-duplicate copies (wire copies, the same article saved twice) -> duplicate_of links."""

from __future__ import annotations

import re
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, combinations

from digest.models import Article

SHINGLE = 4  # words per shingle
SAMPLE_MOD = 8  # keep shingles whose hash is 0 mod this: a content-defined sample, same in every copy
NEAR = 0.6  # Jaccard similarity of sampled shingles above which two texts are copies
MIN_WORDS = 40  # shorter texts are compared exactly only: a few shared words prove nothing
MAX_POSTING = 50  # a sampled shingle shared by more texts is boilerplate, not evidence of copying
SORT_FROM = 50_000  # shingles (some 700 articles); fewer are matched faster without importing numpy
_WORD = re.compile(r"\w+")
# Copies are compared on their opening: a wire copy keeps it, and reading on costs time, not accuracy.
_COMPARED_CHARS = 3000


def find_duplicates(
    articles: Sequence[Article],
    samples: Mapping[str, array[int]] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    rich: Mapping[str, tuple[int, int, str, str]] | None = None,
) -> dict[str, str]:
    """Map each duplicate article id to the id of the copy kept (the one with the most metadata).

    ``samples`` are articles' ``sample()``, ``pairs`` their ``near_pairs()`` and ``rich`` their
    ``richness()`` when worked out beforehand.
    """
    sets = _DisjointSets(a.id for a in articles)
    for group in _exact_groups(articles):
        for other in group[1:]:
            sets.union(group[0], other)
    for a, b in near_pairs(articles, samples or {}) if pairs is None else pairs:
        sets.union(a, b)
    return _keepers(articles, sets, rich or {})


class _DisjointSets:
    """Union-find over article ids; the smallest id names each set, so results do not depend on order."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, node: str) -> str:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _exact_groups(articles: Sequence[Article]) -> list[list[str]]:
    by_hash: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        by_hash[article.content_hash].append(article.id)
    return [ids for ids in by_hash.values() if len(ids) > 1]


def near_pairs(articles: Sequence[Article], known: Mapping[str, array[int]]) -> list[tuple[str, str]]:
    """Pairs of articles whose openings share most sampled 4-grams (``known``: samples worked out before)."""
    samples = {a.id: known[a.id] if a.id in known else sample(a) for a in articles if a.words >= MIN_WORDS}
    ids = list(samples)
    return sorted((ids[a], ids[b]) for a, b in similar_pairs(list(samples.values())))


def similar_pairs(texts: Sequence[array[int]]) -> list[tuple[int, int]]:
    """The positions ``(a, b)``, ``a < b``, of the samples that are near copies (``near``), ascending."""
    shingles = sum(map(len, texts))
    # Each pair of texts sharing a shingle, counted in C: the owners are ascending, so each pair is (a, b), a < b.
    postings = (sharers_sorted if shingles >= SORT_FROM else sharers)(texts)
    shared = Counter(
        chain.from_iterable(combinations(owners, 2) for owners in postings if len(owners) <= MAX_POSTING)
    )
    return sorted((a, b) for (a, b), count in shared.items() if near(count, len(texts[a]), len(texts[b])))


def near(shared: int, first: int, second: int) -> bool:
    """Whether samples of ``first`` and ``second`` shingles, ``shared`` of them counted in both, are copies."""
    union = first + second - shared
    return union > 0 and shared / union >= NEAR


def similar(first: array[int], second: array[int], postings: Mapping[int, int]) -> bool:
    """Whether two samples are near copies, given how many texts have each shingle they share (``postings``)."""
    shared = set(first).intersection(second)
    return near(sum(postings[h] <= MAX_POSTING for h in shared), len(first), len(second))


def sharers(texts: Sequence[array[int]]) -> Iterator[list[int]]:
    """For each shingle in more than one text, the texts that have it, ascending."""
    postings: dict[int, list[int]] = defaultdict(list)
    for number, hashes in enumerate(texts):
        for value in hashes:
            postings[value].append(number)
    return (owners for owners in postings.values() if len(owners) > 1)


def sharers_sorted(texts: Sequence[array[int]]) -> Iterator[list[int]]:
    """``sharers`` by sorting all shingles: no dictionary entry for each of the millions of shingles only one
    text has (at 100,000 articles those weigh a gigabyte); the order of the groups differs."""
    import numpy as np

    joined = array("I")
    for hashes in texts:
        joined.extend(hashes)
    values = np.frombuffer(joined, dtype=np.uint32)
    owners = np.repeat(np.arange(len(texts)), [len(hashes) for hashes in texts])
    order = np.argsort(values, kind="stable")  # stable: each shingle's texts stay ascending
    values, owners = values[order], owners[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
        if size > 1:
            yield owners[start : start + size].tolist()


def sample(article: Article) -> array[int]:
    """A content-defined sample of the hashed word 4-grams of the article's opening: equal in every copy.

    Distinct values, ascending, packed: a set of them would weigh ten times as much.
    """
    words = _WORD.findall(article.text[:_COMPARED_CHARS].lower())
    # Shorter tails end the zip where the last whole shingle ends; maps run in C: a fifth faster.
    grams = map(" ".join, zip(*(words[i:] for i in range(SHINGLE)), strict=False))
    return array("I", sorted({h for h in map(zlib.crc32, map(str.encode, grams)) if h % SAMPLE_MOD == 0}))


def _keepers(
    articles: Sequence[Article], sets: _DisjointSets, rich: Mapping[str, tuple[int, int, str, str]]
) -> dict[str, str]:
    groups: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        groups[sets.find(article.id)].append(article)
    duplicate_of = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        keeper = max(members, key=lambda a: rich.get(a.id) or richness(a))
        for member in members:
            if member.id != keeper.id:
                duplicate_of[member.id] = keeper.id
    return duplicate_of


def richness(article: Article) -> tuple[int, int, str, str]:
    """Which of several copies is kept, the largest: more metadata wins, then the longer text, then the
    earlier date, then the smaller id."""
    known = sum(
        value is not None
        for value in (article.date, article.author, article.publisher, article.url, article.html)
    ) + (article.title_from != "lead")
    return (known, article.words, _invert(article.date or "9999-99-99"), _invert(article.id))


def _invert(text: str) -> str:
    return "".join(chr(0x10FFFF - ord(ch)) for ch in text)
