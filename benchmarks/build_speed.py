"""Build speed at 1k, 10k, 100k articles: digest cold and rebuilds, beside the bare floor and Pelican.

Run: .venv/bin/python benchmarks/build_speed.py [--sizes 1000,10000] [--big] [--runs 3] [--digest-args="--jobs 2"]
Each size's corpus (benchmarks/corpus.py) is generated once into WORKDIR/<N>/src and reused. Every
measurement is a separate subprocess, timed by wall clock from before its interpreter starts to its exit:
- floor: benchmarks/floor.py (python-frontmatter + Markdown + one Jinja2 template, 2 processes);
- digest cold: `digest build SRC -o OUT` with no output and no .digest-cache (cwd is WORKDIR/<N>/run);
- digest no change: the same command again; digest one changed: after appending a sentence to one article;
  digest one added: with a new article (a new event, from the generator with another seed) added;
- ", after exit": how long the work a build leaves to a background process (its last cache writes, the old
  site's removal) goes on after the command has exited, to 0.1 s. The next measurement starts once it has
  ended: a build started sooner waits for it (the output lock), and that wait belongs to the build before;
- serve one changed: `digest serve` (which keeps the cache in memory between rebuilds), from saving a
  change to one article to the end of the rebuild, the watcher's debounce included;
- Pelican: a Pelican-format copy of the same text, built with the bundled theme (installed on first use
  into /tmp/pelican-venv).
Peak memory comes two ways: "RSS max" is the largest single process of the run (exact: os.wait4 reports the
child's peak and its reaped children's), "PSS sum" is the proportional set size of all its processes
together (shared pages counted once), sampled every 0.5 s; the memory targets are checked on the latter.
Times are medians over --runs, memory the largest seen. Prints figures; it is not a test.
digest's modules are compiled to bytecode first, as installing the package does: run from a checkout with
PYTHONDONTWRITEBYTECODE set, every build would compile them again (0.07 s a rebuild), which no user pays.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import articles, generate  # noqa: E402
from benchmarks.corpus import render as render_piece  # noqa: E402
from digest.write.lock import output_lock  # noqa: E402

PELICAN_VENV = Path("/tmp/pelican-venv")
SAMPLE_EVERY = 0.5  # reading a big process's smaps_rollup walks its page tables: not too often
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MB = 1_000_000
SERVE_UP_TO = 10_000  # the rebuild targets are set at 10,000 articles; a server's first build at 100k is long

PELICAN_CONF = """\
AUTHOR = "bench"
SITENAME = "Build speed benchmark"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
RELATIVE_URLS = True
DELETE_OUTPUT_DIRECTORY = True
LOAD_CONTENT_CACHE = False
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
"""


@dataclass(frozen=True)
class Sample:
    """One measured run: wall seconds, the largest process's peak RSS and the sampled peak of all together."""

    seconds: float
    rss_max: int
    pss_sum: int


class BenchmarkError(Exception):
    """A measured command failed; the message names it and ends with its last output lines."""


# --- measuring one command -------------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) of every process visible in /proc."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat.rpartition(b")")[2].split()  # after the command name, which may hold spaces
        table[int(entry.name)] = (int(fields[1]), int(fields[21]) * PAGE_SIZE)
    return table


def tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants together: the memory they really hold.

    Forked workers share their parent's pages; summing resident sizes would count those pages once per
    process. PSS splits each shared page among its sharers, so the sum counts it once.
    """
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss(pid)
        stack.extend(children.get(pid, ()))
    return total


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass  # the process ended between listing and reading
    return 0


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process tree until stopped; keeps the peak."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.done = root, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_EVERY):
            self.peak = max(self.peak, tree_pss(self.root))

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def measure(command: Sequence[str], cwd: Path, log: Path) -> Sample:
    """Run ``command`` in ``cwd`` with its output to ``log``; its wall time and peak memory."""
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    pss_sum = sampler.stop()
    if process.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise BenchmarkError(f"{shlex.join(command)} exited {process.returncode}:\n{tail}")
    rss_max = usage.ru_maxrss * 1024  # kilobytes on Linux
    return Sample(seconds, rss_max, pss_sum)


# --- corpora -----------------------------------------------------------------------------------------


def _stamp(count: int, seed: int, *parts: str) -> str:
    code = hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()[:16]
    return json.dumps({"count": count, "seed": seed, "corpus.py": code, "extra": parts})


def cached(folder: Path, stamp: str, make: Callable[[Path], None]) -> Path:
    """``folder`` made by ``make`` unless a complete one with the same stamp is there already."""
    marker = folder.with_name(folder.name + ".stamp")
    if folder.is_dir() and marker.is_file() and marker.read_text() == stamp:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    marker.unlink(missing_ok=True)
    make(folder)
    marker.write_text(stamp)
    return folder


def corpus(work: Path, count: int, seed: int) -> Path:
    """The generated Markdown corpus of ``count`` articles."""
    started = time.perf_counter()
    folder = cached(work / "src", _stamp(count, seed), lambda path: generate(path, count, seed))
    progress(f"corpus of {count:,} ready in {time.perf_counter() - started:.1f} s: {folder}")
    return folder


def split_front_matter(text: str) -> tuple[dict[str, str | list[str]], str]:
    """The generator's own front matter (JSON-quoted strings, a flow list of tags) and the body."""
    _, head, body = text.split("---\n", 2)
    meta: dict[str, str | list[str]] = {}
    for line in head.splitlines():
        key, _, value = line.partition(": ")
        if value.startswith("["):
            meta[key] = [tag.strip() for tag in value.strip("[]").split(",")]
        else:
            meta[key] = json.loads(value) if value.startswith('"') else value
    return meta, body


def pelican_text(text: str, slug: str) -> str:
    """One article in Pelican's Markdown metadata style, the same body."""
    meta, body = split_front_matter(text)
    tags = meta["tags"]
    assert isinstance(tags, list)
    date = str(meta["date"])[:16].replace("T", " ")
    return (
        f"Title: {meta['title']}\nDate: {date}\nAuthor: {meta['author']}\nCategory: {tags[0]}\n"
        f"Tags: {', '.join(tags)}\nSlug: {slug}\n\n{body.lstrip()}"
    )


def write_pelican_copy(source: Path, target: Path) -> None:
    """Every article of ``source`` rewritten for Pelican under ``target``, same layout."""
    for path in sorted(source.rglob("*.md")):
        relative = path.relative_to(source)
        slug = "-".join(relative.with_suffix("").parts)
        copy = target / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(pelican_text(path.read_text(encoding="utf-8"), slug), encoding="utf-8")


def pelican_corpus(work: Path, source: Path, count: int, seed: int) -> Path:
    """The Pelican-format copy of the corpus and its pelicanconf.py beside it."""
    (work / "pelicanconf.py").write_text(PELICAN_CONF)
    stamp = _stamp(count, seed, "pelican", hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16])
    return cached(work / "pelican-src", stamp, lambda path: write_pelican_copy(source, path))


def pelican_command() -> list[str]:
    """Pelican from its own virtualenv, installed there on first use."""
    executable = PELICAN_VENV / "bin" / "pelican"
    if not executable.exists():
        progress(f"installing pelican into {PELICAN_VENV}")
        subprocess.run(["python3", "-m", "venv", str(PELICAN_VENV)], check=True)
        pip = [str(PELICAN_VENV / "bin" / "pip"), "install", "--quiet", "pelican", "markdown"]
        subprocess.run(pip, check=True)
    return [str(executable)]


def digest_command() -> list[str]:
    """The digest executable beside this interpreter, else ``python -m digest``."""
    executable = Path(sys.executable).parent / "digest"
    return [str(executable)] if executable.exists() else [sys.executable, "-m", "digest"]


# --- one size ----------------------------------------------------------------------------------------


@dataclass
class Results:
    """Samples per measurement name, in the order first measured."""

    samples: dict[str, list[Sample]]

    def add(self, name: str, sample: Sample) -> None:
        self.samples.setdefault(name, []).append(sample)
        progress(f"  {name}: {sample.seconds:.2f} s, {sample.rss_max / MB:.0f} MB")

    def seconds(self, name: str) -> float | None:
        found = self.samples.get(name)
        return statistics.median(s.seconds for s in found) if found else None


def clear(*paths: Path) -> None:
    """Remove folders left by an earlier run."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def changed_article(source: Path) -> Path:
    """The article whose text the one-change rebuild edits: the middle one, for a stable choice."""
    paths = sorted(source.rglob("*.md"))
    return paths[len(paths) // 2]


def digest_runs(
    digest: list[str], extra: list[str], source: Path, work: Path, run: int, results: Results
) -> None:
    """Cold build, no-change rebuild, one-changed and one-added rebuilds; the corpus is restored after.

    The logs (WORKDIR/N/digest-*.log) hold each build's stage times (``-v``).
    """
    cwd, output = work / "run", work / "digest-out"
    cwd.mkdir(exist_ok=True)
    clear(output, cwd / ".digest-cache", source / ".digest-cache")  # wherever the build keeps its cache
    command = [*digest, "build", str(source), "-o", str(output), "-v", *extra]
    results.add("digest cold", measure(command, cwd, work / "digest-cold.log"))
    results.add("  cold, after exit", Sample(settled(output), 0, 0))
    results.add("digest no change", measure(command, cwd, work / "digest-nochange.log"))
    article = changed_article(source)
    original = article.read_bytes()
    added = source / f"zz-added-{run}.md"
    try:
        article.write_bytes(original + f"\nA correction was added to this article in run {run}.\n".encode())
        results.add("digest one changed", measure(command, cwd, work / "digest-changed.log"))
        results.add("  changed, after exit", Sample(settled(output), 0, 0))
        article.write_bytes(original)
        added.write_text(render_piece(next(articles(1, seed=1_000_000 + run)), "added"), encoding="utf-8")
        results.add("digest one added", measure(command, cwd, work / "digest-added.log"))
        results.add("  added, after exit", Sample(settled(output), 0, 0))
    finally:
        article.write_bytes(original)
        added.unlink(missing_ok=True)


def settled(output: Path) -> float:
    """Seconds from a build's exit until the work it left to a background process (its last cache writes)
    ends: the next build waits that long for the output lock, which is this build's time, not the next's."""
    started = time.perf_counter()
    with output_lock(output, wait=600):
        pass
    return time.perf_counter() - started


def serve_run(
    digest: list[str], extra: list[str], source: Path, work: Path, run: int, results: Results
) -> None:
    """`digest serve`: seconds from saving a change to one article to the end of the rebuild it starts.

    The server builds into its own folder with the cache the builds above left (so its first build is a
    warm one); the time includes the watcher noticing the change and its debounce (300 ms). Memory is not
    sampled here.
    """
    output = work / "serve-out"
    clear(output)
    command = [*digest, "serve", str(source), "-o", str(output), "-p", "0", *extra]
    article = changed_article(source)
    original = article.read_bytes()
    with (work / "serve.log").open("w") as log:
        server = subprocess.Popen(command, cwd=work / "run", stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            assert server.stdout is not None
            _wait_for(server.stdout, "serving ", log)
            time.sleep(1.0)  # let the watcher start
            started = time.perf_counter()
            article.write_bytes(
                original + f"\nA correction was added to this article in run {run}.\n".encode()
            )
            _wait_for(server.stdout, "built ", log)
            results.add("serve one changed", Sample(time.perf_counter() - started, 0, 0))
        finally:
            server.terminate()
            server.wait(timeout=60)
            article.write_bytes(original)


def _wait_for(lines: Iterable[str], start: str, log: TextIO) -> None:
    """Read the server's output (copying it to ``log``) up to a line beginning with ``start``."""
    for line in lines:
        log.write(line)
        if line.startswith(start):
            return
    raise BenchmarkError(f"digest serve stopped before printing {start.strip()!r}")


def floor_run(source: Path, work: Path, results: Results) -> None:
    output = work / "floor-out"
    clear(output)
    command = [sys.executable, str(HERE / "floor.py"), str(source), str(output), "--jobs", "2"]
    results.add("floor (2 processes)", measure(command, work, work / "floor.log"))


def pelican_run(pelican: list[str], source: Path, work: Path, results: Results) -> None:
    output = work / "pelican-out"
    clear(output)
    command = [*pelican, str(source), "-o", str(output), "-s", str(work / "pelicanconf.py"), "-q"]
    results.add("pelican cold", measure(command, work, work / "pelican.log"))


def bench_size(count: int, args: argparse.Namespace) -> Results:
    """Every measurement for one corpus size, runs interleaved so drift on a shared machine hits all alike."""
    work = args.workdir / str(count)
    work.mkdir(parents=True, exist_ok=True)
    source = corpus(work, count, args.seed)
    pelican = None if args.no_pelican else pelican_command()
    pelican_source = None if pelican is None else pelican_corpus(work, source, count, args.seed)
    digest = digest_command()
    results = Results({})
    for run in range(1, args.runs + 1):
        progress(f"{count:,} articles, run {run} of {args.runs}")
        floor_run(source, work, results)
        digest_runs(digest, args.digest_args, source, work, run, results)
        if count <= SERVE_UP_TO:
            serve_run(digest, args.digest_args, source, work, run, results)
        if pelican is not None and pelican_source is not None:
            pelican_run(pelican, pelican_source, work, results)
    return results


def seed_site(args: argparse.Namespace, runs: int = 5) -> list[float]:
    """Cold builds of the repository's seeds/, interpreter start included."""
    cwd = args.workdir / "seeds-run"
    cwd.mkdir(parents=True, exist_ok=True)
    command = [*digest_command(), "build", str(REPO / "seeds"), "-o", "tmp", *args.digest_args]
    times = []
    for _ in range(runs):
        clear(cwd / "tmp", cwd / ".digest-cache")
        times.append(measure(command, cwd, cwd / "build.log").seconds)
    return times


# --- report ------------------------------------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ratio(top: float | None, bottom: float | None) -> str:
    return f"{top / bottom:.2f} x" if top is not None and bottom else "n/a"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("ok" if ok else "MISSED")


def report_size(count: int, results: Results) -> None:
    """Rows of one size, then its ratios and the targets that apply to it."""
    for name, samples in results.samples.items():
        seconds = statistics.median(s.seconds for s in samples)
        rss_max = max(s.rss_max for s in samples) / MB
        pss_sum = max(s.pss_sum for s in samples) / MB
        print(f"{count:>9,}  {name:<22} {seconds:>9.2f} {rss_max:>9.0f} {pss_sum:>9.0f}")
    cold, floor = results.seconds("digest cold"), results.seconds("floor (2 processes)")
    pelican = results.seconds("pelican cold")
    print(
        f"{'':>9}  digest cold / floor: {ratio(cold, floor)}   Pelican / digest cold: {ratio(pelican, cold)}"
    )
    print(
        "\n".join(targets(count, results)) or f"{'':>9}  (the targets are set at 10,000 and 100,000 articles)"
    )


def targets(count: int, results: Results) -> list[str]:
    """Lines for the issue's targets at this size."""
    cold, floor = results.seconds("digest cold"), results.seconds("floor (2 processes)")
    pelican = results.seconds("pelican cold")
    peak = max(
        # the largest process's exact peak bounds what 0.1 s sampling may miss
        (
            max(s.pss_sum, s.rss_max)
            for name in results.samples
            if name.startswith("digest")
            for s in results.samples[name]
        ),
        default=0,
    )
    lines = []
    if count == 10_000:
        nochange, changed = results.seconds("digest no change"), results.seconds("digest one changed")
        served = results.seconds("serve one changed")
        checks = [
            ("cold <= 1.5 x floor", cold is not None and floor is not None and cold <= 1.5 * floor),
            ("Pelican >= 4 x cold", None if pelican is None else cold is not None and pelican >= 4 * cold),
            ("no change <= 1 s", nochange is not None and nochange <= 1),
            ("one changed <= 2 s", changed is not None and changed <= 2),
            ("one changed <= 2 s, digest serve", served is not None and served <= 2),
            ("peak memory <= 1 GB", peak <= 1_000 * MB),
        ]
        lines = [f"{'':>9}  target {name}: {verdict(ok)}" for name, ok in checks]
    elif count == 100_000:
        lines = [f"{'':>9}  target completes within 4 GB: {verdict(peak <= 4_000 * MB)}"]
    return lines


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--big", action="store_true", help="add 100,000 articles")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median reported)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/digest-bench"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--digest-args",
        type=shlex.split,
        default=[],
        help='extra digest build arguments, e.g. --digest-args="--jobs 2"',
    )
    parser.add_argument("--no-pelican", action="store_true", help="skip Pelican")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size] + ([100_000] if args.big else [])
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    compileall.compile_dir(REPO / "digest", quiet=1)
    load = os.getloadavg()[0]
    runs = {size: bench_size(size, args) for size in args.sizes}
    seeds = seed_site(args)
    print(
        f"\nBuild speed, {os.cpu_count()} CPUs, load {load:.1f} at start / {os.getloadavg()[0]:.1f} at end; "
        f"median of {args.runs} runs, wall time incl. interpreter start; memory the largest seen"
    )
    if args.digest_args:
        print(f"digest build arguments: {shlex.join(args.digest_args)}")
    print(f"{'articles':>9}  {'measurement':<22} {'seconds':>9} {'RSS max':>9} {'PSS sum':>9}  (MB)")
    for size, results in runs.items():
        report_size(size, results)
    seconds = statistics.median(seeds)
    print(
        f"seed site cold build (median of {len(seeds)}): {seconds:.2f} s (target <= 1 s: {verdict(seconds <= 1.0)})"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as exc:
        progress(f"benchmark failed: {exc}")
        sys.exit(1)
