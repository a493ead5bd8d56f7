"""The command line's progress line: what it shows for counted and uncounted stages."""

from __future__ import annotations

import io
import time

from rich.console import Console

from snop.cli.progress import progress_bar
from snop.progress import within


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=160, color_system=None), out


def test_a_counted_stage_shows_its_count_and_the_time_left() -> None:
    console, out = _console()
    with progress_bar("reading", unit="series", console=console) as bar:
        bar("forecasting 10 series", 0, 10)
        time.sleep(0.05)
        bar("forecasting 10 series", 4, 10)
        shown = out.getvalue()
    assert "forecasting 10 series" in shown and "4/10 series" in shown
    assert "left" in shown or "almost done" in shown


def test_an_uncounted_stage_shows_words_without_a_count() -> None:
    console, out = _console()
    with progress_bar("planning supply", unit="steps", eta=False, console=console) as bar:
        bar("solving the supply plan", 0, None)
        shown = out.getvalue()
    assert "solving the supply plan" in shown
    assert "/" not in shown.split("solving the supply plan")[-1].split("\n")[0]
    assert "left" not in shown


def test_a_part_counts_on_from_where_the_whole_job_is() -> None:
    heard: list[tuple[str, int, int | None]] = []
    part = within(lambda stage, done, total: heard.append((stage, done, total)), 1, 5)
    part("building the LP", 0, 3)
    part("solving", 2, 3)
    assert heard == [("building the LP", 1, 5), ("solving", 3, 5)]
