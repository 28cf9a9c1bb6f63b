"""Article page names that never change: unique, and kept from the last site for renamed files.

An article asks for a page name (``Article.slug``): its front matter ``slug``, a feed entry's link, else its
file's name; never its headline, which a correction changes. The last site's ``digest.json`` keeps what is
left: an article keeps the page the last site gave it, and a file renamed (or moved) is found by its text
and keeps its page too. The last site, not the cache, is what remembers: a build without the
cache into the same output makes the same pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from digest.models import Article, with_slug

EXPLICIT = "front-matter"  # an article naming its own page gets that name, whatever it had before


class Before(NamedTuple):
    """What one article was in the last site: its page name and content hash ('' when not known)."""

    slug: str
    content_hash: str


@dataclass(frozen=True)
class Previous:
    """The last site's articles, by id."""

    articles: Mapping[str, Before] = field(default_factory=dict)


def previous_site(digest_json: Path) -> Previous:
    """The articles of the last site's ``digest.json``; none when there is none or it cannot be read."""
    try:
        data = digest_json.read_bytes()
    except OSError:
        return Previous()
    return Previous(dict(before for line in data.split(b"\n") if (before := _before(line)) is not None))


def _before(line: bytes) -> tuple[str, Before] | None:
    """An article's line of ``digest.json`` as (id, Before); None for any other line.

    Read from the line as ``export`` writes it (a record a line, id first, content hash and page last),
    not parsed: parsing the whole file took a fifth of a second at 10,000 articles, every rebuild.
    """
    head = _HEAD.match(line)
    at = line.rfind(b'"page": "articles/') if head else -1
    page = _PAGE.match(line, at) if at >= 0 else None
    if head is None or page is None:
        return None
    known = _HASH.match(line, at - _HASH_BYTES)
    return head[1].decode(), Before(page[1].decode(), known[1].decode() if known else "")


_HEAD = re.compile(rb' *\{"id": "([0-9a-f]{12})", "source": ')
_PAGE = re.compile(rb'"page": "articles/([a-z0-9][a-z0-9-]{0,199})\.html"\},?\r?$')
# A site built before digest.json held content hashes keeps its pages; only renames go unrecognised.
_HASH = re.compile(rb'"content_hash": "([0-9a-f]{40})", ')
_HASH_BYTES = len(b'"content_hash": "", ') + 40


def assign_pages(articles: Iterable[Article], previous: Previous | None = None) -> tuple[Article, ...]:
    """Every article with a unique page name, in id order; the same articles and last site give the same
    names in whatever order they come.

    Names asked for in front matter are given first, then the pages articles keep from the last site, then
    the rest; clashing names get a suffix from the article id (``_free_slug``).
    """
    ordered = sorted(articles, key=lambda a: a.id)
    taken: set[str] = set()
    pages = _unique([a for a in ordered if a.slug_from == EXPLICIT], taken)
    for article_id, slug in _kept(ordered, previous or Previous()).items():
        if article_id not in pages and slug not in taken:
            pages[article_id] = slug
            taken.add(slug)
    pages.update(_unique([a for a in ordered if a.id not in pages], taken))
    return tuple(with_slug(a, pages[a.id]) if pages[a.id] != a.slug else a for a in ordered)


def _kept(ordered: list[Article], previous: Previous) -> dict[str, str]:
    """The page each article keeps from the last site: its own, or, new under its id, that of an article
    gone from the sources with the same text (a renamed file)."""
    kept = {a.id: before.slug for a in ordered if (before := previous.articles.get(a.id)) is not None}
    present = {a.id for a in ordered}
    gone: dict[str, list[str]] = {}
    for article_id, before in sorted(previous.articles.items(), key=lambda item: item[1].slug):
        if article_id not in present and before.content_hash:
            gone.setdefault(before.content_hash, []).append(before.slug)
    for article in ordered:
        new = article.id not in kept and article.slug_from != EXPLICIT  # a name asked for needs no page
        if new and (pages := gone.get(article.content_hash)):
            kept[article.id] = pages.pop(0)
    return kept


def _unique(articles: list[Article], taken: set[str]) -> dict[str, str]:
    """Page names for ``articles`` (in id order), none in ``taken``, which they are added to.

    A name only one of them asks for, and not taken, is theirs; clashing ones all get a suffix, so which
    gets the plain name never depends on which came first.
    """
    counts: dict[str, int] = {}
    for article in articles:
        counts[article.slug] = counts.get(article.slug, 0) + 1
    # Unclashed names are reserved first: a suffixed one must not take the page of a name like 'x-1a2b3c'.
    pages = {a.id: a.slug for a in articles if counts[a.slug] == 1 and a.slug not in taken}
    taken.update(pages.values())
    for article in articles:
        if article.id not in pages:
            pages[article.id] = slug = _free_slug(article, taken)
            taken.add(slug)
    return pages


def _free_slug(article: Article, taken: set[str]) -> str:
    """The first untaken of slug-<6 id digits>, slug-<id>, slug-<id>-2, ..."""
    for candidate in (f"{article.slug}-{article.id[:6]}", f"{article.slug}-{article.id}"):
        if candidate not in taken:
            return candidate
    number = 2
    while f"{article.slug}-{article.id}-{number}" in taken:
        number += 1
    return f"{article.slug}-{article.id}-{number}"
