"""Near copies: the pairs found through sorted shingles are exactly the pairs the definition gives."""

from __future__ import annotations

import itertools
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.group.dedupe import MIN_WORDS, NEAR, near_pairs, sample, sharers, sharers_sorted
from digest.models import Article, RawArticle
from digest.read.normalize import normalize

WORDS = [
    "the",
    "mayor",
    "said",
    "council",
    "vote",
    "budget",
    "river",
    "bridge",
    "storm",
    "school",
    "police",
    "court",
    "fire",
]


def _article(number: int, words: list[str]) -> Article:
    text = " ".join(words)
    return normalize(
        RawArticle(source=f"{number}.txt", format="text", paragraphs=(text,), title=f"T{number}")
    )


def _by_definition(articles: list[Article]) -> list[tuple[str, str]]:
    """Every pair of long enough texts whose samples' Jaccard similarity reaches NEAR."""
    samples = {a.id: set(sample(a)) for a in articles if a.words >= MIN_WORDS}
    pairs = []
    for a, b in itertools.combinations(samples, 2):
        union = samples[a] | samples[b]
        if union and len(samples[a] & samples[b]) / len(union) >= NEAR:
            pairs.append((a, b))
    return sorted(pairs)


texts = st.lists(st.sampled_from(WORDS), min_size=30, max_size=120)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 8))))
def test_near_pairs_are_the_pairs_of_similar_samples(
    originals: list[list[str]], edits: list[tuple[int, int]]
) -> None:
    bodies = list(originals)
    for source, cut in edits[:8]:  # copies of some texts, a few words cut from their end
        original = originals[source % len(originals)]
        bodies.append(original[: len(original) - cut])
    articles = [_article(number, body) for number, body in enumerate(bodies)]
    assert near_pairs(articles, {}) == _by_definition(articles)
    assert near_pairs(articles, {a.id: sample(a) for a in articles}) == _by_definition(articles)


def test_samples_are_distinct_and_ascending() -> None:
    article = _article(0, WORDS * 20)
    hashes = list(sample(article))
    assert hashes and hashes == sorted(set(hashes))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), max_size=30), min_size=1, max_size=12))
def test_sorting_finds_the_same_shared_shingles_as_a_dictionary(texts: list[list[int]]) -> None:
    packed = [array("I", sorted(set(text))) for text in texts]
    assert sorted(sharers_sorted(packed)) == sorted(sharers(packed))
