"""Atomic write of the whole site: the new site is made beside the output, then swapped in whole.

The new site starts as the current one in hard links, so what a build neither writes nor removes costs it
nothing; with a spare (``Staging(spare=True)``) that copy is the site the last swap took out, kept beside
the output and brought up to date by the few files the last build changed, not linked again file by file.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import json
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.errors import BuildError

_RENAME_EXCHANGE = 2
_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_SPARE_SITE = "site"  # the spare site's folder, in the spare's
_LEDGER = "ledger.json"  # what the spare is (``Ledger``), beside it

Job = Callable[[], object]
Defer = Callable[[Job], object]


@dataclass(frozen=True)
class Ledger:
    """What a spare site is: the site swapped out, against the one swapped in for it (the output)."""

    output: tuple[int, ...]  # the output folder's ``_identity``: the site this spare pairs with
    files: frozenset[str]  # every file of the output's site
    changed: frozenset[str]  # files the two do not share: written or removed by the build that swapped


def write_site(files: Mapping[str, bytes], output: Path) -> int:
    """Write every file into a temporary folder beside ``output``, then swap it in; never half-written.

    Returns how many files were written (new or changed); see ``Staging``.
    """
    with Staging(output) as staging:
        for relative in sorted(files):
            staging.put(relative, files[relative])
        staging.commit()
    return staging.written


class Staging:
    """A new site beside ``output``, made from the current one and swapped in whole by ``commit``.

    It starts as the current site's files, hard-linked: a file ``put`` with the bytes it has stays as it
    is (its mtime too), one ``keep`` names stays without being read, and what was neither is removed at
    ``commit``. Leaving the ``with`` block without committing (an error, a signal) removes the new site
    and leaves the current one.

    ``spare``: the site ``commit`` swaps out is kept beside the output, as the next build's start (see the
    module's docstring); with no current site, one is made of the new site's links after the swap.
    """

    def __init__(self, output: Path, *, spare: bool = False) -> None:
        self.output = output.absolute()
        self.spare = spare
        # Named per build, not per process: a long-running one may still be removing its last old site.
        self.staging = self.output.parent / f".{self.output.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        self.files = 0  # files of the new site, once committed
        self.written = 0  # files written, not left as the current site had them
        self._previous: set[str] = set()  # the current site's files, which the new one holds until commit
        self._present: set[str] = set()  # files put or kept
        self._changed: set[str] = set()  # files written or removed
        self._folders: set[str] = set()  # folders made or found in the new site, relative
        self._discarded: list[Path] = []  # a spare not to be trusted, to remove
        self._committed = False

    def __enter__(self) -> Staging:
        parent = self.output.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(f"{parent}: cannot create output folder ({exc.strerror})") from exc
        clear_leftovers(self.output)
        current = self.output if self.output.is_dir() else None
        try:
            # A signal must not land between making the folder (or taking the spare) and owning it.
            with _signals_held():
                if not (current is not None and self.spare and self._adopt()):
                    if self.spare:
                        self._discard(_spare_of(self.output))
                    self.staging.mkdir()
                    if current is not None:
                        self._previous = _linked_tree(str(current), str(self.staging))
        except OSError as exc:
            raise BuildError(f"{self.staging}: cannot write ({exc.strerror})") from exc
        except BaseException:  # a signal held above, delivered as the folder exists: __exit__ will not run
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if not self._committed:  # a spare moved aside is left to the next build (``clear_leftovers``)
            shutil.rmtree(self.staging, ignore_errors=True)

    def put(self, relative: str, data: bytes) -> None:
        """Add one file (a path relative to the site, '/' separators) to the new site."""
        _check_relative(relative)
        target = os.path.join(self.staging, relative)
        try:
            if relative not in self._previous or not _holds(target, data):
                self._clear_way(relative, target)
                # A new file, never the current one written over: the current site's file is the same one.
                with open(target, "xb") as file:
                    file.write(data)
                self._changed.add(relative)
                self.written += 1
        except OSError as exc:
            raise BuildError(f"{exc.filename or self.staging}: cannot write ({exc.strerror})") from exc
        self._present.add(relative)

    def keep(self, relatives: Iterable[str]) -> None:
        """Keep these files of the current site in the new one as they are, without reading them."""
        kept = set(relatives)
        for relative in kept - self._previous:  # not in the copy (gone from it since): from the output
            _check_relative(relative)
            target = os.path.join(self.staging, relative)
            try:
                self._clear_way(relative, target)
                os.link(os.path.join(self.output, relative), target)
            except OSError as exc:
                raise BuildError(
                    f"{relative}: changed in the output folder during the build; build again"
                ) from exc
            self._changed.add(relative)
        self._present |= kept

    def commit(self, *, defer: Defer | None = None) -> None:
        """Remove what was neither put nor kept, then swap the new site in for the current one, atomically.

        ``defer``: how the work left after the swap runs (removing a site, linking the spare of a first
        one), when not here and now: ``in_thread``, or a job that outlives the build; if cut short, the next
        build clears what is left.
        """
        gone = {relative for relative in self._previous - self._present if _plain(relative)}
        for relative in gone:
            with contextlib.suppress(OSError):  # not there, or a folder now: a file was put in its way
                os.unlink(os.path.join(self.staging, relative))
        self._prune(gone)
        self._changed |= gone
        self.files = len(self._present)
        with _signals_held():
            old = _swap(self.staging, self.output)
            self._committed = True
        run = defer or _now
        if old is not None and self.spare:
            with _signals_held():
                _keep_spare(old, self.output, self._present, self._changed)
        elif old is not None:
            run(functools.partial(remove_now, old))
        elif self.spare:
            run(functools.partial(_make_spare, self.output, frozenset(self._present)))
        for folder in self._discarded:
            run(functools.partial(remove_now, folder))

    def _adopt(self) -> bool:
        """Take the spare as the new site's start, brought up to date with the output; False when there is
        none to trust (one that is there is removed later)."""
        spare = _spare_of(self.output)
        ledger = _read_ledger(spare / _LEDGER)
        if ledger is None or ledger.output != _identity(self.output) or not (spare / _SPARE_SITE).is_dir():
            self._discard(spare)
            return False
        # From here the spare is this build's: cut short, it is a temporary folder the next build clears.
        os.unlink(spare / _LEDGER)
        os.rename(spare / _SPARE_SITE, self.staging)
        with contextlib.suppress(OSError):
            os.rmdir(spare)
        self._previous = set(ledger.files)
        gone = ledger.changed - ledger.files
        for relative in sorted(gone):
            with contextlib.suppress(OSError):  # not there, or a folder now
                os.unlink(os.path.join(self.staging, relative))
        self._prune(gone)
        for relative in sorted(ledger.changed & ledger.files):
            target = os.path.join(self.staging, relative)
            try:
                self._clear_way(relative, target)
                os.link(os.path.join(self.output, relative), target)
            except OSError:  # gone from the output since: the new site holds no such file
                self._previous.discard(relative)
        return True

    def _discard(self, spare: Path) -> None:
        """Move an untrusted spare, if any, out of the way, to remove."""
        if not os.path.lexists(spare):
            return
        old = spare.parent / f".{self.output.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(spare, old)
        self._discarded.append(old)

    def _prune(self, removed: Iterable[str]) -> None:
        """Remove the folders that removing these files left empty."""
        tried: set[str] = set()
        for relative in removed:
            folder = relative.rpartition("/")[0]
            while folder and folder not in tried:
                tried.add(folder)
                try:
                    os.rmdir(os.path.join(self.staging, folder))
                except OSError:  # not empty, or not there
                    break
                self._folders.discard(folder)
                folder = folder.rpartition("/")[0]

    def _clear_way(self, relative: str, target: str) -> None:
        """Make the folders ``relative`` is in, and remove what is at ``target`` (a file, or a folder)."""
        folder, _, _ = relative.rpartition("/")
        if folder and folder not in self._folders:
            parts = folder.split("/")
            for depth in range(1, len(parts) + 1):
                path = os.path.join(self.staging, *parts[:depth])
                if not os.path.isdir(path) or os.path.islink(path):
                    _clear(path)
                    os.mkdir(path)
            self._folders.add(folder)
        _clear(target)


_PART = 1 << 16


def _holds(path: str, data: bytes) -> bool:
    """Whether ``path`` is a regular file of exactly ``data``."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
            return False
        with open(path, "rb") as file:  # part by part: digest.json is tens of megabytes
            view = memoryview(data)
            return all(file.read(_PART) == view[at : at + _PART] for at in range(0, len(data), _PART))
    except OSError:
        return False


def _linked_tree(source: str, target: str) -> set[str]:
    """Hard-link the regular files under ``source`` into ``target`` (an empty folder), making its folders;
    the files linked, relative ('/' separators). Linking stops at the first failure (a file system without
    hard links): what was not linked is written or linked as it is put."""
    files: set[str] = set()
    with contextlib.suppress(OSError):
        _link_tree(source, target, "", files)
    return files


def _link_tree(source: str, target: str, prefix: str, files: set[str]) -> None:
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                os.mkdir(os.path.join(target, entry.name))
                _link_tree(entry.path, os.path.join(target, entry.name), f"{prefix}{entry.name}/", files)
            elif entry.is_file(follow_symlinks=False):
                os.link(entry.path, os.path.join(target, entry.name))
                files.add(prefix + entry.name)


def _clear(path: str) -> None:
    """Remove a file or folder tree in the way of what the new site needs there, if any."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _spare_of(output: Path) -> Path:
    return output.parent / f".{output.name}.spare"


def _identity(output: Path) -> tuple[int, ...]:
    """The output folder's device, inode and ctime: another folder put in its place, or a file added to or
    removed from its top by hand since, changes them."""
    info = os.stat(output)
    return info.st_dev, info.st_ino, info.st_ctime_ns


def _read_ledger(path: Path) -> Ledger | None:
    """The ledger at ``path``; None when absent or not one."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        output, files, changed = value["output"], value["files"], value["changed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(isinstance(item, int) for item in output) or not all(isinstance(item, str) for item in files):
        return None
    # A ledger made by hand must not reach outside the site: what it says changed is linked or removed
    # here, and what is gone of its files is checked as it is removed.
    if not all(isinstance(item, str) and _plain(item) for item in changed):
        return None
    return Ledger(tuple(output), frozenset(files), frozenset(changed))


def _write_ledger(spare: Path, output: Path, files: Collection[str], changed: Collection[str]) -> None:
    """Write the ledger of the spare site in ``spare``: what makes it the site at ``output`` again."""
    value = {"output": list(_identity(output)), "files": sorted(files), "changed": sorted(changed)}
    temporary = spare / f"{_LEDGER}.tmp"
    temporary.write_text(json.dumps(value), encoding="utf-8")
    os.replace(temporary, spare / _LEDGER)


def _keep_spare(old: Path, output: Path, files: Collection[str], changed: Collection[str]) -> None:
    """Keep the site swapped out as the spare, with what the output's differs in."""
    spare = _spare_of(output)
    spare.mkdir()
    os.rename(old, spare / _SPARE_SITE)
    _write_ledger(spare, output, files, changed)


def _make_spare(output: Path, files: Collection[str]) -> None:
    """Make a spare of the site at ``output`` in hard links: a first site has none swapped out."""
    spare = _spare_of(output)
    try:
        spare.mkdir()
        (spare / _SPARE_SITE).mkdir()
        linked = _linked_tree(str(output), str(spare / _SPARE_SITE))
        if linked != set(files):
            raise OSError("not every file could be linked")
        _write_ledger(spare, output, files, ())
    except OSError:
        remove_now(spare)


def _now(job: Job) -> object:
    return job()


def remove_now(folder: Path) -> None:
    """Remove a folder tree, as far as it can be."""
    shutil.rmtree(folder, ignore_errors=True)


def in_thread(job: Job) -> None:
    """Run ``job`` in a thread, for a long-running process that goes on meanwhile (``digest serve``)."""
    threading.Thread(target=job, daemon=True).start()


def clear_leftovers(output: Path) -> None:
    """Remove temporary folders an interrupted earlier build left beside the output."""
    name = glob.escape(output.name)  # an output named 'site[1]' must not match other folders
    for kind in ("tmp", "old"):
        for leftover in output.parent.glob(f".{name}.{kind}-*"):
            shutil.rmtree(leftover, ignore_errors=True)


def safe_path(root: Path, relative: str) -> Path:
    """The file ``relative`` under ``root``; raise BuildError if it would land anywhere else."""
    _check_relative(relative)
    return root.joinpath(*relative.split("/"))


def _plain(relative: str) -> bool:
    """Whether ``relative`` names a file strictly inside the folder it is relative to."""
    parts = relative.split("/")
    return not any(part in ("", ".", "..") or "\\" in part or "\0" in part for part in parts)


def _check_relative(relative: str) -> None:
    """Raise BuildError unless ``relative`` names a file strictly inside the folder it is relative to."""
    if not _plain(relative):
        raise BuildError(f"refusing to write {relative!r}: not a plain path inside the output folder")


def _swap(staging: Path, output: Path) -> Path | None:
    """Put ``staging`` in the place of ``output``; return where the previous site now is, to remove."""
    if not output.exists():
        os.rename(staging, output)
        return None
    if not output.is_dir():
        raise BuildError(f"{output}: exists and is not a folder; remove it or choose another output")
    if _exchange(staging, output):
        return staging  # staging now holds the previous site
    old = output.parent / f".{output.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(output, old)
    os.rename(staging, output)
    return old


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Defer Ctrl-C and SIGTERM until the swap is done: its renames must not be cut in half."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread runs signal handlers, and only it may change them
        return
    pending: list[int] = []

    def defer(signum: int, frame: object) -> None:
        pending.append(signum)

    previous = {signum: signal.signal(signum, defer) for signum in _HELD}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        if pending:
            signal.raise_signal(pending[0])  # delivered now to the handler it was meant for


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    libc = ctypes.CDLL(None, use_errno=True)  # the running process's symbols include libc's
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)
