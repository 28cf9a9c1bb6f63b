"""Incremental centroid clustering of sparse vectors with a time window, then a merge of fragments.

Linear in the number of items times the candidates each shares a heavy term with: no N x N matrix.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from digest import vectors

Span = tuple[int, int] | None  # first and last day (proleptic ordinals) of an item, or None when undated
PROBE_TERMS = 12  # heaviest terms of an item used to find candidate clusters
MAX_CANDIDATES = 48  # clusters compared in full with each item, those sharing most probe terms first
# Measured on headlines with event labels: pairs sharing one term are one event about half the time
# whatever their cosine; pairs sharing two or more, over three times in four.
SINGLE_TERM_FACTOR = 0.5
MERGE_TERMS = 80


@dataclass
class _Cluster:
    """Running sum of member vectors, so the centroid updates in O(terms)."""

    members: list[int] = field(default_factory=list)
    total: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    span: Span = None

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

    def similarity(self, vector: Mapping[str, float], span: Span, window: int, floor: float = 0.0) -> float:
        """Time-weighted cosine to the centroid; 0 when the time factor alone keeps it under ``floor``."""
        timing = time_factor(self.span, span, window)
        if self.norm2 <= 0 or timing < floor:
            return 0.0  # cosine and evidence are at most 1: days apart, this cluster cannot reach the floor
        total = self.total
        product, shared = 0.0, 0
        for term, weight in vector.items():  # one pass for the dot product and the evidence: the hot loop
            other = total.get(term)
            if other is not None:
                product += weight * other
                shared += 1
        factor = 1.0 if shared >= 2 else SINGLE_TERM_FACTOR
        return product / math.sqrt(self.norm2) * factor * timing


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
) -> list[list[int]]:
    """Single pass in the given order: each item joins the most similar cluster above its threshold.

    ``chronological``: dated items come oldest first (undated ones after them), so a cluster whose last
    day is too far behind the current item for any threshold is never a candidate again for a dated item.
    """
    clusters: list[_Cluster] = []
    postings: dict[str, list[int]] = defaultdict(list)
    fresh: dict[str, int] = defaultdict(int)  # per term: postings before this position are out of reach
    reach = _reach(thresholds, window) if chronological else None
    for index, vector in enumerate(vecs):
        probe = vectors.top_terms(vector, PROBE_TERMS)
        span = spans[index]
        if reach is not None and span is not None:
            _forget(probe, postings, fresh, clusters, span[0] - reach)
            candidates = _candidates(probe, postings, fresh)
        else:
            candidates = _candidates(probe, postings, None)
        best, best_score = -1, thresholds[index]
        for candidate in candidates:
            score = clusters[candidate].similarity(vector, spans[index], window, floor=best_score)
            if score > best_score or (score == best_score and best < 0):
                best, best_score = candidate, score
        if best < 0:
            best = len(clusters)
            clusters.append(_Cluster())
        clusters[best].add(index, vector, spans[index])
        for term in probe:
            if not postings[term] or postings[term][-1] != best:
                postings[term].append(best)
    return [c.members for c in clusters]


def _reach(thresholds: Sequence[float], window: int) -> float | None:
    """Days beyond a cluster's last day after which its time factor keeps it under every threshold."""
    lowest = min(thresholds, default=0.0)
    if lowest <= 0 or window <= 0:
        return None
    # time_factor = exp(-(gap - window) / window) < lowest  <=>  gap > window * (1 + ln(1 / lowest))
    return window * (1.0 + math.log(1.0 / lowest))


def _forget(
    probe: Sequence[str],
    postings: Mapping[str, list[int]],
    fresh: dict[str, int],
    clusters: Sequence[_Cluster],
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
        position = fresh[term]
        while position < len(listed):
            span = clusters[listed[position]].span
            if span is None or span[1] >= before:
                break
            position += 1
        fresh[term] = position


def _candidates(
    probe: Sequence[str], postings: Mapping[str, list[int]], fresh: Mapping[str, int] | None
) -> list[int]:
    """Clusters sharing two or more of the probe terms; failing that, those sharing one.

    With ``fresh``, each term's postings are read from its fresh position on.
    """
    shared: dict[int, int] = defaultdict(int)
    for term in probe:
        listed = postings.get(term, ())
        for cluster in listed[fresh[term] :] if fresh is not None and listed else listed:
            shared[cluster] += 1
    strong = [c for c, count in shared.items() if count >= 2]
    if not strong:
        return sorted(shared)
    if len(strong) > MAX_CANDIDATES:  # the clusters sharing most heavy terms are the only ones that can win
        strong = sorted(strong, key=lambda c: (-shared[c], c))[:MAX_CANDIDATES]
    return sorted(strong)


def merge(
    groups: Sequence[list[int]],
    vecs: Sequence[Mapping[str, float]],
    spans: Sequence[Span],
    thresholds: Sequence[float],
    window: int,
) -> list[list[int]]:
    """Join fragments of one event: cluster the groups' centroids, biggest groups first.

    A group's threshold is the strictest of its members'; ``thresholds`` are per item.
    """
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g]), groups[g][0]))
    centroids = [vectors.mean((vecs[i] for i in groups[g]), max_terms=MERGE_TERMS) for g in order]
    group_spans = [_union(spans[i] for i in groups[g]) for g in order]
    strictest = [max(thresholds[i] for i in groups[g]) for g in order]
    joined = leader(centroids, group_spans, strictest, window)
    merged = [sorted(i for position in members for i in groups[order[position]]) for members in joined]
    return sorted(merged, key=lambda members: members[0])


def _union(spans: Iterable[Span]) -> Span:
    known = [s for s in spans if s is not None]
    if not known:
        return None
    return (min(s[0] for s in known), max(s[1] for s in known))
