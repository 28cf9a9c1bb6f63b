"""Static full-text search: an inverted index written as a script, so search works from disk and served.

``search-index.js`` sets one global, ``DIGEST_SEARCH``: the kept articles (oldest first) and, for every
word, the articles that contain it. A ``<script src>`` loads it under ``file://``, where ``fetch()`` of a
JSON file is refused. ``static/search.js`` splits a query exactly as :func:`words` splits articles.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

from digest.language.text import CJK, split_cjk
from digest.models import Article, Digest
from digest.render import paths

INDEX_PAGE = "search-index.js"
GLOBAL = "DIGEST_SEARCH"
VERSION = 2
SNIPPET_CHARS = 160
MAX_WORD_CHARS = 32  # longer runs are URLs, hashes or glued text that nobody types
# A word in more than this share of a large site's articles narrows nothing; the index lists it as
# common and the browser ignores it in a query instead of failing to find it.
COMMON_SHARE = 0.5
COMMON_MIN_ARTICLES = 200
_WORD = re.compile(r"[^\W_]+")
_CJK = re.compile(f"[{CJK}]")
# Postings are gaps between doc numbers in base 32, without separators: a number's last digit is
# written from _LAST, the digits before it from _MORE, so the reader knows where each number ends.
_LAST = "0123456789abcdefghijklmnopqrstuv"
_MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_"


@dataclass(frozen=True)
class Index:
    """The search index before serialization: what each article shows in results and what it contains."""

    documents: tuple[str, ...]  # each article's [slug, title, publisher, date, snippet], as script-safe JSON
    terms: tuple[str, ...]  # sorted
    postings: tuple[Sequence[int], ...]  # per term: ascending doc numbers
    common: tuple[str, ...]

    @property
    def docs(self) -> tuple[tuple[str, str, str, str, str], ...]:
        """What each article shows in results: slug, title, publisher, date, snippet."""
        return tuple(tuple(json.loads(document)) for document in self.documents)


def words(text: str) -> list[str]:
    """Lowercase words without accents, split the way static/search.js splits a query: Chinese and Japanese,
    written without spaces, into overlapping pairs of characters ('地铁站' -> '地铁', '铁站')."""
    folded = text.lower()
    if folded.isascii():
        return [w for w in _WORD.findall(folded) if len(w) <= MAX_WORD_CHARS]
    folded = unicodedata.normalize("NFKD", folded)
    # Combining marks (Unicode category M, \p{M} in JavaScript) go: 'é' is searched as 'e'.
    folded = folded.translate({ord(c): None for c in set(folded) if not c.isascii() and _mark(c)})
    found = _WORD.findall(folded)
    if _CJK.search(folded):
        found = list(chain.from_iterable(map(split_cjk, found)))
    return [w for w in found if len(w) <= MAX_WORD_CHARS]


@functools.cache
def _mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


def build_index(digest: Digest, known: Mapping[str, str] | None = None) -> Index:
    """Index every kept article: title, summary, byline, publisher and full text.

    ``known`` holds articles' ``article_words`` when worked out beforehand; the others are computed here.
    """
    kept = indexed_articles(digest)
    known = known or {}
    documents = tuple(document(a, digest.summaries.get(a.id, ())) for a in kept)
    texts = [known.get(a.id) or article_words(a) for a in kept]
    return index_of(documents, postings_of(texts))


def indexed_articles(digest: Digest) -> list[Article]:
    """The articles the index holds, in its order: the kept ones, the undated first, then oldest first, so a
    day's news takes the next numbers and leaves every other article's as it was. (The browser lists equally
    good matches by descending number: newest first, undated last.)"""
    duplicates = digest.duplicate_of
    by_id = sorted((a for a in digest.articles if a.id not in duplicates), key=lambda a: a.id, reverse=True)
    return sorted(by_id, key=lambda a: a.published or a.date or "")


def index_of(documents: tuple[str, ...], found: Mapping[str, Sequence[int]]) -> Index:
    """The index of these documents, ``found``: every word -> the ascending numbers of the documents holding it."""
    common = common_words(found, len(documents))
    terms = tuple(sorted(w for w in found if w not in common))
    return Index(documents, terms, tuple(found[t] for t in terms), tuple(sorted(common)))


def postings_of(texts: Sequence[str]) -> dict[str, array[int]]:
    """Every word of the texts -> the ascending numbers of the texts holding it."""
    found: dict[str, list[int]] = {}
    for number, text in enumerate(texts):
        for word in text.split():
            found.setdefault(word, []).append(number)
    return {word: array("I", numbers) for word, numbers in found.items()}


def index_script(index: Index, encoded: Mapping[str, str] | None = None) -> bytes:
    """The index as ``search-index.js``: one assignment to ``window.DIGEST_SEARCH``.

    ``encoded`` holds terms' postings already ``encode``d.
    """
    prefix, suffix = paths.article_page("\0").split("\0")
    encoded = encoded or {}
    postings = [encoded.get(t) or encode(p) for t, p in zip(index.terms, index.postings, strict=True)]
    dumps = _DUMPS  # a local: called once per part below
    # Only the documents can hold characters a script must not (each is made safe): terms are word
    # characters and postings base 32. The pieces are joined exactly as dumping the whole would.
    body = (
        f'{{"version":{VERSION},"page":{dumps([prefix, suffix])},'
        f'"docs":[{",".join(index.documents)}],'
        f'"terms":{dumps(list(index.terms))},"postings":{dumps(postings)},"common":{dumps(list(index.common))}}}'
    )
    return f"window.{GLOBAL}={body};\n".encode()


def _script_safe(text: str) -> str:
    """JSON that no article text can end early: no '<' to start '</script>' or '<!--' if the index is ever
    inlined, and no U+2028/U+2029, which end a line in JavaScript engines older than ES2019."""
    for char, escape in _SCRIPT_ESCAPES:  # replace() per character: translate() is ten times slower
        if char in text:
            text = text.replace(char, escape)
    return text


def search_files(digest: Digest) -> dict[str, bytes]:
    """The files search adds to the site."""
    return {INDEX_PAGE: index_script(build_index(digest))}


def article_words(article: Article) -> str:
    """The distinct words search finds an article by, sorted, space-separated (one string weighs least). Its
    summary's are among them: a summary is made of its sentences."""
    return " ".join(sorted(set(words(_searchable(article)))))


def snippet(article: Article, summary: Iterable[str]) -> str:
    """A short extract shown under a result: the summary's first sentence, else the text's opening."""
    text = next(iter(summary), "") or article.given_summary or article.text
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def document(article: Article, summary: tuple[str, ...]) -> str:
    """What an article shows in results, as an ``Index.documents`` entry."""
    values = [
        article.slug,
        article.title,
        article.publisher or "",
        article.date or "",
        snippet(article, summary),
    ]
    return _script_safe(_DUMPS(values))


def _searchable(article: Article) -> str:
    parts = (
        article.title,
        article.author or "",
        article.publisher or "",
        *article.tags,
        article.text,
    )
    return "\n".join(parts)


def common_words(found: Mapping[str, Sequence[int]], total: int) -> set[str]:
    if total < COMMON_MIN_ARTICLES:
        return set()
    return {word for word, docs in found.items() if len(docs) > COMMON_SHARE * total}


def encode(numbers: Iterable[int], after: int = -1) -> str:
    """Ascending numbers as base-32 gaps (less one) without separators: compact, and quick to decode. A
    list's code is its numbers' codes one after another: ``after`` is the number encoded before these."""
    out, previous = [], after
    for number in numbers:
        out.append(_base32(number - previous - 1))
        previous = number
    return "".join(out)


def without_last(encoded: str, count: int) -> str:
    """``encode``'s code of a list, without the codes of its last ``count`` numbers."""
    end = len(encoded)
    for _ in range(count):
        end -= 1  # the digit that ends a number
        while end and encoded[end - 1] in _MORE:
            end -= 1
    return encoded[:end]


def _base32(number: int) -> str:
    if number < len(_SMALL):
        return _SMALL[number]
    return _spell(number)


def _spell(number: int) -> str:
    digits = _LAST[number % 32]
    number //= 32
    while number:
        number, rest = divmod(number, 32)
        digits = _MORE[rest] + digits
    return digits


# Every number of up to three digits, spelled: by concatenation, ten times faster than by _spell at import.
_SMALL: tuple[str, ...] = (
    *_LAST,
    *(a + b for a in _MORE[1:] for b in _LAST),
    *(a + b + c for a in _MORE[1:] for b in _MORE for c in _LAST),
)
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SCRIPT_ESCAPES = tuple((char, f"\\u{ord(char):04x}") for char in "<>&\u2028\u2029")

__all__ = [
    "GLOBAL",
    "INDEX_PAGE",
    "Index",
    "build_index",
    "encode",
    "index_script",
    "search_files",
    "snippet",
    "words",
]
