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
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bars = Progress(
                TextColumn("{task.description:<10}"),
                BarColumn(),
                MofNCompleteColumn(),
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
