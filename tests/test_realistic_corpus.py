"""The realistic benchmark corpus (benchmarks/realistic.py) is deterministic: same N and seed, same bytes; a
new day's articles come after all the corpus's days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks import realistic


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.md"))}


def test_same_count_and_seed_give_the_same_bytes(corpora: Path, tmp_path: Path) -> None:
    realistic.generate(tmp_path / "a", 150, seed=3)
    realistic.generate(tmp_path / "b", 150, seed=3)
    realistic.generate(tmp_path / "c", 150, seed=4)
    first = _files(tmp_path / "a")
    assert len(first) == 150
    assert first == _files(tmp_path / "b")
    assert first != _files(tmp_path / "c")


def test_a_new_day_comes_after_every_article_and_is_the_same_each_time(corpora: Path, tmp_path: Path) -> None:
    pieces = list(realistic.articles(400, seed=1))
    day = realistic.new_day(400, seed=1, new=100)
    assert len(day) == 100
    next_day = realistic.START + dt.timedelta(days=realistic.DAYS)
    assert {piece.when.date() for piece in day} == {next_day}
    assert max(piece.when.date() for piece in pieces) < next_day
    assert day == realistic.new_day(400, seed=1, new=100)
    assert day != realistic.new_day(400, seed=1, new=100, variant=1)
    written = realistic.add_new_day(tmp_path, 400, seed=1, new=100)
    assert len(set(written)) == 100
