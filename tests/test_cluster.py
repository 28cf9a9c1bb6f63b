"""The numpy clustering and topic weights against the plain loops they replaced, on generated inputs."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from digest.group import cluster, topics, vectors
from digest.group.cluster import Span


class _Reference:
    """One cluster as the dict-based leader kept it: running sums of member vectors."""

    def __init__(self) -> None:
        self.members: list[int] = []
        self.total: dict[str, float] = {}
        self.norm2 = 0.0
        self.span: Span = None

    def add(self, index: int, vector: Mapping[str, float], span: Span) -> None:
        self.members.append(index)
        for term, weight in vector.items():
            old = self.total.get(term, 0.0)
            self.total[term] = old + weight
            self.norm2 += (old + weight) ** 2 - old * old
        if span is not None:
            self.span = (
                span if self.span is None else (min(self.span[0], span[0]), max(self.span[1], span[1]))
            )

    def similarity(self, vector: Mapping[str, float], span: Span, window: int, floor: float) -> float:
        timing = cluster.time_factor(self.span, span, window)
        if self.norm2 <= 0 or timing < floor:
            return 0.0
        product, shared = 0.0, 0
        for term, weight in vector.items():
            other = self.total.get(term)
            if other is not None:
                product += weight * other
                shared += 1
        factor = 1.0 if shared >= 2 else cluster.SINGLE_TERM_FACTOR
        return product / math.sqrt(self.norm2) * factor * timing


def reference_leader(
    vecs: Sequence[Mapping[str, float]],
    spans: Sequence[Span],
    thresholds: Sequence[float],
    window: int,
    *,
    chronological: bool = False,
    agree: object = None,
) -> list[list[int]]:
    """The leader as it was: postings as lists, candidates counted in a dict, one similarity at a time."""
    assert agree is None, "the reference has no agree hook"
    clusters: list[_Reference] = []
    postings: dict[str, list[int]] = defaultdict(list)
    fresh: dict[str, int] = defaultdict(int)
    reach = cluster.reach(thresholds, window) if chronological else None
    for index, vector in enumerate(vecs):
        probe = vectors.top_terms(vector, cluster.PROBE_TERMS)
        span = spans[index]
        use_fresh = reach is not None and span is not None
        if use_fresh:
            for term in probe:
                listed = postings.get(term)
                position = fresh[term]
                while listed and position < len(listed):
                    known = clusters[listed[position]].span
                    if known is None or known[1] >= span[0] - reach:  # type: ignore[operator]
                        break
                    position += 1
                fresh[term] = position
        shared: dict[int, int] = defaultdict(int)
        for term in probe:
            listed = postings.get(term, [])
            for number in listed[fresh[term] :] if use_fresh and listed else listed:
                shared[number] += 1
        strong = sorted(c for c, count in shared.items() if count >= 2)
        if len(strong) > cluster.MAX_CANDIDATES:
            strong = sorted(sorted(strong, key=lambda c: (-shared[c], c))[: cluster.MAX_CANDIDATES])
        best, best_score = -1, thresholds[index]
        for candidate in strong or sorted(shared):
            score = clusters[candidate].similarity(vector, span, window, best_score)
            if score > best_score or (score == best_score and best < 0):
                best, best_score = candidate, score
        if best < 0:
            best = len(clusters)
            clusters.append(_Reference())
        clusters[best].add(index, vector, span)
        for term in probe:
            if not postings[term] or postings[term][-1] != best:
                postings[term].append(best)
    return [c.members for c in clusters]


def generated(seed: int, count: int) -> tuple[list[dict[str, float]], list[Span], list[float]]:
    """Unit vectors over a small vocabulary (many shared terms and ties), dated in order, some undated."""
    rng = random.Random(seed)
    vocabulary = [f"t{i}" for i in range(rng.choice([15, 40, 120]))]
    vecs, spans, thresholds = [], [], []
    day = 738000
    for _ in range(count):
        size = rng.randint(0, min(25, len(vocabulary)))
        weights = {t: float(rng.choice([1, 2, 3])) * rng.random() for t in rng.sample(vocabulary, size)}
        if rng.random() < 0.1:  # exact copies make exact ties
            weights = dict(vecs[-1]) if vecs else weights
        vecs.append(vectors.normalized(dict(sorted(weights.items(), key=lambda item: (-item[1], item[0])))))
        day += rng.choice([0, 0, 0, 1, 1, 2, 5])
        spans.append((day, day))
        thresholds.append(rng.choice([0.12, 0.25, 0.35]))
    undated = rng.randint(0, count // 5)
    for position in range(count - undated, count):
        spans[position] = None
    return vecs, spans, thresholds


@pytest.mark.parametrize("seed", range(12))
def test_leader_matches_the_dict_based_definition(seed: int) -> None:
    vecs, spans, thresholds = generated(seed, 400)
    for chronological in (True, False):
        expected = reference_leader(vecs, spans, thresholds, 3, chronological=chronological)
        assert cluster.leader(vecs, spans, thresholds, 3, chronological=chronological) == expected


def reference_tfidf(documents: Sequence[Mapping[str, float]]) -> np.ndarray:  # type: ignore[type-arg]
    """Topic TF-IDF rows as they were built: a dict per document, one entry at a time."""
    import scipy.sparse as sp

    df: Counter[str] = Counter()
    for counts in documents:
        df.update(counts.keys())
    n = len(documents)
    kept = sorted(t for t, c in df.items() if 2 <= c <= max(2, n // 2))
    column = {t: i for i, t in enumerate(kept)}
    rows, cols, values = [], [], []
    for row, counts in enumerate(documents):
        for term, count in counts.items():
            j = column.get(term)
            if j is not None and count > 0:
                rows.append(row)
                cols.append(j)
                values.append((1.0 + math.log(count)) * math.log((1 + n) / (1 + df[term])))
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(n, max(len(kept), 1)), dtype=np.float64)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sp.diags(1.0 / norms) @ matrix).toarray()  # type: ignore[no-any-return]


@pytest.mark.parametrize("seed", range(5))
def test_topic_weights_match_the_dict_based_definition(seed: int) -> None:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(60)]
    documents: list[topics.Document] = []
    for _ in range(rng.randint(1, 80)):
        lead = rng.sample(vocabulary, rng.randint(0, 12))
        rest = rng.sample(vocabulary, rng.randint(0, 20))  # may repeat a lead term: the counts add up
        names = lead + rest
        documents.append((" ".join(names), [rng.randint(1, 9) for _ in names]))
    summed = []
    for names, counts in documents:
        total: Counter[str] = Counter()
        for name, count in zip(names.split(), counts, strict=True):
            total[name] += count
        summed.append(total)
    assert np.array_equal(topics._tfidf(documents)[0].toarray(), reference_tfidf(summed))
