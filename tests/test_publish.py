"""digest publish: to a git branch with plumbing only (working tree, index and HEAD untouched), or a folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.commands.publish import describe_build, publish_branch, publish_folder
from digest.errors import PublishError
from tests.conftest import REPO, SEEDS

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Digest Test",
    "GIT_AUTHOR_EMAIL": "digest@example.org",
    "GIT_COMMITTER_NAME": "Digest Test",
    "GIT_COMMITTER_EMAIL": "digest@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=True)
    return done.stdout


def make_site(folder: Path, articles: int = 2, page: str = "<h1>Port reopens</h1>") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "version": 1,
        "articles": [{"id": str(n), "duplicate_of": None} for n in range(articles)] + [{"duplicate_of": "0"}],
        "stories": [{"id": "s1"}],
    }
    (folder / "digest.json").write_text(json.dumps(document))
    (folder / "index.html").write_text(page)
    (folder / "stories").mkdir(exist_ok=True)
    (folder / "stories" / "s1.html").write_text("<p>story</p>")
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "digest.toml").write_text('[build]\nsource = "articles"\n')
    git(root, "add", "digest.toml")
    git(root, "commit", "-q", "-m", "start")
    return root


def test_describe_build_counts_kept_articles_and_hashes_digest_json(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    described = describe_build(site)
    assert described.startswith("2 articles, 1 story (build ") and len(described.split("build ")[1]) == 13
    make_site(site, articles=3)
    assert describe_build(site) != described
    with pytest.raises(PublishError, match="run `digest build` first"):
        describe_build(tmp_path / "nowhere")


def test_branch_gets_the_site_and_nothing_else_changes(repo: Path) -> None:
    site = make_site(repo / "site")
    (repo / "digest.toml").write_text("# edited, not committed\n")
    (repo / "notes.txt").write_text("staged")
    git(repo, "add", "notes.txt")
    before = (
        git(repo, "status", "--porcelain"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "symbolic-ref", "HEAD"),
    )

    done = publish_branch(site, repo, "gh-pages", environ=GIT_ENV)

    after = (
        git(repo, "status", "--porcelain"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "symbolic-ref", "HEAD"),
    )
    assert after == before
    assert (repo / "digest.toml").read_text() == "# edited, not committed\n"
    files = git(repo, "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert sorted(files) == [".nojekyll", "digest.json", "index.html", "stories/s1.html"]
    assert git(repo, "show", "gh-pages:index.html") == "<h1>Port reopens</h1>"
    message = git(repo, "log", "-1", "--format=%s", "gh-pages").strip()
    assert message == done.message and message.startswith("digest: 2 articles, 1 story (build ")
    assert done.changed and done.files == 4 and done.commit == git(repo, "rev-parse", "gh-pages").strip()


def test_republishing_the_same_site_adds_no_commit_and_a_new_one_builds_on_the_last(repo: Path) -> None:
    site = make_site(repo / "site")
    first = publish_branch(site, repo, "gh-pages", environ=GIT_ENV)
    again = publish_branch(site, repo, "gh-pages", environ=GIT_ENV)
    assert not again.changed and again.commit == first.commit
    make_site(site, page="<h1>Ferries resume</h1>")
    (site / "stories" / "s1.html").unlink()
    second = publish_branch(site, repo, "gh-pages", "nightly", environ=GIT_ENV)
    assert git(repo, "rev-parse", "gh-pages^").strip() == first.commit
    assert git(repo, "log", "-1", "--format=%s", "gh-pages").strip() == "nightly" == second.message
    assert "stories/s1.html" not in git(repo, "ls-tree", "-r", "--name-only", "gh-pages")


def test_refusals(repo: Path, tmp_path: Path) -> None:
    site = make_site(repo / "site")
    with pytest.raises(PublishError, match="checked out"):
        publish_branch(site, repo, "main", environ=GIT_ENV)
    with pytest.raises(PublishError, match="not a valid branch name"):
        publish_branch(site, repo, "bad..name", environ=GIT_ENV)
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(PublishError, match="not inside a git repository; use --to"):
        publish_branch(
            site, outside, "gh-pages", environ={**GIT_ENV, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
        )
    with pytest.raises(PublishError, match=r"no digest\.json"):
        publish_branch(repo, repo, "gh-pages", environ=GIT_ENV)


def test_folder_publishing_replaces_only_an_earlier_publish(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    target = tmp_path / "public"
    done = publish_folder(site, target)
    assert (target / "index.html").read_text() == "<h1>Port reopens</h1>" and done.files == 3
    make_site(site, page="<h1>Ferries resume</h1>")
    (target / "stale.html").write_text("old")
    publish_folder(site, target)
    assert (target / "index.html").read_text() == "<h1>Ferries resume</h1>" and not (
        target / "stale.html"
    ).exists()
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(PublishError, match="not a published digest"):
        publish_folder(site, precious)
    assert (precious / "thesis.tex").read_text() == "years of work"
    with pytest.raises(PublishError, match="holds the site"):
        publish_folder(site, tmp_path)
    with pytest.raises(PublishError, match="into itself"):
        publish_folder(site, site / "copy")


def test_cli_build_then_publish_to_branch_and_folder(repo: Path) -> None:
    (repo / "articles").mkdir()
    for path in SEEDS.iterdir():
        (repo / "articles" / path.name).write_bytes(path.read_bytes())
    env = {**GIT_ENV, "PYTHONPATH": str(REPO)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "digest", *args]
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=120)

    early = run("publish")
    assert (
        early.returncode == 1
        and "run `digest build` first" in early.stderr
        and "Traceback" not in early.stderr
    )
    assert run("build", "-q").returncode == 0
    done = run("publish")
    assert done.returncode == 0, done.stderr
    assert "to branch gh-pages as " in done.stdout and "digest: 3 articles" in done.stdout
    assert "index.html" in git(repo, "ls-tree", "--name-only", "gh-pages")
    assert "nothing to publish" in run("publish").stdout
    copied = run("publish", "--to", "../public", "-m", "by hand")
    assert copied.returncode == 0 and (repo.parent / "public" / "digest.json").is_file()
    assert run("publish", "--to", "x", "--branch", "y").returncode == 2
