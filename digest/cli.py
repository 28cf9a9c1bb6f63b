"""Command line: parse arguments, load the config, run the build; errors become one line and an exit code."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from digest import __version__
from digest.errors import ConfigError, DigestError
from digest.models import Issue

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``digest`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return _build(args)
    except ConfigError as error:
        for problem in error.problems:
            where = f"{error.path}: " if error.path else ""
            print(f"error: {where}{problem}", file=sys.stderr)
        return EXIT_FAILED
    except DigestError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted; the previous site is left as it was", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="digest", description="Build a static news digest site from a folder of news articles."
    )
    parser.add_argument("--version", action="version", version=f"digest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser(
        "build",
        help="read a folder of articles and write the site",
        description="Read a folder of news articles and write the digest site (default: seeds/ into site/).",
    )
    build.add_argument("source", nargs="?", type=Path, help="folder of articles (default: build.source)")
    build.add_argument(
        "-o", "--output", type=Path, help="folder to write the site to (default: build.output)"
    )
    build.add_argument("-c", "--config", type=Path, help="config file (default: ./digest.toml if present)")
    build.add_argument("--strict", action="store_true", help="fail (exit 1) on any warning")
    build.add_argument("-q", "--quiet", action="store_true", help="print nothing but warnings and errors")
    return parser


def _build(args: argparse.Namespace) -> int:
    from digest import config as config_module
    from digest.build import build

    cwd = Path.cwd()
    path = args.config if args.config is not None else config_module.find(cwd)
    config = config_module.load(path, cwd, check_source=args.source is None)
    if args.source is not None:
        if not args.source.is_dir():
            raise ConfigError(None, [f"{args.source}: source folder not found"])
        config = replace(config, source=args.source)
    if args.output is not None:
        config = replace(config, output=args.output)

    def warn(issue: Issue) -> None:
        print(f"warning: {_shown(config.source, issue)}", file=sys.stderr)

    result = build(config, strict=args.strict, on_issue=warn)
    if not args.quiet:
        print(
            f"built {result.articles} articles ({result.duplicates} duplicates), {result.stories} stories, "
            f"{result.topics} topics, {result.files} files into {config.output} "
            f"in {result.seconds:.2f} s; {len(result.issues)} warnings"
        )
    return EXIT_OK


def _shown(source: Path, issue: Issue) -> str:
    return f"{source / issue.source.split('#', 1)[0]}{_fragment(issue.source)}: {issue.reason}"


def _fragment(source: str) -> str:
    return "#" + source.split("#", 1)[1] if "#" in source else ""


if __name__ == "__main__":
    sys.exit(main())
