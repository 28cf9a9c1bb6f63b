"""Feeds: Atom values and JSON Feed 1.1.

Every date here comes from the articles, never from the clock: an entry's time is its newest article's
timestamp (or date, at midnight UTC); stories without any date stay out of the feeds.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from digest.models import Story

FEED_ENTRIES = 50
EPOCH = "1970-01-01T00:00:00Z"  # Atom requires <updated>; a feed with no dated story says "unknown"
JSON_FEED = "https://jsonfeed.org/version/1.1"


@functools.lru_cache(maxsize=1 << 17)  # pages and feeds ask for the same articles' dates many times
def timestamp(value: str) -> str:
    """An article's date or timestamp as RFC 3339; a time without a zone is taken as UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = dt.datetime.fromisoformat(value[:10])
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    text = parsed.isoformat()
    return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text


def latest(values: Iterable[str | None]) -> str | None:
    """The newest of some dates and timestamps, as RFC 3339; None when there is none."""
    stamps = [timestamp(v) for v in values if v]
    return max(stamps, key=_instant) if stamps else None


def earliest(values: Iterable[str | None]) -> str | None:
    """The oldest of some dates and timestamps, as RFC 3339; None when there is none."""
    stamps = [timestamp(v) for v in values if v]
    return min(stamps, key=_instant) if stamps else None


def feed_stories(stories: Iterable[Story], updated: Callable[[Story], str | None]) -> tuple[Story, ...]:
    """The newest dated stories, newest first, at most FEED_ENTRIES."""
    dated = [(stamp, s) for s in stories if (stamp := updated(s)) is not None]
    dated.sort(key=lambda pair: _instant(pair[0]), reverse=True)  # stable: ties keep the digest's order
    return tuple(story for _, story in dated[:FEED_ENTRIES])


def json_feed(
    *,
    title: str,
    home: str | None,
    feed_url: str | None,
    items: Sequence[dict[str, Any]],
) -> bytes:
    """A JSON Feed 1.1 document; ``home`` and ``feed_url`` only when the site has an absolute address."""
    document: dict[str, Any] = {"version": JSON_FEED, "title": title, "language": "en"}
    if home:
        document["home_page_url"] = home
    if feed_url:
        document["feed_url"] = feed_url
    document["items"] = list(items)
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


@functools.lru_cache(maxsize=1 << 17)
def _instant(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


__all__ = [
    "EPOCH",
    "FEED_ENTRIES",
    "JSON_FEED",
    "earliest",
    "feed_stories",
    "json_feed",
    "latest",
    "timestamp",
]
