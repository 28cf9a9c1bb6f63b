"""Work split over forked processes that inherit the build's data instead of receiving it pickled."""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_WORK: Callable[[int, int], Sequence[Any]] | None = None  # set only in the parent, just before forking
# Items a worker handles before a fresh one replaces it. A worker's memory grows with what it touches: reading
# the parent's objects changes their reference counts, which copies the pages they are on. A fresh fork
# shares them all again; at 30,000 articles the story workers grew by 250 MB each without this.
RECYCLE_ITEMS = 2048
_HANDED_OVER: list[object] = []  # jobs a detached child runs; see ``detached``
PARENT_WAIT = 5.0  # seconds a detached child waits for its parent to end before it starts


def fork_map(
    work: Callable[[int, int], Sequence[T]],
    count: int,
    *,
    jobs: int,
    chunk: int,
    minimum: int,
    advance: Callable[[int], None] = lambda done: None,
) -> list[T]:
    """``work(start, stop)`` over ``range(count)`` in chunks, results in order; in-process when small.

    Children are forked, so ``work`` and everything it reads are shared copy-on-write: only the results
    travel back. Where fork is unavailable, or for fewer than ``minimum`` items, it runs in-process.
    """
    results: list[T] = []

    def keep(start: int, stop: int, part: Sequence[T]) -> None:
        results.extend(part)
        advance(stop - start)

    fork_each(work, count, jobs=jobs, chunk=chunk, minimum=minimum, each=keep)
    return results


def fork_each(
    work: Callable[[int, int], Sequence[T]],
    count: int,
    *,
    jobs: int,
    chunk: int,
    minimum: int,
    each: Callable[[int, int, Sequence[T]], None],
) -> None:
    """As ``fork_map``, but each chunk's results go to ``each(start, stop, results)``, in order, as they
    come: nothing is held, so results can be written out instead of gathered."""
    ranges = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    if jobs <= 1 or count < minimum or "fork" not in multiprocessing.get_all_start_methods():
        for start, stop in ranges:
            each(start, stop, work(start, stop))
        return
    # The first chunk runs here: what it imports, compiles and caches (readers, templates, word lists) is
    # then inherited by every worker instead of done again by each, and by each one that replaces another.
    first, *ranges = ranges
    each(*first, work(*first))
    if not ranges:
        return
    global _WORK
    _WORK = work
    gc.freeze()  # objects that exist now are not touched by the children's collector: fewer copied pages
    try:
        recycle = max(1, RECYCLE_ITEMS // chunk)
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_default_signals, maxtasksperchild=recycle) as pool:
            for (start, stop), part in zip(ranges, pool.imap(_run, ranges), strict=True):
                each(start, stop, part)
    finally:
        _WORK = None
        gc.unfreeze()


def _default_signals() -> None:
    """Workers end quietly when the pool ends them; the parent alone turns signals into messages."""
    signal.signal(signal.SIGTERM, _leave)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _leave(signum: int, frame: object) -> None:
    # Leaving through Python lets go of the pool's queue locks on the way out: killed outright while it
    # held one (sending a result, say), a worker left the pool's shutdown after Ctrl-C waiting forever.
    raise SystemExit(0)


def _run(bounds: tuple[int, int]) -> Sequence[Any]:
    assert _WORK is not None, "fork_map's work is set in the parent before the pool starts"
    return _WORK(*bounds)


def detached(jobs: Sequence[Callable[[], object]]) -> bool:
    """Start ``jobs`` in a child process nobody waits for; False, with nothing run, when none can be forked.

    The child starts them once this process has ended (or after ``PARENT_WAIT`` seconds), so the two never
    hold their memory at once: the copies the child makes of pages it touches would add to all this
    process holds at the end of a large build. The child's standard streams go to /dev/null: a caller
    reading this process's output (a pipe, ``$(...)``) sees its end when this process ends, not when the
    child does. A job that fails leaves the rest undone: each must leave things as they were when cut short.
    """
    if not hasattr(os, "fork"):
        return False
    try:
        ended, alive = os.pipe()  # the child reads the end of the file when this process has exited
        pid = os.fork()
    except OSError:
        return False
    if pid:
        os.close(ended)
        # The caller's process ends soon (that is why it detaches): freeing what the jobs hold, object by
        # object, would cost it a quarter of a second at 10,000 articles for memory the exit gives back.
        _HANDED_OVER.append((jobs, alive))
        return True
    try:
        os.close(alive)
        null = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(null, stream)
        select.select([ended], [], [], PARENT_WAIT)  # an exit releases the memory, then closes the files
        for job in jobs:
            job()
    finally:
        os._exit(0)  # never back into the caller's code: its cleanup clauses belong to the parent
