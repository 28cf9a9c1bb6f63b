"""``digest build``: check the output, find the sources, skip the build when nothing changed, and run the
pipeline under the output lock through the incremental engine."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.config import Config
from digest.errors import BuildError, check_strict
from digest.incremental.cache import Cache, Resident, Stamp, code_version, stamp, theme_stamps
from digest.incremental.parallel import detached
from digest.models import Issue
from digest.progress import Stages
from digest.read.discovery import SITE_MARK, Source, discover
from digest.write.lock import Held, output_lock
from digest.write.staging import Defer, Staging, in_thread


@dataclass(frozen=True)
class Result:
    """What a build produced, for the CLI's closing line."""

    articles: int
    duplicates: int
    stories: int
    topics: int
    files: int
    issues: tuple[Issue, ...]
    seconds: float
    sources: int = 0  # source files found
    read: int = 0  # source files read this time; the others came from the cache
    unchanged: bool = False  # nothing changed since the last build: nothing was done
    written: int = 0  # files written; the others were left as the last build wrote them


def build(
    config: Config,
    *,
    strict: bool = False,
    environ: Mapping[str, str] = os.environ,
    on_issue: Callable[[Issue], None] = lambda issue: None,
    jobs: int = 1,
    use_cache: bool = True,
    stages: Stages | None = None,
    resident: Resident | None = None,
    detach: bool = False,
) -> Result:
    """Build the site for ``config``; the previous site stays untouched unless everything succeeds.

    A long-running caller passes the same ``resident`` to every build: what the cache holds stays in memory.
    ``detach`` when the process ends with the build: what is left once the new site is in place (the cache's
    last writes, linking a first site's spare) goes on in a child process, which holds the output lock until it is
    done, so the next build waits for it.
    """
    stages = stages or Stages()
    started = time.perf_counter()
    issues: list[Issue] = []  # everything reported, discovery's included

    def report(issue: Issue) -> None:
        issues.append(issue)
        on_issue(issue)

    _check_output(config)
    with _collector_paused():
        with stages.stage("discover"):
            survey = _survey(config, environ, report)
        folder, key = config.cache if use_cache else None, _cache_key(config)
        # Whether anything changed is read without the lock: a build with nothing to do never waits for one
        # still finishing (a detached build's last writes) or still making the very same site.
        previous = _peeked(folder, key, survey.fingerprint, config.output)
        if previous is None:
            with output_lock(config.output) as held:
                cache = Cache(folder, key, resident, deferred=detach)
                later: list[Callable[[], object]] = []
                try:
                    # The build waited for may have made this very site.
                    previous = _unchanged(cache, survey.fingerprint, config.output)
                    if previous is None:
                        return _build(
                            config,
                            cache,
                            stages,
                            survey,
                            issues,
                            report,
                            strict=strict,
                            environ=environ,
                            jobs=jobs,
                            later=later if detach else None,
                            started=started,
                        )
                finally:
                    _finish(cache, later, held)
    for issue in previous.issues:
        report(issue)
    check_strict(strict, len(issues))
    return replace(previous, issues=tuple(issues), seconds=time.perf_counter() - started, unchanged=True)


def _check_output(config: Config) -> None:
    """Raise BuildError when writing the site would replace what is not a site: a build swaps the whole
    output folder, so it must hold neither the articles, the project nor anything but an earlier site."""
    output = config.output.resolve()
    guarded = (
        ("the source folder", config.source),
        ("the templates folder", config.templates),
        ("the config file", config.path),
        ("the cache", config.cache),
        ("the current folder", Path.cwd()),
    )
    for name, path in guarded:
        if path is not None and _within(path.resolve(), output):
            raise BuildError(
                f"{config.output}: the output folder would replace {name} ({path}); choose another"
            )
    if _within(output, config.source.resolve()):
        raise BuildError(
            f"{config.output}: the output folder is inside the source folder ({config.source}), so the site "
            "would be read back as articles; choose an output folder outside it"
        )
    if output.is_dir() and any(output.iterdir()) and not (output / SITE_MARK).is_file():
        raise BuildError(
            f"{config.output}: not empty and not a site built by digest (no digest.json); "
            "refusing to replace it: choose another output folder or empty it"
        )


def _within(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or inside it."""
    return path == folder or folder in path.parents


@dataclass(frozen=True)
class _Survey:
    """The source files found, their stamps, and the fingerprint of everything the output depends on."""

    sources: tuple[Source, ...]
    stamps: dict[str, Stamp]
    fingerprint: str


def _finish(cache: Cache, later: Sequence[Callable[[], object]], held: Held) -> None:
    """Close the cache; what was left for later runs in a child process that takes the lock over."""
    if not cache.deferred:
        cache.close()
        return
    jobs = [job for job in (cache.handoff(), *later) if job is not None]
    if not jobs:
        return
    if detached(jobs):
        held.pass_on()
    else:
        for job in jobs:
            job()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, as it was after."""
    # A build makes millions of long-lived objects (records, cache entries) and almost no reference cycles:
    # the collector's passes over them cost a tenth of a cold build and a fifth of a rebuild, for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _survey(config: Config, environ: Mapping[str, str], report: Callable[[Issue], None]) -> _Survey:
    """Find the sources and fingerprint the build's inputs, reporting what cannot be read."""
    sources = tuple(discover(config.source, config.output, report))
    stamps = {s.name: stamp(s.path) for s in sources}
    return _Survey(sources, stamps, _fingerprint(config, stamps, environ))


def _build(
    config: Config,
    cache: Cache,
    stages: Stages,
    survey: _Survey,
    issues: list[Issue],
    report: Callable[[Issue], None],
    *,
    strict: bool,
    environ: Mapping[str, str],
    jobs: int,
    later: list[Callable[[], object]] | None,
    started: float,
) -> Result:
    # Imported here: a build with nothing to do, which never gets here, starts in half the time without them.
    from digest import pipeline
    from digest.incremental.engine import Engine

    engine = Engine(cache, jobs=jobs)
    # The new site starts as the spare the last build swapped out, brought up to date: a rebuild keeps most
    # files, which then cost it nothing.
    with Staging(config.output, spare=True) as staging:
        built = pipeline.run(
            config,
            survey.sources,
            survey.stamps,
            engine,
            staging.put,
            staging.keep,
            stages=stages,
            issues=issues,
            report=report,
            strict=strict,
            generated=_generated(environ),
        )
        with stages.stage("write"):
            staging.commit(defer=_deferrer(cache, later))
    engine.written(str(config.output))
    digest = built.digest
    result = Result(
        articles=len(digest.articles) - len(digest.duplicate_of),
        duplicates=len(digest.duplicate_of),
        stories=len(digest.stories),
        topics=len(digest.topics),
        files=staging.files,
        issues=tuple(issues),
        seconds=time.perf_counter() - started,
        sources=len(survey.sources),
        read=built.read,
        written=staging.written,
    )
    _remember(cache, survey.fingerprint, config.output, result)
    return result


def _deferrer(cache: Cache, later: list[Callable[[], object]] | None) -> Defer | None:
    """How the writer's work after the swap runs: in a thread by a long-running process, as a job left for
    ``later``, or at once (None)."""
    if cache.resident is not None:
        return in_thread
    if later is not None:
        return later.append
    return None


def _cache_key(config: Config) -> str:
    """Per-file results depend on the code and on these settings only."""
    return f"{code_version()}:{config.sentences}:{config.max_file_mb}"


def _fingerprint(config: Config, stamps: Mapping[str, Stamp], environ: Mapping[str, str]) -> str:
    """Everything a build's output depends on, cheaply: code, config, clock setting, and file stamps."""
    digest_ = hashlib.sha256(f"{code_version()}\0{config!r}\0{environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    for name, mark in stamps.items():
        digest_.update(_stamp_line(name, mark))
    for name, mark in theme_stamps(config):
        digest_.update(_stamp_line(name, mark))
    return digest_.hexdigest()


def _stamp_line(name: str, mark: Stamp) -> bytes:
    return f"{name}\0{mark.size}\0{mark.mtime_ns}\n".encode("utf-8", "backslashreplace")


def _output_stamp(output: Path) -> str:
    return _stamp_line("digest.json", stamp(output / "digest.json")).decode("utf-8", "backslashreplace")


def _peeked(folder: Path | None, key: str, fingerprint: str, output: Path) -> Result | None:
    """``_unchanged``, read from the cache file opened read-only."""
    reader = Cache.reader(folder, key)
    try:
        return _unchanged(reader, fingerprint, output)
    finally:
        reader.close()


def _unchanged(cache: Cache, fingerprint: str, output: Path) -> Result | None:
    """The last build's result when its inputs and its output are exactly as that build left them."""
    if cache.get("fingerprint") != fingerprint or cache.get("output") != _output_stamp(output):
        return None
    stored = json.loads(cache.get("result") or "null")
    if not isinstance(stored, dict):
        return None
    issues = tuple(Issue(source, reason) for source, reason in stored.pop("issues"))
    return Result(**stored, issues=issues)


def _remember(cache: Cache, fingerprint: str, output: Path, result: Result) -> None:
    stored = {
        "articles": result.articles,
        "duplicates": result.duplicates,
        "stories": result.stories,
        "topics": result.topics,
        "files": result.files,
        "seconds": result.seconds,
        "sources": result.sources,
        "issues": [[i.source, i.reason] for i in result.issues],
    }
    cache.put("result", json.dumps(stored))
    cache.put("fingerprint", fingerprint)
    cache.put("output", _output_stamp(output))


def _generated(environ: Mapping[str, str]) -> str | None:
    """The build time to print in the site: only when SOURCE_DATE_EPOCH fixes it, for reproducible builds."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).isoformat()
