"""A story's candidate sentences as IDF-weighted unit vectors, their centroid and their near-duplicates, in arrays.

A story's summary weighs every candidate sentence of up to 40 articles: hundreds of sentences, thousands
of (sentence, term) pairs, which dicts walk a pair at a time. Here the pairs are numpy arrays; the
arithmetic is the dicts' own, operation for operation and in the same order (products and quotients
elementwise, sums accumulated one term after another by ``bincount``, norms by ``math.hypot`` over the
values in the dicts' insertion order), so every value is bit-for-bit what the dict walk gives and the
summaries do not change. ``tests/test_storyvectors.py`` holds the dict walk and compares the two.

A small story is cheaper walked: ``PlainVectors`` does the walk behind the same methods, and a rebuild
that summarizes one small story again does not import numpy at all.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import chain, count, pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["PLAIN_PAIRS", "PLAIN_PAIRS_UNLOADED", "PlainVectors", "StoryVectors", "story_vectors"]

# Stories with at most this many (candidate, term) pairs are walked in dicts: below it the walk is faster
# than numpy's arrays, whose every call costs microseconds however small. While numpy is not loaded, the
# bound is higher: importing it costs a tenth of a second, what walking a story of that size takes.
PLAIN_PAIRS = 500
PLAIN_PAIRS_UNLOADED = 10_000


def story_vectors(terms: Sequence[Mapping[str, int]], articles: Sequence[int]) -> StoryVectors | PlainVectors:
    """``StoryVectors`` of the candidates, or ``PlainVectors`` (the same values) for a small story."""
    bound = PLAIN_PAIRS if "numpy" in sys.modules else PLAIN_PAIRS_UNLOADED
    if sum(map(len, terms)) <= bound:
        return PlainVectors(terms, articles)
    return StoryVectors(terms, articles)


class PlainVectors:
    """``StoryVectors``' values from dicts, walked one (candidate, term) pair at a time."""

    def __init__(self, terms: Sequence[Mapping[str, int]], articles: Sequence[int]) -> None:
        frequency = Counter(chain.from_iterable(terms))
        size = len(terms)
        rarity = {term: math.log((1 + size) / (1 + seen)) + 1.0 for term, seen in frequency.items()}
        self.vectors: list[dict[str, float]] = []
        for counts in terms:
            weights = {term: value * rarity[term] for term, value in counts.items()}
            norm = math.hypot(*weights.values()) or 1.0
            self.vectors.append({term: weight / norm for term, weight in weights.items()})
        centroid: dict[str, float] = {}
        for start, stop in _runs(articles):
            total: dict[str, float] = {}
            for vector in self.vectors[start:stop]:
                for term, value in vector.items():
                    total[term] = value + total.get(term, 0.0)
            scale = math.hypot(*total.values()) or 1.0
            for term, value in total.items():
                centroid[term] = value / scale + centroid.get(term, 0.0)
        self.centroid = centroid
        self.centroid_norm = math.hypot(*centroid.values()) or 1.0

    def vector(self, sentence: int) -> dict[str, float]:
        """The unit vector of candidate ``sentence``, term by term in its own order."""
        return dict(self.vectors[sentence])

    def centrality(self, sentence: int) -> float:
        """The cosine of candidate ``sentence`` with the centroid."""
        centroid = self.centroid
        return (
            sum(value * centroid[term] for term, value in self.vectors[sentence].items()) / self.centroid_norm
        )

    def similar(
        self, queries: Sequence[int], indexed: Sequence[int], owners: Sequence[int], threshold: float
    ) -> list[list[int]]:
        """As ``StoryVectors.similar``."""
        vectors = self.vectors
        postings: dict[str, list[int]] = {}
        for candidate in indexed:
            for term in vectors[candidate]:
                postings.setdefault(term, []).append(candidate)
        found = []
        for query in queries:
            own, scores = owners[query], dict[int, float]()
            for term, weight in vectors[query].items():
                for candidate in postings.get(term, ()):
                    if owners[candidate] != own:
                        scores[candidate] = scores.get(candidate, 0.0) + weight * vectors[candidate][term]
            found.append(sorted(c for c, score in scores.items() if score >= threshold))
        return found


def _runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """The (start, stop) of each run of equal numbers."""
    starts = [i for i in range(len(numbers)) if i == 0 or numbers[i] != numbers[i - 1]]
    return list(pairwise([*starts, len(numbers)]))


class StoryVectors:
    """Unit vectors of a story's candidates, terms weighted by their rarity among them (IDF), and the
    centroid of the articles (each article's summed vectors scaled to length 1, so each weighs the same)."""

    def __init__(self, terms: Sequence[Mapping[str, int]], articles: Sequence[int]) -> None:
        """``terms``: each candidate's salient-term counts; ``articles``: its article's number, in runs."""
        import numpy as np

        frequency = Counter(chain.from_iterable(terms))  # in how many candidates each term is
        # Term numbers in order of first use: the order in which the dicts would have inserted them.
        numbers = dict(zip(frequency, count()))
        self.names = list(frequency)
        size = len(terms)
        rarity = np.array([math.log((1 + size) / (1 + seen)) + 1.0 for seen in frequency.values()])
        lengths = np.fromiter(map(len, terms), np.intp, size)
        self.starts = [0, *np.cumsum(lengths).tolist()]
        self.lengths, self.first_pairs = lengths, np.asarray(self.starts[:-1], dtype=np.intp)
        self.ids = np.fromiter(map(numbers.__getitem__, chain.from_iterable(terms)), np.intp, self.starts[-1])
        values = np.fromiter(chain.from_iterable(counts.values() for counts in terms), float, self.starts[-1])
        weights = values * rarity[self.ids]
        self.units = weights / np.repeat(_norms(weights.tolist(), self.starts), lengths)
        self.unit_list: list[float] = self.units.tolist()
        self.id_list: list[int] = self.ids.tolist()
        self.pair_articles = np.repeat(np.asarray(articles, dtype=np.intp), lengths)
        self.centroid = _centroid(self.ids, self.units, self.pair_articles, len(frequency))
        self.centroid_norm = math.hypot(*self.centroid) or 1.0

    def vector(self, sentence: int) -> dict[str, float]:
        """The unit vector of candidate ``sentence``, term by term in its own order."""
        start, stop = self.starts[sentence], self.starts[sentence + 1]
        return dict(
            zip(
                map(self.names.__getitem__, self.id_list[start:stop]), self.unit_list[start:stop], strict=True
            )
        )

    def centrality(self, sentence: int) -> float:
        """The cosine of candidate ``sentence`` with the centroid."""
        start, stop = self.starts[sentence], self.starts[sentence + 1]
        weights = map(self.centroid.__getitem__, self.id_list[start:stop])
        return sum(map(float.__mul__, self.unit_list[start:stop], weights)) / self.centroid_norm

    def similar(
        self, queries: Sequence[int], indexed: Sequence[int], owners: Sequence[int], threshold: float
    ) -> list[list[int]]:
        """For each query candidate, the ``indexed`` candidates of other owners (``owners``, by candidate:
        outlets) whose cosine with it reaches ``threshold``, in candidate order."""
        import numpy as np

        owner = np.asarray(owners, dtype=np.intp)
        terms = len(self.names)
        # The indexed candidates' pairs grouped by term (postings), each group in candidate order.
        pairs, sentence_of = self._pairs(indexed)
        order = np.argsort(self.ids[pairs], kind="stable")
        posted, posted_sentence = pairs[order], sentence_of[order]
        bounds = np.concatenate(([0], np.cumsum(np.bincount(self.ids[pairs], minlength=terms))))
        # Every query's terms in its own order, each followed by the postings of that term: each
        # (query, candidate) score is then summed term after term, as a walk of the postings sums it.
        asked, _ = self._pairs(queries)
        asker = np.repeat(np.arange(len(queries)), self.lengths[np.asarray(queries, dtype=np.intp)])
        first, last = bounds[self.ids[asked]], bounds[self.ids[asked] + 1]
        spans = last - first
        each = np.repeat(np.arange(len(asked)), spans)
        position = np.repeat(first - np.cumsum(spans) + spans, spans) + np.arange(int(spans.sum()))
        products = self.units[asked][each] * self.units[posted[position]]
        candidates = len(owners)
        keys = asker[each] * candidates + posted_sentence[position]
        scores = np.bincount(keys, weights=products, minlength=len(queries) * candidates)
        hits = np.flatnonzero(scores >= threshold)
        query, candidate = np.divmod(hits, candidates)
        own = owner[np.asarray(queries, dtype=np.intp)]
        other = owner[candidate] != own[query]
        found: list[list[int]] = [[] for _ in queries]
        for asking, hit in zip(query[other].tolist(), candidate[other].tolist(), strict=True):
            found[asking].append(hit)
        return found

    def _pairs(self, sentences: Sequence[int]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """The positions of the (sentence, term) pairs of ``sentences``, in order, and their sentences."""
        import numpy as np

        chosen = np.asarray(sentences, dtype=np.intp)
        lengths = self.lengths[chosen]
        ends = np.cumsum(lengths)
        # Each pair's position: its sentence's first pair, plus how far into the sentence it is.
        offsets = np.repeat(self.first_pairs[chosen] - ends + lengths, lengths)
        return offsets + np.arange(int(ends[-1]) if len(ends) else 0), np.repeat(chosen, lengths)


def _norms(weights: list[float], starts: list[int]) -> list[float]:
    """The Euclidean length of each candidate's weights (1 for none), as ``math.hypot`` of them in order."""
    return [math.hypot(*weights[start:stop]) or 1.0 for start, stop in pairwise(starts)]


def _centroid(
    ids: NDArray[np.intp], units: NDArray[np.float64], pair_articles: NDArray[np.intp], terms: int
) -> list[float]:
    """Sum over articles of each article's summed unit vectors scaled to length 1, by term number."""
    import numpy as np

    if not len(ids):
        return [0.0] * terms
    articles = int(pair_articles[-1]) + 1
    keys = pair_articles * terms + ids
    totals = np.bincount(keys, weights=units, minlength=articles * terms)
    # Each article's terms in order of first use: the order its dict of totals would hold them in.
    _, first = np.unique(keys, return_index=True)
    used = keys[np.sort(first)]
    values = totals[used].tolist()
    cuts = np.searchsorted(used // terms, np.arange(articles + 1)).tolist()
    scales = [math.hypot(*values[start:stop]) or 1.0 for start, stop in pairwise(cuts)]
    totals = totals.reshape(articles, terms)
    centroid = np.zeros(terms)
    for article, scale in enumerate(scales):
        centroid = totals[article] / scale + centroid
    return centroid.tolist()
