"""Stories as a stream: a stream resumed from a saved state places articles as one run from the start would,
and the engine resumes a fold from the last build's state, replaying only what changed."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from digest.commands.build import build
from digest.config import Config
from digest.group import grouping, stream, topics
from digest.group.dedupe import find_duplicates
from digest.group.grouping import group
from digest.group.vectors import Vector
from digest.incremental import engine as engine_module
from digest.incremental.cache import Cache
from digest.incremental.engine import Engine
from digest.models import Article
from digest.read.discovery import discover
from digest.read.sources import read_source
from tests.test_incremental import snapshot


def corpus(folder: Path, count: int, seed: int) -> list[Article]:
    """``count`` generated news articles (several outlets per event), read as a build reads them."""
    from benchmarks.corpus import generate

    generate(folder, count, seed=seed)
    sources = discover(folder, folder / "site", lambda issue: None)
    return [a for s in sources for a in read_source(s, 10_000_000).articles]


def entries_of(articles: Sequence[Article]) -> list[stream.Entry]:
    """The stream's entries for ``articles``, as grouping makes them."""
    seen: list[stream.Entry] = []

    def place(entries: Sequence[stream.Entry]) -> tuple[list[list[int]], list[Vector]]:
        seen.extend(entries)
        return stream.run(entries)

    group(articles, find_duplicates(articles), place=place)
    return seen


@pytest.fixture(scope="module")
def entries(tmp_path_factory: pytest.TempPathFactory) -> list[stream.Entry]:
    folder = tmp_path_factory.mktemp("stream")
    articles = corpus(folder / "src", 150, seed=3)
    # A tail of undated reports: they come after the dated ones, a run of them at a time.
    undated = [replace(a, date=None) for a in corpus(folder / "more", 300, seed=4)]
    return entries_of([*articles, *undated])


def test_a_stream_resumed_from_a_saved_state_places_as_one_run(entries: list[stream.Entry]) -> None:
    blocks = stream.blocks(entries)
    assert len(blocks) > 10 and any(entries[b[0]].undated for b in blocks)
    expected = stream.run(entries)
    for split in (1, len(blocks) // 3, len(blocks) - 2, len(blocks) - 1):
        state = stream.start(entries)
        made = [v for block in blocks[:split] for v in stream.advance(state, entries, block)]
        state = pickle.loads(pickle.dumps(state))
        made += [v for block in blocks[split:] for v in stream.advance(state, entries, block)]
        assert (stream.stories(state), made) == expected


def fold(folder: Path, steps: Sequence[int], calls: list[int]) -> tuple[list[int], list[int]]:
    """Running sums of ``steps`` by ``Engine.fold`` over the cache in ``folder``; the steps run go to ``calls``."""
    cache = Cache(folder, "key")

    def advance(state: list[int], number: int, made: Sequence[int]) -> int:
        calls.append(number)
        state.append(steps[number] + (made[-1] if made else 0))
        return state[-1]

    result = Engine(cache).fold("sums", "opening", steps, list, advance)
    cache.close()
    return result


def test_a_fold_resumes_where_the_last_build_left_it(tmp_path: Path) -> None:
    steps = list(range(100))
    calls: list[int] = []
    cold = fold(tmp_path, steps, calls)
    assert calls == steps
    calls.clear()
    assert fold(tmp_path, steps, calls) == cold and calls == []
    grown = fold(tmp_path, [*steps, 7], calls)
    assert calls == [100] and grown[1][:100] == cold[1]
    calls.clear()
    edited = [*steps[:90], 1000, *steps[91:]]
    resumed = fold(tmp_path, edited, calls)
    assert 80 <= calls[0] <= 90 and calls == list(range(calls[0], 100))  # from a state kept before step 90
    assert resumed == fold(tmp_path / "cold", edited, [])


def test_a_fold_whose_last_step_changed_replays_that_step_alone(tmp_path: Path) -> None:
    """A day's news fetched again changes the last step (the day's block) alone: it is placed again from the
    state kept before it, not from one kept many days back."""
    steps = list(range(100))
    fold(tmp_path, steps, [])
    calls: list[int] = []
    refetched = [*steps[:99], 1000]
    assert fold(tmp_path, refetched, calls) == fold(tmp_path / "cold", refetched, []) and calls == [99]
    calls.clear()
    again = [*steps[:99], 2000]
    assert fold(tmp_path, again, calls) == fold(tmp_path / "cold2", again, []) and calls == [99]


def add_news_day(source: Path) -> None:
    """Three generated articles dated after all the others, as a day's fetch adds them."""
    from benchmarks.corpus import articles, render

    for number, piece in enumerate(articles(3, seed=11)):
        text = render(
            replace(piece, when=dt.datetime(2030, 1, 1, 8, number, tzinfo=dt.UTC)), f"next-{number}"
        )
        (source / f"next-{number}.md").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("wire_copy", [False, True])
def test_a_day_of_new_articles_places_only_them_and_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wire_copy: bool
) -> None:
    """Past the window of articles whose frequencies weigh everyone's terms, new articles dated after the rest
    are placed alone, into stories as the last build left them. A wire copy of an older dated article among
    them is merged into it, and replays nothing: the stream counts the copies of undated articles alone."""
    from benchmarks.corpus import generate

    monkeypatch.setattr(stream, "WINDOW", 40)
    generate(tmp_path / "src", 120, seed=7)
    config = Config(source=tmp_path / "src", output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={})
    placed: list[int] = []
    advance = stream.advance

    def spy(state: stream.Stream, entries: Sequence[stream.Entry], block: range) -> list[Vector]:
        placed.extend(block)
        return advance(state, entries, block)

    monkeypatch.setattr(stream, "advance", spy)
    add_news_day(tmp_path / "src")
    if wire_copy:
        first = min((tmp_path / "src").rglob("2024-*.md"), key=lambda p: p.name)
        lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
        wire = [line for line in lines if not line.startswith(("author:", "url:", "date:"))]
        (tmp_path / "src" / "wire-copy.md").write_text("".join(wire), encoding="utf-8")
    build(config, environ={})
    after = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))
    copies = [a["duplicate_of"] for a in after["articles"] if a["source"] == "wire-copy.md"]
    assert len(copies) == wire_copy and None not in copies  # the copy is merged into the older article
    assert len(placed) == 3
    build(replace(config, output=tmp_path / "cold", cache=tmp_path / "cold-cache"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def test_a_day_of_new_articles_keeps_the_subjects_found_and_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Subjects found on the first articles are remembered: a day's news placed among them finds none again,
    files no older story elsewhere, and gives the site a cold build gives."""
    from benchmarks.corpus import generate

    monkeypatch.setattr(topics, "EPOCH", 60)
    generate(tmp_path / "src", 120, seed=7)
    config = Config(source=tmp_path / "src", output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={})
    before = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))
    found: list[int] = []
    model = topics.model

    def spy(documents: Sequence[topics.Document]) -> topics.Model:
        found.append(len(documents))
        return model(documents)

    monkeypatch.setattr(topics, "model", spy)
    add_news_day(tmp_path / "src")
    build(config, environ={})
    assert found == []
    after = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))
    topic_before = {s: t["id"] for t in before["topics"] for s in t["stories"]}
    topic_after = {s: t["id"] for t in after["topics"] for s in t["stories"]}
    assert {s: topic_after.get(s) for s in topic_before} == topic_before
    build(replace(config, output=tmp_path / "cold", cache=tmp_path / "cold-cache"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}


def test_a_day_of_new_articles_measures_only_the_stories_it_touched_and_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story's headline, centroid and filing evidence read its own articles alone: a day's news has only
    the stories it made or grew measured again, and gives the site a cold build gives."""
    from benchmarks.corpus import generate

    monkeypatch.setattr(stream, "WINDOW", 40)  # past the window, older articles' vectors stay as they were
    generate(tmp_path / "src", 120, seed=7)
    config = Config(source=tmp_path / "src", output=tmp_path / "site", cache=tmp_path / "cache")
    build(config, environ={})
    stories = len(json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))["stories"])
    measured: list[tuple[str, ...]] = []
    measure = engine_module.measure

    def spy(reading: grouping.Reading) -> grouping.Measures:
        measured.append(tuple(m.id for m in reading.members))
        return measure(reading)

    monkeypatch.setattr(engine_module, "measure", spy)
    add_news_day(tmp_path / "src")
    build(config, environ={})
    assert 1 <= len(measured) <= 3 < stories  # the day's three articles: their stories alone
    after = json.loads((tmp_path / "site" / "digest.json").read_text(encoding="utf-8"))
    new = {a["id"] for a in after["articles"] if a["source"].startswith("next-")}
    assert all(set(ids) & new for ids in measured)
    build(replace(config, output=tmp_path / "cold", cache=tmp_path / "cold-cache"), environ={})
    warm = {k: v[0] for k, v in snapshot(tmp_path / "site").items()}
    assert warm == {k: v[0] for k, v in snapshot(tmp_path / "cold").items()}
