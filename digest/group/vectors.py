"""Sparse TF-IDF term vectors as plain dicts: small, dependency-free and fast enough per stage."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

Vector = dict[str, float]


def tfidf(
    documents: Sequence[Mapping[str, float]],
    *,
    prior: Mapping[str, float] | None = None,
    max_terms: int = 60,
) -> list[Vector]:
    """L2-normalized, sublinear TF-IDF vectors, each truncated to its ``max_terms`` heaviest terms.

    ``prior`` multiplies each term's IDF by what is known beforehand of it (its rarity in general
    English), which matters most when the corpus is too small for document frequencies to mean much.
    """
    prior = prior or {}
    df: Counter[str] = Counter()
    for counts in documents:
        df.update(counts.keys())
    n = len(documents)
    idf = {term: (math.log((1 + n) / (1 + freq)) + 1.0) * prior.get(term, 1.0) for term, freq in df.items()}
    vectors = []
    for counts in documents:
        weights = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items() if c > 0}
        top = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:max_terms]
        vectors.append(normalized(dict(top)))
    return vectors


def normalized(vector: Mapping[str, float]) -> Vector:
    """The vector scaled to unit length (an empty vector stays empty)."""
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def dot(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two sparse vectors (cosine when both are unit length)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def mean(vectors: Iterable[Mapping[str, float]], *, max_terms: int = 80) -> Vector:
    """The unit-length centroid of some vectors, truncated to its heaviest terms."""
    total: Counter[str] = Counter()
    for vector in vectors:
        total.update(vector)
    top = sorted(total.items(), key=lambda item: (-item[1], item[0]))[:max_terms]
    return normalized(dict(top))


def top_terms(vector: Mapping[str, float], count: int) -> list[str]:
    """The ``count`` heaviest terms, ties broken alphabetically."""
    return [t for t, _ in sorted(vector.items(), key=lambda item: (-item[1], item[0]))[:count]]
