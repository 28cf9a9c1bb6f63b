"""Per-file time of the read stage, split into reader, normalize and derive: medians of several runs.

Run: PYTHONPATH=. .venv/bin/python benchmarks/read_profile.py SRC [--files 1000] [--runs 5] [--profile N]
Times ``digest.incremental.files.process_file``'s three steps (reading, normalizing, and deriving what
later stages read of each article: ``files.derive``) in one process over the first ``--files`` sources of
SRC (sorted), ``--runs`` times, and prints the median milliseconds per file of each step and of the
whole. ``--profile N`` instead prints cProfile's top N functions (cumulative and own time) for one run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from digest.errors import SourceError
from digest.incremental.files import Settings, derive
from digest.models import RawArticle
from digest.read.discovery import Source
from digest.read.normalize import normalize
from digest.read.readers import reader_for
from digest.read.readers.files import read_file

SETTINGS = Settings(max_bytes=10 * 1024 * 1024)
STEPS = ("read", "normalize", "derive")


def sources_in(folder: Path, limit: int) -> list[Source]:
    """The first ``limit`` article files under ``folder``, sorted by path."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and reader_for(p.suffix) is not None)
    return [Source(str(p), p.relative_to(folder).as_posix()) for p in paths[:limit]]


def timed_run(sources: Sequence[Source]) -> dict[str, float]:
    """Seconds spent in each step over all sources (the steps of ``process_file``, timed apart)."""
    spent = dict.fromkeys(STEPS, 0.0)
    for source in sources:
        reader = reader_for(os.path.splitext(source.path)[1])
        assert reader is not None
        started = time.perf_counter()
        try:
            raws: list[RawArticle] = reader(
                read_file(source.path, source.name, SETTINGS.max_bytes), source.name
            )
        except SourceError:
            continue
        read_done = time.perf_counter()
        articles = []
        for raw in raws:
            with contextlib.suppress(SourceError):
                articles.append(normalize(raw))
        normalize_done = time.perf_counter()
        for article in articles:
            derive(article)
        spent["read"] += read_done - started
        spent["normalize"] += normalize_done - read_done
        spent["derive"] += time.perf_counter() - normalize_done
    return spent


def report(sources: Sequence[Source], runs: int) -> None:
    """Print the median milliseconds per file of each step and of the whole, over ``runs`` runs."""
    timed_run(sources[:50])  # imports and first-use compilation out of the way
    results = [timed_run(sources) for _ in range(runs)]
    for step in STEPS:
        per_file = statistics.median(result[step] for result in results) / len(sources) * 1000
        print(f"{step:10} {per_file:7.3f} ms/file")
    total = statistics.median(sum(result.values()) for result in results) / len(sources) * 1000
    print(f"{'total':10} {total:7.3f} ms/file  ({len(sources)} files, median of {runs} runs)")


def profile(sources: Sequence[Source], top: int) -> None:
    """Print cProfile's top functions for one run, by cumulative and by own time."""
    timed_run(sources[:50])
    profiler = cProfile.Profile()
    profiler.runcall(timed_run, sources)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--files", type=int, default=1000, help="sources to read (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="runs to take the median of (default 5)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N of a profile")
    args = parser.parse_args(argv)
    sources = sources_in(args.source, args.files)
    if args.profile:
        profile(sources, args.profile)
    else:
        report(sources, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
