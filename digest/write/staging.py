"""Atomic write of the whole site: build beside the output, then swap it in."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pickle
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.errors import BuildError
from digest.incremental.cache import Stamp

_RENAME_EXCHANGE = 2
_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class Kept:
    """A file the previous site holds with exactly the bytes this build would write."""

    stamp: Stamp
    # The new site's own link to the file, when that is where the stamp was found (``Staging.linked``): it
    # is not checked again.
    checked: str = ""


def write_site(files: Mapping[str, bytes | Kept], output: Path) -> int:
    """Write every file into a temporary folder beside ``output``, then swap it in; never half-written.

    Returns how many files were written (new or changed); see ``Staging``.
    """
    with Staging(output) as staging:
        for relative in sorted(files):
            staging.put(relative, files[relative])
        staging.commit()
    return staging.written


class Staging:
    """A new site written file by file beside ``output``, swapped in whole by ``commit``.

    Files the current output holds with the same bytes are hard-linked from it, so they keep their mtime; a
    ``Kept`` file is linked without comparing, and must still be as that build left it. Leaving the
    ``with`` block without committing (an error, a signal) removes the new site and leaves the old one.

    ``prelink``: a child process links every file of the current output into the new site as soon as the
    block starts, on another core while the caller works out what to put; a file put is then checked
    against its link, and what was linked but never put is removed before the swap.
    """

    def __init__(self, output: Path, *, prelink: bool = False) -> None:
        self.output = output.absolute()
        self.prelink = prelink
        # Named per build, not per process: a long-running one may still be removing its last old site.
        self.staging = self.output.parent / f".{self.output.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        self.previous: Path | None = None
        self.files = 0  # files put
        self.written = 0  # files put that were written, not linked from the current output
        self._folders: set[str] = set()
        self._committed = False
        self._linker: _Linker | None = None
        # Files the linker linked that have not been put (yet), with their stamps as it linked them.
        self._linked: dict[str, Stamp] = {}
        self._linked_folders: list[str] = []

    def __enter__(self) -> Staging:
        parent = self.output.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BuildError(f"{parent}: cannot create output folder ({exc.strerror})") from exc
        clear_leftovers(self.output)
        self.previous = self.output if self.output.is_dir() else None
        try:
            # A signal must not land between making the folder (or the linker) and owning it.
            with _signals_held():
                self.staging.mkdir()
                if self.prelink and self.previous is not None:
                    self._linker = _Linker.start(str(self.previous), str(self.staging))
        except OSError as exc:
            raise BuildError(f"{self.staging}: cannot write ({exc.strerror})") from exc
        except BaseException:  # a signal held above, delivered as the folder exists: __exit__ will not run
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if self._linker is not None:
            self._linker.stop()
        if not self._committed:
            shutil.rmtree(self.staging, ignore_errors=True)

    def put(self, relative: str, data: bytes | Kept) -> None:
        """Add one file (a path relative to the site, '/' separators) to the new site."""
        # Plain strings, not Paths: a rebuild puts every file of the site, most of them kept.
        _check_relative(relative)
        if self._linker is not None:
            self._take_links()
        target = os.path.join(self.staging, relative)
        try:
            if relative in self._linked:
                del self._linked[relative]
                if not self._linked_is(relative, target, data):
                    self._write(target, data)
            elif self.prelink:
                try:
                    self._place(relative, target, data)
                except OSError:  # the linker put a file where this site has a folder, or the reverse
                    self._unblock(relative)
                    self._place(relative, target, data)
            else:
                self._place(relative, target, data)
        except OSError as exc:
            raise BuildError(f"{exc.filename or self.staging}: cannot write ({exc.strerror})") from exc
        self.files += 1

    def _place(self, relative: str, target: str, data: bytes | Kept) -> None:
        """Put a file the new site does not hold yet: linked from the current output, or written."""
        folder = os.path.dirname(target)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        if isinstance(data, Kept):
            _link_kept(self.previous, relative, target, data)
        elif self.previous is None or not _link_unchanged(self.previous / relative, Path(target), data):
            self._write(target, data)

    def _write(self, target: str, data: bytes | Kept) -> None:
        assert isinstance(data, bytes), "a kept file is linked, never written"
        with open(target, "wb") as file:
            file.write(data)
        self.written += 1

    def linked(self, relative: str) -> tuple[str, Stamp] | None:
        """Where the new site holds the current output's file ``relative`` already, linked by the linker, and
        the file's stamp as it was linked; None when it does not (no linker, or no such file)."""
        if not self.prelink:
            return None
        if self._linker is not None:
            self._take_links()
        mark = self._linked.get(relative)
        return (os.path.join(self.staging, relative), mark) if mark is not None else None

    def _take_links(self) -> None:
        """Wait for the linker, once, and take what it linked."""
        assert self._linker is not None, "called while a linker runs"
        linker, self._linker = self._linker, None
        files, self._linked_folders = linker.result()
        self._linked = files
        self._folders.update(os.path.join(self.staging, folder) for folder in self._linked_folders)

    def _linked_is(self, relative: str, target: str, data: bytes | Kept) -> bool:
        """Whether the linked file is what ``data`` says; if not, and ``data`` is bytes, it is removed."""
        if isinstance(data, Kept):
            if data.checked == target:
                return True
            info = os.stat(target)
            if Stamp(info.st_size, info.st_mtime_ns) != data.stamp:
                raise BuildError(f"{relative}: changed in the output folder during the build; build again")
            return True
        with open(target, "rb") as file:
            if os.fstat(file.fileno()).st_size == len(data) and file.read() == data:
                return True
        os.unlink(target)
        return False

    def _unblock(self, relative: str) -> None:
        """Remove what the linker made in the way of ``relative``: a file where a folder goes, or a folder."""
        parts = relative.split("/")
        for depth in range(1, len(parts) + 1):
            path = os.path.join(self.staging, *parts[:depth])
            if depth < len(parts) and os.path.isdir(path) and not os.path.islink(path):
                continue
            _clear(path)
            cleared = "/".join(parts[:depth])
            self._linked = {
                f: mark
                for f, mark in self._linked.items()
                if not (f == cleared or f.startswith(cleared + "/"))
            }
            self._folders = {f for f in self._folders if not (f == path or f.startswith(path + os.sep))}
            return

    def _drop_unput(self) -> None:
        """Remove what the linker linked that this site does not have, and the folders left empty."""
        if self._linker is not None:
            self._take_links()
        for relative in self._linked:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.staging, relative))
        for folder in sorted(self._linked_folders, key=lambda f: f.count("/"), reverse=True):
            with contextlib.suppress(OSError):  # not empty: this site has files in it
                os.rmdir(os.path.join(self.staging, folder))
        self._linked, self._linked_folders = {}, []

    def commit(self, *, remove: Callable[[Path], object] | None = None) -> None:
        """Swap the new site in for the old one, atomically, then remove the old one.

        ``remove``: how, when it should not be removed here and now (``remove_in_thread``, or left to a job
        that outlives the build); if cut short, the next build clears what is left.
        """
        if self.prelink:
            self._drop_unput()
        with _signals_held():
            old = _swap(self.staging, self.output)
            self._committed = True
        if old is not None:
            (remove or remove_now)(old)


class _Linker:
    """A forked child hard-linking every file of one folder tree into another that starts empty."""

    def __init__(self, pid: int, listing: int) -> None:
        self.pid = pid
        self._listing = listing  # the read end of a pipe: what the child linked, once it is done

    @classmethod
    def start(cls, source: str, target: str) -> _Linker | None:
        """The child started, or None where it cannot be (the caller then links file by file)."""
        if not hasattr(os, "fork"):
            return None
        try:
            listing, out = os.pipe()
            pid = os.fork()
        except OSError:
            return None
        if pid:
            os.close(out)
            return cls(pid, listing)
        try:
            os.close(listing)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it stops the child if need be
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            files: dict[str, Stamp] = {}
            folders: list[str] = []
            with contextlib.suppress(OSError):  # what is not linked is linked or written by the parent
                _link_tree(source, target, "", files, folders)
            with os.fdopen(out, "wb") as stream:
                pickle.dump((files, folders), stream, pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)  # never back into the caller's code

    def result(self) -> tuple[dict[str, Stamp], list[str]]:
        """Wait for the child: the files it linked, with their stamps, and the folders it made; relative,
        '/' separators."""
        with os.fdopen(self._listing, "rb") as stream:
            listing = stream.read()
        os.waitpid(self.pid, 0)
        if not listing:  # the child failed before it could say
            return {}, []
        files, folders = pickle.loads(listing)  # from this process's own fork
        return files, folders

    def stop(self) -> None:
        """End the child without waiting for its work."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self._listing)


def _link_tree(source: str, target: str, prefix: str, files: dict[str, Stamp], folders: list[str]) -> None:
    """Hard-link the regular files under ``source`` into ``target``, making its folders; each file linked goes
    to ``files`` with its stamp, each folder made to ``folders``, by its path relative to the top ('/'
    separators)."""
    with os.scandir(source) as entries:
        for entry in entries:
            relative = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                os.mkdir(os.path.join(target, entry.name))
                folders.append(relative)
                _link_tree(entry.path, os.path.join(target, entry.name), relative + "/", files, folders)
            elif entry.is_file(follow_symlinks=False):
                os.link(entry.path, os.path.join(target, entry.name))
                # Taken here, on the child's core: the build compares a kept page with it, not stat'ing it.
                info = entry.stat(follow_symlinks=False)
                files[relative] = Stamp(info.st_size, info.st_mtime_ns)


def _clear(path: str) -> None:
    """Remove a file or folder tree the linker put where the new site needs something else, if any."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


def remove_now(folder: Path) -> None:
    """Remove a folder tree, as far as it can be."""
    shutil.rmtree(folder, ignore_errors=True)


def remove_in_thread(folder: Path) -> None:
    """``remove_now`` in a thread, for a long-running process that goes on meanwhile (``digest serve``)."""
    threading.Thread(target=remove_now, args=(folder,), daemon=True).start()


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


def _check_relative(relative: str) -> None:
    """Raise BuildError unless ``relative`` names a file strictly inside the folder it is relative to."""
    parts = relative.split("/")
    if any(part in ("", ".", "..") or "\\" in part or "\0" in part for part in parts):
        raise BuildError(f"refusing to write {relative!r}: not a plain path inside the output folder")


def _link_kept(previous: Path | None, relative: str, target: str, kept: Kept) -> None:
    old = os.path.join(previous, relative) if previous is not None else ""
    try:
        info = os.stat(old)
    except OSError:
        info = None
    if info is None or Stamp(info.st_size, info.st_mtime_ns) != kept.stamp:
        raise BuildError(f"{relative}: changed in the output folder during the build; build again")
    os.link(old, target)


def _link_unchanged(old: Path, target: Path, data: bytes) -> bool:
    """Hard-link the previous site's file when its bytes are the same: same bytes, same mtime, no write."""
    try:
        info = old.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, target)
    except OSError:
        return False  # absent, unreadable, or a file system without hard links: write it instead
    return True


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
