"""digest new DIR: a scaffold that loads, builds, and never lands on someone's files."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.commands.scaffold import new
from digest.config import SETTINGS, load
from digest.errors import ScaffoldError
from digest.read.readers import markdown as markdown_reader
from tests.conftest import REPO


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "digest", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_new_then_build(tmp_path: Path) -> None:
    made = run(["new", "morning-news"], tmp_path)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "morning-news"
    built = run(["build"], folder)
    assert built.returncode == 0, built.stderr
    digest = json.loads((folder / "site" / "digest.json").read_text(encoding="utf-8"))
    assert [a["title"] for a in digest["articles"]] == ["Welcome to your news digest"]
    assert digest["title"] == "Morning News"


def test_scaffold_contents(tmp_path: Path) -> None:
    written = new(tmp_path / "d", dt.date(2024, 5, 6))
    folder = tmp_path / "d"
    assert set(written) == {"digest.toml", "articles/welcome.md", "templates/README.txt", ".gitignore"}
    config = load(folder / "digest.toml", tmp_path)
    assert config.source == folder / "articles" and config.templates == folder / "templates"
    assert config.feeds == () and config.port == 8000 and config.publish_branch == "gh-pages"
    text = (folder / "digest.toml").read_text()
    documented = {f"{s.section}.{s.key}" for s in SETTINGS}
    mentioned = {f"{s.section}.{s.key}" for s in SETTINGS if f"{s.key} =" in text}
    assert mentioned == documented, "the scaffold's digest.toml shows every setting"
    assert "[[feeds]]" in text and text.count("#") > 20
    ignored = (folder / ".gitignore").read_text().split()
    assert "site/" in ignored and ".digest-cache/" in ignored and ".site.lock" in ignored
    welcome = markdown_reader.read((folder / "articles" / "welcome.md").read_bytes(), "welcome.md")[0]
    assert (
        welcome.date == "2024-05-06"
        and welcome.title == "Welcome to your news digest"
        and not welcome.warnings
    )


def test_refuses_a_non_empty_folder_or_a_file(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep me")
    with pytest.raises(ScaffoldError, match="not empty"):
        new(tmp_path / "busy", dt.date(2024, 5, 6))
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["mine.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScaffoldError, match="not a folder"):
        new(tmp_path / "file", dt.date(2024, 5, 6))
    (tmp_path / "empty").mkdir()
    assert new(tmp_path / "empty", dt.date(2024, 5, 6))
    refused = run(["new", "busy"], tmp_path)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "not empty" in refused.stderr


def test_the_templates_note_says_where_the_theme_is(tmp_path: Path) -> None:
    new(tmp_path / "paper", dt.date(2024, 4, 7))
    note = (tmp_path / "paper" / "templates" / "README.txt").read_text(encoding="utf-8")
    assert 'cp "$(digest theme)/story.html" templates/' in note


def test_digest_theme_prints_the_folder_of_the_default_templates(capsys: pytest.CaptureFixture[str]) -> None:
    from digest.cli import main

    assert main(["theme"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert (folder / "story.html").is_file() and (folder / "base.html").is_file()


def test_the_sample_article_leaves_the_site_once_news_arrives(tmp_path: Path) -> None:
    from digest.commands.build import build

    new(tmp_path / "paper", dt.date(2024, 4, 7))
    config = load(tmp_path / "paper" / "digest.toml", tmp_path / "paper")
    build(config, environ={})
    first = json.loads((config.output / "digest.json").read_text(encoding="utf-8"))
    assert [a["title"] for a in first["articles"]] == ["Welcome to your news digest"]
    (config.source / "port.md").write_text(
        "---\ntitle: Port reopens after storm\ndate: 2024-04-08\n---\n\n"
        "The port reopened on Monday after the storm passed, the harbour authority said.\n",
        encoding="utf-8",
    )
    build(config, environ={})
    then = json.loads((config.output / "digest.json").read_text(encoding="utf-8"))
    assert [a["title"] for a in then["articles"]] == ["Port reopens after storm"]
    assert [t["label"] for t in then["topics"]] != ["Getting started"]
    assert "Welcome" not in (config.output / "index.html").read_text(encoding="utf-8")
