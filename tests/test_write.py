"""Writing the site: all or nothing, never outside the output folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from digest.errors import BuildError
from digest.incremental.cache import Stamp
from digest.write.staging import Kept, Staging, write_site


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
            staging.commit(remove=write.remove_in_thread)
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


def _stamp(path: Path) -> Stamp:
    info = path.stat()
    return Stamp(info.st_size, info.st_mtime_ns)


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


@pytest.mark.parametrize("prelink", [True, False], ids=["prelinked", "file by file"])
def test_a_prelinked_staging_makes_the_same_site_and_keeps_unchanged_files(
    tmp_path: Path, prelink: bool
) -> None:
    """With the last site linked in by a child process first, the new site is the same: what changed is
    written, what is gone is removed (emptied folders too), a path can turn from file to folder or back,
    and unchanged files are the very same files (same inode, same mtime)."""
    output = tmp_path / "site"
    write_site(OLD_SITE, output)
    before = {path: (output / path).stat() for path in OLD_SITE}
    time.sleep(0.01)
    with Staging(output, prelink=prelink) as staging:
        staging.put("kept.html", Kept(_stamp(output / "kept.html")))
        for path, data in NEW_SITE.items():
            if path != "kept.html":
                staging.put(path, data)
        staging.commit()
    assert snapshot(output) == NEW_SITE
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_dir()) == [
        "a-folder",
        "new",
    ]
    for path in ("kept.html", "same.html"):
        after = (output / path).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before[path].st_ino, before[path].st_mtime_ns)
    assert staging.written == 4 and staging.files == len(NEW_SITE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_kept_file_changed_during_a_prelinked_build_fails_it(tmp_path: Path) -> None:
    output = tmp_path / "site"
    write_site({"index.html": b"one"}, output)
    kept = Kept(_stamp(output / "index.html"))
    with (
        pytest.raises(BuildError, match="changed in the output folder"),
        Staging(output, prelink=True) as staging,
    ):
        (output / "index.html").write_bytes(b"edited by hand")
        staging.put("index.html", kept)
    assert snapshot(output) == {"index.html": b"edited by hand"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_prelinked_staging_left_uncommitted_leaves_no_trace(tmp_path: Path) -> None:
    output = tmp_path / "site"
    write_site({f"pages/{n}.html": b"x" for n in range(200)}, output)
    with pytest.raises(RuntimeError), Staging(output, prelink=True) as staging:
        linker = staging._linker
        assert linker is not None
        raise RuntimeError("the build failed")
    with pytest.raises(ChildProcessError):
        os.waitpid(linker.pid, os.WNOHANG)  # stopped and reaped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert len(snapshot(output)) == 200
