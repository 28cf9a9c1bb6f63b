"""The cache's remembered values: the same values back, whatever their size, and only those this user's
digest wrote."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.incremental import cache as cache_module
from digest.incremental.cache import FILE_NAME, Cache, Stamp


def remembered(folder: Path) -> None:
    writer = Cache(folder, "key")
    writer.remember("site", {"site": {"pages": ["index.html"], "count": 3}})
    writer.remember("story", {"abc": ("a summary",)})
    writer.close()


def test_a_kind_is_recalled_as_it_was_remembered(tmp_path: Path) -> None:
    remembered(tmp_path)
    cache = Cache(tmp_path, "key")
    assert cache.recall("site", ["site"]) == {"site": {"pages": ["index.html"], "count": 3}}
    assert cache.recall("nothing", ["x"]) == {}
    assert cache.recall("story", ["abc", "def"]) == {"abc": ("a summary",)}
    cache.close()


def test_an_entry_larger_than_the_parts_it_is_copied_in_comes_back_whole(tmp_path: Path) -> None:
    """The site's entry is tens of megabytes, written and read a part at a time."""
    pages = {f"stories/{n}.html": os.urandom(64).hex() for n in range(20_000)}
    writer = Cache(tmp_path, "key")
    writer.remember("site", {"site": pages})
    writer.close()
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db:
        (size,) = db.execute("SELECT length(value) FROM memo WHERE kind = 'site'").fetchone()
    assert size > 10 * cache_module._BLOB_PART
    cache = Cache(tmp_path, "key")
    assert cache.recall("site", ["site"]) == {"site": pages}
    cache.close()
    left = [name for name in os.listdir(tmp_path) if not name.startswith(FILE_NAME)]
    assert left == []  # no file it passed through


def test_an_entry_that_this_user_did_not_write_is_ignored(tmp_path: Path) -> None:
    remembered(tmp_path)
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db, db:
        (sealed,) = db.execute("SELECT value FROM memo WHERE kind = 'site'").fetchone()
        forged = bytes(32) + sealed[32:]  # the same pickle, another key's seal
        db.execute("UPDATE memo SET value = ? WHERE kind = 'site'", (forged,))
    cache = Cache(tmp_path, "key")
    assert cache.recall("site", ["site"]) == {}
    assert cache.recall("story", ["abc"]) == {"abc": ("a summary",)}
    cache.close()


def stored(folder: Path, results: dict[str, tuple[Stamp, object]]) -> None:
    """A build's per-file results written as ``ingest`` writes them: looked up, stored, the rest forgotten."""
    writer = Cache(folder, "key")
    stamps = {name: mark for name, (mark, _) in results.items()}
    found = writer.files(stamps)
    writer.store((name, mark, head, ()) for name, (mark, head) in results.items() if name not in found)
    writer.forget_except(stamps)
    writer.close()


def unsealing(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every entry the cache unseals from now on."""
    seen: list[object] = []
    unsealed = cache_module._unsealed

    def counted(sealed: bytes) -> object:
        seen.append(value := unsealed(sealed))
        return value

    monkeypatch.setattr(cache_module, "_unsealed", counted)
    return seen


A, B, C = Stamp(10, 1), Stamp(20, 2), Stamp(30, 3)


def test_every_files_result_is_read_from_one_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored(tmp_path, {"a.md": (A, "head a"), "b.md": (B, "head b"), "c.md": (C, "head c")})
    seen = unsealing(monkeypatch)
    cache = Cache(tmp_path, "key")
    found = cache.files({"a.md": A, "b.md": Stamp(21, 2), "c.md": C})
    assert {name: value for name, (value, _) in found.items()} == {"a.md": "head a", "c.md": "head c"}
    assert len(seen) == 1  # the one entry, not a row per file
    cache.close()


def test_where_the_files_table_and_its_copy_differ_the_table_is_what_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy is written after the table (a build cut short between them leaves it behind): a file whose
    row holds another stamp than the copy is read from its row, and a row gone is gone."""
    stored(tmp_path, {"a.md": (A, "head a"), "b.md": (B, "head b"), "c.md": (C, "head c")})
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db:
        (copy,) = db.execute("SELECT value FROM memo WHERE kind = 'heads'").fetchone()
    changed = Stamp(21, 2)
    stored(tmp_path, {"a.md": (A, "head a"), "b.md": (changed, "head b, changed"), "c.md": (C, "head c")})
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db, db:
        db.execute("UPDATE memo SET value = ? WHERE kind = 'heads'", (copy,))  # the copy before the change
        db.execute("DELETE FROM files WHERE name = 'c.md'")  # as another build would, its copy not yet made
    seen = unsealing(monkeypatch)
    cache = Cache(tmp_path, "key")
    found = cache.files({"a.md": A, "b.md": changed, "c.md": C})
    assert {name: value for name, (value, _) in found.items()} == {
        "a.md": "head a",
        "b.md": "head b, changed",
    }
    assert len(seen) == 2  # the copy, and b's row
    cache.close()


def test_the_copy_is_kept_in_entries_of_a_few_files_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One entry per so many files, so that writing the copy never holds all of it pickled at once; an
    entry that does not check out costs its files a row each, not the copy."""
    monkeypatch.setattr(cache_module, "_HEADS_CHUNK", 2)
    files = {f"{n}.md": (Stamp(n, n), f"head {n}") for n in range(5)}
    stored(tmp_path, files)
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db, db:
        assert db.execute("SELECT count(*) FROM memo WHERE kind = 'heads'").fetchone() == (3,)
        db.execute("UPDATE memo SET value = ? WHERE kind = 'heads' AND key = '1'", (bytes(40),))
    seen = unsealing(monkeypatch)
    cache = Cache(tmp_path, "key")
    found = cache.files({name: mark for name, (mark, _) in files.items()})
    assert {name: value for name, (value, _) in found.items()} == {
        name: head for name, (_, head) in files.items()
    }
    assert len(seen) == 3 + 2  # three entries, and the rows of the two files of the one forged
    cache.close()


def test_a_remembered_value_written_part_by_part_is_recalled_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large entries go into their row in parts (never a second copy in memory): the parts make the whole."""
    monkeypatch.setattr(cache_module, "_BLOB_PART", 1000)
    value = {"site": [f"page {n}.html" for n in range(2000)]}
    writer = Cache(tmp_path, "key")
    writer.remember("site", value)
    writer.close()
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db:
        (size,) = db.execute("SELECT length(value) FROM memo WHERE kind = 'site'").fetchone()
    assert size > 10 * 1000  # written in more than ten parts
    reader = Cache(tmp_path, "key")
    assert reader.recall("site", ["site"]) == value
    reader.close()


# ---------------------------------------------------------------------------------------------------
# The per-user key that seals cache entries fails closed: a key anyone else could have set is made anew.


@pytest.fixture
def key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache home for this test's key; the key is read again from it."""
    home = tmp_path / "home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    for cached in (cache_module._secret, cache_module._keyed):
        cached.cache_clear()
    yield home / "newsdigest" / "cache-secret"
    for cached in (cache_module._secret, cache_module._keyed):
        cached.cache_clear()


def test_the_key_is_made_once_private_and_kept(key_home: Path) -> None:
    first = cache_module._secret()
    cache_module._secret.cache_clear()
    assert cache_module._secret() == first and len(first) == 32
    assert key_home.read_bytes() == first and key_home.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in key_home.parent.iterdir()] == ["cache-secret"]  # no temporary left


@pytest.mark.parametrize("planted", [b"", b"short", b"x" * 31, b"y" * 33])
def test_a_key_of_the_wrong_length_is_replaced(key_home: Path, planted: bytes) -> None:
    key_home.parent.mkdir(parents=True)
    key_home.write_bytes(planted)
    key_home.chmod(0o600)
    key = cache_module._secret()
    assert len(key) == 32 and key != planted[:32]
    assert key_home.read_bytes() == key


def test_a_key_others_could_write_is_replaced(key_home: Path) -> None:
    key_home.parent.mkdir(parents=True)
    key_home.write_bytes(b"k" * 32)
    key_home.chmod(0o666)
    assert cache_module._secret() != b"k" * 32
    assert key_home.stat().st_mode & 0o777 == 0o600


def test_a_key_that_is_a_link_is_not_followed(key_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "known-key"
    elsewhere.write_bytes(b"k" * 32)
    elsewhere.chmod(0o600)
    key_home.parent.mkdir(parents=True)
    key_home.symlink_to(elsewhere)
    assert cache_module._secret() != b"k" * 32
    assert not key_home.is_symlink() and elsewhere.read_bytes() == b"k" * 32


class _Planted:
    """What an attacker pickles: unpickling it creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_an_entry_sealed_under_an_empty_key_is_never_unpickled(key_home: Path, tmp_path: Path) -> None:
    import hashlib
    import hmac
    import pickle

    key_home.parent.mkdir(parents=True)
    key_home.write_bytes(b"")  # a key file whose writing was cut short
    key_home.chmod(0o600)
    remembered(tmp_path)
    marker = tmp_path / "code-ran"
    blob = pickle.dumps(_Planted(marker))
    forged = hmac.new(b"", blob, hashlib.sha256).digest() + blob
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db, db:
        db.execute("UPDATE memo SET value = ? WHERE kind = 'site'", (forged,))
    cache = Cache(tmp_path, "key")
    assert cache.recall("site", ["site"]) == {}
    cache.close()
    assert not marker.exists()


def test_a_cache_deleted_and_made_again_is_read_afresh(tmp_path: Path) -> None:
    """A long-running process (``digest serve``) reads the cache file now at the path, not the one it read
    before the cache folder was deleted and built again: that one's rows are gone."""
    from digest.commands.build import build
    from digest.config import Config

    source = tmp_path / "src"
    source.mkdir()
    for number in range(3):
        (source / f"n{number}.md").write_text(
            f"---\ntitle: Harbour report {number}\ndate: 2024-04-0{number + 1}\n---\n\nThe harbour "
            f"reopened after repairs number {number} on the quay, the port authority said on Monday.\n",
            encoding="utf-8",
        )
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={})
    cache_module._reading(tmp_path / "cache" / FILE_NAME)  # a connection to this file, kept
    (source / "n0.md").write_text((source / "n0.md").read_text(encoding="utf-8") + "\nMore followed.\n")
    for path in (tmp_path / "cache").iterdir():
        path.unlink()
    build(config, environ={})  # a new cache file at the same path
    (source / "n1.md").write_text((source / "n1.md").read_text(encoding="utf-8") + "\nAnd more.\n")
    build(config, environ={})  # reads the others' parts from the new file
    cold = Config(source=source, output=tmp_path / "cold", cache=tmp_path / "cold-cache")
    build(cold, environ={})
    assert (tmp_path / "site" / "digest.json").read_bytes() == (
        tmp_path / "cold" / "digest.json"
    ).read_bytes()


def test_rows_come_back_by_key_and_only_those_kept_stay(tmp_path: Path) -> None:
    """A kind kept a row each (a story's measures, a checkpoint of the story stream): a build reads the rows it
    asks for, and keeps those it names; the rest are dropped."""
    writer = Cache(tmp_path, "key")
    writer.remember_rows("measures", {"a": (1, "one"), "b": (2, "two"), "c": (3, "three")}, ["a", "b", "c"])
    writer.close()
    rebuild = Cache(tmp_path, "key")
    assert rebuild.row_keys("measures") == {"a", "b", "c"}
    assert rebuild.recall_rows("measures", ["a", "c", "z"]) == {"a": (1, "one"), "c": (3, "three")}
    rebuild.remember_rows("measures", {"d": (4, "four")}, ["a", "d"])
    rebuild.close()
    again = Cache(tmp_path, "key")
    assert again.recall_rows("measures", ["a", "b", "c", "d"]) == {"a": (1, "one"), "d": (4, "four")}
    assert again.recall("measures", ["a"]) == {}  # rows are not a kind's single entry
    again.close()


def test_a_row_kept_is_not_written_again(tmp_path: Path) -> None:
    """What a build did not make it does not write: a stream's checkpoints are megabytes each."""
    writer = Cache(tmp_path, "key")
    writer.remember_rows("stories-state", {"old": b"x" * 1000}, ["old"])
    writer.close()
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db:
        (before,) = db.execute("SELECT rowid FROM memo WHERE key = 'old'").fetchone()
    rebuild = Cache(tmp_path, "key")
    rebuild.remember_rows("stories-state", {"new": b"y"}, ["old", "new"])
    rebuild.close()
    with contextlib.closing(sqlite3.connect(tmp_path / FILE_NAME)) as db:
        assert db.execute("SELECT rowid FROM memo WHERE key = 'old'").fetchone() == (before,)
        assert db.execute("SELECT count(*) FROM memo WHERE kind = 'stories-state'").fetchone() == (2,)


def test_rows_held_by_a_resident_cache_are_those_in_the_file(tmp_path: Path) -> None:
    """``digest serve`` holds the rows between rebuilds, and writes them for a later ``digest build``."""
    writer = Cache(tmp_path, "key")
    writer.remember_rows("measures", {"a": 1, "b": 2}, ["a", "b"])
    writer.close()
    resident = cache_module.Resident()
    served = Cache(tmp_path, "key", resident)
    assert served.recall_rows("measures", ["a", "b"]) == {"a": 1, "b": 2}
    served.remember_rows("measures", {"c": 3}, ["b", "c"])
    served.close()
    resident.settle()
    assert Cache(tmp_path, "key", resident).recall_rows("measures", ["a", "b", "c"]) == {"b": 2, "c": 3}
    assert Cache(tmp_path, "key").recall_rows("measures", ["a", "b", "c"]) == {"b": 2, "c": 3}
