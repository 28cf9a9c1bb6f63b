"""The engine's memory of near-copy detection: what the last build compared (every sample, packed) and the
pairs it found, so that a rebuild compares again only what its changed articles can have changed.

Exactness. Two samples are near copies by their sizes and by how many shingles they share that few enough
texts have (at most ``dedupe.MAX_POSTING``: a shingle's posting count). Let C be the articles added, removed or
whose sample changed since the last build, and Q the shingles of C's samples, old and new.

* A pair with an article in C is compared anew. Its shared shingles all lie in Q, so the new posting counts
  of Q (counted over the whole archive) are all it needs.
* A pair of unchanged articles has the sizes it had. Posting counts move only where a sample of C came or
  went, so only shingles of Q can change count, and a shared shingle changes whether it counts only if its
  count crossed the cap (either way): call those F. A pair sharing no shingle of F shares as many counted
  shingles as before, and keeps its verdict. A pair sharing one owns it now as then (neither sample
  changed), so it is among the owners of F's shingles: exactly those pairs are compared again.

Everything else is the last build's. When nothing is remembered, or C is a large part of the archive, the
pairs are counted cold (``similar_pairs``), which also makes what is remembered.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, combinations
from typing import TYPE_CHECKING

from digest.group import dedupe
from digest.group.dedupe import near, similar, similar_pairs

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    UInts = npt.NDArray[np.uint32]

# Counted cold once the samples that leave and come outnumber this share of the archive: past it, comparing
# them again saves little over counting every pair.
COLD_SHARE = 0.25


@dataclass(frozen=True)
class Compared:
    """What one build's near-copy detection read and found, packed: one blob, quick to pickle."""

    ids: tuple[str, ...]  # the compared articles (long enough), in the order of the build's articles
    sampled: tuple[str, ...]  # each one's ``Derived.sampled``: what stands for its sample
    shingles: bytes  # their samples (uint32, each ascending), one after another
    offsets: bytes  # int64: where each sample starts in ``shingles``, then where the last ends
    pairs: bytes  # uint32: the near pairs, as positions in ``ids``, ``a < b``, two a pair, ascending

    def found(self) -> list[tuple[str, str]]:
        """The near pairs by id, as ``near_pairs`` gives them."""
        positions = array("I", self.pairs)
        ids = self.ids
        return sorted((ids[positions[n]], ids[positions[n + 1]]) for n in range(0, len(positions), 2))


def compare(
    ids: Sequence[str],
    sampled: Sequence[str],
    sample_of: Callable[[str], array[int]],
    last: Compared | None,
) -> Compared:
    """The near pairs among ``ids`` (whose samples ``sampled`` stands for, and ``sample_of`` reads), from
    what the ``last`` build compared where it can."""
    if last is None:
        return cold(ids, sampled, sample_of)
    known = {i: n for n, i in enumerate(last.ids)}
    source = [known.get(i, -1) for i in ids]  # where each article's sample is in ``last``, if unchanged
    for number, (old, stands) in enumerate(zip(source, sampled, strict=True)):
        if old >= 0 and last.sampled[old] != stands:
            source[number] = -1
    kept = len(source) - source.count(-1)
    if (len(ids) - kept) + (len(last.ids) - kept) > COLD_SHARE * len(ids):
        return cold(ids, sampled, sample_of)
    if kept == len(ids) == len(last.ids) and source == list(range(len(ids))):
        return last
    return _update(ids, sampled, source, {n: sample_of(i) for n, i in enumerate(ids) if source[n] < 0}, last)


def cold(ids: Sequence[str], sampled: Sequence[str], sample_of: Callable[[str], array[int]]) -> Compared:
    """Every sample read and every pair counted."""
    samples = [sample_of(i) for i in ids]
    pairs = array("I", [p for pair in similar_pairs(samples) for p in pair])
    offsets = array("q", accumulate(map(len, samples), initial=0))
    return Compared(
        tuple(ids), tuple(sampled), b"".join(s.tobytes() for s in samples), offsets.tobytes(), pairs.tobytes()
    )


def _update(
    ids: Sequence[str],
    sampled: Sequence[str],
    source: Sequence[int],
    fresh: Mapping[int, array[int]],
    last: Compared,
) -> Compared:
    """``last`` brought up to date: ``source`` is where each article's sample is in it (-1: changed or new,
    and then in ``fresh``, by position)."""
    import numpy as np

    before = _samples(last)
    position = {old: n for n, old in enumerate(source) if old >= 0}
    samples = [
        before[old] if old >= 0 else np.frombuffer(fresh[n], np.uint32) for n, old in enumerate(source)
    ]
    values = _joined(samples)
    gone = (before[old] for old in range(len(before)) if old not in position)
    queried = np.unique(_joined([*gone, *(samples[n] for n in fresh)]))  # Q: C's shingles, old and new
    found, rows = _found(queried, values)
    now = np.bincount(found, minlength=len(queried))
    then = _postings(queried, np.frombuffer(last.shingles, np.uint32))
    owners = np.repeat(np.arange(len(samples)), [len(sample) for sample in samples])[rows]
    shared, again = _touched(_sharers(found, owners, now), now, then, fresh)
    pairs = {(a, b) for (a, b), count in shared.items() if near(count, len(samples[a]), len(samples[b]))}
    pairs |= _compared_again(again, samples, values) | (_kept(last, position) - again)
    offsets = array("q", accumulate(map(len, samples), initial=0))
    flat = array("I", [p for pair in sorted(pairs) for p in pair])
    return Compared(tuple(ids), tuple(sampled), values.tobytes(), offsets.tobytes(), flat.tobytes())


def _touched(
    sharers: Iterable[tuple[int, list[int]]], now: Ints, then: Ints, fresh: Container[int]
) -> tuple[Counter[tuple[int, int]], set[tuple[int, int]]]:
    """How many counted shingles each pair with a changed (``fresh``) article shares, and the pairs of
    unchanged articles that share a shingle which crossed the cap (F), from each of C's shingles' sharers
    and its posting counts ``now`` and ``then``."""
    shared: Counter[tuple[int, int]] = Counter()
    again: set[tuple[int, int]] = set()
    for shingle, sharing in sharers:
        counted = now[shingle] <= dedupe.MAX_POSTING
        if counted:
            shared.update(pair for pair in combinations(sharing, 2) if pair[0] in fresh or pair[1] in fresh)
        if counted != (then[shingle] <= dedupe.MAX_POSTING):
            again.update(combinations([n for n in sharing if n not in fresh], 2))
    return shared, again


def _samples(compared: Compared) -> list[UInts]:
    """Each sample ``compared`` holds, a view of its bytes."""
    import numpy as np

    values = np.frombuffer(compared.shingles, dtype=np.uint32)
    offsets = array("q", compared.offsets)
    return [values[offsets[n] : offsets[n + 1]] for n in range(len(offsets) - 1)]


def _joined(samples: Iterable[UInts]) -> UInts:
    """The samples, one after another."""
    import numpy as np

    return np.concatenate([np.zeros(0, np.uint32), *samples])


def _found(queried: UInts, values: UInts) -> tuple[Ints, Ints]:
    """For each of ``values`` in ``queried`` (ascending), its position there, and its own position."""
    import numpy as np

    if not len(queried):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = np.minimum(np.searchsorted(queried, values), len(queried) - 1)
    rows = np.flatnonzero(queried[at] == values)
    return at[rows], rows


def _postings(queried: UInts, values: UInts) -> Ints:
    """How many times each of ``queried`` (ascending) is among ``values``."""
    import numpy as np

    return np.bincount(_found(queried, values)[0], minlength=len(queried))


def _sharers(found: Ints, owners: Ints, postings: Ints) -> Iterator[tuple[int, list[int]]]:
    """Each queried shingle more than one text has (by its position), with those texts, ascending."""
    import numpy as np

    shared = postings[found] > 1
    found, owners = found[shared], owners[shared]
    order = np.lexsort((owners, found))
    found, owners = found[order], owners[order]
    if not len(found):
        return
    starts = np.flatnonzero(np.r_[True, found[1:] != found[:-1]])
    ends = np.r_[starts[1:], len(found)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        yield int(found[start]), owners[start:end].tolist()


def _compared_again(
    again: set[tuple[int, int]], samples: Sequence[UInts], values: UInts
) -> set[tuple[int, int]]:
    """The pairs of ``again`` that are near copies, under the posting counts of ``values``."""
    import numpy as np

    if not again:
        return set()
    queried = np.unique(_joined(samples[n] for n in {n for pair in again for n in pair}))
    postings = dict(zip(queried.tolist(), _postings(queried, values).tolist(), strict=True))
    packed = {n: array("I", samples[n].tobytes()) for pair in again for n in pair}
    return {(a, b) for a, b in again if similar(packed[a], packed[b], postings)}


def _kept(last: Compared, position: Mapping[int, int]) -> set[tuple[int, int]]:
    """The last build's pairs of articles whose samples are unchanged, by their positions now."""
    flat = array("I", last.pairs)
    pairs = ((position.get(flat[n], -1), position.get(flat[n + 1], -1)) for n in range(0, len(flat), 2))
    return {(min(a, b), max(a, b)) for a, b in pairs if a >= 0 and b >= 0}
