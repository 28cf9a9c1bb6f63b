"""Readers, one module per format; each turns one file into raw article records.

Contract: ``read(data: bytes, source: str) -> list[RawArticle]``. ``source`` is the file's path
relative to the source folder with '/' separators. A file that cannot be read at all raises
``SourceError(source, reason)``; a file that can be partly read returns records whose
``warnings`` say what was degraded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from digest.models import RawArticle

Reader = Callable[[bytes, str], list[RawArticle]]

# Suffix -> module under digest.read.readers; imported only when a file of that kind is met.
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}


def reader_for(suffix: str) -> Reader | None:
    """The reader for a file suffix, or None when the suffix is not an article format."""
    module = SUFFIXES.get(suffix.lower())
    if module is None:
        return None
    read: Reader = importlib.import_module(f"digest.read.readers.{module}").read
    return read
