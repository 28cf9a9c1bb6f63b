"""Topics: broad subjects found without being told how many, then filed and named as an editor would.

Articles become TF-IDF vectors, reduced by latent semantic analysis; each is linked to its nearest
neighbours, Louvain community detection finds tight communities in that graph and, run again on a
graph of those communities weighted by all the similarity between their members, joins them into
subjects; a few rounds of spherical k-means started from the larger subjects settle every article on
its closest one. That is done on the first EPOCH articles (``model``); every later article is placed on
the nearest subject through the same semantic axes, and the subjects are found again only on an epoch of
later articles that no longer fits them (``discover``), so a day's news neither renames nor moves them.
numpy, scipy and igraph are imported here only, and only for digests large enough to need them.

Filing (``file``) names what was found: a digest whose stories spread over several news sections (the IPTC
Media Topics top level, ``sections``) gets those sections as its topics, each story filed under the section
its words and its feeds' categories speak for (its subject's as a whole breaking ties); a digest of one
section (a war, an industry) keeps its subjects, named after the entity or event their stories share.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from digest.group import naming, sections

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MIN_ARTICLES = 30  # below this a graph of neighbours says little; callers group by plain similarity
DIMENSIONS = 100  # latent semantic dimensions
NEIGHBOURS = 15  # edges per article in the similarity graph
# Louvain resolutions (lower finds fewer, broader communities): plain modularity in both graphs. Measured on
# BBC digests of 40 to 2,225 articles (benchmarks/grouping.py), the communities' joining decides how broad a
# subject is; a low resolution in the neighbour graph as well made one topic of a digest under 100 articles.
RESOLUTION = 1.0  # of the neighbour graph
JOIN_RESOLUTION = 1.0  # of the graph of communities (``_joined``)
MIN_SHARE = 0.03  # a community smaller than this share of the articles is a niche, not a subject
KMEANS_ROUNDS = 30
# Subjects are discovered on this many documents at most, the first ones, and again on a later run of as many
# (an epoch) when that run's documents fit them less than FIT times as well as those they were found on.
EPOCH = 4000
FIT = 0.8
GRAPH_SAMPLE = 3000  # articles in the neighbour graph; bounds the graph's cost at any corpus size
_BLOCK = 256  # rows per block when finding neighbours and placing: bounds memory to a block, not N x N
_COUNTED = 1024  # documents whose terms are numbered at once (``_counts``)
_PARTITION = 256  # rows partitioned at once: argpartition's answer is as big as what it partitions
_SEED = 20240407


Document = tuple[str, Sequence[int]]  # terms (space-separated) and their counts; a recurring term's add up


@dataclass(frozen=True, eq=False)
class Model:
    """Subjects discovered on some documents (``model``), and how to place any other document among them."""

    columns: dict[str, int]  # each kept term's column
    idf: NDArray[np.float64]  # by column
    axes: NDArray[np.float32]  # columns x dimensions: a document's TF-IDF row times these is its point
    centres: NDArray[np.float64]  # subjects x dimensions, unit length
    labels: tuple[int, ...]  # the subject of each document it was discovered on
    fit: float  # those documents' mean cosine with their subject's centre


Fitted = Callable[[Sequence[Document]], Model]  # ``model``, or a memo of it


def discover(documents: Sequence[Document], fitted: Fitted | None = None) -> list[int]:
    """A subject number for each document (term counts); numbers run from 0, biggest subject first.

    Subjects are discovered on the first EPOCH documents (oldest first) and every other document is placed
    on the nearest; an epoch of EPOCH later documents whose mean fit falls below FIT times the fit of the
    documents the subjects were found on has them discovered again, on that epoch. ``fitted``: ``model``,
    or what stands for it (a memo).
    """
    # Every BLAS must be loaded before the limit below, or the limit finds nothing: numpy's, and the one
    # scipy.linalg brings (its QR runs on that one).
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these products are small and the build keeps every core busy already; measured on
    # a loaded 2-core machine, a threaded SVD here ran 15 times slower.
    with threadpool_limits(limits=1):
        return _discover(documents, fitted or model)


def _discover(documents: Sequence[Document], fitted: Fitted) -> list[int]:
    current, start = fitted(documents[:EPOCH]), 0
    if len(documents) <= EPOCH:
        return _renumber(list(current.labels))
    import numpy as np

    counts, names = _counts(documents)
    # The subjects of the epochs placed among the current subjects, from the one they were found on.
    runs = [np.array(current.labels, dtype=np.int64)]
    for begin in range(EPOCH, len(documents) - EPOCH + 1, EPOCH):
        labels, fits = _placed(current, counts[begin : begin + EPOCH], names)
        if float(fits.mean()) < FIT * current.fit:
            current, start = fitted(documents[begin : begin + EPOCH]), begin
            runs = [np.array(current.labels, dtype=np.int64)]
        else:
            runs.append(labels)
    # The documents before those runs and after the last epoch are placed among the subjects last found.
    end = start + sum(map(len, runs))
    before, _ = _placed(current, counts[:start], names)
    after, _ = _placed(current, counts[end:], names)
    return _renumber(np.concatenate([before, *runs, after]).tolist())


def model(documents: Sequence[Document]) -> Model:
    """Subjects found without being told how many (see the module's docstring) among ``documents``."""
    import numpy as np

    matrix, terms, idf = _tfidf(documents)
    scaled = _lsa(matrix, min(DIMENSIONS, min(matrix.shape) - 1))
    points = _normalize(scaled)
    sample = _sample(documents)
    communities = [[int(sample[i]) for i in c] for c in _communities(points[sample])]
    subjects = _joined(points, communities)
    big = [c for c in subjects if len(c) >= max(MIN_SHARE * len(sample), 3)] or subjects[:1]
    centres = _normalize(np.array([points[c].mean(axis=0) for c in big]))
    labels = _spherical_kmeans(points, centres)
    centres = _normalize(np.array([points[labels == j].mean(axis=0) for j in np.unique(labels)]))
    labels = np.searchsorted(np.unique(labels), labels)
    # A row's point is its TF-IDF row times the right singular vectors, scaled by the singular values: U S
    # = A V, and V = A' U S^-1, so the axes are A' (U S) S^-2.
    strength = np.einsum("ij,ij->j", scaled, scaled)
    strength[strength == 0] = 1.0
    axes = (np.asarray(matrix.T @ scaled) / strength).astype(np.float32)  # half the bytes to keep
    fit = float(np.mean(np.einsum("ij,ij->i", points, centres[labels])))
    return Model(
        dict(zip(terms, range(len(terms)), strict=True)), idf, axes, centres, tuple(labels.tolist()), fit
    )


def _placed(model: Model, counts: Any, names: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each document's subject (of ``model``) and its fit (cosine with the subject's centre), from the
    documents' term counts (``_counts``: a CSR matrix, and each column's term). A block of ``_BLOCK`` rows
    at a time: the products of every document at once would be the biggest arrays of discovery."""
    import numpy as np

    column = np.array([model.columns.get(name, -1) for name in names], dtype=np.int64)
    blocks = [_placed_rows(model, counts[b : b + _BLOCK], column) for b in range(0, counts.shape[0], _BLOCK)]
    if not blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate([labels for labels, _ in blocks]), np.concatenate([fits for _, fits in blocks])


def _placed_rows(
    model: Model, counts: Any, column: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """``_placed`` of some rows; ``column``: each count column's column of the model, -1 if it has none."""
    import numpy as np
    import scipy.sparse as sp

    cols = column[counts.indices]
    wanted = cols >= 0
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[wanted]
    weights = (1.0 + np.log(counts.data[wanted].astype(np.float64))) * model.idf[cols[wanted]]
    matrix = sp.csr_matrix((weights, (rows, cols[wanted])), shape=(counts.shape[0], max(len(model.idf), 1)))
    points = _normalize(np.asarray(matrix @ model.axes))
    similarity = points @ model.centres.T
    return np.argmax(similarity, axis=1), similarity.max(axis=1, initial=0.0)


def _sample(documents: Sequence[Document]) -> NDArray[np.int64]:
    """About GRAPH_SAMPLE rows: the graph only finds the subjects, k-means places everyone.

    Chosen by a hash of each document, not by position: one article more must not change which others are
    in the graph (every fourth one, say, after the new one), or the subjects found change with it. Ordered
    by that hash too: community detection depends on the order of the graph's nodes, and the same documents
    must give the same subjects in whatever order they come.
    """
    import numpy as np

    hashes = [zlib.crc32(terms.encode("utf-8", "surrogatepass")) for terms, _ in documents]
    below = (1 << 32) * GRAPH_SAMPLE // max(len(documents), 1)  # a hash below this: in the sample
    rows = [row for row, value in enumerate(hashes) if value < below or len(documents) <= GRAPH_SAMPLE]
    rows.sort(key=lambda row: (hashes[row], documents[row][0]))
    return np.array(rows, dtype=np.int64)


def _tfidf(documents: Sequence[Document]) -> tuple[Any, list[str], NDArray[np.float64]]:
    """Sublinear TF-IDF rows (a scipy CSR matrix) over terms in at least two documents and at most half of
    them; those terms, in column order, and their inverse document frequencies."""
    import numpy as np
    import scipy.sparse as sp

    counts, names = _counts(documents)
    n = len(documents)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    kept = sorted(np.flatnonzero((df >= 2) & (df <= max(2, n // 2))).tolist(), key=names.__getitem__)
    idf = np.array([math.log((1 + n) / (1 + int(df[j]))) for j in kept])
    # Built in place from the counts, in 32-bit numbers where they fit: at 100,000 articles each array
    # of one number per entry is tens of megabytes, held at once with the rest.
    column = np.full(counts.shape[1], -1, dtype=np.int32)
    column[kept] = np.arange(len(kept), dtype=np.int32)
    cols = column[counts.indices]
    wanted = cols >= 0
    before = np.zeros(len(wanted) + 1, dtype=np.int32)  # kept entries before each entry
    np.cumsum(wanted, out=before[1:])
    starts = before[counts.indptr]  # each row's first kept entry
    del before
    indices = cols[wanted]
    del cols
    frequencies = counts.data[wanted]
    del counts, wanted
    # Logarithms by math, once per distinct count, so each weight is the float a plain loop would give;
    # looked up in a table by count, which costs less memory than sorting the counts to find them.
    table = np.zeros(int(frequencies.max(initial=0)) + 1)
    table[frequencies] = 1.0
    distinct = np.flatnonzero(table)
    table[distinct] = [1.0 + math.log(c) for c in distinct.tolist()]
    values = table[frequencies]
    del frequencies, table
    values *= idf[indices]
    shape = (n, max(len(kept), 1))
    matrix = sp.csr_matrix((values, indices, starts), shape=shape)
    matrix.sort_indices()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data *= np.repeat(1.0 / norms, np.diff(matrix.indptr))
    return matrix, [names[j] for j in kept], idf


def _counts(documents: Sequence[Document]) -> tuple[Any, list[str]]:
    """Term counts as a CSR matrix of integers (a recurring term's counts summed), and each column's term:
    columns in the order terms first appear."""
    import numpy as np
    import scipy.sparse as sp

    # Terms numbered through a dict in C, a block of documents at a time: a loop over the terms in Python
    # was the biggest cost of placing a day's news among the subjects found, and splitting every document
    # at once would hold a string object per term of the digest.
    sizes = [len(values) for _, values in documents]
    number: dict[str, int] = {}
    columns = np.zeros(sum(sizes), dtype=np.int32)
    done = 0
    for start in range(0, len(documents), _COUNTED):
        terms = " ".join(names for names, _ in documents[start : start + _COUNTED]).split()
        fresh = [term for term in dict.fromkeys(terms) if term not in number]
        number.update(zip(fresh, range(len(number), len(number) + len(fresh)), strict=True))
        columns[done : done + len(terms)] = np.fromiter(map(number.__getitem__, terms), np.int32, len(terms))
        done += len(terms)
    counts = np.fromiter(
        itertools.chain.from_iterable(v for _, v in documents), dtype=np.int32, count=len(columns)
    )
    ends = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ends[1:])
    matrix = sp.csr_matrix((counts, columns, ends), shape=(len(documents), len(number)))
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix, list(number)


def _lsa(matrix: Any, dimensions: int) -> NDArray[np.float64]:
    """Randomized truncated SVD (Halko, Martinsson and Tropp 2011) with a fixed seed: rows x dimensions."""
    import numpy as np

    a = matrix
    n_terms = a.shape[1]
    dimensions = max(1, min(dimensions, n_terms))
    rng = np.random.default_rng(_SEED)
    sample = a @ rng.standard_normal((n_terms, dimensions + 10))
    # Each product and factorization of this rows x (dimensions + 10) array makes one more of its size:
    # each is dropped as soon as it is used, so that no more than two are held at once.
    for _ in range(2):  # power iterations sharpen the spectrum of text matrices, whose decay is slow
        sample = _orthonormal(sample)
        sample = a @ (a.T @ sample)
    basis = _orthonormal(sample)
    del sample
    small = np.asarray((a.T @ basis).T)
    # Only the left singular vectors are needed: eigenvectors of the small Gram matrix give them
    # for a fraction of a full SVD's cost.
    eigenvalues, u = np.linalg.eigh(small @ small.T)
    order = np.argsort(eigenvalues)[::-1][:dimensions]
    singular = np.sqrt(np.clip(eigenvalues[order], 0.0, None))
    result: NDArray[np.float64] = basis @ u[:, order]
    del basis
    result *= singular
    return result


def _orthonormal(columns: NDArray[np.float64]) -> NDArray[np.float64]:
    """An orthonormal basis of the columns' span (QR's Q); ``columns`` may be overwritten."""
    import scipy.linalg

    basis: NDArray[np.float64] = scipy.linalg.qr(
        columns, overwrite_a=True, mode="economic", check_finite=False
    )[0]
    return basis


def _normalize(points: NDArray[np.float64]) -> NDArray[np.float64]:
    import numpy as np

    norms = np.linalg.norm(points, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: NDArray[np.float64] = points / norms
    return result


def _communities(points: NDArray[np.float64]) -> list[list[int]]:
    """Louvain communities of the nearest-neighbour graph, biggest first."""
    rows, columns, weights = _neighbours(points, min(NEIGHBOURS, len(points) - 1))
    edges = list(zip(rows.tolist(), columns.tolist(), strict=True))
    found = _louvain(len(points), edges, weights.tolist(), RESOLUTION)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def _joined(points: NDArray[np.float64], communities: list[list[int]]) -> list[list[int]]:
    """Communities of one subject joined: Louvain again, on a graph of the communities whose edges weigh
    all the similarity between their members (the dot product of their summed points), biggest first.

    The neighbour graph links each article to the few most like it, so a subject's communities (one per
    kind of event, say) often share no edge at all; summed over all their members, the similarities within
    a subject stand far above those between subjects.
    """
    import numpy as np

    sums = np.array([points[c].sum(axis=0) for c in communities])
    weights = np.clip(sums @ sums.T, 0.0, None).tolist()
    edges = [(a, b) for a in range(len(communities)) for b in range(a, len(communities)) if weights[a][b]]
    if not edges:
        return communities
    found = _louvain(len(communities), edges, [weights[a][b] for a, b in edges], JOIN_RESOLUTION)
    joined = [sorted(row for c in group for row in communities[c]) for group in found]
    return sorted(joined, key=lambda c: (-len(c), c[0]))


def _louvain(
    nodes: int, edges: Sequence[tuple[int, int]], weights: Sequence[float], resolution: float
) -> list[list[int]]:
    """Louvain communities (igraph's, compiled) of a weighted graph; an edge given twice is one edge."""
    import random

    import igraph

    graph = igraph.Graph(n=nodes, edges=edges)
    graph.es["weight"] = weights
    graph.simplify(multiple=True, loops=False, combine_edges="first")
    # Louvain visits the nodes in a random order: igraph draws it from the generator it is given, seeded so
    # that the same graph always gives the same communities.
    igraph.set_random_number_generator(random.Random(_SEED))
    try:
        found = graph.community_multilevel(weights="weight", resolution=resolution)
    finally:
        igraph.set_random_number_generator(random)
    return [list(community) for community in found]


def _neighbours(
    points: NDArray[np.float64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Each point's ``k`` most similar others with a positive similarity (point, neighbour, similarity), in
    order of point, then neighbour; a block of rows at a time."""
    import numpy as np

    found: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]] = []
    for start in range(0, len(points), _BLOCK):
        distance = points[start : start + _BLOCK] @ points.T
        np.negative(distance, out=distance)  # in place: a block is the biggest array of the stage
        offsets = np.arange(len(distance))
        distance[offsets, start + offsets] = np.inf
        for first in range(0, len(distance), _PARTITION):
            part = distance[first : first + _PARTITION]
            nearest = np.sort(np.argpartition(part, k - 1, axis=1)[:, :k], axis=1)
            weight = -np.take_along_axis(part, nearest, axis=1)
            positive = weight > 0
            rows = np.repeat(np.arange(start + first, start + first + len(part)), k).reshape(len(part), k)
            found.append((rows[positive], nearest[positive], weight[positive]))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return (
        np.concatenate([rows for rows, _, _ in found]),
        np.concatenate([columns for _, columns, _ in found]),
        np.concatenate([weights for _, _, weights in found]),
    )


def _spherical_kmeans(points: NDArray[np.float64], centres: NDArray[np.float64]) -> NDArray[np.int64]:
    import numpy as np

    labels: NDArray[np.int64] = np.argmax(points @ centres.T, axis=1)
    for _ in range(KMEANS_ROUNDS):
        updated = np.array(
            [
                points[labels == j].mean(axis=0) if (labels == j).any() else centres[j]
                for j in range(len(centres))
            ]
        )
        updated = _normalize(updated)
        relabelled: NDArray[np.int64] = np.argmax(points @ updated.T, axis=1)
        centres = updated
        if np.array_equal(relabelled, labels):
            break
        labels = relabelled
    return labels


def _renumber(labels: list[int]) -> list[int]:
    """Number subjects by size, biggest first, ties by first appearance: the same input, the same numbers."""
    sizes = Counter(labels)
    first = {label: labels.index(label) for label in sizes}
    order = sorted(sizes, key=lambda label: (-sizes[label], first[label]))
    mapping = {label: number for number, label in enumerate(order)}
    return [mapping[label] for label in labels]


OTHER = "Other"
GROUP_WEIGHT = 1.0  # how much a story's subject as a whole counts beside the story's own evidence
CATEGORY_TRUST = 0.7  # share of a story's evidence its feeds' categories make, when it has any
STRONG_EVIDENCE = 8.0  # keyword occurrences (or a category's worth) at which a story's own words count fully
NARROW_SHARE = 0.6  # a digest whose biggest section holds this share of its articles is of one section
MAX_TOPICS = 9  # topics a reader can take in at a glance, Other aside
MIN_SECTION_SHARE = 0.02  # of a big digest's stories; a section with fewer is folded into the others
BIG_DIGEST = 50  # stories from which small sections are folded
_DERIVED = frozenset({"er", "ist", "ian"})  # endings that make a word of a keyword: 'banker', 'cyclist'
COMPOUND_KEYWORD = 4  # letters a keyword needs to be found inside a compound ('chip' in 'chipmaker')
SPLIT_STORIES = 8  # a digest of one section and fewer stories than this is one topic, not one a story


@dataclass(frozen=True)
class StoryText:
    """What filing reads of one story."""

    id: str
    articles: int
    evidence: tuple[float, ...]  # how much it speaks for each section (``evidence``)
    text: naming.Text


def file(groups: Sequence[Sequence[StoryText]]) -> list[tuple[str, list[str]]]:
    """Named topics and their stories' ids, from stories grouped by subject."""
    stories = [story for group in groups for story in group]
    own = {story.id: story.evidence for story in stories}
    scores = {}
    for group in groups:
        prior = _prior(group, own)
        for story in group:
            scores[story.id] = [s + GROUP_WEIGHT * p for s, p in zip(own[story.id], prior, strict=True)]
    section_of = {story_id: _best(values) for story_id, values in scores.items()}
    if _broad(stories, section_of):
        return _by_section(stories, scores, section_of)
    return _by_subject(groups, section_of)


def evidence(terms: Mapping[str, int], categories: Sequence[Sequence[str]]) -> tuple[float, ...]:
    """How much a story speaks for each section: shares of its evidence, scaled by how much there is;
    ``terms``: its stemmed headline and lead terms, headline weighted; ``categories``: each article's feed
    or page categories.

    Its feeds' categories outweigh its words where it has them: a feed files its own items knowingly, where
    a keyword ('recall', 'detective') may belong to another section's news.
    """
    text = sections.text_evidence(terms)
    named = sections.category_evidence(categories)
    total = sum(text) + sum(named)
    if not total:
        return tuple(text)
    confidence = min(1.0, total / STRONG_EVIDENCE)
    trust = CATEGORY_TRUST if sum(named) and sum(text) else float(bool(sum(named)))
    return tuple(
        ((1 - trust) * t / (sum(text) or 1) + trust * c / (sum(named) or 1)) * confidence
        for t, c in zip(text, named, strict=True)
    )


def _prior(group: Sequence[StoryText], own: Mapping[str, Sequence[float]]) -> list[float]:
    """The sections the group's stories speak for, article-weighted."""
    weight = sum(story.articles for story in group) or 1
    return [
        sum(own[story.id][number] * story.articles for story in group) / weight
        for number in range(len(sections.sections()))
    ]


def _best(values: Sequence[float]) -> int | None:
    """The section with the highest score (the first listed of equals); None when nothing speaks for any."""
    best = max(range(len(values)), key=lambda n: (values[n], -n))
    return best if values[best] > 0 else None


def _broad(stories: Sequence[StoryText], section_of: Mapping[str, int | None]) -> bool:
    """Whether the stories spread over several sections: most are of one, and none holds most of them."""
    sizes = _section_sizes(stories, section_of)
    everyone = sum(story.articles for story in stories)
    filed = sum(sizes.values())
    if len(stories) < 2 or filed < everyone / 2:
        return False
    return max(sizes.values()) < NARROW_SHARE * filed


def _by_section(
    stories: Sequence[StoryText], scores: Mapping[str, list[float]], section_of: Mapping[str, int | None]
) -> list[tuple[str, list[str]]]:
    """Each story under its section; a section too small to browse gives its stories to the next best."""
    kept = _kept_sections(stories, section_of)
    filed: dict[str, list[str]] = {}
    for story in stories:
        values = scores[story.id]
        candidates = [n for n in kept if values[n] > 0]
        number = max(candidates, key=lambda n: (values[n], -n)) if candidates else None
        name = sections.sections()[number].name if number is not None else OTHER
        filed.setdefault(name, []).append(story.id)
    return list(filed.items())


def _kept_sections(stories: Sequence[StoryText], section_of: Mapping[str, int | None]) -> list[int]:
    """The sections that make topics: the biggest MAX_TOPICS, and in a big digest none of a tiny share of
    both its stories and its articles (a few stories that many outlets covered are a section to browse)."""
    counts = Counter(n for story in stories if (n := section_of[story.id]) is not None)
    ranked = sorted(counts, key=lambda n: (-counts[n], n))[:MAX_TOPICS]
    if len(stories) >= BIG_DIGEST:
        sizes = _section_sizes(stories, section_of)
        everyone = sum(story.articles for story in stories)
        ranked = [
            n
            for n in ranked
            if counts[n] >= MIN_SECTION_SHARE * len(stories) or sizes[n] >= MIN_SECTION_SHARE * everyone
        ]
    return ranked


def _by_subject(
    groups: Sequence[Sequence[StoryText]], section_of: Mapping[str, int | None]
) -> list[tuple[str, list[str]]]:
    """Each group under the name of what its stories share; the biggest MAX_TOPICS, the rest (and groups that
    share no name) under their section, or Other. A digest of a few stories is one topic."""
    texts = [[story.text for story in group] for group in groups]
    if sum(len(group) for group in groups) < SPLIT_STORIES:
        everyone = [story for group in groups for story in group]
        name = naming.subject([t for group_texts in texts for t in group_texts], [])
        return [(name or _section_name(everyone, section_of), [story.id for story in everyone])]
    order = sorted(range(len(groups)), key=lambda i: (-sum(s.articles for s in groups[i]), groups[i][0].id))
    filed: dict[str, list[str]] = {}
    for rank, index in enumerate(order):
        group = groups[index]
        name = None
        if (
            rank < MAX_TOPICS
        ):  # only the biggest groups are named: the others' texts are not gathered for nothing
            others = [text for i, group_texts in enumerate(texts) if i != index for text in group_texts]
            name = naming.subject(texts[index], others)
        if name is None or (name not in filed and len(filed) >= MAX_TOPICS):
            name = _section_name(group, section_of)
        filed.setdefault(name, []).extend(story.id for story in group)
    return list(filed.items())


def _section_name(group: Sequence[StoryText], section_of: Mapping[str, int | None]) -> str:
    """The name of the section most of the group's articles are filed under, or Other."""
    counts = _section_sizes(group, section_of)
    if not counts:
        return OTHER
    return sections.sections()[min(counts, key=lambda n: (-counts[n], n))].name


def _section_sizes(stories: Sequence[StoryText], section_of: Mapping[str, int | None]) -> Counter[int]:
    """How many articles of these stories each section holds."""
    sizes: Counter[int] = Counter()
    for story in stories:
        number = section_of[story.id]
        if number is not None:
            sizes[number] += story.articles
    return sizes


def keyword_terms(keywords: Sequence[str]) -> frozenset[str]:
    """The stemmed terms of configured keywords, as text's terms are stemmed."""
    from digest.language.text import content_terms

    return frozenset(term for keyword in keywords for term in content_terms(keyword))


def matches(term: str, keywords: frozenset[str]) -> bool:
    """Whether a stemmed term is one of the keywords, in any form: itself, a part of a hyphenated compound
    ('AI' in 'AI-powered'), or a closed compound of a keyword of four letters or more and another word
    ('chip' in 'chipmaker', 'microchip'); never a longer word that merely starts alike ('bank' in 'bankrupt')."""
    from digest.language.text import stem

    if term in keywords:
        return True
    if "-" in term:
        return any(matches(stem(part), keywords) for part in term.split("-") if part)
    for keyword in keywords:
        if len(keyword) < COMPOUND_KEYWORD or len(term) <= len(keyword):
            continue
        rest = term[len(keyword) :]
        if term.startswith(keyword) and (rest in _DERIVED or _english(rest)):
            return True
        if term.endswith(keyword) and _english(term[: -len(keyword)]):
            return True
    return False


def _english(word: str) -> bool:
    """Whether a compound's other part is an English word (a stem: 'mak' of 'chipmaking' is 'make')."""
    if len(word) < 3:
        return False
    known = naming.english_zipf
    return any(known(form) >= naming.ENGLISH_WORD_ZIPF for form in (word, word + "e", word + "s"))
