"""One build at a time per output folder: a lock file beside the output, held from reading to the swap."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from digest.errors import BuildError

WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.1


def lock_path(output: Path) -> Path:
    """The lock file of an output folder: ``.{name}.lock`` beside it."""
    output = output.absolute()
    return output.parent / f".{output.name}.lock"


class Held:
    """A held output lock."""

    def __init__(self) -> None:
        self.passed_on = False

    def pass_on(self) -> None:
        """Leave the lock to a forked child: it is released when the child, too, has closed it (exited)."""
        self.passed_on = True


@contextlib.contextmanager
def output_lock(output: Path, wait: float | None = None) -> Iterator[Held]:
    """Hold the output's lock; wait up to ``wait`` seconds for another build, then raise BuildError."""
    path = lock_path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a planted symbolic link must not make us create or open a file elsewhere.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise BuildError(f"{path}: cannot create the build lock ({exc.strerror})") from exc
    try:
        _acquire(fd, output, WAIT_SECONDS if wait is None else wait)
        held = Held()
        try:
            yield held
        finally:
            if not held.passed_on:  # flock belongs to the open file, which a forked child shares
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        # The file stays: removing it would let a waiting build lock a file nobody else sees.
        os.close(fd)


def _acquire(fd: int, output: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise BuildError(f"another build is writing {output}; try again when it finishes") from None
            time.sleep(_POLL_SECONDS)
