"""What each page tells search engines and link previews: description, OpenGraph, Twitter card, JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from digest.models import Article

DESCRIPTION_CHARS = 200
HEADLINE_CHARS = 110  # schema.org NewsArticle headlines longer than this are cut by search engines
_SCHEMA = "https://schema.org"


@dataclass(frozen=True)
class Meta:
    """A page's description of itself; ``structured`` is its JSON-LD, made only when base_url is set."""

    description: str = ""
    kind: str = "website"  # og:type: 'website' or 'article'
    published: str | None = None
    section: str | None = None
    structured: dict[str, Any] | None = field(default=None, hash=False, compare=False)


def describe(sentences: Iterable[str]) -> str:
    """A meta description: the first sentences, cut at a word near 200 characters."""
    text = " ".join(" ".join(s.split()) for s in sentences).strip()
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def social(meta: Meta, title: str, url: str, site_title: str) -> tuple[tuple[str, str, str], ...]:
    """OpenGraph and Twitter card tags as (attribute, key, content), for a page at the absolute ``url``."""
    tags = [
        ("property", "og:type", meta.kind),
        ("property", "og:title", title),
        ("property", "og:url", url),
        ("property", "og:site_name", site_title),
        ("property", "og:locale", "en"),
    ]
    if meta.description:
        tags.append(("property", "og:description", meta.description))
    if meta.kind == "article" and meta.published:
        tags.append(("property", "article:published_time", meta.published))
    if meta.kind == "article" and meta.section:
        tags.append(("property", "article:section", meta.section))
    tags += [("name", "twitter:card", "summary"), ("name", "twitter:title", title)]
    if meta.description:
        tags.append(("name", "twitter:description", meta.description))
    return tuple(tags)


def news_article(article: Article, url: str, description: str, section: str | None) -> dict[str, Any]:
    """schema.org NewsArticle for an article page at the absolute ``url``."""
    data: dict[str, Any] = {
        "@context": _SCHEMA,
        "@type": "NewsArticle",
        "headline": _cut(article.title, HEADLINE_CHARS),
        "url": url,
        "mainEntityOfPage": url,
        "wordCount": article.words,
    }
    if article.published or article.date:
        data["datePublished"] = article.published or article.date
    if article.author:
        data["author"] = [{"@type": "Person", "name": article.author}]
    if article.publisher:
        data["publisher"] = {"@type": "Organization", "name": article.publisher}
    if description:
        data["description"] = description
    if section:
        data["articleSection"] = section
    if article.url:
        data["isBasedOn"] = article.url
    return data


def item_list(name: str, items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """schema.org ItemList of (name, absolute url) in order."""
    return {
        "@context": _SCHEMA,
        "@type": "ItemList",
        "name": name,
        "numberOfItems": len(items),
        "itemListElement": [
            {"@type": "ListItem", "position": number, "url": url, "name": title}
            for number, (title, url) in enumerate(items, start=1)
        ],
    }


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> block; '<', '>' and '&' escaped so no text ends it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(char, escaped)
    return Markup(text)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


__all__ = ["Meta", "describe", "item_list", "json_ld", "news_article", "social"]
