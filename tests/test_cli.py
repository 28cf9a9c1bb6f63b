"""The command line: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from digest.cli import _fetch_summary, main
from digest.commands.fetch import FeedReport
from tests.conftest import REPO, SEEDS


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "digest", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_no_arguments_in_a_folder_without_a_project_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "seeds").mkdir()
    for path in SEEDS.iterdir():
        (tmp_path / "seeds" / path.name).write_bytes(path.read_bytes())
    done = run(["build"], tmp_path)
    assert done.returncode == 1 and not (tmp_path / "site").exists()
    assert done.stderr.strip() == (
        "error: no digest.toml in this folder or any folder above it: start a digest with "
        "`digest new NAME`, or build a folder of articles with `digest build FOLDER`"
    )


def test_every_command_finds_its_project_from_a_folder_inside_it(tmp_path: Path) -> None:
    assert run(["new", "paper"], tmp_path).returncode == 0
    inside = tmp_path / "paper" / "articles"
    built = run(["build"], inside)
    assert built.returncode == 0, built.stderr
    assert "into " + str(tmp_path / "paper" / "site") in built.stdout
    digest = json.loads((tmp_path / "paper" / "site" / "digest.json").read_text(encoding="utf-8"))
    assert len(digest["articles"]) == 1
    published = run(["publish", "--to", str(tmp_path / "public")], tmp_path / "paper" / "templates")
    assert published.returncode == 0, published.stderr
    assert (tmp_path / "public" / "index.html").is_file()


def test_the_closing_line_counts_one_of_each_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "port.txt").write_text(
        "Port reopens\n\nThe port reopened on Monday after the storm.\n"
    )
    done = run(["build", "src", "-o", "site"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built 1 article (0 duplicates), 1 story, 1 topic, "), done.stdout
    assert done.stdout.rstrip().endswith("; 0 warnings")


def test_a_build_run_at_once_after_another_finds_everything_it_left(tmp_path: Path) -> None:
    """The command returns once the site is in place and leaves its cache writes to a child process; a build
    started at once waits for them and finds nothing to do."""
    first = run(["build", str(SEEDS), "-o", "site"], tmp_path)
    second = run(["build", str(SEEDS), "-o", "site"], tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "3 articles" in first.stdout and "up to date" in second.stdout


def test_version_and_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as version:
        main(["--version"])
    assert version.value.code == 0 and capsys.readouterr().out.startswith("digest ")
    for args in (["--help"], ["build", "--help"]):
        with pytest.raises(SystemExit) as shown:
            main(args)
        assert shown.value.code == 0 and "usage:" in capsys.readouterr().out


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    done = run(["build", "--no-such-flag"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert run(["frobnicate"], tmp_path).returncode == 2


def test_config_errors_are_one_line_each_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('[site]\ntitle = 5\nnope = 1\n[build]\nsource = "missing"\n')
    done = run(["build"], tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"error: {tmp_path / 'digest.toml'}: ") for line in lines)


def test_missing_source_argument(tmp_path: Path) -> None:
    done = run(["build", "nowhere"], tmp_path)
    assert done.returncode == 1 and "nowhere" in done.stderr and "Traceback" not in done.stderr


def test_a_file_given_as_the_source_is_named_as_a_file(tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text("# Ports reopen\n\nThe ports reopened on Monday.\n")
    done = run(["build", "one.md"], tmp_path)
    assert done.returncode == 1
    assert done.stderr == "error: one.md: is a file; give the folder that holds the articles\n"


def test_warnings_name_the_file_and_strict_fails(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "ok.txt").write_text("Ports reopen\n\nThe ports reopened on Monday after the storm passed.")
    (source / "empty.md").write_text("")
    done = run(["build", "in", "-o", "out", "-q"], tmp_path)
    assert done.returncode == 0 and done.stdout == ""
    assert done.stderr.strip() == f"warning: {Path('in') / 'empty.md'}: empty file"
    strict = run(["build", "in", "-o", "out2", "--strict"], tmp_path)
    assert strict.returncode == 1 and "strict" in strict.stderr and not (tmp_path / "out2").exists()


def test_template_error_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "story.html").write_text("{% for x in %}")
    (tmp_path / "digest.toml").write_text(f'[site]\ntemplates = "theme"\n[build]\nsource = "{SEEDS}"\n')
    done = run(["build"], tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "story.html" in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["serve", "-p", "99999"], "argument -p/--port: must be between 0 and 65535, got 99999"),
        (["build", "-j", "abc"], "argument -j/--jobs: must be a whole number, got 'abc'"),
    ],
)
def test_bad_option_values_are_usage_errors(tmp_path: Path, args: list[str], said: str) -> None:
    done = run(args, tmp_path)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "usage", "said"),
    [
        (
            ["build", "--ouput", "site"],
            "usage: digest build ",
            "unrecognized arguments: --ouput (did you mean --output?)",
        ),
        (["fetch", "now"], "usage: digest fetch ", "unrecognized arguments: now"),
        (
            ["publish", "--too", "x"],
            "usage: digest publish ",
            "unrecognized arguments: --too x (did you mean --to?)",
        ),
    ],
)
def test_a_subcommand_misused_shows_its_own_usage(
    capsys: pytest.CaptureFixture[str], args: list[str], usage: str, said: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.startswith(usage)
    assert err.rstrip().endswith(f"digest {args[0]}: error: {said}")


def report(feed: str, **fields: Any) -> FeedReport:
    return FeedReport(feed=feed, url=f"https://{feed}/rss.xml", **fields)


@pytest.mark.parametrize(
    ("reports", "line"),
    [
        (
            [report("a", not_modified=True), report("b", not_modified=True)],
            "fetched 2 of 2 feeds: nothing new (2 not modified since the last fetch)",
        ),
        (
            [report("a", unchanged=12), report("b", not_modified=True)],
            "fetched 2 of 2 feeds: nothing new (12 unchanged; 1 feed not modified since the last fetch)",
        ),
        (
            [report("a", new=3, updated=1, unchanged=12, kept=("a/x.md",)), report("b", not_modified=True)],
            "fetched 2 of 2 feeds into articles: 3 new, 1 updated, 12 unchanged "
            "(1 kept as edited by hand; 1 feed not modified since the last fetch)",
        ),
        (
            [report("a", new=2), report("b", failed="https://b/rss.xml: HTTP 500")],
            "fetched 1 of 2 feeds into articles: 2 new, 0 updated, 0 unchanged",
        ),
        ([report("a", failed="https://a/rss.xml: HTTP 500")], "fetched 0 of 1 feed"),
    ],
)
def test_the_fetch_closing_line_adds_up_the_feed_lines(reports: list[FeedReport], line: str) -> None:
    assert _fetch_summary(tuple(reports), Path("articles")) == line
