"""What ``digest fetch`` remembers between runs: validators per feed, and what it wrote per entry.

The state is one JSON file (by default ``.digest-cache/fetch.json`` beside digest.toml)::

    {"version": 1, "feeds": {FEED_URL: {"etag": ..., "last_modified": ...,
                                        "entries": {KEY: {"path": ..., "entry": ..., "written": ...}}}}}

``written`` is the SHA-256 of the bytes fetch last wrote to ``path``: a file whose content no longer
has that hash was edited by a person and is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from digest.errors import FetchError

VERSION = 1


@dataclass(frozen=True)
class Written:
    """One entry's file: where it is, what the entry looked like, and the hash of what was written."""

    path: str  # relative to the source folder, '/' separators
    entry: str  # fingerprint of the feed entry the file was made from
    written: str  # SHA-256 of the bytes fetch wrote


@dataclass(frozen=True)
class FeedState:
    """What is remembered about one feed URL."""

    etag: str | None = None
    last_modified: str | None = None
    entries: dict[str, Written] = field(default_factory=dict)  # entry key -> its file


def digest_of(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def load(path: Path) -> dict[str, FeedState]:
    """The state saved at ``path`` (empty when there is none); FetchError when it is unusable."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise FetchError(f"{path}: cannot read fetch state ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"{path}: fetch state is not valid JSON ({exc}); remove it to start afresh") from exc
    try:
        return _feeds(document)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise FetchError(
            f"{path}: fetch state is not in the expected form; remove it to start afresh"
        ) from exc


def save(path: Path, feeds: dict[str, FeedState]) -> None:
    """Write the state atomically: a temporary file beside it, then a rename."""
    document = {
        "version": VERSION,
        "feeds": {
            url: {
                "etag": state.etag,
                "last_modified": state.last_modified,
                "entries": {
                    key: {"path": w.path, "entry": w.entry, "written": w.written}
                    for key, w in sorted(state.entries.items())
                },
            }
            for url, state in sorted(feeds.items())
        },
    }
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise FetchError(f"{path}: cannot write fetch state ({exc.strerror})") from exc


def _feeds(document: Any) -> dict[str, FeedState]:
    if document.get("version") != VERSION:
        raise ValueError("unknown version")
    feeds: dict[str, FeedState] = {}
    for url, raw in document["feeds"].items():
        entries = {
            str(key): Written(str(item["path"]), str(item["entry"]), str(item["written"]))
            for key, item in raw.get("entries", {}).items()
        }
        feeds[str(url)] = FeedState(_text(raw.get("etag")), _text(raw.get("last_modified")), entries)
    return feeds


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
