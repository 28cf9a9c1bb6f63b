"""Finding the article files of a source folder, in a stable order, without reading them."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.models import Issue
from digest.read.readers import reader_for

# Characters a name shown in a page or feed may not hold (XML forbids them); tab and newline are fine.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SITE_MARK = "digest.json"  # every site digest builds has it at its root
MAX_DEPTH = 64  # folders deeper than this are not read: os.walk recurses, and no real corpus nests so far


@dataclass(frozen=True)
class Source:
    """One input file: where it is and its path relative to the source folder."""

    path: str  # as the operating system is given it: a Path per file would cost a survey a third more
    name: str  # relative, '/' separators


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
