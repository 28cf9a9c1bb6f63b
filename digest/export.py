"""The machine-readable digest: ``digest.json``, version 1."""

from __future__ import annotations

import json
from typing import Any

from digest import paths
from digest.models import Article, Digest

VERSION = 1


def export(digest: Digest) -> bytes:
    """Serialize the digest as stable UTF-8 JSON, one record a line."""
    document = {
        "version": VERSION,
        "title": digest.title,
        "articles": [_article(a, digest) for a in sorted(digest.articles, key=lambda a: (a.source, a.id))],
        "stories": [
            {
                "id": s.id,
                "title": s.title,
                "date": s.date,
                "updated": s.updated,
                "articles": list(s.articles),
                "duplicates": list(s.duplicates),
                "summary": [{"text": x.text, "article": x.article, "sources": x.sources} for x in s.summary],
                "facts": [{"kind": f.kind, "text": f.text, "sources": f.sources} for f in s.facts],
                "topic": s.topic,
                "page": paths.story_page(s.id),
            }
            for s in digest.stories
        ],
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
    return record_lines(document).encode("utf-8")


def record_lines(document: dict[str, Any]) -> str:
    """JSON with each top-level value, or each record of a top-level list, on a line of its own.

    Readable, and a rebuild's diff shows one line per changed record; each line is encoded by the json
    module's C encoder, which pretty-printing would bypass for a pure-Python one many times slower.
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    lines = ["{"]
    last = len(document) - 1
    for number, (key, value) in enumerate(document.items()):
        comma = "," if number < last else ""
        if isinstance(value, list) and value:
            lines.append(f" {encode(key)}: [")
            lines.extend(f"  {encode(item)}," for item in value[:-1])
            lines.append(f"  {encode(value[-1])}")
            lines.append(f" ]{comma}")
        else:
            lines.append(f" {encode(key)}: {encode(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _article(article: Article, digest: Digest) -> dict[str, Any]:
    story = digest.story_of[article.id]
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
        "words": article.words,
        "summary": list(digest.summaries.get(article.id, ())),
        "story": story,
        "topic": digest.topic_of[story],
        "duplicate_of": digest.duplicate_of.get(article.id),
        "removed": list(article.removed),
        "page": paths.article_page(article.slug),
    }
