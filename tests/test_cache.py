"""The cache's remembered values read ahead in a thread: the same values, the same checks, and never a fork
while the thread holds a connection."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from digest import cache as cache_module
from digest.cache import FILE_NAME, Cache


def remembered(folder: Path) -> None:
    writer = Cache(folder, "key")
    writer.remember("site", {"site": {"pages": ["index.html"], "count": 3}})
    writer.remember("story", {"abc": ("a summary",)})
    writer.close()


def test_a_prefetched_kind_is_recalled_as_it_was_remembered(tmp_path: Path) -> None:
    remembered(tmp_path)
    cache = Cache(tmp_path, "key")
    cache.prefetch("site")
    cache.prefetch("nothing")
    assert cache.recall("site", ["site"]) == {"site": {"pages": ["index.html"], "count": 3}}
    assert cache.recall("nothing", ["x"]) == {}
    assert cache.recall("story", ["abc"]) == {"abc": ("a summary",)}  # not prefetched: read as before
    cache.close()


def test_a_prefetched_entry_that_this_user_did_not_write_is_ignored(tmp_path: Path) -> None:
    remembered(tmp_path)
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db, db:
        (sealed,) = db.execute("SELECT value FROM memo WHERE kind = 'site'").fetchone()
        forged = bytes(32) + sealed[32:]  # the same pickle, another key's seal
        db.execute("UPDATE memo SET value = ? WHERE kind = 'site'", (forged,))
    cache = Cache(tmp_path, "key")
    cache.prefetch("site")
    assert cache.recall("site", ["site"]) == {}
    cache.close()


def test_a_fork_waits_for_a_prefetch_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked child copies the parent's memory, SQLite's state included: a thread mid-read must end first."""
    remembered(tmp_path)
    ended = threading.Event()
    run = cache_module._Fetch.run

    def slow(self: cache_module._Fetch) -> None:
        time.sleep(0.3)
        run(self)
        ended.set()

    monkeypatch.setattr(cache_module._Fetch, "run", slow)
    cache = Cache(tmp_path, "key")
    cache.prefetch("site")
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    assert ended.is_set()  # set before the fork returned
    os.waitpid(pid, 0)
    assert cache.recall("site", ["site"]) == {"site": {"pages": ["index.html"], "count": 3}}
    cache.close()
