"""Work split over forked processes that inherit the build's data instead of receiving it pickled."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pickle
import select
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from digest.errors import BuildError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

T = TypeVar("T")

# Items a worker handles before a fresh one replaces it. A worker's memory grows with what it touches: reading
# the parent's objects changes their reference counts, which copies the pages they are on. A fresh fork
# shares them all again.
RECYCLE_ITEMS = 2048
_STOPPING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
AHEAD = 2  # chunks queued at each worker, so it goes on while the parent handles the last result
_HANDED_OVER: list[object] = []  # jobs a detached child runs; see ``detached``
PARENT_WAIT = 5.0  # seconds a detached child waits for its parent to end before it starts
AHEAD_NICENESS = 10  # of a child working ahead (``ahead``): it takes what the others leave of the cores


def fork_map(
    work: Callable[[int, int], Sequence[T]],
    count: int,
    *,
    jobs: int,
    chunk: int,
    minimum: int,
    advance: Callable[[int], None] = lambda done: None,
    recycle: int | None = None,
) -> list[T]:
    """``work(start, stop)`` over ``range(count)`` in chunks, results in order; in-process when small.

    Children are forked, so ``work`` and everything it reads are shared copy-on-write: only the results
    travel back. Where fork is unavailable, or for fewer than ``minimum`` items, it runs in-process.
    """
    results: list[T] = []

    def keep(start: int, stop: int, part: Sequence[T]) -> None:
        results.extend(part)
        advance(stop - start)

    fork_each(work, count, jobs=jobs, chunk=chunk, minimum=minimum, each=keep, recycle=recycle)
    return results


def fork_each(
    work: Callable[[int, int], Sequence[T]],
    count: int,
    *,
    jobs: int,
    chunk: int,
    minimum: int,
    each: Callable[[int, int, Sequence[T]], None],
    recycle: int | None = None,
) -> None:
    """As ``fork_map``, but each chunk's results go to ``each(start, stop, results)``, in order, as they
    come: nothing is held, so results can be written out instead of gathered. A worker is replaced by a
    fresh one after ``recycle`` items (RECYCLE_ITEMS unless given)."""
    ranges = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    if jobs <= 1 or count < minimum or not hasattr(os, "fork"):
        for start, stop in ranges:
            each(start, stop, work(start, stop))
        return
    # The first chunk runs here: what it imports, compiles and caches (readers, templates, word lists) is
    # then inherited by every worker instead of done again by each, and by each one that replaces another.
    first, *ranges = ranges
    each(*first, work(*first))
    if not ranges:
        return
    gc.freeze()  # objects that exist now are not touched by the children's collector: fewer copied pages
    try:
        _Pool(work, ranges, jobs, max(1, (recycle or RECYCLE_ITEMS) // chunk)).run(each)
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def beside(work: Callable[[], T], *, fork: bool) -> Iterator[Callable[[], T]]:
    """``work()`` run in a forked child while the caller goes on; calling what is given waits for its result.

    Without ``fork`` (or where fork is unavailable) ``work`` runs in-process when the result is asked for.
    The child writes its result to a file and ends: it holds no memory while the caller is busy elsewhere
    (through a pipe, a large result would wait for the caller to read it). A child still running when the
    block ends is killed.
    """
    if not fork or not hasattr(os, "fork"):
        yield functools.cache(work)
        return
    with _writing_child(lambda out: _write_outcome(work, out)) as child:
        if child is None:
            raise BuildError("cannot start a worker process")

        @functools.cache
        def result() -> T:
            return cast(T, _outcome(*child.wait()))

        yield result


@contextlib.contextmanager
def ahead(
    work: Callable[[int, int], Sequence[T]], count: int, *, chunk: int, fork: bool
) -> Iterator[Callable[[], dict[int, T]]]:
    """``work(start, stop)`` over ``range(count)`` in chunks, in a forked child while the caller goes on;
    calling what is given stops the child after the chunk at hand and gives what it made, by item. What it
    did not reach (everything, without ``fork`` or where fork is unavailable) is left to the caller.

    The child writes its results to a file, not a pipe: the caller reads nothing until it asks, and a pipe
    would fill and stop the child. A child that fails has made less, never something wrong.
    """
    if not fork or not count or not hasattr(os, "fork"):
        yield dict
        return
    stop, told = os.pipe()
    try:
        with _writing_child(lambda out: _work_ahead(work, count, chunk, out, stop, told)) as child:
            os.close(stop)

            def made() -> dict[int, T]:
                if child is None:  # no process to spare: the caller makes it all
                    return {}
                with contextlib.suppress(BrokenPipeError):  # it is done already
                    os.write(told, b".")
                return _records(child.wait()[1])

            yield made
    finally:
        os.close(told)


class _Child:
    """A forked child that writes what it makes to a file of its own (``_writing_child``)."""

    def __init__(self, pid: int, out: IO[bytes]) -> None:
        self.pid = pid
        self.out = out
        self.status: int | None = None  # its wait status, once it has ended

    def wait(self) -> tuple[int, bytes]:
        """Wait for the child to end: its wait status, and what it wrote."""
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]
        self.out.seek(0)
        return self.status, self.out.read()


@contextlib.contextmanager
def _writing_child(body: Callable[[int], None]) -> Iterator[_Child | None]:
    """A child forked to run ``body(out)`` (a file descriptor it writes to) and end; None when none can be
    forked. A child still running when the block ends is killed."""
    import tempfile

    with tempfile.TemporaryFile() as out:
        # As in ``fork_each``: a collection in the child (a build pauses the collector; a caller may not) would
        # touch, and so copy, every page of the objects it shares with this process.
        gc.freeze()
        try:
            try:
                child = _Child(_start(lambda: body(out.fileno())), out)
            except OSError:  # too many processes, or no memory for one more
                yield None
                return
            try:
                yield child
            finally:
                if child.status is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(child.pid, signal.SIGKILL)
                    os.waitpid(child.pid, 0)
        finally:
            gc.unfreeze()


def _start(body: Callable[[], object]) -> int:
    """Fork a child that runs ``body`` and ends, leaving Ctrl-C to this process; its pid."""
    # Signals wait until the child is known: Ctrl-C right after the fork then ends it with the rest, and it
    # sets its own handlers before any can reach it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
    try:
        pid = os.fork()
        if pid == 0:
            try:
                # Ctrl-C reaches the whole process group: the parent alone turns it into a message, then
                # ends us.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGHUP, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                body()
            finally:
                os._exit(0)  # never back into the parent's code: its cleanup clauses belong to the parent
        return pid
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _write_outcome(work: Callable[[], object], out: int) -> None:
    """``beside``'s child: ``work()``'s result, or the error it raised, pickled to ``out``."""
    try:
        outcome = pickle.dumps((False, work()), pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        outcome = pickle.dumps((True, _portable(error)), pickle.HIGHEST_PROTOCOL)
    with os.fdopen(out, "wb", closefd=False) as file:
        file.write(outcome)


def _outcome(status: int, data: bytes) -> object:
    """The result ``_write_outcome`` wrote (``data``) of a child that ended with ``status``; its error raised."""
    try:
        failed, value = pickle.loads(data)
    except Exception:
        raise BuildError(f"a worker process ended unexpectedly ({_ending(status)})") from None
    if failed:
        raise value
    return value


def _work_ahead(
    work: Callable[[int, int], Sequence[Any]], count: int, chunk: int, out: int, stop: int, told: int
) -> None:
    """``ahead``'s child: each chunk's results written to ``out`` as a sized record, until ``stop`` is
    readable (told to, or the parent is gone) or all is done."""
    os.close(told)  # held here, it would hide the parent's end from ``stop``
    os.nice(AHEAD_NICENESS)  # work done ahead: the caller's own, and its other children's, comes first
    with os.fdopen(out, "wb", closefd=False) as file:
        for start in range(0, count, chunk):
            if select.select([stop], [], [], 0)[0]:
                break
            record = pickle.dumps((start, list(work(start, min(start + chunk, count)))), -1)
            file.write(len(record).to_bytes(8, "little") + record)
            file.flush()


def _records(data: bytes) -> dict[int, Any]:
    """The results of the whole records in ``data`` (``_work_ahead``), by item."""
    made: dict[int, Any] = {}
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 8], "little")
        if position + 8 + size > len(data):
            break  # cut short by the child's end
        start, values = pickle.loads(data[position + 8 : position + 8 + size])
        made.update(enumerate(values, start))
        position += 8 + size
    return made


def _ending(status: int) -> str:
    """How a child process ended, from its wait status."""
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


@dataclass
class _Worker:
    """One forked worker: its process, its end of their pipe, and the chunks handed to it."""

    pid: int
    pipe: Connection  # the parent's end
    handed: int = 0
    waiting: deque[int] = field(default_factory=deque)  # indexes of chunks sent, in order
    closed: bool = False  # told to leave after the chunks it has


class _Pool:
    """Forked workers, each with a pipe of its own: nothing is shared, so ending them can never wait.

    multiprocessing's pool shares queues guarded by locks between all its processes: a worker ended while
    holding one (Ctrl-C while it sent a result) left the pool's shutdown waiting forever. Here each worker
    only ever talks to the parent, which on any exception kills them all with SIGKILL and reaps them.
    """

    def __init__(
        self,
        work: Callable[[int, int], Sequence[Any]],
        ranges: list[tuple[int, int]],
        jobs: int,
        recycle: int,
    ) -> None:
        self.work = work
        self.ranges = ranges
        self.jobs = jobs
        self.recycle = recycle
        self.workers: dict[Connection, _Worker] = {}  # by the parent's end of their pipe
        self.sent = 0

    def run(self, each: Callable[[int, int, Sequence[Any]], None]) -> None:
        """Hand out every chunk and pass the results to ``each`` in order."""
        from multiprocessing.connection import wait

        done: dict[int, Sequence[Any]] = {}
        emitted = 0
        try:
            for _ in range(min(self.jobs, len(self.ranges))):
                self._start()
            for ahead in range(1, AHEAD + 1):  # in turns, so that each worker has a chunk
                for worker in list(self.workers.values()):
                    self._feed(worker, ahead)
            while emitted < len(self.ranges):
                for pipe in wait(list(self.workers)):
                    index, result = self._receive(self.workers[pipe])  # type: ignore[index]
                    done[index] = result
                while emitted in done:
                    each(*self.ranges[emitted], done.pop(emitted))
                    emitted += 1
        finally:
            self._end()

    def _start(self) -> _Worker:
        from multiprocessing.connection import Pipe  # slow to import: only builds large enough to fork

        parent, child = Pipe()
        try:
            pid = _start(functools.partial(_serve, self.work, child, [parent, *self.workers]))
        except OSError as exc:  # too many processes, or no memory for one more
            raise BuildError(f"cannot start a worker process ({exc.strerror})") from exc
        child.close()
        worker = _Worker(pid, parent)
        self.workers[parent] = worker
        return worker

    def _feed(self, worker: _Worker, ahead: int = AHEAD) -> None:
        """Keep a few chunks queued at ``worker`` so it never waits for the parent; then tell it to leave."""
        try:
            while (
                len(worker.waiting) < ahead and self.sent < len(self.ranges) and worker.handed < self.recycle
            ):
                worker.pipe.send(self.ranges[self.sent])
                worker.waiting.append(self.sent)
                worker.handed += 1
                self.sent += 1
            if not worker.closed and (worker.handed >= self.recycle or self.sent >= len(self.ranges)):
                worker.pipe.send(None)
                worker.closed = True
        except OSError:
            raise self._lost(worker) from None

    def _lost(self, worker: _Worker) -> BuildError:
        """The error for ``worker`` gone before its work was done (killed for lack of memory, say)."""
        return BuildError(f"a worker process ended unexpectedly ({self._reap(worker)})")

    def _receive(self, worker: _Worker) -> tuple[int, Sequence[Any]]:
        """The next result from ``worker``, which is replaced once it has left; its error is raised here."""
        try:
            failed, result = worker.pipe.recv()
        except (EOFError, OSError):
            raise self._lost(worker) from None
        if failed:
            raise result
        index = worker.waiting.popleft()
        if worker.closed and not worker.waiting:
            self._reap(worker)
            if self.sent < len(self.ranges):
                self._feed(self._start())
        else:
            self._feed(worker)
        return index, result

    def _reap(self, worker: _Worker) -> str:
        """Wait for ``worker`` to end, and say how it ended."""
        del self.workers[worker.pipe]
        worker.pipe.close()
        _, status = os.waitpid(worker.pid, 0)
        return _ending(status)

    def _end(self) -> None:
        """Kill and reap whatever workers are left (none when all went well)."""
        for worker in self.workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        for worker in list(self.workers.values()):
            self._reap(worker)


def _serve(work: Callable[[int, int], Sequence[Any]], pipe: Connection, others: list[Connection]) -> None:
    """A worker's life (``_start``): run the chunks the parent sends until told to leave, or until the parent
    is gone."""
    for other in others:  # held here, the parent's ends would keep other workers from seeing it end
        other.close()
    while (bounds := pipe.recv()) is not None:
        try:
            pipe.send((False, work(*bounds)))
        except Exception as error:
            pipe.send((True, _portable(error)))


def _portable(error: Exception) -> Exception:
    """``error``, or one that says the same, if it cannot be pickled to go to the parent."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return BuildError(f"{type(error).__name__}: {error}")
    return error


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
        # object, would cost it time for memory the exit gives back.
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


def default_jobs() -> int:
    """All the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
