"""The machine-readable digest: ``digest.json``, version 1."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

from digest.models import Article, Digest, Fact, Story, StorySentence
from digest.render import paths

VERSION = 1


def export(digest: Digest) -> bytes:
    """Serialize the digest as stable UTF-8 JSON, one record a line."""
    return assemble(
        digest,
        {a.id: article_line(a, digest) for a in digest.articles},
        {s.id: story_line(s) for s in digest.stories},
    )


def article_line(article: Article, digest: Digest) -> bytes:
    """An article's line of ``digest.json``."""
    return _utf8(_encoder().encode(_article(line_of(article, digest))))


def story_line(story: Story) -> bytes:
    """A story's line of ``digest.json``."""
    return _utf8(_encoder().encode(_story(story)))


def assemble(digest: Digest, articles: Mapping[str, bytes], stories: Mapping[str, bytes]) -> bytes:
    """``digest.json`` from its articles' and stories' lines (by id) and the rest of the digest."""
    document = {
        "version": VERSION,
        "title": digest.title,
        "articles": [articles[a.id] for a in sorted(digest.articles, key=lambda a: (a.source, a.id))],
        "stories": [stories[s.id] for s in digest.stories],
        "topics": [
            {
                "id": t.id,
                "label": t.label,
                "keywords": list(t.keywords),
                "stories": list(t.stories),
                "page": paths.topic_page(t.id),
            }
            for t in digest.topics
        ],
        "days": [
            {"date": d.date, "stories": list(d.stories), "page": paths.day_page(d.date)} for d in digest.days
        ],
        "skipped": [{"source": i.source, "reason": i.reason} for i in digest.issues],
    }
    return record_lines(document)


@dataclass(frozen=True)
class ArticleLine:
    """What an article's line in ``digest.json`` is made of, and all it is made of."""

    article: Article
    summary: tuple[str, ...]
    story: str
    topic: str
    duplicate_of: str | None


def line_of(article: Article, digest: Digest) -> ArticleLine:
    """What the digest holds for an article's line."""
    story = digest.story_of[article.id]
    return ArticleLine(
        article,
        digest.summaries.get(article.id, ()),
        story,
        digest.topic_of[story],
        digest.duplicate_of.get(article.id),
    )


def article_key(article: Article, article_hash: str, digest: Digest) -> str:
    """Everything an article's line holds, in short: the article's article hash (a hash of its fields and summary,
    see ``files.summarized``), its page, and every other field of its ``ArticleLine``. Joined, not
    hashed again: short enough as it is."""
    line = line_of(article, digest)
    rest = (getattr(line, name) for name in _LINE_REST)
    return "\0".join((article_hash, article.slug, *(value or "" for value in rest)))


_LINE_REST = tuple(field.name for field in fields(ArticleLine) if field.name not in ("article", "summary"))


def story_hash(story: Story, summary: str | None = None) -> str:
    """A hash of a story record: of its own fields, and of its summary and facts by ``summary_hash`` (given
    when known: they are most of a story's repr, and a rebuild hashed them for every story, 2,600 at 10,000
    articles, to find the few that changed)."""
    own = repr(_STORY_OWN(story))
    summary = summary if summary is not None else summary_hash(story.summary, story.facts)
    return hashlib.sha256(f"{summary}\0{own}".encode("utf-8", "surrogatepass")).hexdigest()


def summary_hash(summary: tuple[StorySentence, ...], facts: tuple[Fact, ...]) -> str:
    """A hash of a story's summary and facts, for ``story_hash``."""
    return hashlib.sha256(repr((summary, facts)).encode("utf-8", "surrogatepass")).hexdigest()


_STORY_OWN = attrgetter(*(field.name for field in fields(Story) if field.name not in ("summary", "facts")))


def record_hash(value: object) -> str:
    """A hash of a record by its repr: slower than pickling, but equal for equal records however they were
    made (say, from the cache)."""
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def record_lines(document: dict[str, Any]) -> bytes:
    """UTF-8 JSON with each top-level value, or each record of a top-level list, on a line of its own.

    Readable, and a rebuild's diff shows one line per changed record; each line is encoded by the json
    module's C encoder, which pretty-printing would bypass for a pure-Python one many times slower. Lines
    are joined as bytes: a record given as bytes is one encoded already (JSON has no bytes), as most are, and
    the whole need not be encoded again.
    """
    encode = _encoder().encode
    # Every piece goes into one list joined once: joining each list apart first would hold the largest
    # (the articles', most of the file) twice more at the build's memory peak.
    pieces = [b"{\n"]
    last = len(document) - 1
    for number, (key, value) in enumerate(document.items()):
        comma = b"," if number < last else b""
        if isinstance(value, list) and value:
            pieces.append(b" " + _utf8(encode(key)) + b": [\n")
            for position, item in enumerate(value):
                pieces.append(b"  " if position == 0 else b",\n  ")
                pieces.append(_encoded(item, encode))
            pieces.append(b"\n ]" + comma + b"\n")
        else:
            pieces.append(b" " + _utf8(encode(key)) + b": " + _utf8(encode(value)) + comma + b"\n")
    pieces.append(b"}\n")
    return b"".join(pieces)


@functools.cache
def _encoder() -> json.JSONEncoder:
    return json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _encoded(item: object, encode: Callable[[object], str]) -> bytes:
    return item if isinstance(item, bytes) else _utf8(encode(item))


def _story(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "title": story.title,
        "date": story.date,
        "updated": story.updated,
        "articles": list(story.articles),
        "duplicates": list(story.duplicates),
        "summary": [{"text": x.text, "article": x.article, "sources": x.sources} for x in story.summary],
        "facts": [{"kind": f.kind, "text": f.text, "sources": f.sources} for f in story.facts],
        "topic": story.topic,
        "page": paths.story_page(story.id),
    }


def _article(line: ArticleLine) -> dict[str, Any]:
    article = line.article
    return {
        "id": article.id,
        "source": article.source,
        "format": article.format,
        "title": article.title,
        "title_from": article.title_from,
        "date": article.date,
        "date_from": article.date_from,
        "published": article.published,
        "author": article.author,
        "author_from": article.author_from,
        "publisher": article.publisher,
        "publisher_from": article.publisher_from,
        "url": article.url,
        "url_from": article.url_from,
        "tags": list(article.tags),
        "words": article.words,
        "summary": list(line.summary),
        "story": line.story,
        "topic": line.topic,
        "duplicate_of": line.duplicate_of,
        "removed": list(article.removed),
        "content_hash": article.content_hash,
        "page": paths.article_page(article.slug),
    }
