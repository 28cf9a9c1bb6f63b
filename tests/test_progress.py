"""Progress bars: a stage of unknown length shows no count stuck at '0/?'."""

from __future__ import annotations

from rich.progress import Progress

from digest.progress import _count_column


def test_a_stage_of_unknown_length_shows_no_count_and_a_known_one_done_of_total() -> None:
    column = _count_column()
    progress = Progress(column)
    unknown = progress.add_task("group", total=None)
    known = progress.add_task("read", total=3000)
    progress.advance(known, 120)
    assert column.render(progress.tasks[unknown]).plain == ""
    assert column.render(progress.tasks[known]).plain == "120/3000"
