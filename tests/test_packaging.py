"""The wheel carries the default theme, so `pip install .` works from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from digest.render.theme import theme_dir
from tests.conftest import REPO


def test_wheel_ships_the_theme(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    wheel = next(tmp_path.glob("newsdigest-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {p.relative_to(theme_dir()).as_posix() for p in theme_dir().rglob("*") if p.is_file()}
    assert theme, "the default theme is empty"
    assert {f"digest/templates/{name}" for name in theme} <= names
    assert any(name.endswith("entry_points.txt") for name in names)
