"""The one progress display of every long command: stage, bar, count, elapsed, time left.

The core and the services report ``(stage, done, total)`` through a plain
`snop.progress.Progress`; `progress_bar` turns that into a Rich line on stderr:

    ⠹ forecasting 366 series ━━━━━━━━━━╺━━━━━━━━━  120/366 series  0:01:02  about 0:02:10 left
    ⠼ solving the supply plan (40 products x 18 months; ...)  2/5 steps  0:00:07

A stage with no total (None) shows the spinner and its words only. Nothing is drawn when
stderr is not a terminal, and nothing ever goes to stdout, so ``--json`` output stays
clean for scripts. The line goes away when the command is done.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console, RenderableType
from rich.progress import BarColumn, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.progress import Progress as RichProgress
from rich.text import Text

from snop.cli.render import err_console
from snop.progress import Progress


def _clock(seconds: float) -> str:
    whole = max(int(round(seconds)), 0)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class _WhenCounted(ProgressColumn):
    """Another column, shown only while the stage has a total."""

    def __init__(self, column: ProgressColumn) -> None:
        super().__init__()
        self.column = column

    def render(self, task: Task) -> RenderableType:
        if task.total is None:
            return Text("")
        return self.column.render(task)


class _Count(ProgressColumn):
    """``12/40 series``: done out of total, in the command's unit."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        unit = f" {self.unit}" if self.unit else ""
        return Text(f"{task.completed:.0f}/{task.total:.0f}{unit}", style="progress.download")


class _Elapsed(ProgressColumn):
    """Time since the command started (not since the stage did)."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started

    def render(self, task: Task) -> Text:
        return Text(_clock(time.monotonic() - self.started), style="progress.elapsed")


class _Remaining(ProgressColumn):
    """``about 0:02:10 left``: this count's pace so far, applied to what is left.

    Counted from the stage's own start and its last tick, so a few coarse ticks (one per
    group of series) are enough; nothing is shown before the first tick.
    """

    def render(self, task: Task) -> Text:
        total, done = task.total, task.completed
        began, ticked = task.fields.get("began"), task.fields.get("ticked")
        if total is None or done <= 0 or done >= total or began is None or ticked is None:
            return Text("")
        left = (ticked - began) * (total - done) / done - (time.monotonic() - ticked)
        words = f"about {_clock(left)} left" if left >= 1 else "almost done"
        return Text(words, style="progress.remaining")


class _Bar:
    """The `Progress` callback behind `progress_bar`: one Rich task, updated in place."""

    def __init__(self, bar: RichProgress, first_stage: str) -> None:
        self.bar = bar
        now = time.monotonic()
        self.task = bar.add_task(first_stage, total=None, began=now, ticked=now)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        task = self.bar.tasks[self.task]
        now = time.monotonic()
        if total != task.total or done < task.completed:
            # A new count (another policy's months, the next forecast): its own pace.
            if total is None:  # reset() keeps the old total when given None
                task.total = None
            self.bar.reset(
                self.task, total=total, completed=done, description=stage, began=now, ticked=now
            )
        else:
            ticked = now if done > task.completed else task.fields["ticked"]
            self.bar.update(self.task, completed=done, description=stage, ticked=ticked)
        self.bar.refresh()


@contextmanager
def progress_bar(
    first_stage: str,
    *,
    unit: str = "",
    eta: bool = True,
    console: Console | None = None,
) -> Iterator[Progress]:
    """Show one progress line on stderr while the block runs; yield its `Progress`.

    ``unit`` names what the counts count ("series", "months", "steps"). ``eta`` shows the
    time left from the pace so far: right for alike items (series, months, service
    levels), wrong for steps of very different lengths (build the LP, then solve it), so
    commands that count steps turn it off. ``console`` is for tests (default: stderr).
    """
    started = time.monotonic()
    columns: list[ProgressColumn] = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        _WhenCounted(BarColumn(bar_width=24)),
        _Count(unit),
        _Elapsed(started),
    ]
    if eta:
        columns.append(_Remaining())
    bar = RichProgress(*columns, console=console or err_console, transient=True)
    with bar:
        yield _Bar(bar, first_stage)
