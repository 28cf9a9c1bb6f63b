"""Where each page lives in the site, relative to its root; shared by render and export."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def article_page(slug: str) -> str:
    """Page of one article."""
    return f"articles/{slug}.html"


def story_page(story_id: str) -> str:
    """Page of one story."""
    return f"stories/{story_id}.html"


def topic_page(topic_id: str) -> str:
    """Page of one topic."""
    return f"topics/{topic_id}.html"


def day_page(date: str) -> str:
    """Page of one day."""
    return f"days/{date}.html"


def original_copy(source: str) -> str:
    """Where the copy of a source file is published, for articles without a URL."""
    path = source.split("#", 1)[0]
    parts = [_UNSAFE.sub("_", part).strip("._") or "_" for part in path.split("/") if part]
    return "originals/" + "/".join(parts)


def relative_root(page: str) -> str:
    """The prefix that leads from ``page`` back to the site root ('' or '../', ...)."""
    return "../" * page.count("/")
