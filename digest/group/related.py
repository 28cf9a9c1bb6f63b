"""Related stories: for each story, the other stories of its topic most like it, by the cosine of centroids.

The cosines come from an inverted index in numpy, a block of rows at a time, so a topic of thousands of
stories holds no square matrix. A cosine is the sum of its row's term products in the order of the row's
terms, whatever else is worked out with it: the rows of a few stories, or their cosines with a few others
(``Cosines.most_alike``), are the values the whole topic's would be.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.group import vectors

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

RELATED_STORIES = 4
RELATED_SIMILARITY = 0.1  # cosine of story centroids below which a story is not shown as related
PRECISION = 3  # decimals of a cosine compared: rounding noise never reorders equally alike stories
RELATED_BLOCK = 512  # stories whose similarities to all others are worked out at once
RELATED_PRODUCTS = 200_000  # term products summed at once for a block of them: they bound its memory


@dataclass(frozen=True)
class Relating:
    """What finding a story's related stories reads of it."""

    id: str
    topic: str
    centroid: vectors.Vector


# Each story's related stories (``related_stories``); the incremental engine works out those of the stories
# a build changed alone.
Relate = Callable[[Sequence[Relating]], Mapping[str, tuple[str, ...]]]
Alike = list[tuple[int, float]]  # (place, cosine) of the stories most like one, best first
# Every term of some vectors (``_cells``): where each vector's start, each term's number and weight, and how
# many terms are numbered.
_Cells = tuple["NDArray[np.int64]", "NDArray[np.int64]", "NDArray[np.float64]", int]


def related_stories(stories: Sequence[Relating]) -> dict[str, tuple[str, ...]]:
    """For each story, the other stories of its topic most like it (cosine of centroids at least
    RELATED_SIMILARITY), RELATED_STORIES at most, most alike first (ties: the story given first)."""
    related: dict[str, tuple[str, ...]] = {s.id: () for s in stories}
    for members in by_topic(stories).values():
        if len(members) > 1:
            found = Cosines([s.centroid for s in members]).most_alike()
            for story, alike in zip(members, found, strict=True):
                related[story.id] = tuple(members[i].id for i, _ in alike)
    return related


def by_topic(stories: Iterable[Relating]) -> dict[str, list[Relating]]:
    """The stories of each topic, in the order given."""
    found: dict[str, list[Relating]] = defaultdict(list)
    for story in stories:
        found[story.topic].append(story)
    return found


def best(candidates: Iterable[tuple[int, float]]) -> Alike:
    """Of (place, cosine) candidates, the RELATED_STORIES most alike (ties: the first placed), those at least
    RELATED_SIMILARITY: what ``Cosines.most_alike`` keeps of a row."""
    ranked = sorted(candidates, key=lambda c: (-c[1], c[0]))[:RELATED_STORIES]
    return [(place, cosine) for place, cosine in ranked if cosine >= RELATED_SIMILARITY]


class Cosines:
    """The centroids of one topic's stories, their terms numbered once: the stories most like any of them
    among any others (``most_alike``)."""

    def __init__(self, centroids: Sequence[vectors.Vector]) -> None:
        self.count = len(centroids)
        self._cells = _cells(centroids)

    def most_alike(
        self, rows: Sequence[int] | None = None, columns: Sequence[int] | None = None
    ) -> list[Alike]:
        """For each of the stories ``rows``, those of the stories ``columns`` most like it (``best``): all of
        them by default."""
        import numpy as np

        rows = range(self.count) if rows is None else rows
        columns = range(self.count) if columns is None else columns
        found: list[Alike] = []
        for block in _cosine_blocks(self._cells, rows, columns):
            order = np.argsort(-block, axis=1, kind="stable")[:, :RELATED_STORIES]
            chosen = np.take_along_axis(block, order, axis=1)
            for places, values in zip(order.tolist(), chosen.tolist(), strict=True):
                found.append(
                    [(columns[p], v) for p, v in zip(places, values, strict=True) if v >= RELATED_SIMILARITY]
                )
        return found


def _cosine_blocks(
    cells: _Cells, rows: Sequence[int], columns: Sequence[int]
) -> Iterator[NDArray[np.float64]]:
    """The rounded dot products of the vectors ``rows`` with the vectors ``columns`` (their ``_cells``), a
    block of rows at a time; -1 of a vector with itself.

    Each row's products are summed over the terms it shares with the columns (an inverted index, in numpy):
    scipy.sparse would do the same, but importing it would weigh on the memory of the whole build. A block
    ends at RELATED_BLOCK rows, or sooner when its rows' products would outnumber RELATED_PRODUCTS.
    """
    import numpy as np

    offsets, terms, weights, count = cells
    row_places, row_cells = _chosen(offsets, rows)
    column_places, column_cells = _chosen(offsets, columns)
    row_terms, row_weights = terms[row_cells], weights[row_cells]
    column_terms, column_weights = terms[column_cells], weights[column_cells]
    by_term = np.argsort(column_terms, kind="stable")  # each term's cells, its posting list
    posted_rows, posted_weights = column_places[by_term], column_weights[by_term]
    posting = np.searchsorted(column_terms[by_term], np.arange(count + 1))
    sizes = posting[row_terms + 1] - posting[row_terms]  # the products each cell makes
    per_row = np.bincount(row_places, weights=sizes, minlength=len(rows))
    column_of = {number: place for place, number in enumerate(columns)}
    start = 0
    while start < len(rows):
        stop, products = start + 1, per_row[start]
        while stop < min(start + RELATED_BLOCK, len(rows)) and products + per_row[stop] <= RELATED_PRODUCTS:
            products += per_row[stop]
            stop += 1
        first, last = np.searchsorted(row_places, [start, stop])  # cells are in row order
        block = _block_products(
            row_places[first:last] - start,
            posting[row_terms[first:last]],
            sizes[first:last],
            row_weights[first:last],
            posted_rows,
            posted_weights,
            shape=(stop - start, len(columns)),
        )
        block = np.round(block, PRECISION)
        for offset, row in enumerate(rows[start:stop]):
            if row in column_of:
                block[offset, column_of[row]] = -1.0
        yield block
        start = stop


def _cells(centroids: Sequence[vectors.Vector]) -> _Cells:
    """Every term of every vector, vector by vector, each in its own order: where each vector's start (and
    the end), each term's number, its weight, and how many terms are numbered."""
    import numpy as np

    names = list(itertools.chain.from_iterable(centroids))
    number = {name: n for n, name in enumerate(dict.fromkeys(names))}
    lengths = np.fromiter(map(len, centroids), dtype=np.int64, count=len(centroids))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    terms = np.fromiter(map(number.__getitem__, names), dtype=np.int64, count=len(names))
    values = itertools.chain.from_iterable(c.values() for c in centroids)
    return offsets, terms, np.fromiter(values, dtype=np.float64, count=len(names)), len(number)


def _chosen(offsets: NDArray[np.int64], chosen: Sequence[int]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The cells of the vectors ``chosen``, in that order (``_cells``): each one's place in ``chosen``, and
    its index among all the cells."""
    import numpy as np

    picked = np.asarray(chosen, dtype=np.int64)
    starts, sizes = offsets[picked], offsets[picked + 1] - offsets[picked]
    ends = np.cumsum(sizes)
    return np.repeat(np.arange(len(picked)), sizes), np.arange(ends[-1] if len(ends) else 0) - np.repeat(
        ends - sizes - starts, sizes
    )


def _block_products(
    rows: NDArray[np.int64],
    starts: NDArray[np.int64],
    sizes: NDArray[np.int64],
    weights: NDArray[np.float64],
    posted_rows: NDArray[np.int64],
    posted_weights: NDArray[np.float64],
    shape: tuple[int, int],
) -> NDArray[np.float64]:
    """The dot products of a block's rows (its cells: ``rows``, ``weights``) with every column, from each
    cell's term's posting list (``sizes`` entries from ``starts`` of ``posted_rows`` and ``posted_weights``)."""
    import numpy as np

    # Every (cell, posting of its term) pair: the posting's place is its term's start plus its number.
    ends = np.cumsum(sizes)
    places = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - sizes - starts, sizes)
    cell = np.repeat(rows, sizes) * shape[1] + posted_rows[places]
    products = np.repeat(weights, sizes) * posted_weights[places]
    sums = np.bincount(cell, weights=products, minlength=shape[0] * shape[1])
    return sums.astype(np.float64, copy=False).reshape(shape)
