"""Saving the override grid: six months of one family, as the demand review page saves them.

On a copy of a built demo company, through `services.demand.add_overrides` (what the grid's
Save calls): six months of the Tents family changed by a percentage, ``--saves`` times each
way, alternating so the machine's noise falls on all:

- ``rewrite``: the whole version read and rebuilt, its consensus, events and override
  streams deleted and written again whole (`replace_streams` without ``stored``);
- ``changed rows``: the whole version read and rebuilt, only the rows whose numbers changed
  written;
- ``family only``: only the saved family's rows read, rebuilt and compared, the changed ones
  written (the default now; `_refresh_consensus` with ``family``).

Prints the median and best of each and the ratios to ``rewrite``; ``--record`` appends them
to RESULTS.md.

Usage::

    .venv/bin/python bench/grid_save.py --db demo.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from provenance import code_version, machine  # noqa: E402

from snop.services import demand  # noqa: E402
from snop.services.database import open_database  # noqa: E402
from snop.services.demand import MonthChange  # noqa: E402

MONTHS = ["2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]


def _whole_rewrite(original: Callable[..., None]) -> Callable[..., None]:
    def rewrite(s: Any, version_id: int, values: Any, streams: list[str], **_: Any) -> None:
        original(s, version_id, values, streams)

    return rewrite


def _whole_version(scoped: Callable[..., None]) -> Callable[..., None]:
    def whole(s: Any, **_: Any) -> None:
        scoped(s)

    return whole


def main() -> None:
    """Time both ways of writing, alternating; print, and record if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a built demo company")
    parser.add_argument("--saves", type=int, default=8)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="snop-grid-"))
    shutil.copy(args.db, folder / "demo.db")
    db = open_database(f"sqlite:///{folder / 'demo.db'}")
    changed_rows = demand.store.replace_streams
    scoped = demand._refresh_consensus
    whole = _whole_version(scoped)
    ways = {
        "rewrite": (_whole_rewrite(changed_rows), whole),
        "changed rows": (changed_rows, whole),
        "family only": (changed_rows, scoped),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}

    def save(percent: float) -> None:
        changes = [MonthChange(month, percent) for month in MONTHS]
        demand.add_overrides(
            db, actor="demand", level="family", key="Tents", changes=changes, reason_code="promo"
        )

    save(0.5)  # warm: imports, caches, the first override stream
    for i in range(args.saves):
        for name, (write, refresh) in ways.items():
            demand.store.replace_streams = write  # type: ignore[assignment]
            demand._refresh_consensus = refresh  # type: ignore[assignment]
            started = time.perf_counter()
            save(1.0 + i)
            times[name].append(time.perf_counter() - started)
    demand.store.replace_streams = changed_rows  # type: ignore[assignment]
    demand._refresh_consensus = scoped  # type: ignore[assignment]
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
    report = render(times, args)
    print(report)
    if args.record:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + report)


def render(times: dict[str, list[float]], args: argparse.Namespace) -> str:
    """The RESULTS.md section."""
    median = {name: statistics.median(t) * 1000 for name, t in times.items()}
    lines = [
        f"## Override grid save: the saved family's rows only — {dt.datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Command: `.venv/bin/python bench/grid_save.py --db {args.db} --saves {args.saves}"
        f"{' --record' if args.record else ''}`",
        "",
        f"Machine: {machine()}.",
        "",
        f"Code: {code_version()}.",
        "",
        "Six months of the Tents family changed by a percentage through "
        "`services.demand.add_overrides` (the grid's Save), on a copy of the demo company; "
        f"{args.saves} saves each way, alternating.",
        "",
        "| how the version's streams are written | median | best |",
        "|---|---:|---:|",
    ]
    for name, t in times.items():
        lines.append(f"| {name} | {median[name]:.0f} ms | {min(t) * 1000:.0f} ms |")
    ratios = ", ".join(
        f"{name} / rewrite x{median[name] / median['rewrite']:.2f}"
        for name in times
        if name != "rewrite"
    )
    lines += ["", f"Ratios of the medians: {ratios}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
