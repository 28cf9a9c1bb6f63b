"""The incremental cache: an SQLite file of what each source file produced, keyed by its size and mtime,
and of the whole-corpus work (deduplication, grouping, story summaries) keyed by a hash of its inputs.

Entries are valid only for the code and settings that made them: the key of the whole cache is a hash of
the package's source and of the settings that shape per-file results, so upgrading digest or changing
those settings empties it. A damaged cache is deleted and rebuilt, never trusted. Entries are pickled,
so each carries an HMAC under a secret kept in the user's own cache folder: a cache file planted in a
project (say, committed to a repository) is never unpickled, only ignored.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import pickle
import secrets
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import IO, NamedTuple

import digest
from digest.config import Config
from digest.errors import BuildError
from digest.render.theme import template_dirs

FILE_NAME = "cache.sqlite"
_SCHEMA = 5
# One entry per kind, not per value: one unpickling instead of one per article's line of digest.json, and
# writing it all again costs a build nothing once that is done after it.
_MEMO_QUERY = "SELECT rowid FROM memo WHERE kind = ? AND key = ''"
# Every file's result, also kept in a few large entries: a rebuild reads and checks those, not a row per
# file. A file's result is taken from them only where the files table holds
# the same stamp for the file: the table is what is true, the entries a copy made to be read at once.
_HEADS = "heads"
_HEADS_CHUNK = (
    2_000  # files per entry: pickling one entry of a whole large archive would add to a build's peak
)
_ROWS_AT_ONCE = 500  # keys asked for in one query (``recall_rows``): SQLite bounds a statement's parameters


class Stamp(NamedTuple):
    """What identifies one version of a source file without reading it."""

    # A named tuple, not a dataclass: a rebuild unpickles one for every source file and every page of the
    # last build, and a tuple comes out of pickle several times faster.

    size: int
    mtime_ns: int


def stamp(path: str | Path) -> Stamp:
    """The file's size and mtime, or an impossible stamp when it cannot be stat'ed (it never matches)."""
    try:
        status = os.stat(path)
    except OSError:
        return Stamp(-1, -1)
    return Stamp(status.st_size, status.st_mtime_ns)


def theme_stamps(config: Config) -> list[tuple[str, Stamp]]:
    """Every file of the template folders with its stamp, in a stable order: what a theme change changes."""
    return [
        (path.as_posix(), stamp(path))
        for folder in template_dirs(config)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]


@cache
def code_version() -> str:
    """A hash of digest's own source code and theme: any change to either invalidates cached results."""
    package = Path(digest.__file__).parent
    digest_ = hashlib.sha256(f"schema {_SCHEMA}".encode())
    for path in sorted(package.rglob("*.py")):
        digest_.update(path.relative_to(package).as_posix().encode())
        digest_.update(path.read_bytes())
    return digest_.hexdigest()[:20]


class Parts:
    """The parts of a file's result the cache keeps apart, each read from it when first asked for (``get``).

    Most of what the cache holds (articles' text, their dedupe and grouping features) is read by a rebuild
    for a few files of thousands.
    """

    def __init__(self, load: Callable[[int], object]) -> None:
        self._load = load
        self._values: dict[int, object] = {}

    @classmethod
    def of(cls, values: Sequence[object]) -> Parts:
        """Parts already at hand."""
        return cls(values.__getitem__)

    def get(self, number: int) -> object:
        """Part ``number``, read and unpickled the first time."""
        if number not in self._values:
            self._values[number] = self._load(number)
        return self._values[number]

    def given(self, number: int, value: object) -> None:
        """Part ``number`` as read already (``Cache.read_parts``), unless it was read before."""
        self._values.setdefault(number, value)


class Resident:
    """The cache's entries as the last build in this process left them, kept in memory between builds by a
    long-running process (``digest serve``): a rebuild then unpickles nothing it already had, and writes
    the file in the background, after the build is done."""

    def __init__(self) -> None:
        self.key = ""  # the cache key (code and settings) the entries belong to
        self.files: dict[str, tuple[Stamp, object, Parts]] = {}
        self.memo: dict[str, dict[str, object]] = {}
        self.writing: threading.Thread | None = None  # the last build's writes to the file, if still going

    def settle(self) -> None:
        """Wait until the last build's writes to the cache file are done."""
        if self.writing is not None:
            self.writing.join()
            self.writing = None

    def reset(self, key: str) -> None:
        """Forget everything unless it was made under ``key``."""
        if key != self.key:
            self.key, self.files, self.memo = key, {}, {}


class Cache:
    """Per-file results and small named values, in one SQLite file; a no-op when disabled.

    With a ``Resident``, entries are also kept in memory for the next build in the same process; the
    SQLite file is still written, so a later ``digest build`` finds them too.
    """

    def __init__(
        self, folder: Path | None, key: str, resident: Resident | None = None, *, deferred: bool = False
    ) -> None:
        self.key = key
        self.db: sqlite3.Connection | None = None
        self.path = folder / FILE_NAME if folder is not None else None
        self._spool = folder  # where a large entry passes through a file on its way in or out
        self.resident = resident
        # With a resident cache, writes wait for close, which hands them to a thread; ``deferred``, the
        # writes of whole-corpus work wait for ``handoff`` (per-file results are written as they come: held
        # until the end, a large build's would double its peak memory; named values are small).
        self.deferred = deferred
        self._writes: list[Callable[[sqlite3.Connection], object]] = []
        # Every file's stamp and result the files table holds, as far as this build knows (None: unknown;
        # a result None: not read), and whether the copy of it (``_HEADS``) is of the table as it is.
        self._heads: dict[str, tuple[tuple[int, int], object]] | None = None
        self._heads_current = False
        self._stored = 0  # files whose result this build stored
        self._parts: dict[str, tuple[Stamp, Parts]] = {}  # of the files whose cached result ``files`` gave
        if resident is not None:
            if key != resident.key:
                resident.settle()  # the file is about to be emptied for the new key: no writer may be left
            resident.reset(key)
        if folder is not None:
            self.db = _open(folder / FILE_NAME, key)

    @classmethod
    def reader(cls, folder: Path | None, key: str) -> Cache:
        """The cache file opened read-only, without waiting for a writer; empty when absent, damaged or made
        under another key (it is left as it is)."""
        reader = cls(None, key)
        path = folder / FILE_NAME if folder is not None else None
        if path is None or not path.is_file():
            return reader
        try:
            db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
        except sqlite3.Error:
            return reader
        if row is not None and row[0] == key:
            reader.db = db
        else:
            db.close()
        return reader

    def close(self) -> None:
        """Commit and close; with a resident cache, the writes go on in the background (``settle``), after
        the last build's: this build never waited for them, since what it reads the resident entries hold."""
        if self.db is None:
            return
        db, writes, self.db = self.db, self._writes, None
        if self.resident is None or not writes:
            _commit(db, writes)
            return
        after = self.resident.writing
        self.resident.writing = threading.Thread(
            target=_commit, args=(db, writes, after), name="digest-cache"
        )
        self.resident.writing.start()

    def handoff(self) -> Callable[[], None] | None:
        """Commit and close, but for the writes ``deferred`` until now: those come back as a job that writes
        them through a connection of its own (another process may run it), or None when there are none."""
        if self.db is None:
            return None
        db, writes, self.db = self.db, self._writes, None
        _commit(db, [])
        if not writes or self.path is None:
            return None
        path, key = self.path, self.key
        return lambda: _commit(_open(path, key), writes)

    def _write(self, write: Callable[[sqlite3.Connection], object], *, now: bool = False) -> None:
        """Run ``write`` on the file: later when resident, or when deferred unless ``now``."""
        if self.db is None:
            return
        if self.resident is not None or (self.deferred and not now):
            self._writes.append(write)
        else:
            write(self.db)

    def files(self, stamps: Mapping[str, Stamp]) -> dict[str, tuple[object, Parts]]:
        """The cached result of every file whose stamp is unchanged, with its parts kept apart (not yet read)."""
        if self.resident is not None and self.resident.files:
            held = self.resident.files
            return {
                name: held[name][1:]
                for name, mark in stamps.items()
                if name in held and held[name][0] == mark
            }
        if self.db is None or self.path is None or not stamps:
            return {}
        self._heads = self._table_heads(stamps)
        found: dict[str, tuple[object, Parts]] = {}
        for name, (mark, value) in self._heads.items():
            stamp = stamps.get(name)
            if stamp is not None and stamp == mark and value is not None:
                parts = Parts(functools.partial(_stored_part, self.path, name, stamp))
                found[name] = (value, parts)
                self._parts[name] = (stamp, parts)
                if self.resident is not None:
                    self.resident.files[name] = (stamp, value, parts)
        return found

    def read_parts(self, number: int) -> None:
        """Read part ``number`` of every file ``files`` gave, in one pass over the table: a rebuild that needs
        it of all of them (grouping again) would otherwise look up each file's on its own."""
        if self.path is None or not self._parts:
            return
        try:
            rows = _reading(self.path).execute(
                "SELECT parts.name, files.size, files.mtime, parts.value FROM parts "
                "JOIN files ON files.name = parts.name WHERE parts.number = ?",
                (number,),
            )
            try:
                for name, size, mtime, sealed in rows:
                    known = self._parts.get(name)
                    if known is not None and known[0] == Stamp(size, mtime):
                        value = _unsealed(sealed)
                        if value is not None:  # else it is read, and found wanting, when asked for
                            known[1].given(number, value)
            finally:
                rows.close()  # an unfinished statement would hold a read transaction open
        except sqlite3.Error as exc:
            raise BuildError(f"{self.path}: cannot read the cache ({exc})") from exc

    def _table_heads(self, stamps: Mapping[str, Stamp]) -> dict[str, tuple[tuple[int, int], object]]:
        """Each file the files table holds, with its stamp there and its result: from the copy (``_HEADS``)
        where that has the same stamp, else from the table where the file still has it, else None."""
        assert self.db is not None, "called with the file open"
        copy: dict[str, tuple[tuple[int, int], object]] = {}
        for (blob,) in self.db.execute("SELECT value FROM memo WHERE kind = ?", (_HEADS,)):
            chunk = _unsealed(blob)
            if isinstance(chunk, dict):
                copy.update(chunk)
        if not copy:
            heads = {}
            for name, size, mtime, blob in self.db.execute("SELECT name, size, mtime, result FROM files"):
                mark = (size, mtime)
                heads[name] = (mark, _unsealed(blob) if stamps.get(name) == mark else None)
            return heads
        heads, missing = {}, []
        for name, size, mtime in self.db.execute("SELECT name, size, mtime FROM files"):
            mark = (size, mtime)
            entry = copy.get(name)
            if entry is not None and entry[0] == mark:
                heads[name] = entry
            else:
                heads[name] = (mark, None)
                if stamps.get(name) == mark:
                    missing.append(name)
        for name in missing:
            blob = self.db.execute("SELECT result FROM files WHERE name = ?", (name,)).fetchone()
            heads[name] = (heads[name][0], _unsealed(blob[0]) if blob is not None else None)
        self._heads_current = not missing and len(heads) == len(copy)
        return heads

    def store(self, results: Iterable[tuple[str, Stamp, object, Sequence[object]]]) -> None:
        """Remember each file's result, and the parts of it kept apart (none None), under its stamp."""
        results = list(results)
        if not results:
            return
        if self.resident is not None:
            self.resident.files.update(
                (name, (mark, result, Parts.of(parts))) for name, mark, result, parts in results
            )
        if self._heads is not None:
            self._heads.update(
                (name, ((mark.size, mark.mtime_ns), result)) for name, mark, result, _ in results
            )
        self._heads_current = False
        self._stored += len(results)

        def write(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT OR REPLACE INTO files (name, size, mtime, result) VALUES (?, ?, ?, ?)",
                ((name, s.size, s.mtime_ns, _pickled(result)) for name, s, result, _ in results),
            )
            db.executemany(
                "INSERT OR REPLACE INTO parts (name, number, value) VALUES (?, ?, ?)",
                (
                    (name, number, _pickled(part))
                    for name, _, _, parts in results
                    for number, part in enumerate(parts)
                ),
            )

        self._write(write, now=True)

    def forget_except(self, names: Iterable[str]) -> None:
        """Drop entries of files that are gone; then keep a copy of every file's result, in a few entries
        (``files``)."""
        keep = set(names)
        if self.resident is not None:
            for name in [name for name in self.resident.files if name not in keep]:
                del self.resident.files[name]
        heads = self._heads
        if heads is None:  # what the table holds is not known here: it is looked up as it is written
            self._write(
                lambda db: _forget([n for (n,) in db.execute("SELECT name FROM files") if n not in keep], db),
                now=True,
            )
            return
        gone = [name for name in heads if name not in keep]
        if gone:
            for name in gone:
                del heads[name]
            self._heads_current = False
            self._write(functools.partial(_forget, gone), now=True)
        if self._heads_current:
            return
        # A build that read most files writes the copy now, before its memory peaks, and lets it go: on a
        # large archive the process finishing a build's writes is at its peak already. A rebuild leaves it to
        # that process, having read few files and holding far less.
        fresh = self._stored * 2 > len(heads)
        self._write(functools.partial(_keep_heads, heads), now=fresh)
        if fresh:
            self._heads = None

    def recall(self, kind: str, keys: Iterable[str]) -> dict[str, object]:
        """Remembered values of one kind of work (say, story summaries) by the hash of their inputs."""
        if self.resident is not None and kind in self.resident.memo:
            held = self.resident.memo[kind]
            return {key: held[key] for key in keys if key in held}
        if self.db is None:
            return {}
        try:
            with tempfile.TemporaryFile(dir=self._spool) as spool:
                stored = _loaded(spool) if _spooled_memo(self.db, kind, spool) else None
        except OSError:  # no room to pass it through: worked out again, as when the cache cannot be written
            stored = None
        remembered = stored if isinstance(stored, dict) else {}
        if self.resident is not None:
            # Held from now on: a resident miss is computed again, never looked for in the file.
            self.resident.memo[kind] = remembered
        return {key: remembered[key] for key in keys if key in remembered}

    def remember(self, kind: str, values: Mapping[str, object], *, now: bool = False) -> None:
        """Keep exactly ``values`` for ``kind``: what this build did not use is dropped. ``now``: written at
        once even when writes are deferred, so that a large value is not held to the end of the build."""
        values = dict(values)
        if self.resident is not None:
            self.resident.memo[kind] = values

        self._write(functools.partial(_insert_memo, kind, "", values, spool=self._spool), now=now)

    def recall_rows(self, kind: str, keys: Iterable[str]) -> dict[str, object]:
        """Values of one kind of work kept a row each (``remember_rows``), by key: only the rows asked for
        are read."""
        wanted = list(dict.fromkeys(keys))
        if self.resident is not None:
            held = self._resident_rows(kind)
            return {key: held[key] for key in wanted if key in held}
        found: dict[str, object] = {}
        if self.db is None:
            return found
        for start in range(0, len(wanted), _ROWS_AT_ONCE):
            chunk = wanted[start : start + _ROWS_AT_ONCE]
            query = f"SELECT key, value FROM memo WHERE kind = ? AND key IN ({','.join('?' * len(chunk))})"
            for key, sealed in self.db.execute(query, (kind, *chunk)):
                value = _unsealed(sealed)
                if value is not None:
                    found[key] = value
        return found

    def row_keys(self, kind: str) -> set[str]:
        """The keys of the rows kept for ``kind`` (``remember_rows``), none of them read."""
        if self.resident is not None:
            return set(self._resident_rows(kind))
        if self.db is None:
            return set()
        return {
            key for (key,) in self.db.execute("SELECT key FROM memo WHERE kind = ? AND key != ''", (kind,))
        }

    def remember_rows(
        self, kind: str, values: Mapping[str, object], keep: Iterable[str], *, now: bool = False
    ) -> None:
        """Keep ``values`` for ``kind`` a row each, beside the rows kept before whose keys are in ``keep``;
        drop the others. Rows kept are not written again: a build writes what it made, not all it used."""
        values, keep = dict(values), set(keep) | set(values)
        if self.resident is not None:
            held = self._resident_rows(kind)
            self.resident.memo[kind] = {
                key: values[key] if key in values else held[key]
                for key in keep
                if key in values or key in held
            }

        def write(db: sqlite3.Connection) -> None:
            stored = [key for (key,) in db.execute("SELECT key FROM memo WHERE kind = ?", (kind,))]
            db.executemany(
                "DELETE FROM memo WHERE kind = ? AND key = ?",
                ((kind, key) for key in stored if key not in keep or key in values),
            )
            db.executemany(
                "INSERT INTO memo (kind, key, value) VALUES (?, ?, ?)",
                ((kind, key, _pickled(value)) for key, value in values.items()),
            )

        self._write(write, now=now)

    def _resident_rows(self, kind: str) -> dict[str, object]:
        """Every row of ``kind``, held by the resident cache from the first time it is asked for."""
        assert self.resident is not None, "called for a resident cache"
        held = self.resident.memo.get(kind)
        if held is None:
            held = self.resident.memo[kind] = {}
            if self.db is not None:
                for key, sealed in self.db.execute("SELECT key, value FROM memo WHERE kind = ?", (kind,)):
                    value = _unsealed(sealed)
                    if key and value is not None:
                        held[key] = value
        return held

    def get(self, name: str) -> str | None:
        """A named value."""
        if self.db is None:
            return None
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def put(self, name: str, value: str) -> None:
        """Set a named value."""
        self._write(
            lambda db: db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value)),
            now=True,  # deferred, the build's fingerprint is there once it returns: an unchanged build reads it
        )


def _forget(names: Sequence[str], db: sqlite3.Connection) -> None:
    """Delete the entries of these files."""
    db.executemany("DELETE FROM files WHERE name = ?", ((name,) for name in names))
    db.executemany("DELETE FROM parts WHERE name = ?", ((name,) for name in names))


def _keep_heads(heads: Mapping[str, tuple[tuple[int, int], object]], db: sqlite3.Connection) -> None:
    """Write the copy of the files table (``_HEADS``): each file's stamp and result."""
    names = [name for name, (_, value) in heads.items() if value is not None]
    db.execute("DELETE FROM memo WHERE kind = ?", (_HEADS,))
    for number, start in enumerate(range(0, len(names), _HEADS_CHUNK)):
        seen: dict[str, str] = {}
        chunk = {
            name: (heads[name][0], _shared(heads[name][1], seen))
            for name in names[start : start + _HEADS_CHUNK]
        }
        _insert_memo(_HEADS, str(number), chunk, db)


def _shared(value: object, seen: dict[str, str]) -> object:
    """``value`` with each short string the first equal one in ``seen``, nested tuples included: pickled once
    each, the many equal ones (how each field was found, formats, outlets, authors) come out as one (loaded
    20% faster). Not ``sys.intern``: at 100,000 files its table grows by hundreds of MB, for good."""
    if isinstance(value, str):
        return seen.setdefault(value, value) if len(value) <= _SHARED else value
    if type(value) is tuple:
        return tuple(_shared(item, seen) for item in value)
    return value


_SHARED = 40  # longer strings are seldom equal: titles, sentences, hashes


def _commit(
    db: sqlite3.Connection,
    writes: Iterable[Callable[[sqlite3.Connection], object]],
    after: threading.Thread | None = None,
) -> None:
    """Run the writes in one transaction and close; if one fails, the file stays as the last build left it.

    ``after``: the thread writing the last build's entries, which must land first.
    """
    if after is not None:
        after.join()
    try:
        for write in writes:
            write(db)
        db.commit()
    except (sqlite3.Error, OSError):
        db.rollback()  # a cache that cannot be written only makes the next build slower
    finally:
        db.close()


def _stored_part(path: Path, name: str, mark: Stamp, number: int) -> object:
    """Part ``number`` of a file's result (``Parts``), read through a connection of this thread's own."""
    try:
        # Every row fetched: a statement left unfinished would hold a read transaction open, and with it the
        # write-ahead log, which the build's own commit would then copy into the file instead of a child.
        rows = _reading(path).execute(
            "SELECT parts.value FROM parts JOIN files ON files.name = parts.name "
            "WHERE parts.name = ? AND parts.number = ? AND files.size = ? AND files.mtime = ?",
            (name, number, mark.size, mark.mtime_ns),
        )
        row = next(iter(rows.fetchall()), None)
    except sqlite3.Error as exc:
        raise BuildError(f"{path}: cannot read the cache ({exc})") from exc
    value = _unsealed(row[0]) if row is not None else None
    if value is None:
        raise BuildError(f"{path}: the entry of {name} changed during the build; build again")
    return value


_READING: dict[tuple[int, Path], tuple[tuple[int, int], sqlite3.Connection]] = {}


def _reading(path: Path) -> sqlite3.Connection:
    """A read-only connection to the cache file for this thread: to the file now at ``path``, not to one a
    long-running process opened before the cache was deleted and made again (it would read stale rows)."""
    try:
        found = os.stat(path)
    except OSError as exc:
        raise sqlite3.OperationalError(exc.strerror or "cannot open the cache") from exc
    key, identity = (threading.get_ident(), path), (found.st_dev, found.st_ino)
    known = _READING.get(key)
    if known is not None and known[0] == identity:
        return known[1]
    if known is not None:
        known[1].close()
    db = _read_only(path)
    _READING[key] = (identity, db)
    return db


def _read_only(path: Path) -> sqlite3.Connection:
    """A new read-only connection to the cache file."""
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)


def _close_reading() -> None:
    """Close the read-only connections: a forked child must not inherit an open SQLite connection (SQLite's
    record of which locks the process holds would be wrong in the child, and a checkpoint there cannot
    finish); each process opens its own when it needs one."""
    for _, db in _READING.values():
        db.close()
    _READING.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_close_reading)


def _insert_memo(
    kind: str, key: str, value: object, db: sqlite3.Connection, *, spool: Path | None = None
) -> None:
    """Write one remembered value, sealed, into the memo table, by way of a file in ``spool``.

    The largest (what the last site's pages were made from) is written by the process finishing a build, at
    its memory peak: pickled into a file, then sealed and copied into a blob of its size part by part, it is
    never held whole in memory.
    """
    with tempfile.TemporaryFile(dir=spool) as pickled:
        pickle.dump(value, pickled, pickle.HIGHEST_PROTOCOL)
        size = pickled.tell()
        cursor = db.execute(
            "INSERT OR REPLACE INTO memo (kind, key, value) VALUES (?, ?, zeroblob(?))",
            (kind, key, _MAC_BYTES + size),
        )
        assert cursor.lastrowid is not None, "an insert into a table with rowids"
        with db.blobopen("memo", "value", cursor.lastrowid) as blob:
            blob.seek(_MAC_BYTES)
            pickled.seek(0)
            tag = _copied(pickled, blob)
            blob.seek(0)
            blob.write(tag)


def _spooled_memo(db: sqlite3.Connection, kind: str, spool: IO[bytes]) -> bool:
    """Whether a pickle is remembered for ``kind`` that this user's digest wrote (its HMAC proves it): it is
    copied part by part into ``spool`` (a large one is never held whole in memory), to be read from there
    once checked, a copy no other process can change meanwhile."""
    row = db.execute(_MEMO_QUERY, (kind,)).fetchone()
    if row is None:
        return False
    with db.blobopen("memo", "value", row[0], readonly=True) as blob:
        tag = blob.read(_MAC_BYTES)
        copied = _copied(blob, spool)
    spool.seek(0)
    return hmac.compare_digest(tag, copied)


def _copied(source: IO[bytes] | sqlite3.Blob, target: IO[bytes] | sqlite3.Blob) -> bytes:
    """Copy what is left of ``source`` to ``target`` a part at a time; the HMAC of what was copied."""
    mac = _keyed().copy()
    while part := source.read(_BLOB_PART):
        mac.update(part)
        target.write(part)
    return mac.digest()


_MAC_BYTES = 32
_BLOB_PART = 1 << 16  # small: large parts copied by a thread (serve's writes) would stay in its own heap


def _pickled(value: object) -> bytes:
    return _sealed(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def _sealed(blob: bytes) -> bytes:
    return _mac(blob) + blob


def _unsealed(sealed: bytes) -> object | None:
    """The pickled value, only when its HMAC proves this user's digest wrote it."""
    return _loaded(_checked(sealed))


def _checked(sealed: bytes) -> memoryview | None:
    """The pickle in ``sealed``, only when its HMAC proves this user's digest wrote it."""
    tag, blob = sealed[:32], memoryview(sealed)[32:]  # a view: slicing would copy every entry once more
    return blob if hmac.compare_digest(tag, _mac(blob)) else None


def _mac(blob: bytes | memoryview) -> bytes:
    """HMAC-SHA256 of ``blob`` under this user's key: a copy of one keyed HMAC, not keyed again for each of
    the tens of thousands of entries a build reads (half the time at 10,000 files)."""
    mac = _keyed().copy()
    mac.update(blob)
    return mac.digest()


@cache
def _keyed() -> hmac.HMAC:
    return hmac.new(_secret(), digestmod="sha256")


def _loaded(blob: memoryview | IO[bytes] | None) -> object | None:
    """The value ``blob`` (or the file) pickles, or None when there is none or it no longer unpickles."""
    if blob is None:
        return None
    try:
        value: object = pickle.loads(blob) if isinstance(blob, memoryview) else pickle.load(blob)
    except Exception:  # a stale class layout: recompute rather than fail
        return None
    return value


SECRET_BYTES = 32


@cache
def _secret() -> bytes:
    """This user's random key: kept in their cache folder only where nobody else could have written it."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdigest"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return secrets.token_bytes(SECRET_BYTES)  # no writable home: a key for this process alone
    if not _private(folder, directory=True):
        return secrets.token_bytes(SECRET_BYTES)  # a folder others can write: never trust a key from it
    path = folder / "cache-secret"
    return _read_secret(path) or _new_secret(path)


def _read_secret(path: Path) -> bytes | None:
    """The key in ``path`` when it is a file of exactly the key's length that only this user can write."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not _private(Path(path), handle=handle.fileno()):
            return None
        value = handle.read(SECRET_BYTES + 1)
    return value if len(value) == SECRET_BYTES else None


def _private(path: Path, *, directory: bool = False, handle: int | None = None) -> bool:
    """Whether ``path`` is this user's own file (or folder) that no one else may write."""
    import stat

    try:
        status = os.fstat(handle) if handle is not None else os.lstat(path)
    except OSError:
        return False
    kind = stat.S_ISDIR if directory else stat.S_ISREG
    return kind(status.st_mode) and status.st_uid == os.geteuid() and not status.st_mode & 0o022


def _new_secret(path: Path) -> bytes:
    """A new key, written whole to a private temporary file and renamed into place."""
    value = secrets.token_bytes(SECRET_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return value  # not kept: this process's key still protects its entries, just without reuse
    # Another build may have renamed its own key into place at the same moment: use whichever won.
    return _read_secret(path) or value


def _open(path: Path, key: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path, key)
    except (sqlite3.DatabaseError, pickle.UnpicklingError):
        path.unlink(missing_ok=True)  # damaged: start again rather than trust it
        return _connect(path, key)


def _connect(path: Path, key: str) -> sqlite3.Connection:
    # One thread at a time: the build's, then (resident) the one finishing its writes.
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
    row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
    if row is None or row[0] != key:
        # Dropped, not emptied: another version of digest may have laid the tables out otherwise.
        db.execute("DROP TABLE IF EXISTS files")
        db.execute("DROP TABLE IF EXISTS parts")
        db.execute("DROP TABLE IF EXISTS memo")
        db.execute("DELETE FROM meta")
        db.execute("INSERT INTO meta (name, value) VALUES ('key', ?)", (key,))
    db.execute(
        "CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, result BLOB)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS parts (name TEXT, number INTEGER, value BLOB, PRIMARY KEY (name, number))"
    )
    db.execute("CREATE TABLE IF NOT EXISTS memo (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key))")
    db.commit()
    return db
