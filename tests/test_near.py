"""Near copies found again from the last build's are the pairs a cold count finds, after any edits."""

from __future__ import annotations

import hashlib
from array import array
from functools import cache, partial
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.group import dedupe
from digest.group.dedupe import MIN_WORDS, near_pairs, similar, similar_pairs
from digest.incremental import near
from digest.models import Article, RawArticle
from digest.read.normalize import normalize


@cache
def article(number: int, long: bool) -> Article:
    """Article ``number``, long enough to be compared or not: its id depends on its number alone."""
    words = " ".join(["word"] * (MIN_WORDS + 5 if long else MIN_WORDS - 5))
    return normalize(RawArticle(source=f"{number}.txt", format="text", paragraphs=(words,), title="T"))


def packed(shingles: frozenset[int]) -> array[int]:
    return array("I", sorted(shingles))


def stands_for(sample: array[int]) -> str:
    return hashlib.blake2b(sample.tobytes(), digest_size=16).hexdigest()


def reading(samples: dict[str, array[int]], read: list[str], key: str) -> array[int]:
    """``samples[key]``, noted in ``read``."""
    read.append(key)
    return samples[key]


# Few shingles, so that samples overlap often, and a low cap, so that edits move shingles across it.
samples = st.frozensets(st.integers(0, 20), max_size=9)
edits = st.lists(
    st.tuples(st.sampled_from(("add", "remove", "change", "length", "move")), st.integers(0, 999), samples),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(samples, max_size=10), edits, st.integers(1, 6))
def test_pairs_found_again_equal_a_cold_count_after_every_edit(
    start: list[frozenset[int]], steps: list[tuple[str, int, frozenset[int]]], cap: int
) -> None:
    order = list(range(len(start)))  # the articles by number, in the build's order
    held = {n: (packed(s), True) for n, s in enumerate(start)}
    last: near.Compared | None = None
    with mock.patch.object(dedupe, "MAX_POSTING", cap), mock.patch.object(near, "COLD_SHARE", float("inf")):
        for kind, pick, sample in [("change", -1, frozenset()), *steps]:
            chosen = order[pick % len(order)] if order else None
            if kind == "add" or chosen is None:
                number = max(held, default=-1) + 1
                order.insert(pick % (len(order) + 1), number)
                held[number] = (packed(sample), True)
            elif kind == "remove":
                order.remove(chosen)
                del held[chosen]
            elif kind == "change" and pick >= 0:
                held[chosen] = (packed(sample), held[chosen][1])
            elif kind == "length":
                held[chosen] = (held[chosen][0], not held[chosen][1])
            elif kind == "move":
                order.remove(chosen)
                order.insert(pick % (len(order) + 1), chosen)
            articles = [article(n, held[n][1]) for n in order]
            known = {article(n, held[n][1]).id: held[n][0] for n in order}
            ids = [a.id for a in articles if a.words >= MIN_WORDS]
            read: list[str] = []
            sample_of = partial(reading, known, read)
            compared = near.compare(ids, [stands_for(known[i]) for i in ids], sample_of, last)
            assert compared.found() == near_pairs(articles, known)
            if last is not None:  # only the samples that changed are read
                before = dict(zip(last.ids, last.sampled, strict=True))
                assert sorted(read) == sorted(i for i in ids if before.get(i) != stands_for(known[i]))
            last = compared


@settings(max_examples=200, deadline=None)
@given(st.lists(samples, min_size=2, max_size=8), st.integers(1, 4))
def test_similar_agrees_with_the_pairs_counted_together(texts: list[frozenset[int]], cap: int) -> None:
    packs = [packed(t) for t in texts]
    postings = {h: sum(h in t for t in texts) for t in texts for h in t}
    with mock.patch.object(dedupe, "MAX_POSTING", cap):
        pairs = similar_pairs(packs)
        for a in range(len(packs)):
            for b in range(a + 1, len(packs)):
                assert similar(packs[a], packs[b], postings) == ((a, b) in pairs)
