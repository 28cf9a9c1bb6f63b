"""The pipeline: read, normalize, deduplicate, group, summarize, render, write."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar, cast

from digest import paths
from digest.cache import Cache, Resident, Stamp, code_version, stamp
from digest.config import Config
from digest.dating import dated_by_story, with_dates
from digest.dedupe import find_duplicates, near_pairs
from digest.errors import BuildError
from digest.export import article_key, export, story_hash, summary_hash
from digest.facts import key_facts
from digest.group import Grouping, group, inputs_key, outlet, subject_documents
from digest.ingest import Derived, Settings, Source, ingest
from digest.lock import Held, output_lock
from digest.models import (
    Article,
    Digest,
    Fact,
    Features,
    Issue,
    Story,
    StorySentence,
    at_hand,
    deferred,
    head_of,
)
from digest.parallel import beside, detached, fork_map
from digest.permalinks import previous_site
from digest.progress import Stages
from digest.readers import reader_for
from digest.readers.files import MEGABYTE, read_file
from digest.render import RenderState, render_site, theme_stamps
from digest.reuse import Compiled
from digest.summarize import story_length, summarize_story
from digest.topics import discover as discover_subjects
from digest.write import Staging, remove_in_thread, remove_now

# Characters a name shown in a page or feed may not hold (XML forbids them); tab and newline are fine.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A story's summary is chosen from at most this many of its articles, spread over its whole course: a
# story of hundreds of copies adds cost, not sentences, and its source counts are counted among them.
SUMMARY_ARTICLES = 40
FACT_SENTENCES = 12
FACT_ARTICLES = 25
# A story's traced summary and key facts as values ((text, article, sources) and (kind, text, sources)), and
# their ``summary_hash``: as the cache keeps them, since tuples unpickle much faster than records.
Summary = tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, str, int], ...], str]
T = TypeVar("T")
SITE_MARK = "digest.json"  # every site digest builds has it at its root
MAX_DEPTH = 64  # folders deeper than this are not read: os.walk recurses, and no real corpus nests so far


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
    last writes, removing the old site) goes on in a child process, which holds the output lock until it is
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
    _check_strict(strict, issues)
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
    sources, stamps, fingerprint = survey.sources, survey.stamps, survey.fingerprint
    # Linking the last site's files into the new one, most of which a rebuild keeps, goes on in a child
    # process meanwhile: one-shot builds only, since forking a process with threads (digest serve) is not safe.
    with Staging(config.output, prelink=later is not None and jobs > 1) as staging:
        with stages.stage("read", total=len(sources)) as advance:
            settings = Settings(config.sentences, config.max_file_mb * MEGABYTE)
            previous = previous_site(config.output / SITE_MARK)
            ingested = ingest(
                sources, settings, cache, jobs=jobs, advance=advance, stamps=stamps, previous=previous
            )
        for issue in ingested.issues:
            report(issue)
        articles, read = _news(ingested.articles), ingested.read
        derived = ingested.derived
        summaries = {i: d.summary for i, d in derived.items()}
        article_hashes = {i: d.article_hash for i, d in derived.items()}
        words = _Words(derived)
        del ingested
        with stages.stage("dedupe"):
            duplicate_of = _deduplicated(articles, derived, cache)
        with stages.stage("group"):
            grouping = _grouped(articles, duplicate_of, config, derived, cache, jobs=jobs)
        del derived  # the features are the bulk of it, and grouping was their last reader
        dated = dated_by_story(articles, grouping.stories)
        articles = with_dates(articles, dated)
        article_hashes.update({i: _redated(article_hashes[i], a) for i, a in dated.items()})
        # What the last build's pages and digest.json were made from, read while stories are summarized: not
        # earlier, so their bytes are not held while grouping peaks; not while sources are read, when the
        # linker and the per-file cache keep the other core and the file busy.
        for kind in ("site", "record", "story-record"):
            cache.prefetch(kind)
        with stages.stage("stories", total=len(grouping.stories)) as advance:
            by_id = {a.id: a for a in articles}
            stories, story_hashes = summarize_stories(
                grouping.stories,
                by_id,
                jobs=jobs,
                advance=advance,
                cache=cache,
                article_hashes=article_hashes,
                summaries=summaries if config.sentences == story_length(1) else None,
            )
        digest = Digest(
            title=config.title,
            articles=articles,
            duplicate_of=duplicate_of,
            summaries=summaries,
            stories=stories,
            topics=grouping.topics,
            days=grouping.days,
            issues=tuple(issues),
            story_of=_story_of(stories),
            topic_of={s.id: s.topic for s in stories},
        )
        _check_strict(strict, issues)
        last = cache.recall("site", ["site"]).get("site")
        compiled = cache.recall("theme", ["theme"]).get("theme")
        compiled = compiled if isinstance(compiled, Compiled) else Compiled()
        with stages.stage("render") as advance:
            memory = render_site(
                digest,
                config,
                staging.put,
                generated=_generated(environ),
                jobs=jobs,
                advance=advance,
                previous=last if isinstance(last, RenderState) else None,
                article_hashes=article_hashes,
                words=words,
                compiled=compiled,
                story_hashes=story_hashes,
                located=staging.linked,
            )
            staging.put("digest.json", _exported(digest, article_hashes, story_hashes, cache))
            for path, data in _originals(articles, sources, config.max_file_mb * MEGABYTE).items():
                staging.put(path, data)
        with stages.stage("write"):
            staging.commit(remove=_remover(cache, later))
    # A kept page's stamp is the one it had: linking a file leaves its size and mtime as they were.
    output = str(config.output)
    for path, page in memory.pages.items():
        if page.stamp is None:
            memory.pages[path] = page._replace(stamp=stamp(os.path.join(output, path)))
    cache.remember("site", {"site": memory})
    if compiled.fresh:
        cache.remember("theme", {"theme": compiled})
    result = Result(
        articles=len(articles) - len(duplicate_of),
        duplicates=len(duplicate_of),
        stories=len(stories),
        topics=len(grouping.topics),
        files=staging.files,
        issues=tuple(issues),
        seconds=time.perf_counter() - started,
        sources=len(sources),
        read=read,
        written=staging.written,
    )
    _remember(cache, fingerprint, config.output, result)
    return result


def _remover(cache: Cache, later: list[Callable[[], object]] | None) -> Callable[[Path], object] | None:
    """How the old site is removed: in a thread by a long-running process, by a job left for ``later``, or
    at once (None)."""
    if cache.resident is not None:
        return remove_in_thread
    if later is not None:
        return lambda old: later.append(functools.partial(remove_now, old))
    return None


class _Words(Mapping[str, str]):
    """Each article's search words, read from the cache only when asked for: search asks for those of the
    articles whose article hash changed."""

    def __init__(self, derived: Mapping[str, Derived]) -> None:
        # Words at hand are taken now; deferred ones are read later through their record, which holds no
        # features unless grouping read them: a fresh record's features are not kept alive for nothing.
        self._words = {
            i: words if isinstance(words := at_hand(d, "words"), str) else d for i, d in derived.items()
        }

    def __getitem__(self, key: str) -> str:
        words = self._words[key]
        return words if isinstance(words, str) else words.words

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)


def _deduplicated(
    articles: Sequence[Article], derived: Mapping[str, Derived], cache: Cache
) -> dict[str, str]:
    """Copies and what they copy; the near-copy pairs are the last build's when the articles are unchanged."""
    pairs = _remembered(
        cache,
        "pairs",
        _pairs_key(articles, derived),
        list,
        lambda: near_pairs(articles, {i: d.features.shingles for i, d in derived.items()}),
    )
    return find_duplicates(articles, pairs=pairs, rich={i: d.richness for i, d in derived.items()})


def _pairs_key(articles: Sequence[Article], derived: Mapping[str, Derived]) -> str:
    """A hash of everything ``near_pairs`` reads, by each article's ``sampled`` hash: reading the samples
    themselves would read every article's features from the cache."""
    lines = "".join(f"{a.id}:{derived[a.id].sampled}\n" for a in sorted(articles, key=lambda a: a.id))
    return hashlib.sha256(lines.encode()).hexdigest()


def _grouped(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    config: Config,
    derived: Mapping[str, Derived],
    cache: Cache,
    *,
    jobs: int,
) -> Grouping:
    """The grouping of these articles: the last build's when what grouping reads is unchanged."""
    keys = {i: d.grouped for i, d in derived.items()}
    return _remembered(
        cache,
        "grouping",
        inputs_key(articles, duplicate_of, config.topics, config.unmatched, keys),
        Grouping,
        lambda: _group(articles, duplicate_of, config, {i: d.features for i, d in derived.items()}, jobs),
    )


def _group(
    articles: Sequence[Article],
    duplicate_of: Mapping[str, str],
    config: Config,
    features: Mapping[str, Features],
    jobs: int,
) -> Grouping:
    """``group``, with topics discovered in a child process while stories are clustered when ``jobs`` > 1."""
    documents = subject_documents(articles, duplicate_of, config.topics, features)
    # The child reads no more than the documents: what it reads of this process's objects it copies.
    work = functools.partial(discover_subjects, documents or [])
    with beside(work, fork=documents is not None and jobs > 1) as found:
        return group(articles, duplicate_of, config.topics, config.unmatched, features, found)


def _exported(
    digest: Digest, article_hashes: Mapping[str, str], story_keys: Mapping[str, str], cache: Cache
) -> bytes:
    """``digest.json``, with the lines of articles and stories whose record is unchanged taken from the last
    build (``story_keys``: each story's ``story_hash``, which covers all its line holds)."""
    keys = {
        a.id: article_key(a, article_hashes[a.id], digest) for a in digest.articles if a.id in article_hashes
    }
    known = cache.recall("record", keys.values())
    told = cache.recall("story-record", story_keys.values())
    exported = export(
        digest,
        {i: line for i, k in keys.items() if isinstance(line := known.get(k), bytes)},
        {i: line for i, k in story_keys.items() if isinstance(line := told.get(k), bytes)},
    )
    cache.remember("record", {keys[i]: line for i, line in exported.articles.items() if i in keys})
    cache.remember("story-record", {story_keys[i]: line for i, line in exported.stories.items()})
    return exported.data


def _remembered(cache: Cache, kind: str, key: str, expected: type[T], compute: Callable[[], T]) -> T:
    """The value remembered for ``key`` (the hash of everything ``compute`` reads), else computed and kept."""
    known = cache.recall(kind, [key]).get(key)
    if isinstance(known, expected):
        return known
    value = compute()
    cache.remember(kind, {key: value})
    return value


def summarize_stories(
    stories: Sequence[Story],
    by_id: Mapping[str, Article],
    *,
    jobs: int = 1,
    advance: Callable[[int], None] = lambda done: None,
    cache: Cache | None = None,
    article_hashes: Mapping[str, str] | None = None,
    summaries: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[tuple[Story, ...], dict[str, str]]:
    """Every story with its traced summary and key facts, over ``jobs`` processes, unchanged ones cached;
    and each one's ``story_hash``.

    ``article_hashes`` are the articles' ``article_hash`` when known: they key the cache faster than the text.
    ``summaries`` are the articles' summaries when they have ``story_length(1)`` sentences: a story of one
    article takes its article's.
    """
    keys = [_summary_key(story, by_id, article_hashes or {}) for story in stories]
    known = cache.recall("story", keys) if cache else {}
    advance(len(known))
    todo = [i for i, key in enumerate(keys) if key not in known]

    def work(start: int, stop: int) -> list[Summary]:
        return [_summary(stories[i], by_id, summaries or {}) for i in todo[start:stop]]

    fresh = fork_map(work, len(todo), jobs=jobs, chunk=16, minimum=64, advance=advance)
    made = {keys[i]: value for i, value in zip(todo, fresh, strict=True)}
    if cache:
        cache.remember("story", {**known, **made})
    values = [cast(Summary, known[key]) if key in known else made[key] for key in keys]
    done = tuple(
        deferred(Story, head_of(story), functools.partial(_summary_records, value))
        for story, value in zip(stories, values, strict=True)
    )
    return done, {story.id: story_hash(story, value[2]) for story, value in zip(done, values, strict=True)}


def _news(articles: tuple[Article, ...]) -> tuple[Article, ...]:
    """The articles, without the samples (``Article.sample``) once there is any other."""
    if all(a.sample for a in articles) or not any(a.sample for a in articles):
        return articles
    return tuple(a for a in articles if not a.sample)


def _redated(known: str, article: Article) -> str:
    """The article hash of an article its story dated: its own, and the date it was given."""
    return hashlib.sha256(f"{known}\0{article.date}\0{article.date_from}".encode()).hexdigest()


def _summary_records(value: Summary) -> tuple[tuple[StorySentence, ...], tuple[Fact, ...]]:
    """A story's summary and facts from their values: made when first read (``Story.DEFERRED``)."""
    summary, facts, _ = value
    return tuple(StorySentence(*sentence) for sentence in summary), tuple(Fact(*fact) for fact in facts)


def _check_strict(strict: bool, issues: Sequence[Issue]) -> None:
    if strict and issues:
        raise BuildError(f"{len(issues)} warning(s) and --strict is set; the previous site is left as it was")


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


def discover(root: Path, output: Path, report: Callable[[Issue], None]) -> Iterator[Source]:
    """Article files under ``root`` in a stable order; hidden files, the output and outside links skipped."""
    root = root.absolute()
    real_root = Path(os.path.realpath(root))
    skip = Path(os.path.realpath(output.absolute()))
    return _walk(root, "", root, real_root, skip, report)


def _walk(
    folder: Path, prefix: str, root: Path, real_root: Path, skip: Path, report: Callable[[Issue], None]
) -> Iterator[Source]:
    """``discover`` in ``folder`` (``prefix``: its path relative to the root, with a '/'): its own files by
    name, then each subfolder's, as a top-down ``os.walk``; links to folders are never followed."""
    # os.scandir, not os.walk and a Path per file: the file type comes with the listing, no stat per name.
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is passed over
    dirs: list[os.DirEntry[str]] = []
    files: list[os.DirEntry[str]] = []
    for entry in entries:
        (dirs if _is_folder(entry) else files).append(entry)
    walked = [entry.name for entry in dirs if _walked(folder / entry.name, root, real_root, skip, report)]
    for entry in files:
        name = entry.name
        if name.startswith(".") or reader_for(os.path.splitext(name)[1]) is None:
            continue
        relative = prefix + name
        problem = _file_problem(entry.path, relative, real_root, entry.is_symlink())
        if problem is not None:
            report(Issue(shown_name(relative), problem))
            continue
        yield Source(entry.path, relative)
    for name in walked:
        yield from _walk(folder / name, f"{prefix}{name}/", root, real_root, skip, report)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def shown_name(relative: str) -> str:
    """A relative path as text that can be printed and written: undecodable bytes and controls as \\x escapes."""
    text = os.fsencode(relative).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda match: ascii(match[0])[1:-1], text)


def _walked(folder: Path, root: Path, real_root: Path, output: Path, report: Callable[[Issue], None]) -> bool:
    """Whether discover goes into ``folder``; links leading out of the source are reported."""
    if folder.name.startswith("."):
        return False
    real = Path(os.path.realpath(folder))
    if real == output or (folder / SITE_MARK).is_file():
        return False  # a site digest built is never read back as articles, wherever it was written
    relative = shown_name(folder.relative_to(root).as_posix())
    if folder.is_symlink():
        if not real.is_relative_to(real_root):
            report(Issue(relative, "symbolic link to a folder outside the source folder; not followed"))
        return False  # os.walk would not follow it either; inside links only repeat what is walked anyway
    if len(folder.relative_to(root).parts) > MAX_DEPTH:
        report(Issue(relative, f"folder nested more than {MAX_DEPTH} levels deep; not read"))
        return False
    return True


def _file_problem(path: str, relative: str, real_root: Path, link: bool) -> str | None:
    """Why ``path`` (``link``: a symbolic link) is skipped before reading, or None when it is read."""
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8; skipped (rename the file)"
    if _CONTROL.search(relative):
        return "file name holds a control character; skipped (rename the file)"
    if link:
        real = Path(os.path.realpath(path))  # never raises, even on a link loop
        if not real.is_relative_to(real_root):
            return "symbolic link to a file outside the source folder; not followed"
    return None


def _summary_key(story: Story, by_id: Mapping[str, Article], article_hashes: Mapping[str, str]) -> str:
    """A hash of what a story's summary and facts are made of: its articles' ids, titles and sentences
    (or the articles' article_hashes, which cover those)."""
    digest_ = hashlib.sha256()
    for article_id in story.articles:
        known = article_hashes.get(article_id)
        if known is not None:
            digest_.update(f"{article_id}:{known}\n".encode())
        else:
            article = by_id[article_id]
            text = repr((article_id, article.title, outlet(article), tuple(article.sentences)))
            digest_.update(text.encode("utf-8", "surrogatepass"))
    return digest_.hexdigest()


def _summary(story: Story, by_id: Mapping[str, Article], known: Mapping[str, tuple[str, ...]]) -> Summary:
    """A story's summary, facts and ``summary_hash``; ``known``: articles' summaries of a one-article story's
    length, which is what its summary would be (``summarize_story``)."""
    members = [(a, by_id[a].sentences) for a in _spread(story.articles, SUMMARY_ARTICLES)]
    titles = {a: by_id[a].title for a in story.articles}
    outlets = {a: outlet(by_id[a]) for a in story.articles}
    # Key facts read the leads of the first articles: what outlets agree on is stated early, and a big
    # story's hundredth article adds cost, not facts.
    leads = [(a, sentences[:FACT_SENTENCES]) for a, sentences in members[:FACT_ARTICLES]]
    if len(members) == 1 and members[0][0] in known:
        summary = tuple(StorySentence(text, members[0][0], 1) for text in known[members[0][0]])
    else:
        summary = summarize_story(members, titles=titles, outlets=outlets)
    facts = key_facts(leads, titles=titles)
    return (
        tuple((s.text, s.article, s.sources) for s in summary),
        tuple((f.kind, f.text, f.sources) for f in facts),
        summary_hash(summary, facts),
    )


def _spread(items: Sequence[str], count: int) -> list[str]:
    """At most ``count`` items spread evenly over the sequence (oldest to newest), ends included."""
    if len(items) <= count:
        return list(items)
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


def _story_of(stories: tuple[Story, ...]) -> dict[str, str]:
    return {a: s.id for s in stories for a in (*s.articles, *s.duplicates)}


def _originals(articles: tuple[Article, ...], sources: Sequence[Source], max_bytes: int) -> dict[str, bytes]:
    """Copies of the source files of articles that have no URL, so every article links to its original."""
    wanted = {paths.source_file(a.source) for a in articles if not a.url}
    return {
        paths.original_copy(s.name): read_file(s.path, s.name, max_bytes) for s in sources if s.name in wanted
    }


def _generated(environ: Mapping[str, str]) -> str | None:
    """The build time to print in the site: only when SOURCE_DATE_EPOCH fixes it, for reproducible builds."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return None
    return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).isoformat()
