"""The incremental cache: unchanged builds do nothing, changed files are re-read alone, output stays exact."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
import pytest

from digest.commands.build import Result, build
from digest.config import Config, TopicRule
from digest.errors import BuildError
from digest.incremental import cache as cache_module
from digest.incremental import engine as engine_module
from digest.incremental import pages as render_module
from digest.incremental import parallel
from digest.incremental.cache import Resident, Stamp
from digest.models import Article
from digest.render.site import Page
from digest.render.theme import theme_dir
from digest.write.lock import output_lock
from tests.conftest import SEEDS


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    for path in SEEDS.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "extra.md").write_text(
        "---\ntitle: Ports reopen after storm\ndate: 2024-04-08\n---\n\n"
        "The main ports reopened on Monday after the storm passed, officials said.\n",
        encoding="utf-8",
    )
    return folder


def run(source: Path, tmp_path: Path, **options: object) -> Result:
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache")
    return build(config, environ={}, **options)  # type: ignore[arg-type]


def council_articles(source: Path, count: int) -> None:
    """``count`` short dated articles, n000.md, n001.md, ..."""
    for number in range(count):
        (source / f"n{number:03d}.md").write_text(
            f"---\ntitle: Council approves budget number {number}\ndate: 2024-04-{1 + number % 28:02d}\n---\n\n"
            f"The council approved spending plan {number} on Tuesday after a long debate about roads.\n",
            encoding="utf-8",
        )


def rendered_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the pages rendered from now on, in order (a spy on the renderer)."""
    rendered: list[str] = []
    page = render_module.ReusingRenderer.page

    def spy(self: Any, which: Page) -> bytes:
        rendered.append(which.path)
        return page(self, which)

    monkeypatch.setattr(render_module.ReusingRenderer, "page", spy)
    return rendered


def assert_small_rebuild_equals_cold(source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Edit extra.md's text: the rebuild reads that file only, renders the pages that show it and not a
    quarter of the site, and leaves the site a cold build makes."""
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("officials said", "the port said"), "utf-8")
    rendered = rendered_pages(monkeypatch)
    result = run(source, tmp_path)
    assert result.read == 1
    assert rendered and len(rendered) < result.files / 4
    build(Config(source=source, output=tmp_path / "cold"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def snapshot(site: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def test_second_build_with_nothing_changed_does_nothing(source: Path, tmp_path: Path) -> None:
    first = run(source, tmp_path)
    before = snapshot(tmp_path / "site")
    second = run(source, tmp_path)
    assert second.unchanged and not first.unchanged
    assert (second.articles, second.stories, second.files) == (first.articles, first.stories, first.files)
    assert snapshot(tmp_path / "site") == before


def test_one_changed_file_is_the_only_one_read(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("Ports reopen", "Harbours reopen"), "utf-8")
    result = run(source, tmp_path)
    assert (result.read, result.sources) == (1, 4) and not result.unchanged
    digest = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))
    assert "Harbours reopen after storm" in {a["title"] for a in digest["articles"]}


def test_cached_build_equals_a_cold_build(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    (source / "extra.md").touch()
    os.utime(source / "extra.md", ns=(1, 1))
    run(source, tmp_path)  # re-reads one file, the rest from the cache
    cold = Config(source=source, output=tmp_path / "cold")
    build(cold, environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def test_deleted_article_loses_its_pages(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    pages = set(snapshot(tmp_path / "site"))
    (source / "extra.md").unlink()
    result = run(source, tmp_path)
    gone = pages - set(snapshot(tmp_path / "site"))
    assert result.sources == 3
    assert "articles/extra.html" in gone


def test_template_change_rebuilds(source: Path, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", templates=theme)
    build(config, environ={})
    (theme / "404.html").write_text("<!doctype html><title>Lost</title><p>Nothing here.</p>\n", "utf-8")
    result = build(config, environ={})
    assert not result.unchanged
    assert "Nothing here." in (tmp_path / "site" / "404.html").read_text(encoding="utf-8")


def test_no_cache_reads_everything(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    result = run(source, tmp_path, use_cache=False)
    assert not result.unchanged and result.read == result.sources == 4


def test_damaged_cache_is_rebuilt(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    (tmp_path / "cache" / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    result = run(source, tmp_path)
    assert result.read == 4 and result.articles == 4


def test_warnings_are_repeated_by_an_unchanged_build(source: Path, tmp_path: Path) -> None:
    (source / "empty.txt").write_text("")
    first = run(source, tmp_path)
    second = run(source, tmp_path)
    assert second.unchanged and second.issues == first.issues and first.issues


def test_parallel_build_equals_serial_build(source: Path, tmp_path: Path) -> None:
    council_articles(source, 80)  # enough files for the process pool to be used
    build(Config(source=source, output=tmp_path / "serial"), environ={}, jobs=1)
    build(Config(source=source, output=tmp_path / "parallel"), environ={}, jobs=2)
    serial = {k: v[0] for k, v in snapshot(tmp_path / "serial").items()}
    assert serial == {k: v[0] for k, v in snapshot(tmp_path / "parallel").items()}


def test_planted_cache_entries_are_never_unpickled(source: Path, tmp_path: Path) -> None:
    import pickle
    import sqlite3

    run(source, tmp_path)
    planted = pickle.dumps(("os.system would run here", "if this were unpickled"))
    with sqlite3.connect(tmp_path / "cache" / "cache.sqlite") as db:
        db.execute("UPDATE files SET result = ?", (b"\0" * 32 + planted,))
        db.execute("UPDATE memo SET value = ?", (b"\0" * 32 + planted,))
        db.execute("DELETE FROM meta WHERE name = 'fingerprint'")
    result = run(source, tmp_path)
    assert result.read == result.sources == 4 and result.articles == 4


def test_unchanged_output_files_keep_their_bytes_and_mtime(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    before = snapshot(tmp_path / "site")
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("officials said", "the port said"), "utf-8")
    run(source, tmp_path)
    after = snapshot(tmp_path / "site")
    kept = [path for path in before if path in after and after[path] == before[path]]
    changed = [path for path in before if path in after and after[path][0] != before[path][0]]
    assert "static/style.css" in kept and changed
    assert all(after[path][1] != before[path][1] for path in changed)


def _theme(tmp_path: Path) -> Path:
    """A copy of the default theme to edit."""
    theme = tmp_path / "theme"
    shutil.copytree(theme_dir(), theme, ignore=shutil.ignore_patterns("static"))
    return theme


def test_pages_are_rendered_only_when_what_they_show_changed(source: Path, tmp_path: Path) -> None:
    theme = _theme(tmp_path)
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", templates=theme)
    build(config, environ={})
    before = snapshot(tmp_path / "site")
    story = theme / "story.html"
    story.write_text(
        story.read_text(encoding="utf-8").replace("{% endblock %}", "<p>Edited theme.</p>{% endblock %}")
    )
    result = build(config, environ={})
    after = snapshot(tmp_path / "site")
    stories = [p for p in after if p.startswith("stories/")]
    others = [p for p in after if p.endswith(".html") and not p.startswith("stories/")]
    assert stories and all(b"Edited theme." in after[p][0] for p in stories)
    assert others and all(after[p] == before[p] for p in others)  # not rendered: same bytes, same mtime
    assert result.written == len(stories)


def test_a_page_follows_a_record_it_looked_up(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("Ports reopen", "Harbours reopen"), "utf-8")
    run(source, tmp_path)
    cold = Config(source=source, output=tmp_path / "cold", cache=tmp_path / "cold-cache")
    build(cold, environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}
    assert any(b"Harbours reopen" in data for path, data in warm.items() if path.startswith("stories/"))


def test_a_page_edited_in_the_output_is_rendered_again(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    page = tmp_path / "site" / "sources.html"
    original = page.read_bytes()
    page.write_bytes(b"defaced")
    (source / "extra.md").write_text("---\ntitle: Bridge closed\n---\n\nThe old bridge closed for repairs.\n")
    run(source, tmp_path)
    assert page.read_bytes() != b"defaced" and b"<html" in page.read_bytes() and original


def test_pages_reused_across_parallel_builds_equal_a_cold_build(source: Path, tmp_path: Path) -> None:
    """Pages rendered in worker processes report what they looked up, so their reuse stays exact."""
    council_articles(source, 160)  # pages enough for rendering to be spread over processes
    run(source, tmp_path, jobs=2)
    changed = source / "n007.md"
    changed.write_text(changed.read_text(encoding="utf-8").replace("long debate", "short debate"), "utf-8")
    (source / "n011.md").unlink()
    result = run(source, tmp_path, jobs=2)
    build(Config(source=source, output=tmp_path / "cold"), environ={}, jobs=1)
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}
    assert 0 < result.written < result.files


@pytest.mark.parametrize("date", ["2024-04-04", "2024-04-09"])  # older than the others; the newest
def test_a_new_story_leaves_the_pages_of_other_topics_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, date: str
) -> None:
    """Every page names the topics in its header, but only their labels: a new story elsewhere keeps it.

    A story newer than all moves the edition date, which only the front page shows: the other pages are
    neither rendered nor rewritten.
    """
    source = tmp_path / "src"
    source.mkdir()
    texts = {
        "match": "The football match ended in a draw after a late goal, the coach said of the league game.",
        "storm": "The storm brought heavy rain and flooding to the coast, the weather service said.",
    }
    for number, (name, text) in enumerate(texts.items()):
        (source / f"{name}.md").write_text(
            f"---\ntitle: {name} report\ndate: 2024-04-0{number + 5}\n---\n\n{text}\n"
        )
    rules = (
        TopicRule("Sport", ("football", "match", "goal")),
        TopicRule("Weather", ("storm", "rain", "flood")),
    )
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", topics=rules)
    build(config, environ={})
    before = snapshot(tmp_path / "site")
    (source / "hail.md").write_text(
        f"---\ntitle: Hail hits farms\ndate: {date}\n---\n\nHail and rain from a second storm damaged farms.\n"
    )
    rendered = rendered_pages(monkeypatch)
    build(config, environ={}, jobs=1)
    after = snapshot(tmp_path / "site")
    sport = [p for p in after if p.startswith("articles/match")]
    assert sport and all(after[p] == before[p] for p in sport)  # same bytes, same mtime
    assert rendered and not any(p.startswith("articles/match") for p in rendered)
    listed = json.loads(after["digest.json"][0])  # the hail joins the storm's story, or is one of its own
    story = next(a["story"] for a in listed["articles"] if a["title"] == "Hail hits farms")
    assert b"Hail hits farms" in after[f"stories/{story}.html"][0]
    assert any(
        f"stories/{story}.html".encode() in after[p][0] for p in after if p.startswith("topics/weather")
    )
    cold = Config(source=source, output=tmp_path / "cold", topics=rules)
    build(cold, environ={})
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def test_a_resident_cache_serves_rebuilds_from_memory(source: Path, tmp_path: Path) -> None:
    resident = Resident()
    run(source, tmp_path, resident=resident)
    shutil.rmtree(tmp_path / "cache")  # what is left can only come from memory
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("Ports reopen", "Harbours reopen"), "utf-8")
    result = run(source, tmp_path, resident=resident, jobs=2)
    assert (result.read, result.sources) == (1, 4)
    build(Config(source=source, output=tmp_path / "cold"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}
    assert "Harbours reopen after storm" in (tmp_path / "site" / "digest.json").read_text(encoding="utf-8")


def test_a_resident_cache_writes_the_file_after_the_build(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """digest serve's rebuilds write the cache file in the background; a later digest build finds it all."""
    council_articles(source, 20)
    resident = Resident()
    run(source, tmp_path, resident=resident)
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("Ports reopen", "Harbours reopen"), "utf-8")
    run(source, tmp_path, resident=resident)
    resident.settle()
    assert run(source, tmp_path).unchanged  # the file knows the resident build's inputs and output
    assert_small_rebuild_equals_cold(source, tmp_path, monkeypatch)


def test_a_rebuild_neither_parses_nor_compiles_the_theme_again(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The templates compiled, and what each references, are kept in the cache; an edited template is
    parsed and compiled again."""
    run(source, tmp_path)
    parsed: list[str | None] = []
    parse = jinja2.Environment._parse

    def spy(self: jinja2.Environment, source: str, name: str | None, filename: str | None) -> Any:
        parsed.append(name)
        return parse(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", spy)
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("officials said", "the port said"), "utf-8")
    rendered = rendered_pages(monkeypatch)
    assert run(source, tmp_path).read == 1 and rendered and not parsed
    theme = tmp_path / "theme"
    theme.mkdir()
    template = (theme_dir() / "article.html").read_text(encoding="utf-8")
    edited = template.replace('<article class="article">', '<article class="article"><p>edited</p>')
    assert edited != template
    (theme / "article.html").write_text(edited, encoding="utf-8")
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", templates=theme)
    build(config, environ={})
    assert "article.html" in parsed
    assert "<p>edited</p>" in (
        tmp_path / "site" / "articles" / next(p.name for p in (tmp_path / "site" / "articles").iterdir())
    ).read_text(encoding="utf-8")


def test_renumbered_dependencies_keep_pages_right(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages remember what they read by number; once many new records are numbered, the numbers are
    worked out again without the deleted ones, and later rebuilds still keep exactly the right pages."""
    council_articles(source, 12)
    run(source, tmp_path)
    renumbered: list[int] = []
    original = render_module._renumbered

    def spy(*args: Any) -> Any:
        renumbered.append(1)
        return original(*args)

    monkeypatch.setattr(render_module, "_renumbered", spy)
    for number in range(4):
        (source / f"n{number:03d}.md").unlink()
    for number in range(12, 30):  # new articles: many new dependencies at once
        (source / f"n{number:03d}.md").write_text(
            f"---\ntitle: Harbour works begin in district {number}\ndate: 2024-05-{1 + number % 28:02d}\n---\n\n"
            f"Harbour works began in district {number} on Monday after the storm damaged the quay.\n",
            encoding="utf-8",
        )
    run(source, tmp_path)
    assert renumbered
    assert_small_rebuild_equals_cold(source, tmp_path, monkeypatch)


def test_a_detached_build_leaves_its_last_writes_to_a_child_that_holds_the_lock(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """digest build returns once the new site is in place: a child process writes the cache's last entries
    and removes the old site, holding the output lock until it is done; the next build finds it all."""
    council_articles(source, 20)
    run(source, tmp_path)
    # The child starts when its parent has ended, or after this wait: this test's process goes on.
    monkeypatch.setattr(parallel, "PARENT_WAIT", 1.0)
    extra = source / "extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("Ports reopen", "Harbours reopen"), "utf-8")
    result = run(source, tmp_path, detach=True)
    assert result.read == 1 and "Harbours reopen" in (tmp_path / "site" / "index.html").read_text("utf-8")
    with pytest.raises(BuildError, match="another build is writing"), output_lock(tmp_path / "site", wait=0):
        pass
    with output_lock(tmp_path / "site", wait=10):
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [
            ".site.lock",
            ".site.spare",
        ]
    assert run(source, tmp_path).unchanged  # the child wrote what the build did


def test_a_resident_cache_forgets_entries_of_other_settings(source: Path, tmp_path: Path) -> None:
    resident = Resident()
    run(source, tmp_path, resident=resident)
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", sentences=2)
    result = build(config, environ={}, resident=resident)
    assert result.read == 4  # the summaries' length changed: every file is read again


def test_digest_json_from_remembered_records_equals_a_cold_build(source: Path, tmp_path: Path) -> None:
    run(source, tmp_path)
    extra = source / "extra.md"
    # A richer copy of the extra article: it is kept, and the unchanged extra.md becomes its duplicate.
    text = extra.read_text(encoding="utf-8").replace(
        "---\n", "---\nauthor: Ann Writer\npublisher: Port News\n", 1
    )
    (source / "copy.md").write_text(text, encoding="utf-8")
    run(source, tmp_path)
    build(Config(source=source, output=tmp_path / "cold"), environ={})
    warm = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))
    cold = json.loads((tmp_path / "cold" / "digest.json").read_text(encoding="utf-8"))
    assert warm == cold
    assert {a["source"] for a in warm["articles"] if a["duplicate_of"]} == {"extra.md"}
    assert (tmp_path / "site" / "digest.json").read_bytes() == (
        tmp_path / "cold" / "digest.json"
    ).read_bytes()


def generated(source: Path) -> list[Path]:
    """120 generated news articles (several outlets per story, wire copies, topics), sorted by path."""
    from benchmarks.corpus import generate

    generate(source, 120, seed=7)
    return sorted(source.rglob("*.md"))


def built_generated(tmp_path: Path) -> tuple[list[Path], Config]:
    """``generated`` articles in tmp_path/src, built once into tmp_path/site; their paths and the config."""
    files = generated(tmp_path / "src")
    config = Config(source=tmp_path / "src", output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={})
    return files, config


def _replace(path: Path, field: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    text = "\n".join(f"{field}: {value}" if line.startswith(f"{field}:") else line for line in lines)
    path.write_text(text, encoding="utf-8")


def _add(path: Path, field: str, value: str) -> None:
    """A front matter field the file did not have."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", f"---\n{field}: {value}\n", 1), encoding="utf-8")


def _piece(source: Path, name: str, date: str) -> None:
    from benchmarks.corpus import articles, render

    text = render(next(articles(1, seed=99)), name)
    (source / f"{name}.md").write_text(text, encoding="utf-8")
    _replace(source / f"{name}.md", "date", date)


def _copy(path: Path, copy: Path) -> None:
    """Another outlet's copy of an article: the same text under another byline."""
    copy.write_bytes(path.read_bytes())
    _replace(copy, "author", "Ann Writer")


def _date_of(path: Path) -> str:
    return next(line for line in path.read_text(encoding="utf-8").split("\n") if line.startswith("date:"))[6:]


EDITS = {
    "retitle": lambda files: _replace(files[10], "title", "A completely different headline"),
    "redate": lambda files: _replace(files[20], "date", _date_of(files[80])),
    "delete": lambda files: files[30].unlink(),
    "copy": lambda files: _copy(files[40], files[0].parent / "copy.md"),
    "publisher": lambda files: _replace(files[50], "publisher", "East Gazette"),
    "rewrite": lambda files: files[60].write_text(files[61].read_text(encoding="utf-8")),
    "newest": lambda files: _piece(files[0].parent, "newest", "2025-01-01"),
    "oldest": lambda files: _piece(files[0].parent, "oldest", "2020-01-01"),
    "same-day": lambda files: _piece(files[0].parent, "same-day", _date_of(files[70])),
    "topic": lambda files: _add(files[90], "topic", "Science"),
    "tags": lambda files: _replace(files[100], "tags", "[Space, Astronomy]"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_pages_kept_without_being_made_equal_a_cold_build(tmp_path: Path, edit: str) -> None:
    """Page makers none of whose reads changed are not run: after any kind of edit, the site they leave
    is byte for byte the site a cold build makes (sitemap and structured data included)."""
    source = tmp_path / "src"
    files = generated(source)
    config = Config(
        source=source, output=tmp_path / "site", cache=tmp_path / "cache", base_url="https://news.example"
    )
    build(config, environ={})
    EDITS[edit](files)
    build(config, environ={})
    build(replace(config, output=tmp_path / "cold", cache=tmp_path / "cold-cache"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


@pytest.mark.parametrize("edit", ["delete", "newest", "rewrite"])
def test_a_rebuild_as_digest_build_runs_it_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """As the command runs it (two jobs, detached): the last site's files are linked into the new one by a
    child process first; the files kept, rewritten and removed leave the site a cold build makes."""
    monkeypatch.setattr(parallel, "PARENT_WAIT", 0.0)  # the detached child need not wait for this process
    source = tmp_path / "src"
    files = generated(source)
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={}, jobs=2, detach=True)
    before = snapshot(tmp_path / "site")
    EDITS[edit](files)
    result = build(config, environ={}, jobs=2, detach=True)
    build(replace(config, output=tmp_path / "cold", cache=tmp_path / "cold-cache"), environ={})
    after = snapshot(tmp_path / "site")
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}
    assert 0 < result.written < result.files
    assert sum(after[p] == before.get(p) for p in after) == result.files - result.written


def test_only_the_makers_of_pages_that_show_a_change_are_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.render import pages

    files, config = built_generated(tmp_path)
    made: list[str] = []
    article_page = pages.article_page

    def spy(site: Any, article: Any) -> Page:
        made.append(article.source)
        return article_page(site, article)

    monkeypatch.setattr(pages, "article_page", spy)
    EDITS["publisher"](files)
    result = build(config, environ={})
    # One of 120: nothing else it shows changed.
    assert made == [files[50].relative_to(config.source).as_posix()]
    assert result.read == 1 and 0 < result.written < result.files


PLACES = ("Avonmouth", "Brackley", "Corran", "Dunmore", "Elgin", "Fenwick", "Garve", "Hexham")
RULES = (TopicRule("Weather", ("storm", "rain", "flood")),)


def test_a_page_follows_its_related_stories_when_nothing_else_it_shows_changed(tmp_path: Path) -> None:
    """Related stories are the nearest in time: a story that moves without passing another changes which
    are nearest to some story, while its topic lists the same stories in the same order."""
    source = tmp_path / "src"
    source.mkdir()
    for day, place in zip((1, 2, 3, 4, 5, 10, 20), PLACES, strict=False):
        (source / f"storm-{day:02d}.md").write_text(
            f"---\ntitle: Storm news from {place}\ndate: 2024-04-{day:02d}\n---\n\n"
            f"Storm {place} brought heavy rain and flooding to {place}, the weather service said. "
            f"Residents of {place} counted the damage.\n",
            encoding="utf-8",
        )
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", topics=RULES)
    build(config, environ={})
    moved = source / "storm-10.md"
    moved.write_text(moved.read_text(encoding="utf-8").replace("2024-04-10", "2024-04-06"), "utf-8")
    build(config, environ={})
    build(Config(source=source, output=tmp_path / "cold", topics=RULES), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def _correct(path: Path) -> None:
    """A correction appended to the end of an article: its story's grouping reads none of it."""
    path.write_text(path.read_text(encoding="utf-8") + "\nA correction was added to this article.\n", "utf-8")


@pytest.mark.parametrize("edit", ["retitle", "correction"])
def test_a_rebuild_reads_few_articles_text_and_features_only_to_regroup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """The cache keeps articles' text, and what dedupe and grouping read of them, apart from the rest: a
    rebuild after a correction at the end of an article reads the text of the few articles it renders or
    summarizes again and nobody's features; a new headline has grouping run again, which reads all the
    features, in one pass over the cache (and the text of the articles naming topics). Either way the site
    is the one a cold build makes."""
    files, config = built_generated(tmp_path)
    read: dict[int, list[str]] = {0: [], 1: []}  # part 0: the articles' bodies, 1: their features
    passes: list[int] = []  # parts read of every file at once
    stored_part, read_parts = cache_module._stored_part, cache_module.Cache.read_parts

    def spy(path: Path, name: str, mark: Stamp, number: int) -> object:
        read[number].append(name)
        return stored_part(path, name, mark, number)

    def spy_parts(cache: cache_module.Cache, number: int) -> None:
        passes.append(number)
        read_parts(cache, number)

    monkeypatch.setattr(cache_module, "_stored_part", spy)
    monkeypatch.setattr(cache_module.Cache, "read_parts", spy_parts)
    EDITS["retitle"](files) if edit == "retitle" else _correct(files[50])
    assert build(config, environ={}).read == 1
    if edit == "correction":
        assert read[0] and len(read[0]) < len(files) / 4 and not read[1] and not passes
    else:
        assert passes == [1] and not read[1]
    build(replace(config, output=tmp_path / "cold", cache=tmp_path / "cold-cache"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def test_a_rebuild_does_not_read_the_text_of_copies_to_choose_which_to_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which of several copies is kept depends on their text (whether it has HTML): worked out when they are
    read, not read again from the cache by every rebuild."""
    files = generated(tmp_path / "src")
    for number in range(0, 40, 8):  # wire copies of five articles
        copy = tmp_path / "src" / "wire" / files[number].name
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(files[number].read_bytes())
    config = Config(source=tmp_path / "src", output=tmp_path / "site", cache=tmp_path / "cache")
    assert build(config, environ={}).duplicates == 5
    read: list[str] = []
    stored_part = cache_module._stored_part

    def spy(path: Path, name: str, mark: Stamp, number: int) -> object:
        read.append(name)
        return stored_part(path, name, mark, number)

    monkeypatch.setattr(cache_module, "_stored_part", spy)
    _correct(files[50])
    assert build(config, environ={}).duplicates == 5
    listed = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))["articles"]
    changed = files[50].relative_to(tmp_path / "src").as_posix()
    story = next(a["story"] for a in listed if a["source"] == changed)
    assert set(read) <= {a["source"] for a in listed if a["story"] == story}  # summarized again, no other


def test_a_correction_has_that_article_summarized_again_and_no_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article's summary reads that article alone: a correction to one has it summarized again, not the
    other articles of its story."""
    files, config = built_generated(tmp_path)
    summarized: list[str] = []
    summary = engine_module.article_summary

    def spy(article: Article, count: int) -> tuple[str, ...]:
        summarized.append(article.source)
        return summary(article, count)

    monkeypatch.setattr(engine_module, "article_summary", spy)
    _correct(files[50])
    build(config, environ={}, jobs=1)
    changed = files[50].relative_to(tmp_path / "src").as_posix()
    assert summarized == [changed]
    listed = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))["articles"]
    story = next(a["story"] for a in listed if a["source"] == changed)
    assert sum(a["story"] == story for a in listed) > 1  # its story has others, which were not summarized


def test_a_cache_emptied_during_a_build_fails_it_and_the_next_build_works(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles' text is read from the cache when first needed: if another process emptied it meanwhile,
    the build says so and leaves the previous site; building again works."""
    theme = _theme(tmp_path)
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", templates=theme)
    build(config, environ={})
    before = snapshot(tmp_path / "site")
    files = cache_module.Cache.files

    def emptied(self: cache_module.Cache, stamps: dict[str, Stamp]) -> object:
        found = files(self, stamps)
        with contextlib.closing(sqlite3.connect(tmp_path / "cache" / cache_module.FILE_NAME)) as db, db:
            db.execute("DELETE FROM files")
        return found

    monkeypatch.setattr(cache_module.Cache, "files", emptied)
    page = theme / "article.html"  # every article page is rendered again: each article's text is read
    page.write_text(
        page.read_text(encoding="utf-8").replace("{% endblock %}", "<p>Edited.</p>{% endblock %}")
    )
    with pytest.raises(BuildError, match="changed during the build; build again"):
        build(config, environ={})
    assert snapshot(tmp_path / "site") == before
    monkeypatch.undo()
    assert build(config, environ={}).read == len(list(source.iterdir()))


def test_a_detached_build_leaves_the_cache_without_a_write_ahead_log(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build's connections to the cache are closed before it forks: its detached child, the last to
    use the file, copies the write-ahead log into it and removes it, so the cache does not grow build
    after build."""
    monkeypatch.setattr(parallel, "PARENT_WAIT", 0.0)
    theme = _theme(tmp_path)
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache", templates=theme)
    build(config, environ={}, detach=True)
    page = theme / "article.html"  # every article page is rendered again: each article's text is read
    page.write_text(
        page.read_text(encoding="utf-8").replace("{% endblock %}", "<p>Edited.</p>{% endblock %}")
    )
    build(config, environ={}, detach=True)
    with output_lock(tmp_path / "site", wait=10):  # the child is done
        assert not (tmp_path / "cache" / f"{cache_module.FILE_NAME}-wal").exists()


@pytest.mark.parametrize("edit", EDITS)
def test_dependencies_told_unchanged_by_what_records_changed_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """A rebuild works out again only the dependencies whose records changed (``reuse.Changes``): after
    any kind of edit, it finds exactly the changes that working out every dependency again finds."""
    from digest.incremental import reuse

    files, config = built_generated(tmp_path)
    compare, hashed = reuse.Records.compare, reuse.Records._hashed
    told: list[tuple[set[int], set[int]]] = []
    worked: list[object] = []

    def counted(self: Any, value: object) -> bytes:
        worked.append(value)
        return hashed(self, value)

    def both(self: Any, dependencies: Any, states: bytes, hashes: Any = None) -> None:
        assert hashes is not None  # the last build's record hashes are remembered
        monkeypatch.setattr(reuse.Records, "_hashed", counted)
        compare(self, dependencies, states, hashes)
        monkeypatch.setattr(reuse.Records, "_hashed", hashed)
        shortcut, worked_out = set(self._changed), len(worked)
        self._states.clear()
        compare(self, dependencies, states)
        told.append((shortcut, set(self._changed)))
        assert worked_out < len(dependencies) / 2  # most were not worked out again

    monkeypatch.setattr(reuse.Records, "compare", both)
    EDITS[edit](files)
    build(config, environ={})
    assert len(told) == 1
    shortcut, everything = told[0]
    assert shortcut == everything and everything


def test_a_page_kept_from_the_last_site_costs_one_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new site starts as the spare the last build left, so a page whose maker need not run is stat'ed
    once in the output, to see that it is as that build left it (the test below), and neither read nor
    linked; the build links only the few files the last one changed."""
    from collections import Counter

    files, config = built_generated(tmp_path)
    EDITS["rewrite"](files)
    changed = build(config, environ={}).written
    EDITS["publisher"](files)
    statted: list[str] = []
    linked: list[str] = []
    real_stat, real_link = os.stat, os.link

    def counted(path: Any, *args: Any, **options: Any) -> os.stat_result:
        statted.append(os.fspath(path))
        return real_stat(path, *args, **options)

    def link(source: Any, target: Any, *args: Any, **options: Any) -> None:
        linked.append(os.fspath(source))
        real_link(source, target, *args, **options)

    made: list[str] = []  # pages of makers that ran: a page made again may still be kept
    make = render_module.ReusingRenderer.make

    def making(self: Any, maker: Any, previous: Any) -> Any:
        dependencies, pages = make(self, maker, previous)
        made.extend(page.page.path for page in pages)
        return dependencies, pages

    monkeypatch.setattr(render_module.ReusingRenderer, "make", making)
    monkeypatch.setattr(os, "stat", counted)
    monkeypatch.setattr(os, "link", link)
    result = build(config, environ={})
    site = f"{tmp_path / 'site'}/"
    pages = Counter(path[len(site) :] for path in statted if path.startswith(site) and path.endswith(".html"))
    kept = {path for path in pages if path not in made}
    assert result.files - result.written > 100 and len(kept) > 100  # most pages kept
    assert all(pages[path] == 1 for path in kept)
    assert 0 < len(linked) <= changed  # what the last build wrote, into the spare: no kept page as such


def test_a_page_edited_in_the_output_is_rendered_again_when_its_maker_need_not_run(tmp_path: Path) -> None:
    """With the last site linked in by a child, a kept page is checked by the stamp it took: one edited by
    hand since the last build is rendered again, though nothing it shows changed."""
    source = tmp_path / "src"
    files = generated(source)
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={}, jobs=2, detach=True)
    pages = sorted((tmp_path / "site" / "articles").glob("*.html"))
    defaced = pages[len(pages) // 2]
    original = defaced.read_bytes()
    defaced.write_bytes(b"defaced")
    EDITS["publisher"](files)
    build(config, environ={}, jobs=2, detach=True)
    assert defaced.read_bytes() == original


def test_an_article_page_is_left_alone_when_its_story_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article's page shows its story's headline and link: another outlet's report joining the story
    changes the story's page, not the first report's page, which is neither rendered nor rewritten."""
    source = tmp_path / "src"
    source.mkdir()
    report = (
        "---\ntitle: {title}\ndate: 2024-04-0{day}\npublisher: {outlet}\n---\n\n"
        "Floods closed the coastal road at Harwick after the river burst its banks on Monday, and the "
        "council opened two shelters for families moved from the low streets near the harbour.\n"
    )
    (source / "first.md").write_text(
        report.format(title="Floods close Harwick road", day=5, outlet="Gazette")
    )
    config = Config(source=source, output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={})
    before = snapshot(tmp_path / "site")
    (source / "second.md").write_text(
        report.format(title="Harwick road shut by floods", day=6, outlet="Herald")
    )
    rendered = rendered_pages(monkeypatch)
    build(config, environ={}, jobs=1)
    after = snapshot(tmp_path / "site")
    listed = json.loads(after["digest.json"][0])
    stories = {a["title"]: a["story"] for a in listed["articles"]}
    assert stories["Floods close Harwick road"] == stories["Harwick road shut by floods"]  # one story
    first = next(a["page"] for a in listed["articles"] if a["title"] == "Floods close Harwick road")
    assert after[first] == before[first] and first not in rendered
    assert f"stories/{stories['Floods close Harwick road']}.html" in rendered
    build(Config(source=source, output=tmp_path / "cold"), environ={})
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}
