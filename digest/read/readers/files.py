"""Reading a source file's bytes safely: regular files only, never past the size limit, never blocking."""

from __future__ import annotations

import errno
import math
import os
import stat
from pathlib import Path

from digest.errors import SourceError

MEGABYTE = 1024 * 1024


def read_file(path: str | Path, name: str, max_bytes: int) -> bytes:
    """The file's bytes; SourceError when it is not a regular file, is over ``max_bytes`` or unreadable."""
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise SourceError(name, _unreadable(exc)) from exc
    with os.fdopen(fd, "rb") as handle:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise SourceError(name, "not a regular file (device, pipe or socket); skipped")
            if info.st_size > max_bytes:
                raise SourceError(name, too_big(info.st_size, max_bytes))
            # Read as far as its size first: asked for max_bytes at once, read() makes a buffer that large
            # for every file. Then on if it has grown since fstat, still never past the limit.
            data = handle.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += handle.read(max_bytes + 1 - len(data))
        except OSError as exc:
            raise SourceError(name, _unreadable(exc)) from exc
    if len(data) > max_bytes:
        raise SourceError(name, too_big(len(data), max_bytes))
    return data


def too_big(size: int, max_bytes: int) -> str:
    """The reason a file of ``size`` bytes is skipped."""
    megabytes = math.ceil(size * 10 / MEGABYTE) / 10  # rounded up: a file just over 1 MB is not "1.0 MB"
    return (
        f"file is {megabytes:.1f} MB, over the {max_bytes / MEGABYTE:g} MB limit (build.max_file_mb); skipped"
    )


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop; not followed"
    return f"cannot read ({exc.strerror})"
