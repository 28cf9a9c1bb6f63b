"""Command line: parse arguments, load the config, run the build; errors become one line and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from digest import __version__
from digest.errors import ConfigError, DigestError
from digest.models import Issue
from digest.render import paths
from digest.render.humanize import plural

if TYPE_CHECKING:
    from digest.commands.build import Result
    from digest.commands.fetch import FeedReport
    from digest.config import Config

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

NO_PROJECT = (
    "no digest.toml in this folder or any folder above it: start a digest with `digest new NAME`, "
    "or build a folder of articles with `digest build FOLDER`"
)


class Stopped(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) arrived: unwinds like Ctrl-C, so every cleanup clause runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run() -> NoReturn:
    """The ``digest`` command: ``main``, then exit without tearing the interpreter down."""
    code = main(process_ends=True)
    with contextlib.suppress(OSError):  # a reader that went away (``digest build | head``)
        sys.stdout.flush()
        sys.stderr.flush()
    # Freeing every object one by one is the interpreter's last job otherwise, after a large build, for
    # memory the operating system takes back at once anyway.
    os._exit(code)


def main(argv: list[str] | None = None, *, process_ends: bool = False) -> int:
    """Entry point of the ``digest`` command; ``process_ends`` when nothing runs in this process after it."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    args.process_ends = process_ends
    if process_ends and args.command == "build":
        # Once a one-shot build is over, the cycle collector would walk the millions of objects the build
        # leaves to free a few thousand the exit frees anyway.
        gc.disable()
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "build": _build,
        "fetch": _fetch,
        "serve": _serve,
        "publish": _publish,
        "new": _new,
        "theme": _theme,
    }
    try:
        with _stopped_by_signals():
            return commands[args.command](args)
    except ConfigError as error:
        for problem in error.problems:
            where = f"{error.path}: " if error.path else ""
            print(f"error: {where}{problem}", file=sys.stderr)
        return EXIT_FAILED
    except DigestError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as interrupt:
        signum = interrupt.signum if isinstance(interrupt, Stopped) else signal.SIGINT
        left = "the previous site is left as it was" if args.command in ("build", "serve") else "stopped"
        print(f"error: interrupted; {left}", file=sys.stderr)
        return 128 + signum


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception while a command runs, so a killed build cleans up."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a caller running main() in a thread keeps its own
        return

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: arguments it does not know are its own error, shown with its own usage."""

    def parse_known_args(  # type: ignore[override]  # argparse types it with overloads; called plainly here
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse, and fail on any argument left over (argparse would leave them to the top-level parser)."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}{self._suggestion(extras)}")
        return parsed, extras

    def _suggestion(self, extras: list[str]) -> str:
        import difflib

        known = [option for action in self._actions for option in action.option_strings]
        for extra in extras:
            close = difflib.get_close_matches(extra.split("=", 1)[0], known, n=1)
            if extra.startswith("-") and close:
                return f" (did you mean {close[0]}?)"
        return ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest", description="Build a static news digest site from a folder of news articles."
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    build = commands.add_parser(
        "build",
        help="read a folder of articles and write the site",
        description="Read a folder of news articles and write the digest site (default: the project's "
        "build.source into build.output).",
    )
    build.add_argument("source", nargs="?", type=Path, help="folder of articles (default: build.source)")
    build.add_argument(
        "-o", "--output", type=Path, help="folder to write the site to (default: build.output)"
    )
    build.add_argument("-c", "--config", type=Path, help="config file (default: ./digest.toml if present)")
    build.add_argument("--strict", action="store_true", help="fail (exit 1) on any warning")
    build.add_argument("-q", "--quiet", action="store_true", help="print nothing but warnings and errors")
    build.add_argument("-v", "--verbose", action="store_true", help="also print the time of each stage")
    build.add_argument(
        "-j", "--jobs", type=_positive, default=None, help="processes to use (default: all cores)"
    )
    build.add_argument("--no-cache", action="store_true", help="ignore the incremental cache (build.cache)")
    _add_fetch(commands)
    _add_serve(commands)
    _add_publish(commands)
    new = commands.add_parser(
        "new",
        help="create a new digest folder",
        description="Create DIR with a commented digest.toml, a sample article, templates/ and a .gitignore.",
    )
    new.add_argument("directory", type=Path, metavar="DIR", help="folder to create (absent or empty)")
    commands.add_parser(
        "theme",
        help="print the folder of the default theme's templates",
        description="Print the folder of the default theme's templates, to copy one into your templates/.",
    )
    return parser


def _add_fetch(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    fetch = commands.add_parser(
        "fetch",
        help="download the configured feeds into the source folder",
        description="Download each [[feeds]] entry of digest.toml and write new entries as Markdown files.",
    )
    fetch.add_argument("-c", "--config", type=Path, help="config file (default: ./digest.toml)")
    fetch.add_argument("--strict", action="store_true", help="fail (exit 1) when any feed or page fails")
    fetch.add_argument("-q", "--quiet", action="store_true", help="print nothing but warnings and errors")


def _add_serve(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="build, serve on 127.0.0.1 and rebuild on changes",
        description="Build the site, serve it on 127.0.0.1, rebuild and reload open pages on every change.",
    )
    serve.add_argument("source", nargs="?", type=Path, help="folder of articles (default: build.source)")
    serve.add_argument("-o", "--output", type=Path, help="folder to build into (default: build.output)")
    serve.add_argument("-c", "--config", type=Path, help="config file (default: ./digest.toml if present)")
    serve.add_argument("-p", "--port", type=_port, help="port (default: serve.port, 8000; 0: any free port)")
    serve.add_argument(
        "-j", "--jobs", type=_positive, default=None, help="processes to use (default: all cores)"
    )


def _add_publish(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    publish = commands.add_parser(
        "publish",
        help="commit the built site to a git branch, or copy it to a folder",
        description="Publish the built site: commit it as the whole tree of a branch of the current git "
        "repository (default: publish.branch, gh-pages), leaving your working tree alone; or copy it "
        "to a folder with --to.",
    )
    where = publish.add_mutually_exclusive_group()
    where.add_argument("-b", "--branch", help="branch to commit the site to (default: publish.branch)")
    where.add_argument("--to", type=Path, metavar="DIR", help="copy the site to this folder instead")
    publish.add_argument("-m", "--message", help="commit message (default: names the build)")
    publish.add_argument("-c", "--config", type=Path, help="config file (default: ./digest.toml if present)")
    publish.add_argument("--site", type=Path, help="the built site (default: build.output)")


def _build(args: argparse.Namespace) -> int:
    from digest import config as config_module
    from digest.commands.build import build
    from digest.incremental.parallel import default_jobs
    from digest.progress import Stages

    cwd = Path.cwd()
    path = args.config if args.config is not None else config_module.find(cwd)
    if path is None and args.source is None:
        raise ConfigError(None, [NO_PROJECT])
    config = config_module.load(path, cwd, check_source=args.source is None)
    if args.source is not None:
        _check_source(args.source)
        config = replace(config, source=args.source)
    if args.output is not None:
        config = replace(config, output=args.output)

    def warn(issue: Issue) -> None:
        print(f"warning: {_shown(config.source, issue)}", file=sys.stderr)

    jobs = args.jobs or default_jobs()
    stages = Stages(bars=not args.quiet and sys.stderr.isatty() and _looks_big(config))
    try:
        result = build(
            config,
            strict=args.strict,
            on_issue=warn,
            jobs=jobs,
            use_cache=not args.no_cache,
            stages=stages,
            detach=args.process_ends,
        )
    finally:
        stages.close()
    if args.verbose:
        for name, seconds in stages.timings:
            print(f"  {name:<9} {seconds:7.2f} s")
    if not args.quiet:
        print(_summary_line(result, config.output))
    return EXIT_OK


def _summary_line(result: Result, output: Path) -> str:
    if result.unchanged:
        return f"{output} is up to date: nothing changed since the last build ({result.seconds:.2f} s)"
    cached = (
        f" ({result.read} of {result.sources} files read, the rest cached)"
        if result.read < result.sources
        else ""
    )
    return (
        f"built {plural(result.articles, 'article')} ({plural(result.duplicates, 'duplicate')}), "
        f"{plural(result.stories, 'story', 'stories')}, {plural(result.topics, 'topic')}, "
        f"{plural(result.files, 'file')} ({result.written} written, {result.files - result.written} unchanged) "
        f"into {output}{cached} in {result.seconds:.2f} s; {plural(len(result.issues), 'warning')}"
    )


def _looks_big(config: Config) -> bool:
    """Whether the source holds enough files for progress bars to be worth drawing."""
    from digest.progress import BARS_FROM_FILES

    count = 0
    for _folder, _dirs, names in os.walk(config.source):
        count += len(names)
        if count >= BARS_FROM_FILES:
            return True
    return False


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {value}")
    return value


def _load(args: argparse.Namespace, *, check_source: bool) -> Config:
    from digest import config as config_module

    cwd = Path.cwd()
    path = args.config if args.config is not None else config_module.find(cwd)
    if path is None and check_source:
        raise ConfigError(None, [NO_PROJECT])
    return config_module.load(path, cwd, check_source=check_source)


def _fetch(args: argparse.Namespace) -> int:
    from digest import config as config_module
    from digest.commands.fetch import fetch

    config = _load(args, check_source=False)
    if config.path is None:
        raise ConfigError(None, [f"no {config_module.CONFIG_NAME} here: fetch reads its [[feeds]] from it"])
    progress = _FetchProgress() if not args.quiet and sys.stderr.isatty() else None

    def show(report: FeedReport) -> None:
        if progress is not None:
            progress.clear()
        for line in _feed_lines(report):
            stream = sys.stderr if line.startswith("warning:") else sys.stdout
            if stream is sys.stderr or not args.quiet:
                print(line, file=stream)

    reports = fetch(
        config,
        config_module.fetch_state_path(config, Path.cwd()),
        on_report=show,
        on_progress=progress.show if progress is not None else lambda feed, done, total: None,
    )
    failed = [r for r in reports if r.failed]
    if not args.quiet:
        print(_one_line(_fetch_summary(reports, config.source)))
    if len(failed) == len(reports):
        print("error: every feed failed; nothing was fetched", file=sys.stderr)
        return EXIT_FAILED
    if args.strict and any(r.failed or r.problems for r in reports):
        print("error: some feeds or pages failed and --strict is set", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


class _FetchProgress:
    """One line on the terminal, rewritten in place, while a full-text feed's pages are fetched."""

    def __init__(self) -> None:
        self._shown = False

    def show(self, feed: str, done: int, total: int) -> None:
        """Say which entry of which feed is being fetched, over the last such line."""
        import shutil

        width = shutil.get_terminal_size().columns - 1  # a line as wide as the terminal would wrap
        line = _one_line(f"feed {feed}: page {done} of {total} ...")
        sys.stderr.write(f"\r{line[:width]}\x1b[K")
        sys.stderr.flush()
        self._shown = True

    def clear(self) -> None:
        """Remove the progress line, so that the next line printed starts on an empty line."""
        if self._shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self._shown = False


def _fetch_summary(reports: tuple[FeedReport, ...], source: Path) -> str:
    """The closing line of a fetch, counting what the lines of the feeds said."""
    answered = [r for r in reports if not r.failed]
    head = f"fetched {len(answered)} of {plural(len(reports), 'feed')}"
    if not answered:
        return head
    new, updated, unchanged = (
        sum(getattr(r, kind) for r in answered) for kind in ("new", "updated", "unchanged")
    )
    kept = sum(len(r.kept) for r in answered)
    not_modified = sum(1 for r in answered if r.not_modified)
    if not_modified == len(answered):
        return f"{head}: nothing new ({not_modified} not modified since the last fetch)"
    details = [f"{kept} kept as edited by hand"] if kept else []
    if not_modified:
        details.append(f"{plural(not_modified, 'feed')} not modified since the last fetch")
    if new or updated:
        said = f" into {source}: {new} new, {updated} updated, {unchanged} unchanged"
    else:
        said = ": nothing new"
        details.insert(0, f"{unchanged} unchanged")
    return head + said + (f" ({'; '.join(details)})" if details else "")


def _feed_lines(report: FeedReport) -> list[str]:
    """What one feed's fetch printed: a summary line, then a line per problem; control characters escaped."""
    name = f"feed {report.feed}"
    if report.failed:
        return [_one_line(f"warning: {name}: failed: {report.failed}")]
    if report.not_modified:
        lines = [f"{name}: unchanged (not modified since the last fetch)"]
    else:
        lines = [f"{name}: {report.new} new, {report.updated} updated, {report.unchanged} unchanged"]
    lines.extend(f"{name}: kept {path}: edited by hand, not overwritten" for path in report.kept)
    lines.extend(f"warning: {name}: {problem}" for problem in report.problems)
    return [_one_line(line) for line in lines]


def _serve(args: argparse.Namespace) -> int:
    from digest.commands.serve import serve
    from digest.incremental.parallel import default_jobs

    def load() -> Config:
        config = _load(args, check_source=args.source is None)
        if args.source is not None:
            _check_source(args.source)
            config = replace(config, source=args.source)
        return replace(config, output=args.output) if args.output is not None else config

    port = args.port if args.port is not None else load().port

    def say(message: str) -> None:
        print(
            message, file=sys.stderr if message.startswith(("error:", "warning:")) else sys.stdout, flush=True
        )

    def ready(url: str) -> None:
        say(f"serving {url} (Ctrl+C to stop)")

    try:
        serve(load, port=port, on_message=say, on_ready=ready, jobs=args.jobs or default_jobs())
    except KeyboardInterrupt:
        say("stopped")
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    from digest.commands.publish import publish_branch, publish_folder

    config = _load(args, check_source=False)
    site = args.site if args.site is not None else config.output
    folder = args.to if args.to is not None else (config.publish_folder if args.branch is None else None)
    if folder is not None:
        done = publish_folder(site, folder, args.message)
    else:
        done = publish_branch(site, Path.cwd(), args.branch or config.publish_branch, args.message)
    if not done.changed:
        print(f"{done.target} already holds this site ({done.commit}); nothing to publish")
    else:
        commit = f" as {done.commit[:12]}" if done.commit else ""
        print(f"published {done.files} files to {done.target}{commit}: {done.message}")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    import datetime as dt

    from digest.commands.scaffold import new

    written = new(args.directory, dt.date.today())
    print(f"created {args.directory}: {', '.join(written)}")
    print(f"next: cd {args.directory} && digest build, then open site/index.html")
    return EXIT_OK


def _theme(args: argparse.Namespace) -> int:
    from digest.render.theme import theme_dir

    print(theme_dir().resolve())
    return EXIT_OK


def _shown(source: Path, issue: Issue) -> str:
    file = paths.source_file(issue.source)
    where = f"{source / file}{issue.source[len(file) :]}"
    return f"{_one_line(where)}: {_one_line(issue.reason)}"


def _one_line(text: str) -> str:
    """The text with control characters (a newline in a file name) escaped, so a warning stays one line."""
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


if __name__ == "__main__":
    sys.exit(main())


def _check_source(source: Path) -> None:
    """A source given on the command line must be a folder; a file is named as one."""
    if source.is_file():
        raise ConfigError(None, [f"{source}: is a file; give the folder that holds the articles"])
    if not source.is_dir():
        raise ConfigError(None, [f"{source}: source folder not found"])
