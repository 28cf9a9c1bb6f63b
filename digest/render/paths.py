"""Where each page lives in the site, relative to its root; shared by render and export."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Copies of formats a browser renders are published as text: a hostile saved page or feed would otherwise
# run its scripts from the digest's own origin, past the pages' Content-Security-Policy.
_RENDERED = (".html", ".htm", ".xhtml", ".xml", ".rss", ".atom", ".svg")
# Far below the 255 bytes a file name may have and the 4,096 of a path, with room for the output folder.
_MAX_PART = 100
_MAX_PATH = 200
# A feed entry's source is its file's path and '#<number>' (``readers.feed``); any other '#' is the file's.
_ENTRY = re.compile(r"(.+\.(?:xml|rss|atom))#\d+", re.IGNORECASE)


def source_file(source: str) -> str:
    """The path of the file an article or issue comes from: a feed entry's without its '#<number>'."""
    entry = _ENTRY.fullmatch(source)
    return entry[1] if entry else source


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
    path = source_file(source)
    parts = [_UNSAFE.sub("_", part).strip("._")[-_MAX_PART:] or "_" for part in path.split("/") if part]
    joined = "/".join(parts)
    if joined != path or len(joined) > _MAX_PATH or _looks_renamed(parts[-1]):
        # Two odd names ('a b.txt', 'a?b.txt') must not share one copy, nor 'report.html.txt' take the
        # copy of 'report.html' (published as 'report.html.txt'): such a name gets the path's hash.
        stem, dot, suffix = parts[-1].rpartition(".")
        tag = hashlib.sha1(path.encode("utf-8", "backslashreplace")).hexdigest()[:8]
        parts[-1] = f"{stem}-{tag}.{suffix}" if dot and stem else f"{parts[-1]}-{tag}"
        if len(joined) > _MAX_PATH:
            parts = parts[-1:]  # deep folders of long names could pass the system's path length limit
    if parts[-1].lower().endswith(_RENDERED):
        parts[-1] += ".txt"
    return "originals/" + "/".join(parts)


def _looks_renamed(name: str) -> bool:
    """Whether ``name`` is what the copy of a rendered format would be called ('report.html.txt')."""
    stem, dot, suffix = name.lower().rpartition(".")
    return bool(dot) and suffix == "txt" and stem.endswith(_RENDERED)


def relative_root(page: str) -> str:
    """The prefix that leads from ``page`` back to the site root ('' or '../', ...)."""
    return "../" * page.count("/")
