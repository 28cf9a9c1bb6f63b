"""``digest publish``: the built site to a git branch (without touching the working tree) or to a folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from digest.errors import PublishError
from digest.write.staging import write_site

NOJEKYLL = ".nojekyll"  # GitHub Pages would otherwise run Jekyll over the site


@dataclass(frozen=True)
class Published:
    """Where the site went and under which message."""

    target: str  # 'branch gh-pages' or the folder
    message: str
    files: int
    commit: str | None = None  # the branch's commit after publishing
    changed: bool = True  # False when the branch already held exactly this site


def describe_build(site: Path) -> str:
    """A one-line name of the build in ``site``: its counts and a hash of its digest.json."""
    data = _digest_json(site)
    try:
        document = json.loads(data)
        articles = sum(1 for a in document["articles"] if not a.get("duplicate_of"))
        stories = len(document["stories"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PublishError(f"{site / 'digest.json'}: not a digest.json this version can read") from exc
    build = hashlib.sha256(data).hexdigest()[:12]
    return f"{articles} {_plural(articles, 'article')}, {stories} {_plural(stories, 'story', 'stories')} (build {build})"


def publish_folder(site: Path, target: Path, message: str | None = None) -> Published:
    """Copy the site into ``target``, replacing it whole and atomically."""
    name = message or f"digest: {describe_build(site)}"
    site, target = site.absolute(), target.absolute()
    if target.resolve() == site.resolve() or target.resolve().is_relative_to(site.resolve()):
        raise PublishError(f"{target}: cannot publish the site into itself")
    if site.resolve().is_relative_to(target.resolve()):
        raise PublishError(f"{target}: holds the site being published; choose another folder")
    _check_replaceable(target)
    files = _site_files(site)
    write_site(files, target)
    return Published(target=str(target), message=name, files=len(files))


def publish_branch(
    site: Path,
    repository: Path,
    branch: str,
    message: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Published:
    """Commit the site as the whole tree of ``branch``; the working tree, index and HEAD stay untouched."""
    name = message or f"digest: {describe_build(site)}"
    site = site.absolute()
    git_dir = _git(
        ["rev-parse", "--absolute-git-dir"], repository, environ, what="find the repository"
    ).strip()
    ref = f"refs/heads/{branch}"
    _check_branch(branch, ref, repository, environ)
    with tempfile.TemporaryDirectory(prefix="digest-publish-") as scratch:
        env = {**environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        files = _stage(site, git_dir, env)
        tree = _git(["write-tree"], repository, env, what="write the tree").strip()
    parent = _resolve(f"{ref}^{{commit}}", repository, environ)
    if parent is not None and _resolve(f"{parent}^{{tree}}", repository, environ) == tree:
        return Published(target=f"branch {branch}", message=name, files=files, commit=parent, changed=False)
    parents = ["-p", parent] if parent is not None else []
    commit = _git(["commit-tree", tree, *parents, "-m", name], repository, environ, what="commit").strip()
    # The old value makes the update fail, rather than lose a commit, if the branch moved meanwhile.
    _git(
        ["update-ref", "-m", "digest publish", ref, commit, parent or ""], repository, environ, what="update"
    )
    return Published(target=f"branch {branch}", message=name, files=files, commit=commit)


def _digest_json(site: Path) -> bytes:
    try:
        return (site / "digest.json").read_bytes()
    except FileNotFoundError as exc:
        raise PublishError(f"{site}: no built site here (no digest.json); run `digest build` first") from exc
    except OSError as exc:
        raise PublishError(f"{site / 'digest.json'}: cannot read ({exc.strerror})") from exc


def _plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else (many or one + "s")


def _check_replaceable(target: Path) -> None:
    """Refuse to replace a folder that holds anything but an earlier published digest."""
    if not target.exists():
        return
    if not target.is_dir():
        raise PublishError(f"{target}: exists and is not a folder")
    if any(target.iterdir()) and not (target / "digest.json").is_file():
        raise PublishError(
            f"{target}: not empty and not a published digest (no digest.json); refusing to replace it"
        )


def _site_files(site: Path) -> dict[str, bytes]:
    try:
        return {
            path.relative_to(site).as_posix(): path.read_bytes()
            for path in sorted(site.rglob("*"))
            if path.is_file()
        }
    except OSError as exc:
        raise PublishError(f"{exc.filename or site}: cannot read ({exc.strerror})") from exc


def _check_branch(branch: str, ref: str, repository: Path, environ: Mapping[str, str]) -> None:
    done = _run(["check-ref-format", "--branch", branch], repository, environ)
    if done.returncode != 0:
        raise PublishError(f"{branch!r} is not a valid branch name")
    current = _run(["symbolic-ref", "-q", "HEAD"], repository, environ).stdout.strip()
    listing = _run(["worktree", "list", "--porcelain"], repository, environ).stdout.splitlines()
    if current == ref or f"branch {ref}" in listing:
        raise PublishError(
            f"branch {branch} is checked out; publishing would change files under you. "
            "Switch to another branch or publish to another one (--branch)"
        )


def _stage(site: Path, git_dir: str, env: Mapping[str, str]) -> int:
    """Add every file of the site to the temporary index; return how many there are."""
    work = ["--git-dir", git_dir, "--work-tree", str(site)]
    _git([*work, "add", "--all", "--force", "--", "."], site, env, what="add the site")
    if not (site / NOJEKYLL).exists():
        empty = _git(["--git-dir", git_dir, "hash-object", "-w", "--stdin"], site, env, what="store").strip()
        entry = f"100644,{empty},{NOJEKYLL}"
        _git(["--git-dir", git_dir, "update-index", "--add", "--cacheinfo", entry], site, env, what="stage")
    listed = _git(["--git-dir", git_dir, "ls-files", "--cached", "-z"], site, env, what="list the site")
    return len([name for name in listed.split("\0") if name])


def _resolve(revision: str, repository: Path, environ: Mapping[str, str]) -> str | None:
    done = _run(["rev-parse", "--verify", "-q", revision], repository, environ)
    return done.stdout.strip() if done.returncode == 0 else None


def _git(args: list[str], cwd: Path, environ: Mapping[str, str], *, what: str) -> str:
    done = _run(args, cwd, environ)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        if args[0] == "rev-parse" and "not a git repository" in done.stderr:
            reason = f"{cwd} is not inside a git repository; use --to DIR to publish to a folder"
        raise PublishError(f"git could not {what}: {reason}")
    return done.stdout


def _run(args: list[str], cwd: Path, environ: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=dict(environ), capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise PublishError("git is not installed; use --to DIR to publish to a folder") from exc
    except OSError as exc:
        raise PublishError(f"cannot run git in {cwd} ({exc.strerror})") from exc
