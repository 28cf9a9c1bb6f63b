"""Reading one source file into normalized articles and the problems found."""

from __future__ import annotations

import os
from dataclasses import dataclass

from digest.errors import SourceError
from digest.models import Article, Issue
from digest.read.discovery import Source
from digest.read.normalize import normalize
from digest.read.readers import reader_for
from digest.read.readers.files import read_file


@dataclass(frozen=True)
class Read:
    """What one file holds: its articles, normalized, and its problems."""

    articles: tuple[Article, ...]
    issues: tuple[Issue, ...]


def read_source(source: Source, max_bytes: int) -> Read:
    """Read one file into articles; a file or an entry that cannot be read becomes an issue."""
    try:
        raws = reader_for(os.path.splitext(source.path)[1])(
            read_file(source.path, source.name, max_bytes), source.name
        )  # type: ignore[misc]
    except SourceError as error:
        return Read((), (Issue(error.source, error.reason),))
    articles: list[Article] = []
    issues: list[Issue] = []
    for raw in raws:
        issues.extend(Issue(raw.source, warning) for warning in raw.warnings)
        try:
            articles.append(normalize(raw))
        except SourceError as error:
            issues.append(Issue(error.source, error.reason))
    return Read(tuple(articles), tuple(issues))
