"""Writing the site: all or nothing, never outside the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import BuildError
from digest.write import write_site


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
