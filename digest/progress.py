"""Stage timing, and progress bars on a terminal for builds long enough to want them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

BARS_FROM_FILES = 500  # smaller builds take about a second: bars would only flicker


class Stages:
    """Times each stage of a build; draws a bar per stage when ``bars`` is set (rich, loaded lazily)."""

    def __init__(self, *, bars: bool = False) -> None:
        self.timings: list[tuple[str, float]] = []
        self._bars: Any = None
        if bars:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bars = Progress(
                TextColumn("{task.description:<10}"),
                BarColumn(),
                _count_column(),
                TimeElapsedColumn(),
                transient=True,
            )

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
        """Time the enclosed work; the yielded function advances the stage's bar by a count."""
        started = time.perf_counter()
        if self._bars is None:
            yield lambda count: None
        else:
            if not self._bars.live.is_started:
                self._bars.start()
            task = self._bars.add_task(name, total=total)
            yield lambda count: self._bars.advance(task, count)
            self._bars.update(task, completed=total or 0, visible=False)
        self.timings.append((name, time.perf_counter() - started))

    def close(self) -> None:
        """Remove the bars from the terminal."""
        if self._bars is not None and self._bars.live.is_started:
            self._bars.stop()


def _count_column() -> Any:
    """Done of total for a stage whose size is known; nothing for one whose size is not (grouping), whose
    moving bar says it is at work where a count would sit at '0/?'."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class Count(ProgressColumn):
        def render(self, task: Task) -> Text:
            """'120/3000', or nothing."""
            if task.total is None:
                return Text("")
            return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")

    return Count()
