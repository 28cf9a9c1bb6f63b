"""Writing the site: all or nothing, never outside the output folder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from digest.errors import BuildError
from digest.write import Staging, write_site


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
    from digest import write

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
