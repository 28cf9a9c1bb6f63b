"""The machine-readable digest: ``digest.json``, version 1."""

from __future__ import annotations

import json
from typing import Any

from digest import paths
from digest.models import Article, Digest

VERSION = 1


def export(digest: Digest) -> bytes:
    """Serialize the digest as stable, pretty-printed UTF-8 JSON."""
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
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


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
