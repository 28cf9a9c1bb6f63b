"""The engine's search index: the last build's index with only the articles whose words changed taken out
and put in, the same index ``render.search.build_index`` makes, found faster."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

from digest.models import Article, Digest
from digest.render.search import (
    INDEX_PAGE,
    Index,
    article_words,
    document,
    encode,
    index_of,
    index_script,
    indexed_articles,
    postings_of,
    without_last,
)


@dataclass(frozen=True)
class Postings:
    """What an index was made from, kept for the next build: it works out what changed, not everything."""

    order: tuple[str, ...]  # ids of the indexed articles, in index order
    words: tuple[str, ...]  # each one's ``article_words``
    found: dict[str, array[int]]  # every word -> ascending numbers of the articles that hold it
    encoded: dict[str, str]  # each term of the index -> its postings, ``encode``d
    marks: tuple[str, ...] = ()  # each one's ``article_hash``, when known: equal article_hashes, equal words
    # Each one's ``Index.documents`` entry by its article hash and slug, which cover all it holds (when article_hashes are
    # known): a rebuild writes out the few that changed, not every one.
    documents: dict[str, str] = field(default_factory=dict)


def search_files(
    digest: Digest,
    known: Mapping[str, str] | None = None,
    previous: Postings | None = None,
    article_hashes: Mapping[str, str] | None = None,
) -> tuple[dict[str, bytes], Postings]:
    """The files search adds to the site (``known``, ``previous`` and ``article_hashes`` as for ``indexed``), and
    what the index was made from."""
    index, postings = indexed(digest, known, previous, article_hashes)
    return {INDEX_PAGE: index_script(index, postings.encoded)}, postings


def indexed(
    digest: Digest,
    known: Mapping[str, str] | None = None,
    previous: Postings | None = None,
    article_hashes: Mapping[str, str] | None = None,
) -> tuple[Index, Postings]:
    """``build_index``, and what it was made from; with the last build's ``previous``, only the articles
    whose words changed, and those after the run of articles that opens both indexes, are worked in (the
    same index, found faster): a day's news, even fetched again, costs what it adds.

    ``article_hashes`` are the articles' ``article_hash``: an article whose article hash is the one ``previous`` has
    keeps the words it had there, and neither ``known`` nor the article is read for them.
    """
    kept = indexed_articles(digest)
    known, article_hashes = known or {}, article_hashes or {}
    order = tuple(a.id for a in kept)
    marks = tuple(article_hashes.get(i, "") for i in order) if article_hashes else ()
    documents, made = _documents(digest, kept, marks, previous.documents if previous is not None else {})
    texts = _texts(digest, kept, known, marks, previous)
    if previous is None:
        found = postings_of(texts)
        index = index_of(documents, found)
        encoded = {t: encode(found[t]) for t in index.terms}
    else:
        held = _common_start(order, previous.order)
        found, changed, tail = _patched(previous, texts, held)
        index = index_of(documents, found)
        encoded = {t: _encoded(t, found[t], previous, changed, tail, held) for t in index.terms}
    return index, Postings(order, texts, found, encoded, marks, made)


def _common_start(order: Sequence[str], last: Sequence[str]) -> int:
    """How many articles open both orders alike: a day's news, fetched again, is put in after them."""
    held = 0
    for now, then in zip(order, last, strict=False):
        if now != then:
            break
        held += 1
    return held


def _encoded(
    word: str, numbers: array[int], previous: Postings, changed: Set[str], tail: Set[str], held: int
) -> str:
    """``encode(numbers)``, from the last build's code of the word where it can: the same, or its code up to
    the first ``held`` articles with the codes of the numbers after those put in its place."""
    last = previous.encoded.get(word)
    if last is None or word in changed:
        return encode(numbers)
    if word not in tail:
        return last
    before = previous.found[word]
    start = bisect.bisect_left(numbers, held)
    kept = without_last(last, len(before) - bisect.bisect_left(before, held))
    return kept + encode(numbers[start:], after=numbers[start - 1] if start else -1)


def _documents(
    digest: Digest, kept: Sequence[Article], marks: Sequence[str], last: Mapping[str, str]
) -> tuple[tuple[str, ...], dict[str, str]]:
    """Each kept article's ``Index.documents`` entry, the last build's where its article hash and slug are the same;
    and the entries by article hash and slug, for the next build (none without article_hashes)."""
    if not marks:
        return tuple(document(a, digest.summaries.get(a.id, ())) for a in kept), {}
    made: dict[str, str] = {}
    documents = []
    for article, mark in zip(kept, marks, strict=True):
        key = f"{mark}\0{article.slug}"
        entry = last.get(key) if mark else None
        if entry is None:
            entry = document(article, digest.summaries.get(article.id, ()))
        if mark:
            made[key] = entry
        documents.append(entry)
    return tuple(documents), made


def _texts(
    digest: Digest,
    kept: Sequence[Article],
    known: Mapping[str, str],
    marks: Sequence[str],
    previous: Postings | None,
) -> tuple[str, ...]:
    """Each kept article's words: the last build's where its article hash is unchanged, else known or worked out."""
    last: dict[str, int] = {}
    if previous is not None and marks and previous.marks:
        last = {i: n for n, i in enumerate(previous.order)}
    texts = []
    for number, article in enumerate(kept):
        at = last.get(article.id)
        if at is not None and marks[number] and previous is not None and previous.marks[at] == marks[number]:
            texts.append(previous.words[at])
        else:
            text = known.get(article.id) or article_words(article)
            texts.append(text)
    return tuple(texts)


def _patched(
    previous: Postings, texts: Sequence[str], held: int
) -> tuple[dict[str, array[int]], set[str], set[str]]:
    """The last build's postings with the changed articles' words taken out and put in, where the first
    ``held`` articles are those it held; the last build's articles after those taken out, and this build's
    put in. The words whose postings changed among the held articles, and those changed after them.

    Lists are replaced, never changed in place: ``previous`` may still be in use (a resident cache).
    """
    found = dict(previous.found)
    changed: set[str] = set()
    for number, (old, new) in enumerate(zip(previous.words[:held], texts[:held], strict=True)):
        if old == new:
            continue
        before, after = set(old.split()), set(new.split())
        for word in before - after:
            numbers = array("I", (n for n in found[word] if n != number))
            if numbers:
                found[word] = numbers
            else:
                del found[word]
        for word in after - before:
            numbers = found.get(word, array("I"))
            at = bisect.bisect_left(numbers, number)
            found[word] = numbers[:at] + array("I", [number]) + numbers[at:]
        changed |= before ^ after
    gone = {word for text in previous.words[held:] for word in text.split()}
    for word in gone:  # what the articles after the held ones had
        numbers = found[word][: bisect.bisect_left(found[word], held)]
        if numbers:
            found[word] = numbers
        else:
            del found[word]
    added: dict[str, list[int]] = {}
    for number, text in enumerate(texts[held:], held):
        for word in set(text.split()):
            added.setdefault(word, []).append(number)
    for word, appended in added.items():  # each after every number the word had before ``held``
        found[word] = found.get(word, array("I")) + array("I", appended)
    return found, changed, gone | set(added)
