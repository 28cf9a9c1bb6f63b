"""Build speed on real news text at 1k, 10k, 100k articles: digest cold and rebuilds, and how the cold build
grows with the corpus, beside the bare floor, Pelican and Hugo.

Run: .venv/bin/python benchmarks/build_speed.py [--sizes 1000,10000] [--big] [--runs 3] [--corpus template]
     [--no-growth] [--no-pelican] [--no-hugo] [--digest-args="--jobs 2"] [--workdir /tmp/digest-bench]
Each size's corpus is generated once into WORKDIR/<N>/src and reused: by default benchmarks/realistic.py
(BBC texts from ../shared/corpora, each event retold by 1 to 6 outlets over 90 days), with --corpus
template benchmarks/corpus.py (made-up text from templates; folders WORKDIR/<N>-template). Every
measurement is a separate subprocess, timed by wall clock from before its interpreter starts to its exit:
- floor: benchmarks/floor.py (python-frontmatter + Markdown + one Jinja2 template, 2 processes);
- digest cold: `digest build SRC -o OUT` with no output (nor the spare a build keeps beside it) and no
  .digest-cache (cwd is WORKDIR/<N>/run);
- digest no change: the same command again;
- digest tail edit: after appending a sentence to one article (the middle one by path);
- digest lead edit: after changing the first sentence of the same article (a clause added to it);
- digest one added: with one new article (a new event, dated the day after the corpus's last day);
- digest 100 new: with a day's 100 new articles dated the day after all others, as a daily `digest fetch`
  adds them (new events and new outlets' takes on the last days' events; another day each run);
- ", after exit": how long the work a build leaves to a background process (its last cache writes, the old
  site's removal) goes on after the command has exited, to 0.1 s. The next measurement starts once it has
  ended: a build started sooner waits for it (the output lock), and that wait belongs to the build before;
- serve tail edit: `digest serve` (which keeps the cache in memory between rebuilds), from saving a
  tail edit to one article to the end of the rebuild, the watcher's debounce included;
- Pelican: a Pelican-format copy of the same text, built with the bundled theme (installed on first use
  into /tmp/pelican-venv);
- Hugo: a Hugo site of the same text (page, paginated lists, tag/category/author pages, no feeds), built
  by Debian's `hugo` (installed with apt-get when missing and run as root; skipped with a note otherwise);
- growth: digest cold (and the floor) at 3,000 and 30,000 articles (and 10,000 and 100,000 with --big),
  measured at those sizes even when they are not in --sizes; the ratio of the cold times is printed.
Peak memory comes two ways: "RSS max" is the largest single process of the run (exact: os.wait4 reports the
child's peak and its reaped children's), "PSS sum" is the proportional set size of all its processes
together (shared pages counted once), sampled every 0.5 s; the memory targets are checked on the latter.
Times are medians over --runs, memory the largest seen. Prints figures and the targets' verdicts; it is
not a test.
digest's modules are compiled to bytecode first, as installing the package does: run from a checkout with
PYTHONDONTWRITEBYTECODE set, every build would compile them again (0.07 s a rebuild), which no user pays.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks import corpus as template  # noqa: E402
from benchmarks import realistic  # noqa: E402
from digest.write.lock import output_lock  # noqa: E402

PELICAN_VENV = Path("/tmp/pelican-venv")
SAMPLE_EVERY = 0.5  # reading a big process's smaps_rollup walks its page tables: not too often
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MB = 1_000_000
SERVE_UP_TO = 10_000  # the rebuild targets are set at 10,000 articles; a server's first build at 100k is long
GROWTH = ((3_000, 30_000),)  # corpus sizes whose cold builds are compared: at most 11 times longer
BIG_GROWTH = (10_000, 100_000)  # with --big
NEW_DAY = 100  # articles a daily fetch adds

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
HUGO_CONF = """\
baseURL = "/"
title = "Build speed benchmark"
languageCode = "en"
relativeURLs = true
paginate = 10
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[taxonomies]
tag = "tags"
category = "categories"
author = "authors"
"""
_HUGO_LIST = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<ul>{{ range (.Paginate PAGES).Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2 January 2006" }}<p>{{ .Summary }}</p></li>{{ end }}
</ul>
<p>{{ with .Paginator.Prev }}<a href="{{ .URL }}">newer</a>{{ end }} \
{{ with .Paginator.Next }}<a href="{{ .URL }}">older</a>{{ end }}</p>
</body>
</html>
"""
HUGO_LAYOUTS = {  # an article's page, paginated lists of 10 (home, sections, terms) and the lists of terms
    "_default/single.html": """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<article>
<h1>{{ .Title }}</h1>
<p class="byline">{{ delimit .Params.authors ", " }}, {{ .Params.publisher }} · {{ .Date.Format "2 January 2006" }}</p>
{{ .Content }}
<p>{{ range .Params.tags }}<a href="{{ "tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}</p>
{{ with .Params.link }}<p><a href="{{ . }}">Original</a></p>{{ end }}
</article>
</body>
</html>
""",
    "_default/list.html": _HUGO_LIST.replace("PAGES", ".Pages"),
    "index.html": _HUGO_LIST.replace("PAGES", ".Site.RegularPages"),
    "_default/terms.html": """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}
<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}
</ul>
</body>
</html>
""",
}


@dataclass(frozen=True)
class Sample:
    """One measured run: wall seconds, the largest process's peak RSS and the sampled peak of all together."""

    seconds: float
    rss_max: int
    pss_sum: int


DayOf = Callable[[int, int], list[template.Piece]]  # (new, variant) -> a day's new articles


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


@dataclass(frozen=True)
class Kind:
    """A corpus generator: the modules whose text stamps the corpora it made, how it writes a corpus of N
    articles, and a day's new articles after a corpus of N, ``(count, seed, new, variant) -> pieces``."""

    name: str
    modules: tuple[str, ...]
    generate: Callable[[Path, int, int], None]
    new_day: Callable[[int, int, int, int], list[template.Piece]]
    suffix: str  # of the size's folder in WORKDIR


def template_new_day(count: int, seed: int, new: int, variant: int) -> list[template.Piece]:
    """``new`` template articles (new events) dated the day after the template corpus's last day."""
    day = template.START + dt.timedelta(days=template.DAYS)
    pieces = template.articles(new, seed=2_000_000 + 1_000 * seed + variant)
    return [replace(p, when=p.when.replace(year=day.year, month=day.month, day=day.day)) for p in pieces]


KINDS = {
    "real": Kind("real", ("realistic.py", "corpus.py"), realistic.generate, realistic.new_day, ""),
    "template": Kind("template", ("corpus.py",), template.generate, template_new_day, "-template"),
}


def _stamp(count: int, seed: int, kind: Kind, *parts: str) -> str:
    code = {name: hashlib.sha256((HERE / name).read_bytes()).hexdigest()[:16] for name in kind.modules}
    return json.dumps({"count": count, "seed": seed, "kind": kind.name, "code": code, "extra": parts})


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


def corpus(work: Path, count: int, seed: int, kind: Kind) -> Path:
    """The generated Markdown corpus of ``count`` articles."""
    started = time.perf_counter()
    folder = cached(work / "src", _stamp(count, seed, kind), lambda path: kind.generate(path, count, seed))
    progress(f"{kind.name} corpus of {count:,} ready in {time.perf_counter() - started:.1f} s: {folder}")
    return folder


def this_file() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


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


def pelican_corpus(work: Path, source: Path, count: int, seed: int, kind: Kind) -> Path:
    """The Pelican-format copy of the corpus and its pelicanconf.py beside it."""
    (work / "pelicanconf.py").write_text(PELICAN_CONF)
    stamp = _stamp(count, seed, kind, "pelican", this_file())
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


def hugo_text(text: str) -> str:
    """One article with Hugo's front matter: its link as ``link`` (Hugo's ``url`` sets the page's address),
    the first tag as its category and the author in an ``authors`` taxonomy, as Pelican files them."""
    meta, body = split_front_matter(text)
    tags = meta["tags"]
    assert isinstance(tags, list)
    return (
        f"---\ntitle: {json.dumps(meta['title'])}\ndate: {meta['date']}\n"
        f"authors: [{json.dumps(meta['author'])}]\npublisher: {json.dumps(meta['publisher'])}\n"
        f"link: {meta['url']}\ntags: [{', '.join(tags)}]\ncategories: [{tags[0]}]\n---\n{body}"
    )


def write_hugo_site(source: Path, site: Path) -> None:
    """A Hugo site of ``source``: its configuration, ``HUGO_LAYOUTS`` and every article under content/."""
    for name, text in HUGO_LAYOUTS.items():
        (site / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / name).write_text(text)
    (site / "hugo.toml").write_text(HUGO_CONF)
    for path in sorted(source.rglob("*.md")):
        copy = site / "content" / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(hugo_text(path.read_text(encoding="utf-8")), encoding="utf-8")


def hugo_site(work: Path, source: Path, count: int, seed: int, kind: Kind) -> Path:
    """The Hugo site of the corpus."""
    stamp = _stamp(count, seed, kind, "hugo", this_file())
    return cached(work / "hugo-site", stamp, lambda path: write_hugo_site(source, path))


def hugo_command() -> list[str] | None:
    """Debian's ``hugo``, installed with apt-get when missing (as root); None, with a note, if unavailable."""
    if shutil.which("hugo") is None and shutil.which("apt-get") and os.geteuid() == 0:
        progress("installing hugo with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-q", "hugo"], check=False, capture_output=True)
    executable = shutil.which("hugo")
    if executable is None:
        progress("note: hugo is not available (apt-get install -y hugo); Hugo is skipped")
        return None
    return [executable]


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
    """The article whose text the one-change rebuilds edit: the middle one, for a stable choice."""
    paths = sorted(source.rglob("*.md"))
    return paths[len(paths) // 2]


def tail_edited(text: bytes, run: int) -> bytes:
    """The article with a sentence appended."""
    return text + f"\nA correction was added to this article in run {run}.\n".encode()


def lead_edited(text: bytes, run: int) -> bytes:
    """The article with its first sentence changed: a clause added before its closing full stop."""
    head, body = text.decode("utf-8").split("\n---\n", 1)
    first = realistic.split_sentences(body.strip().split("\n\n", 1)[0])[0]
    end = len(first.rstrip(".!?\"'’”)"))
    changed = f"{first[:end]}, according to figures revised in run {run}{first[end:]}"
    return f"{head}\n---\n{body.replace(first, changed, 1)}".encode()


def digest_cold(command: list[str], output: Path, cwd: Path, work: Path, results: Results) -> None:
    """A cold build: no output, no cache; then how long its work goes on after it has exited.

    No output includes the spare: the site the last build swapped out, which a build keeps hidden beside
    the output and starts the next site from. A stale one (an earlier run's) would be read and rewritten.
    """
    clear(output, output.parent / f".{output.name}.spare", cwd / ".digest-cache")
    results.add("digest cold", measure(command, cwd, work / "digest-cold.log"))
    results.add("  cold, after exit", Sample(settled(output), 0, 0))


def digest_runs(
    digest: list[str], extra: list[str], source: Path, work: Path, run: int, results: Results, day: DayOf
) -> None:
    """Cold build, no-change rebuild, then rebuilds after a tail edit and a lead edit of one article, one
    article added and a day's new articles added (``day(new, variant)``), each on top of the one before;
    the corpus is restored after.

    The logs (WORKDIR/N/digest-*.log) hold each build's stage times (``-v``).
    """
    cwd, output = work / "run", work / "digest-out"
    cwd.mkdir(exist_ok=True)
    clear(source / ".digest-cache")  # wherever the build keeps its cache
    command = [*digest, "build", str(source), "-o", str(output), "-v", *extra]
    digest_cold(command, output, cwd, work, results)
    results.add("digest no change", measure(command, cwd, work / "digest-nochange.log"))
    article = changed_article(source)
    original = article.read_bytes()
    added: list[Path] = []
    try:
        article.write_bytes(tail_edited(original, run))
        results.add("digest tail edit", measure(command, cwd, work / "digest-tail.log"))
        results.add("  tail, after exit", Sample(settled(output), 0, 0))
        article.write_bytes(lead_edited(tail_edited(original, run), run))
        results.add("digest lead edit", measure(command, cwd, work / "digest-lead.log"))
        results.add("  lead, after exit", Sample(settled(output), 0, 0))
        added += template.write(source, day(1, 10_000 + run))
        results.add("digest one added", measure(command, cwd, work / "digest-added.log"))
        results.add("  added, after exit", Sample(settled(output), 0, 0))
        added += template.write(source, day(NEW_DAY, run))
        results.add(f"digest {NEW_DAY} new", measure(command, cwd, work / "digest-newday.log"))
        results.add(f"  {NEW_DAY} new, after exit", Sample(settled(output), 0, 0))
    finally:
        article.write_bytes(original)
        for path in added:
            path.unlink(missing_ok=True)


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
    """`digest serve`: seconds from saving a tail edit of one article to the end of the rebuild it starts.

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
            article.write_bytes(tail_edited(original, run))
            _wait_for(server.stdout, "built ", log)
            results.add("serve tail edit", Sample(time.perf_counter() - started, 0, 0))
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


def hugo_run(hugo: list[str], site: Path, work: Path, results: Results) -> None:
    output = work / "hugo-out"
    clear(output, site / "resources")
    command = [*hugo, "-s", str(site), "-d", str(output), "--quiet", "--ignoreCache", "--noBuildLock"]
    results.add("hugo cold", measure(command, work, work / "hugo.log"))


def size_folder(args: argparse.Namespace, count: int) -> Path:
    """WORKDIR/<N> (and a suffix for the template corpus): a size's corpora, outputs and logs."""
    work: Path = args.workdir / f"{count}{KINDS[args.corpus].suffix}"
    work.mkdir(parents=True, exist_ok=True)
    return work


def bench_size(count: int, args: argparse.Namespace, hugo: list[str] | None) -> Results:
    """Every measurement for one corpus size, runs interleaved so drift on a shared machine hits all alike."""
    kind = KINDS[args.corpus]
    work = size_folder(args, count)
    source = corpus(work, count, args.seed, kind)
    pelican = None if args.no_pelican else pelican_command()
    pelican_source = None if pelican is None else pelican_corpus(work, source, count, args.seed, kind)
    site = None if hugo is None else hugo_site(work, source, count, args.seed, kind)
    digest = digest_command()

    def day(new: int, variant: int) -> list[template.Piece]:
        return kind.new_day(count, args.seed, new, variant)

    results = Results({})
    for run in range(1, args.runs + 1):
        progress(f"{count:,} articles, run {run} of {args.runs}")
        floor_run(source, work, results)
        digest_runs(digest, args.digest_args, source, work, run, results, day)
        if count <= SERVE_UP_TO:
            serve_run(digest, args.digest_args, source, work, run, results)
        if pelican is not None and pelican_source is not None:
            pelican_run(pelican, pelican_source, work, results)
        if hugo is not None and site is not None:
            hugo_run(hugo, site, work, results)
    return results


def growth_size(count: int, args: argparse.Namespace) -> Results:
    """The floor and digest's cold build only, for a size measured for growth alone."""
    work = size_folder(args, count)
    source = corpus(work, count, args.seed, KINDS[args.corpus])
    cwd, output = work / "run", work / "digest-out"
    cwd.mkdir(exist_ok=True)
    command = [*digest_command(), "build", str(source), "-o", str(output), "-v", *args.digest_args]
    results = Results({})
    for run in range(1, args.runs + 1):
        progress(f"{count:,} articles (growth), run {run} of {args.runs}")
        floor_run(source, work, results)
        digest_cold(command, output, cwd, work, results)
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
    pelican, hugo = results.seconds("pelican cold"), results.seconds("hugo cold")
    line = f"{'':>9}  digest cold / floor: {ratio(cold, floor)}"
    if "digest no change" in results.samples:
        line += f"   Pelican / digest cold: {ratio(pelican, cold)}   Hugo / digest cold: {ratio(hugo, cold)}"
    print(line)
    print(
        "\n".join(targets(count, results)) or f"{'':>9}  (the targets are set at 10,000 and 100,000 articles)"
    )


def peak_of(results: Results, prefix: str) -> int:
    """The peak memory of the measurements named ``prefix``...: the largest process's exact peak bounds what
    0.5 s sampling of the sum may miss."""
    return max(
        (
            max(s.pss_sum, s.rss_max)
            for name, found in results.samples.items()
            if name.startswith(prefix)
            for s in found
        ),
        default=0,
    )


def targets(count: int, results: Results) -> list[str]:
    """Lines for the issue's targets at this size (not for a size measured for growth alone)."""
    if "digest no change" not in results.samples:
        return [f"{'':>9}  (measured for growth)"]
    cold, floor = results.seconds("digest cold"), results.seconds("floor (2 processes)")
    pelican = results.seconds("pelican cold")
    checks: list[tuple[str, bool | None]] = []
    if count == 10_000:

        def within(name: str, limit: float) -> bool:
            seconds = results.seconds(name)
            return seconds is not None and seconds <= limit

        checks = [
            ("cold <= 3 x floor", cold is not None and floor is not None and cold <= 3 * floor),
            (
                "Pelican >= 1.5 x cold",
                None if pelican is None else cold is not None and pelican >= 1.5 * cold,
            ),
            ("no change <= 0.3 s", within("digest no change", 0.3)),
            ("tail edit <= 1 s", within("digest tail edit", 1)),
            ("lead edit <= 2 s", within("digest lead edit", 2)),
            (f"a day's {NEW_DAY} new articles <= 2 s", within(f"digest {NEW_DAY} new", 2)),
            ("tail edit <= 2 s, digest serve", within("serve tail edit", 2)),
            ("peak memory <= 1 GB", peak_of(results, "digest") <= 1_000 * MB),
        ]
    elif count == 100_000:
        checks = [
            ("cold <= 4 min", cold is not None and cold <= 240),
            ("cold peak PSS <= 1.5 GB", peak_of(results, "digest cold") <= 1_500 * MB),
        ]
    return [f"{'':>9}  target {name}: {verdict(ok)}" for name, ok in checks]


def report_growth(pairs: Sequence[tuple[int, int]], runs: dict[int, Results]) -> None:
    """The ratio of digest's cold build times between the sizes of each pair, the floor's beside it."""
    for small, large in pairs:
        before, after = runs[small].seconds("digest cold"), runs[large].seconds("digest cold")
        floors = runs[small].seconds("floor (2 processes)"), runs[large].seconds("floor (2 processes)")
        grown = None if before is None or after is None else after / before
        print(
            f"growth {small:,} -> {large:,} articles: digest cold {before or 0:.2f} s -> {after or 0:.2f} s, "
            f"{ratio(after, before)} (floor {ratio(*reversed(floors))}); "
            f"target <= 11 x: {verdict(None if grown is None else grown <= 11)}"
        )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--big", action="store_true", help="add 100,000 articles, and growth 10k -> 100k")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median reported)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/digest-bench"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--corpus",
        choices=sorted(KINDS),
        default="real",
        help="real: BBC texts retold by several outlets (benchmarks/realistic.py); "
        "template: made-up text (benchmarks/corpus.py)",
    )
    parser.add_argument(
        "--digest-args",
        type=shlex.split,
        default=[],
        help='extra digest build arguments, e.g. --digest-args="--jobs 2"',
    )
    parser.add_argument("--no-pelican", action="store_true", help="skip Pelican")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo")
    parser.add_argument("--no-growth", action="store_true", help="skip the growth sizes not in --sizes")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size] + ([100_000] if args.big else [])
    args.growth = [] if args.no_growth else [*GROWTH, *([BIG_GROWTH] if args.big else [])]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    compileall.compile_dir(REPO / "digest", quiet=1)
    load = os.getloadavg()[0]
    hugo = None if args.no_hugo else hugo_command()
    runs = {size: bench_size(size, args, hugo) for size in args.sizes}
    for size in sorted({size for pair in args.growth for size in pair} - set(runs)):
        runs[size] = growth_size(size, args)
    seeds = seed_site(args)
    print(
        f"\nBuild speed, {os.cpu_count()} CPUs, load {load:.1f} at start / {os.getloadavg()[0]:.1f} at end; "
        f"median of {args.runs} runs, wall time incl. interpreter start; memory the largest seen"
    )
    print(
        f"corpus: {args.corpus} ({'benchmarks/realistic.py, BBC texts' if args.corpus == 'real' else 'benchmarks/corpus.py'}), seed {args.seed}"
    )
    if args.digest_args:
        print(f"digest build arguments: {shlex.join(args.digest_args)}")
    if hugo is None and not args.no_hugo:
        print("Hugo: not available (apt-get install -y hugo), skipped")
    print(f"{'articles':>9}  {'measurement':<22} {'seconds':>9} {'RSS max':>9} {'PSS sum':>9}  (MB)")
    for size, results in runs.items():
        report_size(size, results)
    report_growth(args.growth, runs)
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
