"""Writing the site: all or nothing, never outside the output folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from digest.errors import BuildError
from digest.write.staging import Staging, write_site


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_writes_then_replaces_whole_site(tmp_path: Path) -> None:
    output = tmp_path / "site"
    write_site({"index.html": b"one", "old/page.html": b"x"}, output)
    write_site({"index.html": b"two", "new/page.html": b"y"}, output)
    assert snapshot(output) == {"index.html": b"two", "new/page.html": b"y"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("bad", ["../escape.html", "/etc/passwd", "a/../../b.html", "", "a//b"])
def test_paths_outside_the_output_are_refused_and_old_site_kept(tmp_path: Path, bad: str) -> None:
    output = tmp_path / "site"
    write_site({"index.html": b"old"}, output)
    with pytest.raises(BuildError):
        write_site({"index.html": b"new", bad: b"evil"}, output)
    assert snapshot(output) == {"index.html": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two renames"])
def test_a_long_running_process_removes_the_old_site_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    """digest serve swaps the new site in and goes on while the old one is removed; the next build, at once
    or later, does not trip over it."""
    from digest.write import staging as write

    if not exchange:
        monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    output = tmp_path / "site"
    write_site({"index.html": b"one"}, output)
    for data in (b"two", b"three"):
        with Staging(output) as staging:
            staging.put("index.html", data)
            staging.put(f"pages/{data.decode()}.html", data)
            staging.commit(defer=write.in_thread)
        assert snapshot(output) == {"index.html": data, f"pages/{data.decode()}.html": data}
    deadline = time.monotonic() + 10
    while len(list(tmp_path.iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_leftover_temporary_folders_are_cleared(tmp_path: Path) -> None:
    (tmp_path / ".site.tmp-999").mkdir()
    (tmp_path / ".site.tmp-999" / "junk.html").write_bytes(b"junk")
    write_site({"index.html": b"ok"}, tmp_path / "site")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_output_that_is_a_file_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "site").write_text("not a folder")
    with pytest.raises(BuildError, match="not a folder"):
        write_site({"index.html": b"x"}, tmp_path / "site")
    assert (tmp_path / "site").read_text() == "not a folder"


OLD_SITE = {
    "index.html": b"old index",
    "kept.html": b"kept",
    "same.html": b"same bytes",
    "gone.html": b"gone",
    "folder/gone.html": b"whole folder gone",
    "becomes/a-file.html": b"a folder that becomes a file",
    "a-folder": b"a file that becomes a folder",
}
NEW_SITE = {
    "index.html": b"new index",
    "kept.html": b"kept",
    "same.html": b"same bytes",
    "new/page.html": b"new",
    "becomes": b"now a file",
    "a-folder/page.html": b"now a folder",
}


def staged(
    output: Path, files: dict[str, bytes], *, kept: tuple[str, ...] = (), spare: bool = True
) -> Staging:
    """A site written as ``digest build`` writes it: ``kept`` files of the current one kept, the rest put."""
    with Staging(output, spare=spare) as staging:
        staging.keep(kept)
        for path, data in files.items():
            if path not in kept:
                staging.put(path, data)
        staging.commit()
    return staging


@pytest.mark.parametrize("spare", [True, False], ids=["spare", "no spare"])
def test_a_staging_makes_the_same_site_and_keeps_unchanged_files(tmp_path: Path, spare: bool) -> None:
    """The new site is the one put: what changed is written, what is gone is removed (emptied folders too),
    a path can turn from file to folder or back, and unchanged files are the very same files (same inode,
    same mtime), kept or put with the same bytes; the spare, brought up to date, makes the next one."""
    output = tmp_path / "site"
    staged(output, OLD_SITE, spare=spare)
    before = {path: (output / path).stat() for path in OLD_SITE}
    time.sleep(0.01)
    staging = staged(output, NEW_SITE, kept=("kept.html",), spare=spare)
    assert snapshot(output) == NEW_SITE
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_dir()) == [
        "a-folder",
        "new",
    ]
    for path in ("kept.html", "same.html"):
        after = (output / path).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before[path].st_ino, before[path].st_mtime_ns)
    assert staging.written == 4 and staging.files == len(NEW_SITE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([".site.spare", "site"] if spare else ["site"])
    back = staged(output, OLD_SITE, kept=("kept.html",), spare=spare)
    assert snapshot(output) == OLD_SITE
    assert back.written == 5 and back.files == len(OLD_SITE)
    after = (output / "kept.html").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before["kept.html"].st_ino, before["kept.html"].st_mtime_ns)


def test_the_spare_starts_the_next_site_without_linking_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild starts from the site the last one swapped out: it links only the files the last build
    changed, and what it keeps costs nothing."""
    from digest.write import staging as write

    output = tmp_path / "site"
    pages = {f"pages/{n}.html": b"page %d" % n for n in range(50)}
    staged(output, {**pages, "index.html": b"one"})
    staged(output, {**pages, "index.html": b"two"}, kept=tuple(pages))
    linked: list[str] = []
    real_link = os.link

    def counted(source: str, target: str) -> None:
        linked.append(source)
        real_link(source, target)

    monkeypatch.setattr(write.os, "link", counted)
    staged(output, {**pages, "index.html": b"three"}, kept=tuple(pages))
    assert linked == [str(output / "index.html")]  # the spare had the first build's
    assert snapshot(output) == {**pages, "index.html": b"three"}


@pytest.mark.parametrize("how", ["replaced", "ledger damaged"])
def test_a_spare_that_does_not_pair_with_the_output_is_not_used(tmp_path: Path, how: str) -> None:
    output = tmp_path / "site"
    staged(output, {"index.html": b"one", "gone.html": b"gone"})
    staged(output, {"index.html": b"two", "gone.html": b"gone"})
    if how == "replaced":  # a copy put in its place, with a file the spare does not have
        shutil.copytree(output, tmp_path / "copy")
        shutil.rmtree(output)
        (tmp_path / "copy").rename(output)
        (output / "index.html").write_bytes(b"by hand")
    else:
        (tmp_path / ".site.spare" / "ledger.json").write_text("{", encoding="utf-8")
    index = b"by hand" if how == "replaced" else b"two"
    staged(output, {"index.html": index, "new.html": b"new"}, kept=("index.html",))
    assert snapshot(output) == {"index.html": index, "new.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.spare", "site"]


def test_a_kept_file_gone_from_the_output_fails_the_build(tmp_path: Path) -> None:
    output = tmp_path / "site"
    staged(output, {"index.html": b"one"})
    with (
        pytest.raises(BuildError, match="changed in the output folder"),
        Staging(output, spare=True) as staging,
    ):
        staging.keep(["index.html", "never.html"])
    assert snapshot(output) == {"index.html": b"one"}
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_a_staging_left_uncommitted_leaves_the_site_and_no_trace(tmp_path: Path) -> None:
    """A failed build leaves the site as it was, though its new site began as the spare, whose files are
    the site's own: the spare is gone, and the next build starts from the site."""
    output = tmp_path / "site"
    pages = {f"pages/{n}.html": b"x" for n in range(200)}
    staged(output, pages)
    staged(output, {**pages, "index.html": b"one"}, kept=tuple(pages))
    with pytest.raises(RuntimeError), Staging(output, spare=True) as staging:
        staging.put("pages/0.html", b"changed")
        staging.put("index.html", b"two")
        raise RuntimeError("the build failed")
    assert snapshot(output) == {**pages, "index.html": b"one"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    staged(output, {**pages, "index.html": b"two"}, kept=tuple(pages))
    assert snapshot(output) == {**pages, "index.html": b"two"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.spare", "site"]


def test_a_ledger_made_by_hand_reaches_nothing_outside_the_site(tmp_path: Path) -> None:
    """The spare's ledger says what to link and remove: paths out of the site in it are never acted on."""
    import json

    output = tmp_path / "site"
    staged(output, {"index.html": b"one"})
    staged(output, {"index.html": b"two"})
    (tmp_path / "victim.txt").write_bytes(b"mine")
    ledger = tmp_path / ".site.spare" / "ledger.json"
    value = json.loads(ledger.read_text(encoding="utf-8"))
    for name in ("files", "changed"):
        evil = {**value, name: [*value[name], "../victim.txt"]}
        ledger.write_text(json.dumps(evil), encoding="utf-8")
        staged(output, {"index.html": b"three"})
        assert (tmp_path / "victim.txt").read_bytes() == b"mine"
        assert snapshot(output) == {"index.html": b"three"}
        ledger = tmp_path / ".site.spare" / "ledger.json"
        value = json.loads(ledger.read_text(encoding="utf-8"))
