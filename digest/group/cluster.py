"""Incremental centroid clustering of sparse vectors with a time window, and the joining of clusters.

Linear in the number of items times the candidates each shares a heavy term with: no N x N matrix.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
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
LEFT_OVER = 1e-9  # a sum this small, once some items' weights are taken from it, was theirs alone


class Leader:
    """Clusters grown one item at a time (``place``): each item joins the most similar cluster above its
    threshold, else starts one. Clusters may be joined later (``absorb``); a joined one lives on in its host.

    ``reach``: items come oldest first (undated ones after them), so a cluster whose last day is more than
    ``reach`` days behind a dated item is never a candidate again for a dated item.
    """

    def __init__(self, window: int, reach: float | None = None) -> None:
        import numpy as np

        self.window = window
        self.reach = reach
        self.vocabulary: dict[str, int] = {}
        self.names: list[str] = []  # each term number's term
        self.members: list[list[int]] = []
        self.norm2: list[float] = []
        self.spans: list[Span] = []
        self.terms: list[NDArray[np.intp]] = []  # term numbers of each cluster's sums
        self.sums: list[NDArray[np.float64]] = []  # summed member weights, by term
        self.host = np.zeros(0, dtype=np.intp)  # the cluster each one lives in (itself until absorbed), grown
        self.absorbed = False  # whether any cluster was absorbed: only then are postings mapped to hosts
        self.postings: dict[str, array[int]] = {}  # per probe term: clusters in order of use (may recur)
        self.fresh: dict[str, int] = {}  # per term: postings before this position are out of reach
        self.place_of = np.full(0, -1, dtype=np.intp)  # scratch: each term number's column, -1 when unused

    def row(self, vector: Mapping[str, float]) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """A vector's term numbers (new terms numbered as they come) and weights."""
        import numpy as np

        numbers = [self._number(t) for t in vector]
        if len(self.vocabulary) > len(self.place_of):
            grown = np.full(max(2 * len(self.place_of), len(self.vocabulary), 1024), -1, dtype=np.intp)
            grown[: len(self.place_of)] = self.place_of
            self.place_of = grown
        return np.array(numbers, dtype=np.intp), np.array(list(vector.values()), dtype=np.float64)

    def _number(self, term: str) -> int:
        number = self.vocabulary.get(term)
        if number is None:
            number = self.vocabulary[term] = len(self.names)
            self.names.append(term)
        return number

    def place(
        self,
        index: int,
        vector: Mapping[str, float],
        span: Span,
        threshold: float,
        agree: Callable[[int], bool] | None = None,
    ) -> int:
        """Add item ``index`` to the candidate most like it above ``threshold`` (the first on ties) that
        ``agree`` allows, else to a new cluster; return the cluster's number."""
        probe = vectors.top_terms(vector, PROBE_TERMS)
        if self.reach is not None and span is not None:
            self._forget(probe, span[0] - self.reach)
            candidates = self._candidates(probe, self.fresh)
        else:
            candidates = self._candidates(probe, None)
        best = self._join(index, self.row(vector), candidates, span, threshold, agree)
        self._post(probe, best)
        return best

    def _post(self, probe: Sequence[str], cluster: int) -> None:
        """List ``cluster`` under each probe term of an item it took."""
        for term in probe:
            listed = self.postings.get(term)
            if listed is None:
                self.postings[term] = array("i", [cluster])
            elif listed[-1] != cluster:
                listed.append(cluster)

    def _join(
        self,
        index: int,
        row: tuple[NDArray[np.intp], NDArray[np.float64]],
        candidates: Sequence[int],
        span: Span,
        threshold: float,
        agree: Callable[[int], bool] | None,
    ) -> int:
        timings = [time_factor(self.spans[c], span, self.window) for c in candidates]
        # cosine and evidence are at most 1: a cluster too many days away can never reach the threshold
        near = [position for position, timing in enumerate(timings) if timing >= threshold]
        candidates = [candidates[position] for position in near]
        terms, weights = row
        sums, shared = self.gather(candidates, terms)
        scores = _scores(sums, shared, weights, [self.norm2[c] for c in candidates])
        timings = [timings[position] for position in near]
        if agree is not None:
            scores = [
                0.0 if score * timing >= threshold and not agree(c) else score
                for score, timing, c in zip(scores, timings, candidates, strict=True)
            ]
        best = _best(scores, timings, threshold)
        if best < 0:
            self._add(len(self.members), index, row, [0.0] * len(terms), span)
            return len(self.members) - 1
        self._add(candidates[best], index, row, sums[best].tolist(), span)
        return candidates[best]

    def _add(
        self,
        cluster: int,
        index: int,
        row: tuple[NDArray[np.intp], NDArray[np.float64]],
        old: Sequence[float],
        span: Span,
    ) -> None:
        """Item ``index`` joins ``cluster`` (len(members) for a new one), whose sums on its terms are ``old``."""
        terms, weights = row
        if cluster == len(self.members):
            self.members.append([])
            self.norm2.append(0.0)
            self.spans.append(None)
            self.terms.append(terms)
            self.sums.append(weights.copy())
            self._hosted(cluster)
        else:
            self._sum_into(cluster, terms, weights)
        self.members[cluster].append(index)
        norm2 = self.norm2[cluster]
        for before, weight in zip(old, weights.tolist(), strict=True):
            norm2 += (before + weight) ** 2 - before * before
        self.norm2[cluster] = norm2
        self.spans[cluster] = union([self.spans[cluster], span])

    def without(
        self, cluster: int, items: Sequence[Mapping[str, float]]
    ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """A cluster's terms and sums less those of some of its items (the terms only they had dropped)."""
        import numpy as np

        rows = [self.row(vector) for vector in items]
        terms, sums = self.terms[cluster], self.sums[cluster].copy()
        self.place_of[terms] = np.arange(len(terms))
        for numbers, weights in rows:
            sums[self.place_of[numbers]] -= weights
        self.place_of[terms] = -1
        kept = sums > LEFT_OVER
        return terms[kept], sums[kept]

    def similarity_to(
        self, vector: Mapping[str, float], part: tuple[NDArray[np.intp], NDArray[np.float64]]
    ) -> float:
        """``similarity`` with a cluster's part (``without``)."""
        import numpy as np

        terms, weights = self.row(vector)
        sums, shared = _gathered([part], terms, self.place_of)
        return _scores(sums, shared, weights, [float(np.dot(part[1], part[1]))])[0]

    def split(self, cluster: int, moved: Sequence[tuple[int, Mapping[str, float], Span]], span: Span) -> int:
        """Part some items of ``cluster`` (each its index, vector and day, in the order they came) into a new
        cluster, as if they had started it; ``span``: the days of those left. Return the new one's number."""
        import numpy as np

        self.terms[cluster], self.sums[cluster] = self.without(cluster, [vector for _, vector, _ in moved])
        self.norm2[cluster] = float(np.dot(self.sums[cluster], self.sums[cluster]))
        self.spans[cluster] = span
        gone = {index for index, _, _ in moved}
        self.members[cluster] = [m for m in self.members[cluster] if m not in gone]
        number = len(self.members)
        for index, vector, day in moved:
            row = self.row(vector)
            started = number < len(self.members)
            old = self.gather([number], row[0])[0][0].tolist() if started else [0.0] * len(row[0])
            self._add(number, index, row, old, day)
            self._post(vectors.top_terms(vector, PROBE_TERMS), number)
        return number

    def _hosted(self, cluster: int) -> None:
        """A new cluster lives in itself; the hosts array grows by doubling."""
        import numpy as np

        if cluster >= len(self.host):
            grown = np.zeros(max(2 * len(self.host), 256), dtype=np.intp)
            grown[: len(self.host)] = self.host
            self.host = grown
        self.host[cluster] = cluster

    def _sum_into(self, cluster: int, terms: NDArray[np.intp], weights: NDArray[np.float64]) -> None:
        import numpy as np

        known, sums = self.terms[cluster], self.sums[cluster]
        self.place_of[known] = np.arange(len(known))
        column = self.place_of[terms]
        self.place_of[known] = -1
        hit = column >= 0
        sums[column[hit]] += weights[hit]
        self.terms[cluster] = np.concatenate([known, terms[~hit]])
        self.sums[cluster] = np.concatenate([sums, weights[~hit]])

    def absorb(self, host: int, other: int) -> None:
        """Cluster ``other`` joins cluster ``host``: its members, sums and days become the host's."""
        import numpy as np

        self._sum_into(host, self.terms[other], self.sums[other])
        self.members[host] = sorted(self.members[host] + self.members[other])
        self.norm2[host] = float(np.dot(self.sums[host], self.sums[host]))
        self.spans[host] = union([self.spans[host], self.spans[other]])
        self.members[other], self.terms[other], self.sums[other] = (
            [],
            self.terms[other][:0],
            self.sums[other][:0],
        )
        self.norm2[other] = 0.0
        count = len(self.members)
        self.host[:count][self.host[:count] == other] = host
        self.absorbed = True

    def centroid(self, cluster: int) -> vectors.Vector:
        """A cluster's centroid: its heaviest MERGE_TERMS terms, unit length (``vectors.mean`` of its members)."""
        import numpy as np

        terms, sums = self.terms[cluster], self.sums[cluster]
        if (
            len(sums) > MERGE_TERMS
        ):  # those at least as heavy as the last kept; ties are ordered by term below
            keep = sums >= np.partition(sums, len(sums) - MERGE_TERMS)[len(sums) - MERGE_TERMS]
            terms, sums = terms[keep], sums[keep]
        names = self.names
        total = sorted(zip((names[t] for t in terms.tolist()), sums.tolist(), strict=True), key=heaviest)
        return vectors.normalized(dict(total[:MERGE_TERMS]))

    def similarity(self, vector: Mapping[str, float], candidates: Sequence[int]) -> list[float]:
        """Each candidate's cosine with ``vector`` times the evidence factor (``_scores``)."""
        terms, weights = self.row(vector)
        sums, shared = self.gather(candidates, terms)
        return _scores(sums, shared, weights, [self.norm2[c] for c in candidates])

    def near(self, vector: Mapping[str, float], span: Span, exclude: int) -> list[int]:
        """Live clusters but ``exclude`` sharing heavy terms with ``vector`` (``_candidates``), within reach."""
        probe = vectors.top_terms(vector, PROBE_TERMS)
        fresh = self.fresh if self.reach is not None and span is not None else None
        return [c for c in self._candidates(probe, fresh) if c != exclude]

    def gather(
        self, candidates: Sequence[int], terms: NDArray[np.intp]
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Each candidate's sums on ``terms`` (a row per candidate, 0 where it lacks one), and how many it has."""
        return _gathered([(self.terms[c], self.sums[c]) for c in candidates], terms, self.place_of)

    def _forget(self, probe: Sequence[str], before: float) -> None:
        """Move each probe term's start past the clusters that ended before day ``before``, oldest first.

        Items come in date order, so such a cluster can never again be joined by a dated item: its span stops
        growing, and it stays out of reach. The lists themselves are kept for undated items, which reach all.
        """
        for term in probe:
            listed = self.postings.get(term)
            if not listed:
                continue
            position = self.fresh.get(term, 0)
            while position < len(listed):
                span = self.spans[self.host[listed[position]]]
                if span is None or span[1] >= before:
                    break
                position += 1
            self.fresh[term] = position

    def _candidates(self, probe: Sequence[str], fresh: Mapping[str, int] | None) -> list[int]:
        """Live clusters sharing two or more of the probe terms; failing that, those sharing one.

        With ``fresh``, each term's postings are read from its fresh position on. A cluster listed twice under
        one term counts twice. The lists grow with the corpus, so they are counted by numpy, not one by one.
        """
        import numpy as np

        parts = []
        for term in probe:
            listed = self.postings.get(term)
            if listed:
                start = fresh.get(term, 0) if fresh is not None else 0
                parts.append(np.frombuffer(listed, dtype=np.intc)[start:])
        if not parts:
            return []
        found: NDArray[np.intp] = np.concatenate(parts).astype(np.intp)
        del parts  # the views pin the arrays: they could not grow while one lives
        if not found.size:
            return []
        if self.absorbed:
            found = self.host[found]
        low = int(found.min())
        shared = np.bincount(found - low)
        strong = np.flatnonzero(shared >= 2)
        if not strong.size:
            return _numbers(np.flatnonzero(shared), low)
        if (
            len(strong) > MAX_CANDIDATES
        ):  # the clusters sharing most heavy terms are the only ones that can win
            order = np.argsort(-shared[strong], kind="stable")[:MAX_CANDIDATES]  # ties: the older cluster
            strong = np.sort(strong[order])
        return _numbers(strong, low)

    def clusters(self) -> list[list[int]]:
        """The members of each live cluster, in the order the clusters were started."""
        return [members for number, members in enumerate(self.members) if self.host[number] == number]

    def live(self) -> list[int]:
        """The numbers of the live clusters (those no other absorbed)."""
        import numpy as np

        count = len(self.members)
        return _numbers(np.flatnonzero(self.host[:count] == np.arange(count)), 0)

    def lives(self, cluster: int) -> int:
        """The cluster that ``cluster`` lives in now."""
        return int(self.host[cluster])


def heaviest(item: tuple[str, float]) -> tuple[float, str]:
    """The order of a vector's terms, heaviest first, ties by term."""
    return (-item[1], item[0])


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
    """Single pass in the given order: each item joins the most similar cluster above its threshold
    (``Leader``); ``chronological``: dated items come oldest first, undated ones after them.
    ``agree([item], members)``: whether an item may join the cluster of those members; asked only of
    clusters similar enough to be joined.
    """
    clusters = Leader(window, reach(thresholds, window) if chronological else None)
    for index, vector in enumerate(vecs):
        allowed = None if agree is None else (lambda c, i=index: agree([i], clusters.members[c]))
        clusters.place(index, vector, spans[index], thresholds[index], allowed)
    return clusters.clusters()


def _gathered(
    parts: Sequence[tuple[NDArray[np.intp], NDArray[np.float64]]],
    terms: NDArray[np.intp],
    place_of: NDArray[np.intp],
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Each part's sums on ``terms`` (``Leader.gather``); ``place_of`` is scratch, all -1, left so."""
    import numpy as np

    width = len(terms)
    if not parts:
        return np.zeros((0, width)), np.zeros(0, dtype=np.intp)
    owner = np.repeat(np.arange(len(parts), dtype=np.intp), [len(known) for known, _ in parts])
    place_of[terms] = np.arange(width)
    column = place_of[np.concatenate([known for known, _ in parts])]
    place_of[terms] = -1
    wanted = column >= 0
    cells = owner[wanted] * width + column[wanted]
    matrix = np.zeros(len(parts) * width)
    matrix[cells] = np.concatenate([sums for _, sums in parts])[wanted]
    present = np.zeros(len(parts) * width, dtype=np.intp)
    present[cells] = 1
    return matrix.reshape(-1, width), present.reshape(-1, width).sum(axis=1)


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


def reach(thresholds: Sequence[float], window: int) -> float | None:
    """Days beyond a cluster's last day after which its time factor keeps it under every threshold."""
    lowest = min(thresholds, default=0.0)
    if lowest <= 0 or window <= 0:
        return None
    # time_factor = exp(-(gap - window) / window) < lowest  <=>  gap > window * (1 + ln(1 / lowest))
    return window * (1.0 + math.log(1.0 / lowest))


def _numbers(offsets: NDArray[np.intp], low: int) -> list[int]:
    numbers: list[int] = (offsets + low).tolist()
    return numbers


def union(spans: Iterable[Span]) -> Span:
    """The days from the first to the last of some spans (None when none is dated)."""
    known = [s for s in spans if s is not None]
    if not known:
        return None
    return (min(s[0] for s in known), max(s[1] for s in known))
