"""How long work says how far it has got: one callback type for the core and the services.

The core and the services call a `Progress` with plain values; only an adapter (the
command line's bar, say) decides how to show them. Nothing here draws anything.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int | None], None]
"""Called as work advances, with ``(stage, done, total)``.

stage
    What is being done now, in words a planner reads: "forecasting 120 series",
    "solving the supply plan (40 products x 18 months)".
done
    How many of ``total`` are finished (0 when a stage starts).
total
    How many there are in all (series, months, scenarios, service levels, steps), or
    None when the work cannot be counted, as while HiGHS solves.
"""


def silent(stage: str, done: int, total: int | None) -> None:
    """A `Progress` that reports nothing: the default when no one is watching."""


def within(progress: Progress | None, first: int, total: int) -> Progress:
    """``progress`` for a part of a larger job: its steps counted on from ``first``.

    A part that reports ``(stage, done, its_total)`` is shown as ``(stage, first + done,
    total)``, so the whole job's count keeps growing to ``total``. A part's uncounted
    stages (``its_total`` None) stay at ``first``.
    """
    report = progress or silent

    def part(stage: str, done: int, _: int | None) -> None:
        report(stage, first + done, total)

    return part
