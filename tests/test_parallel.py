"""Forked workers: results in order, errors reach the parent, and ending the work never waits on a worker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import BuildError
from digest.incremental import parallel
from digest.incremental.parallel import fork_each, fork_map


def children() -> set[int]:
    """This process's child processes still alive or unreaped."""
    found = set()
    for task in os.listdir(f"/proc/{os.getpid()}/task"):
        with open(f"/proc/{os.getpid()}/task/{task}/children") as listed:
            found |= {int(pid) for pid in listed.read().split()}
    return found


@contextlib.contextmanager
def no_workers_left() -> Iterator[None]:
    """What runs inside leaves no process behind (earlier tests' detached children may come and go)."""
    before = children()
    yield
    assert children() - before == set()


def squares(start: int, stop: int) -> list[tuple[int, int]]:
    return [(n * n, os.getpid()) for n in range(start, stop)]


@settings(max_examples=25, deadline=None)
@given(
    count=st.integers(0, 60),
    chunk=st.integers(1, 9),
    jobs=st.integers(1, 4),
    recycle=st.integers(1, 20),
)
def test_results_come_in_order_whatever_the_split(count: int, chunk: int, jobs: int, recycle: int) -> None:
    before = parallel.RECYCLE_ITEMS
    parallel.RECYCLE_ITEMS = recycle
    try:
        with no_workers_left():
            results = fork_map(squares, count, jobs=jobs, chunk=chunk, minimum=1)
    finally:
        parallel.RECYCLE_ITEMS = before
    assert [value for value, _ in results] == [n * n for n in range(count)]


def test_chunks_run_in_workers_that_are_replaced_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "RECYCLE_ITEMS", 10)
    done: list[tuple[int, int]] = []
    fork_each(
        squares, 200, jobs=2, chunk=5, minimum=1, each=lambda start, stop, part: done.append((start, stop))
    )
    assert done == [(start, start + 5) for start in range(0, 200, 5)]
    pids = {pid for _, pid in fork_map(squares, 200, jobs=2, chunk=5, minimum=1)}
    assert os.getpid() in pids  # the first chunk runs here
    assert len(pids - {os.getpid()}) >= 39 // 2  # each worker takes two chunks, then a fresh one follows


def test_a_caller_may_replace_workers_sooner() -> None:
    pids = {pid for _, pid in fork_map(squares, 200, jobs=2, chunk=5, minimum=1, recycle=5)}
    assert len(pids - {os.getpid()}) == 39  # one chunk each


def test_small_work_stays_in_this_process() -> None:
    assert {pid for _, pid in fork_map(squares, 30, jobs=2, chunk=5, minimum=31)} == {os.getpid()}
    assert {pid for _, pid in fork_map(squares, 30, jobs=1, chunk=5, minimum=1)} == {os.getpid()}


def failing(start: int, stop: int) -> list[int]:
    if start >= 20:
        raise ValueError(f"no items past 20 (asked for {start})")
    return list(range(start, stop))


def test_an_error_in_a_worker_is_raised_here_and_the_workers_are_gone() -> None:
    with no_workers_left(), pytest.raises(ValueError, match="no items past 20"):
        fork_map(failing, 100, jobs=2, chunk=10, minimum=1)


class Unpicklable(Exception):
    def __init__(self, reason: str, detail: object) -> None:
        super().__init__(reason)
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("not this one")


def unpicklable(start: int, stop: int) -> list[int]:
    if start:
        raise Unpicklable("the disk is full", lambda: None)
    return [start]


def test_an_error_that_cannot_travel_arrives_as_a_build_error_saying_what_it_was() -> None:
    with no_workers_left(), pytest.raises(BuildError, match="Unpicklable: the disk is full"):
        fork_map(unpicklable, 20, jobs=2, chunk=5, minimum=1)


def dying(start: int, stop: int) -> list[int]:
    if start == 30:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return list(range(start, stop))


def test_a_worker_killed_from_outside_fails_the_work_with_a_message_instead_of_waiting_forever() -> None:
    expected = r"a worker process ended unexpectedly \(killed by SIGKILL\)"
    with no_workers_left(), pytest.raises(BuildError, match=expected):
        fork_map(dying, 100, jobs=2, chunk=10, minimum=1)


def slow(start: int, stop: int) -> list[int]:
    if start:
        time.sleep(60)
    return [start]


def test_interrupted_here_the_busy_workers_are_ended_at_once() -> None:
    def interrupt(start: int, stop: int, part: Sequence[int]) -> None:
        if start == 0:
            signal.setitimer(signal.ITIMER_REAL, 0.3)  # Ctrl-C while every worker is busy

    previous = signal.signal(signal.SIGALRM, signal.default_int_handler)
    began = time.monotonic()
    try:
        with no_workers_left(), pytest.raises(KeyboardInterrupt):
            fork_each(slow, 100, jobs=2, chunk=10, minimum=1, each=interrupt)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - began < 10


def test_workers_end_when_their_parent_is_killed(tmp_path: os.PathLike[str]) -> None:
    """Killed outright, the parent cannot end its workers: they see their pipe close and leave."""
    script = textwrap.dedent(
        """
        import os, signal, sys, time
        from digest.incremental.parallel import fork_each

        def work(start, stop):
            time.sleep(0.05)
            return [os.getpid()]

        def each(start, stop, part):
            print(part[0], flush=True)
            if start >= 4:  # both workers have run a chunk and wait for more
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.2)

        fork_each(work, 100, jobs=2, chunk=1, minimum=1, each=each)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    workers = {int(line) for line in done.stdout.split()} - {int(done.stdout.split()[0])}
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, workers))


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not ended, nor ended and waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_work_done_ahead_is_given_by_item() -> None:
    with no_workers_left(), parallel.ahead(squares, 50, chunk=7, fork=True) as made:
        time.sleep(1)  # far longer than 50 squares take
        results = made()
    assert {n: square for n, (square, _) in results.items()} == {n: n * n for n in range(50)}
    assert os.getpid() not in {pid for _, pid in results.values()}


def slow_chunks(start: int, stop: int) -> list[int]:
    time.sleep(0.2)
    return list(range(start, stop))


def test_work_ahead_stops_when_asked_and_gives_what_it_made() -> None:
    with no_workers_left(), parallel.ahead(slow_chunks, 1000, chunk=5, fork=True) as made:
        time.sleep(0.7)
        began = time.monotonic()
        results = made()
    assert time.monotonic() - began < 5
    assert results and sorted(results) == list(range(len(results))) and len(results) < 1000
    assert all(results[n] == n for n in results)


def test_work_ahead_that_fails_gives_what_it_made_before() -> None:
    with no_workers_left(), parallel.ahead(failing, 100, chunk=10, fork=True) as made:
        time.sleep(1)
        results = made()
    assert sorted(results) == list(range(20))


def test_work_ahead_is_left_to_the_caller_without_fork() -> None:
    with no_workers_left(), parallel.ahead(squares, 50, chunk=7, fork=False) as made:
        assert made() == {}


def test_work_ahead_not_asked_for_ends_with_the_block() -> None:
    began = time.monotonic()
    with no_workers_left(), parallel.ahead(slow, 100, chunk=1, fork=True):
        time.sleep(0.2)
    assert time.monotonic() - began < 10


def test_work_beside_gives_its_result_or_raises_its_error() -> None:
    with no_workers_left(), parallel.beside(lambda: squares(0, 5), fork=True) as result:
        assert [square for square, _ in result()] == [0, 1, 4, 9, 16]
        assert {pid for _, pid in result()} != {os.getpid()}
    failed = pytest.raises(ValueError, match="no items past 20")
    with no_workers_left(), failed, parallel.beside(lambda: failing(20, 30), fork=True) as result:
        result()


def test_work_beside_killed_from_outside_fails_with_a_message() -> None:
    failed = pytest.raises(BuildError, match=r"ended unexpectedly \(killed by SIGKILL\)")
    with no_workers_left(), failed, parallel.beside(lambda: dying(30, 40), fork=True) as result:
        result()


def test_work_beside_ends_its_process_before_its_result_is_asked_for() -> None:
    """The child holds no memory while the caller is busy elsewhere: a large result waits in a file."""
    before = children()
    with no_workers_left(), parallel.beside(lambda: "x" * 10_000_000, fork=True) as result:
        deadline = time.monotonic() + 10
        while any(map(running, children() - before)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(running, children() - before))
        assert result() == "x" * 10_000_000
