"""Domain errors; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

from pathlib import Path


class DigestError(Exception):
    """Base of every error the build reports to the user."""


class ConfigError(DigestError):
    """The configuration is invalid; carries every problem found."""

    def __init__(self, path: Path | None, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        where = f"{path}: " if path else ""
        super().__init__("; ".join(f"{where}{p}" for p in problems))


class SourceError(DigestError):
    """One input file cannot be read; the build warns and goes on."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class TemplateError(DigestError):
    """A template is missing or broken."""


class BuildError(DigestError):
    """The build cannot complete (output not writable, strict warnings, ...)."""


def check_strict(strict: bool, warnings: int) -> None:
    """Raise BuildError under ``--strict`` when anything was reported (``warnings``)."""
    if strict and warnings:
        raise BuildError(f"{warnings} warning(s) and --strict is set; the previous site is left as it was")


class FetchError(DigestError):
    """A feed or page cannot be fetched, or fetch's state file is unusable."""


class ServeError(DigestError):
    """The preview server cannot start (port taken, no permission)."""


class PublishError(DigestError):
    """The site cannot be published (not built, not a git repository, target unsafe)."""


class ScaffoldError(DigestError):
    """A new digest cannot be created in the folder given."""
