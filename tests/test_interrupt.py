"""Interrupted builds: killed while writing, the previous site stays byte-identical; the next build tidies up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from digest.commands.build import build
from digest.config import Config
from digest.write.lock import output_lock

DISTINCT = 20
COPIES = 150  # 3,000 files: the writing alone takes long enough to be caught in the act
WORDS = [
    *("harbour", "council", "flood", "rail", "strike", "budget", "court", "ruling", "school", "energy"),
    *("price", "wind", "farm", "river", "storm", "vote", "election", "teacher", "bank", "rates"),
    *("market", "port", "city", "judge", "solar"),
]


def write_articles(source: Path) -> None:
    """Many small articles; copies of a few texts, so reading is quick and writing takes a while."""
    source.mkdir(parents=True)
    for number in range(DISTINCT * COPIES):
        kind = number % DISTINCT
        words = [WORDS[(kind * 7 + i) % len(WORDS)] for i in range(6)]
        sentences = " ".join(
            f"The {words[i]} {words[i + 1]} said on Monday that it would act {kind}." for i in range(5)
        )
        (source / f"a{number:04d}.txt").write_text(
            f"{words[0].title()} {words[1]} report {kind}\n\n{sentences}\n"
        )


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".site.tmp-", ".site.old-")))


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source folder and the site built from it, to copy for each test."""
    root = tmp_path_factory.mktemp("previous")
    write_articles(root / "src")
    build(Config(source=root / "src", output=root / "site"), environ={})
    return root


@pytest.fixture
def work(previous: Path, tmp_path: Path) -> Path:
    """A copy of the previous site and its source, with one more article so a finished build would differ."""
    shutil.copytree(previous / "src", tmp_path / "src")
    shutil.copytree(previous / "site", tmp_path / "site")
    (tmp_path / "src" / "zz-new.txt").write_text("Late news arrives\n\nA late article changes the site.\n")
    return tmp_path


def _staged(work: Path, when: str) -> bool:
    """Whether the build's temporary folder has appeared ("starting") or holds the new article's page."""
    folders = [p for p in work.iterdir() if p.name.startswith(".site.tmp-")]
    if when == "starting":
        return bool(folders)
    return any((folder / "articles" / "zz-new.html").exists() for folder in folders)


def interrupted_build(work: Path, signum: int, when: str = "writing") -> subprocess.CompletedProcess[str]:
    """Run ``digest build`` and send ``signum`` as soon as it starts its new site, or once it writes pages
    (its temporary folder appears first: the last site's files are linked into it while sources are read)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "build", "src", "-o", "site", "-q"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    deadline = time.monotonic() + 120
    while not _staged(work, when):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"the build ended before writing anything (exit {process.returncode}): {err}")
        time.sleep(0.001)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("when", ["starting", "writing"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_build_leaves_the_previous_site_and_says_so(work: Path, signum: int, when: str) -> None:
    before = snapshot(work / "site")
    done = interrupted_build(work, signum, when)
    assert done.returncode == 128 + signum, (
        f"exit {done.returncode}: the build was not interrupted? {done.stderr}"
    )
    assert done.stderr == "error: interrupted; the previous site is left as it was\n"
    assert snapshot(work / "site") == before
    assert leftovers(work) == []  # cleaned up on the way out

    result = build(Config(source=work / "src", output=work / "site"), environ={})
    assert result.articles >= DISTINCT
    assert "Late news arrives" in (work / "site" / "digest.json").read_text(encoding="utf-8")
    assert leftovers(work) == []


def test_killed_build_leaves_the_previous_site_and_the_next_build_clears_its_leftovers(work: Path) -> None:
    before = snapshot(work / "site")
    done = interrupted_build(work, signal.SIGKILL)
    assert done.returncode == -signal.SIGKILL
    assert snapshot(work / "site") == before
    assert leftovers(work), "SIGKILL leaves the half-written folder behind"

    build(Config(source=work / "src", output=work / "site"), environ={})
    assert leftovers(work) == []
    assert "Late news arrives" in (work / "site" / "digest.json").read_text(encoding="utf-8")


def test_two_concurrent_builds_both_finish_one_after_the_other(work: Path) -> None:
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "digest", "build", "src", "-o", "site", "-q"],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=180), p.communicate()) for p in builds]
    # The second waits for the lock (up to its limit) and then builds: neither sees the other's files.
    for code, (out, err) in results:
        assert (code, out, err) == (0, "", "") or "another build is writing site" in err
    assert any(code == 0 for code, _ in results)
    # The last old site is removed by a background process that holds the lock until it is done.
    with output_lock(work / "site"):
        assert leftovers(work) == []
    built = snapshot(work / "site")
    assert b"Late news arrives" in built["digest.json"]
    assert len([name for name in built if name.startswith("articles/")]) == DISTINCT * COPIES + 1


def test_ctrl_c_during_the_swap_is_held_until_both_renames_are_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without renameat2 the swap is two renames; Ctrl-C between them must not leave no site at all."""
    from digest.write import staging as write

    output = tmp_path / "site"
    write.write_site({"index.html": b"old"}, output)
    real_rename = os.rename
    renames: list[str] = []

    def rename_then_interrupt(source: str | Path, target: str | Path) -> None:
        real_rename(source, target)
        renames.append(Path(target).name)
        if len(renames) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # arrives between the two renames

    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    monkeypatch.setattr(os, "rename", rename_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write.write_site({"index.html": b"new"}, output)
    monkeypatch.undo()
    assert len(renames) == 2
    assert (output / "index.html").read_bytes() == b"new"
    write.write_site({"index.html": b"newer"}, output)
    assert leftovers(tmp_path) == []
