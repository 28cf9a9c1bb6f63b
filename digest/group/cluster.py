"""Incremental centroid clustering of sparse vectors with a time window, then a merge of fragments.

Linear in the number of items times the candidates each shares a heavy term with: no N x N matrix.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from digest.group import vectors

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Span = tuple[int, int] | None  # first and last day (proleptic ordinals) of an item, or None when undated
Agree = Callable[[Sequence[int], Sequence[int]], bool]  # (some items, a cluster's): whether they may join
PROBE_TERMS = 12  # heaviest terms of an item used to find candidate clusters
MAX_CANDIDATES = 48  # clusters compared in full with each item, those sharing most probe terms first
# Measured on headlines with event labels: pairs sharing one term are one event about half the time
# whatever their cosine; pairs sharing two or more, over three times in four.
SINGLE_TERM_FACTOR = 0.5
MERGE_TERMS = 80


@dataclass(frozen=True)
class _Items:
    """The items' vectors packed as rows of flat arrays, so that many can be gathered at once."""

    terms: NDArray[np.intp]  # term numbers, each row in its vector's order
    weights: NDArray[np.float64]
    starts: NDArray[np.intp]  # row i is [starts[i], starts[i + 1])
    vocabulary: int

    def row(self, index: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """One item's term numbers and weights."""
        start, stop = self.starts[index], self.starts[index + 1]
        return self.terms[start:stop], self.weights[start:stop]


def _packed(vecs: Sequence[Mapping[str, float]]) -> _Items:
    import numpy as np

    numbers: dict[str, int] = {}
    terms = array("q", [numbers.setdefault(t, len(numbers)) for vector in vecs for t in vector])
    weights = array("d", [w for vector in vecs for w in vector.values()])
    starts = np.zeros(len(vecs) + 1, dtype=np.intp)
    np.cumsum([len(vector) for vector in vecs], out=starts[1:])
    return _Items(np.asarray(terms, dtype=np.intp), np.asarray(weights), starts, len(numbers))


@dataclass
class _Clusters:
    """Members, span, squared norm and summed member weights (by term number) of each cluster."""

    items: _Items
    members: list[list[int]] = field(default_factory=list)
    norm2: list[float] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    terms: list[NDArray[np.intp]] = field(default_factory=list)
    sums: list[NDArray[np.float64]] = field(default_factory=list)
    place: NDArray[np.intp] = field(init=False)  # scratch: each term number's column, -1 when unused

    def __post_init__(self) -> None:
        import numpy as np

        self.place = np.full(self.items.vocabulary, -1, dtype=np.intp)

    def add(self, cluster: int, index: int, old: Sequence[float], span: Span) -> None:
        """Item ``index`` joins ``cluster`` (len(members) for a new one), whose sums on its terms are ``old``."""
        import numpy as np

        terms, weights = self.items.row(index)
        if cluster == len(self.members):
            self.members.append([])
            self.norm2.append(0.0)
            self.spans.append(None)
            self.terms.append(terms)
            self.sums.append(weights.copy())
        else:
            known, sums = self.terms[cluster], self.sums[cluster]
            self.place[known] = np.arange(len(known))
            column = self.place[terms]
            self.place[known] = -1
            hit = column >= 0
            sums[column[hit]] += weights[hit]
            self.terms[cluster] = np.concatenate([known, terms[~hit]])
            self.sums[cluster] = np.concatenate([sums, weights[~hit]])
        self.members[cluster].append(index)
        norm2 = self.norm2[cluster]
        for before, weight in zip(old, weights.tolist(), strict=True):
            norm2 += (before + weight) ** 2 - before * before
        self.norm2[cluster] = norm2
        if span is not None:
            known_span = self.spans[cluster]
            self.spans[cluster] = (
                span if known_span is None else (min(known_span[0], span[0]), max(known_span[1], span[1]))
            )

    def gather(
        self, candidates: Sequence[int], terms: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Each candidate's sums on ``terms`` (a row per candidate, 0 where it lacks one), and how many it has."""
        import numpy as np

        width = len(terms)
        if not candidates:
            return np.zeros((0, width)), np.zeros(0, dtype=np.intp)
        lengths = [len(self.terms[c]) for c in candidates]
        owner = np.repeat(np.arange(len(candidates), dtype=np.intp), lengths)
        self.place[terms] = np.arange(width)
        column = self.place[np.concatenate([self.terms[c] for c in candidates])]
        self.place[terms] = -1
        wanted = column >= 0
        cells = owner[wanted] * width + column[wanted]
        matrix = np.zeros(len(candidates) * width)
        matrix[cells] = np.concatenate([self.sums[c] for c in candidates])[wanted]
        present = np.zeros(len(candidates) * width, dtype=np.intp)
        present[cells] = 1
        return matrix.reshape(-1, width), present.reshape(-1, width).sum(axis=1)


def time_factor(a: Span, b: Span, window: int) -> float:
    """1 within ``window`` days of each other (or when either is undated), decaying beyond it."""
    if a is None or b is None:
        return 1.0
    gap = max(a[0] - b[1], b[0] - a[1], 0)
    return 1.0 if gap <= window else math.exp(-(gap - window) / max(window, 1))


def leader(
    vecs: Sequence[Mapping[str, float]],
    spans: Sequence[Span],
    thresholds: Sequence[float],
    window: int,
    *,
    chronological: bool = False,
    agree: Agree | None = None,
) -> list[list[int]]:
    """Single pass in the given order: each item joins the most similar cluster above its threshold.

    ``chronological``: dated items come oldest first (undated ones after them), so a cluster whose last
    day is too far behind the current item for any threshold is never a candidate again for a dated item.
    ``agree([item], members)``: whether an item may join the cluster of those members; asked only of
    clusters similar enough to be joined.
    """

    clusters = _Clusters(_packed(vecs))
    postings: dict[str, array[int]] = {}  # per probe term: clusters in order of use (a cluster may recur)
    fresh: dict[str, int] = {}  # per term: postings before this position are out of reach
    reach = _reach(thresholds, window) if chronological else None
    for index, vector in enumerate(vecs):
        probe = vectors.top_terms(vector, PROBE_TERMS)
        span = spans[index]
        if reach is not None and span is not None:
            _forget(probe, postings, fresh, clusters.spans, span[0] - reach)
            candidates = _candidates(probe, postings, fresh)
        else:
            candidates = _candidates(probe, postings, None)
        best = _join(clusters, index, candidates, span, window, thresholds[index], agree)
        for term in probe:
            listed = postings.get(term)
            if listed is None:
                postings[term] = array("i", [best])
            elif listed[-1] != best:
                listed.append(best)
    return clusters.members


def _join(
    clusters: _Clusters,
    index: int,
    candidates: Sequence[int],
    span: Span,
    window: int,
    threshold: float,
    agree: Agree | None = None,
) -> int:
    """Add item ``index`` to the candidate most like it above ``threshold`` (the first on ties) that
    ``agree`` allows, else to a new cluster; return the cluster's number."""
    timings = [time_factor(clusters.spans[c], span, window) for c in candidates]
    # cosine and evidence are at most 1: a cluster too many days away can never reach the threshold
    near = [position for position, timing in enumerate(timings) if timing >= threshold]
    candidates = [candidates[position] for position in near]
    terms, weights = clusters.items.row(index)
    sums, shared = clusters.gather(candidates, terms)
    scores = _scores(sums, shared, weights, [clusters.norm2[c] for c in candidates])
    timings = [timings[position] for position in near]
    if agree is not None:
        scores = [
            0.0 if score * timing >= threshold and not agree([index], clusters.members[c]) else score
            for score, timing, c in zip(scores, timings, candidates, strict=True)
        ]
    best = _best(scores, timings, threshold)
    if best < 0:
        clusters.add(len(clusters.members), index, [0.0] * len(terms), span)
        return len(clusters.members) - 1
    clusters.add(candidates[best], index, sums[best].tolist(), span)
    return candidates[best]


def _scores(
    sums: NDArray[np.float64], shared: NDArray[np.intp], weights: NDArray[np.float64], norm2: Sequence[float]
) -> list[float]:
    """Each candidate's cosine with the item times the evidence factor; 0 for an empty cluster.

    Dot products are summed term by term in the item's order (cumsum adds in order), as a loop would.
    """
    import numpy as np

    if not len(norm2):
        return []
    dots = np.cumsum(sums * weights, axis=1)[:, -1]
    squares = np.array(norm2)
    safe = np.where(squares > 0, squares, 1.0)
    factor = np.where(shared >= 2, 1.0, SINGLE_TERM_FACTOR)
    scores: list[float] = np.where(squares > 0, dots / np.sqrt(safe) * factor, 0.0).tolist()
    return scores


def _best(scores: Sequence[float], timings: Sequence[float], threshold: float) -> int:
    """The position of the highest time-weighted score above ``threshold`` (the first on ties), or -1."""
    best, best_score = -1, threshold
    for position, (cosine, timing) in enumerate(zip(scores, timings, strict=True)):
        score = 0.0 if timing < best_score else cosine * timing  # as above: this one cannot beat the best
        if score > best_score or (score == best_score and best < 0):
            best, best_score = position, score
    return best


def _reach(thresholds: Sequence[float], window: int) -> float | None:
    """Days beyond a cluster's last day after which its time factor keeps it under every threshold."""
    lowest = min(thresholds, default=0.0)
    if lowest <= 0 or window <= 0:
        return None
    # time_factor = exp(-(gap - window) / window) < lowest  <=>  gap > window * (1 + ln(1 / lowest))
    return window * (1.0 + math.log(1.0 / lowest))


def _forget(
    probe: Sequence[str],
    postings: Mapping[str, array[int]],
    fresh: dict[str, int],
    spans: Sequence[Span],
    before: float,
) -> None:
    """Move each probe term's start past the clusters that ended before day ``before``, oldest first.

    Items come in date order, so such a cluster can never again be joined by a dated item: its span stops
    growing, and it stays out of reach. The lists themselves are kept for undated items, which reach all.
    """
    for term in probe:
        listed = postings.get(term)
        if not listed:
            continue
        position = fresh.get(term, 0)
        while position < len(listed):
            span = spans[listed[position]]
            if span is None or span[1] >= before:
                break
            position += 1
        fresh[term] = position


def _candidates(
    probe: Sequence[str], postings: Mapping[str, array[int]], fresh: Mapping[str, int] | None
) -> list[int]:
    """Clusters sharing two or more of the probe terms; failing that, those sharing one.

    With ``fresh``, each term's postings are read from its fresh position on. A cluster listed twice under
    one term counts twice. The lists grow with the corpus, so they are counted by numpy, not one by one.
    """
    import numpy as np

    parts = []
    for term in probe:
        listed = postings.get(term)
        if listed:
            start = fresh.get(term, 0) if fresh is not None else 0
            parts.append(np.frombuffer(listed, dtype=np.intc)[start:])
    if not parts:
        return []
    found = np.concatenate(parts)
    del parts  # the views pin the arrays: they could not grow while one lives
    if not found.size:
        return []
    low = int(found.min())
    shared = np.bincount(found - low)
    strong = np.flatnonzero(shared >= 2)
    if not strong.size:
        return _numbers(np.flatnonzero(shared), low)
    if len(strong) > MAX_CANDIDATES:  # the clusters sharing most heavy terms are the only ones that can win
        order = np.argsort(-shared[strong], kind="stable")[:MAX_CANDIDATES]  # ties: the older cluster
        strong = np.sort(strong[order])
    return _numbers(strong, low)


def _numbers(offsets: NDArray[np.intp], low: int) -> list[int]:
    numbers: list[int] = (offsets + low).tolist()
    return numbers


def merge(
    groups: Sequence[list[int]],
    vecs: Sequence[Mapping[str, float]],
    spans: Sequence[Span],
    thresholds: Sequence[float],
    window: int,
    known: dict[tuple[int, ...], vectors.Vector] | None = None,
    agree: Agree | None = None,
) -> list[list[int]]:
    """Join fragments of one event: cluster the groups' centroids, biggest groups first.

    A group's threshold is the strictest of its members'; ``thresholds`` are per item. ``known`` holds
    groups' centroids (``centroid``) by their members, and takes those worked out here. ``agree`` is asked
    of the groups' items, as ``leader`` asks it of an item's.
    """
    known = {} if known is None else known
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g]), groups[g][0]))
    centroids = [centroid(groups[g], vecs, known) for g in order]
    group_spans = [_union(spans[i] for i in groups[g]) for g in order]
    strictest = [max(thresholds[i] for i in groups[g]) for g in order]
    items = [groups[g] for g in order]
    joined = leader(
        centroids,
        group_spans,
        strictest,
        window,
        agree=None if agree is None else lambda a, b: agree(_items(a, items), _items(b, items)),
    )
    merged = [sorted(i for position in members for i in groups[order[position]]) for members in joined]
    return sorted(merged, key=lambda members: members[0])


def _items(positions: Sequence[int], groups: Sequence[list[int]]) -> list[int]:
    """The items of the groups at these positions."""
    return [i for position in positions for i in groups[position]]


def centroid(
    members: Sequence[int], vecs: Sequence[Mapping[str, float]], known: dict[tuple[int, ...], vectors.Vector]
) -> vectors.Vector:
    """The centroid of some items (``vectors.mean`` of theirs), from ``known`` when there, else added to it.

    Most groups come through a merge round unchanged: their centroids are worked out once.
    """
    key = tuple(members)
    found = known.get(key)
    if found is None:
        found = known[key] = vectors.mean((vecs[i] for i in members), max_terms=MERGE_TERMS)
    return found


def _union(spans: Iterable[Span]) -> Span:
    known = [s for s in spans if s is not None]
    if not known:
        return None
    return (min(s[0] for s in known), max(s[1] for s in known))
