"""Scenario benchmark: how long one what-if takes on the demo company, end to end.

Builds the demo company in a temporary SQLite file (forecast included), then times, each
``--repeat`` times:

- ``plan``: the baseline measured in the same run, `snop.services.supply.run_plan` without
  storing (read the cycle's data, set safety stocks, build and solve the LP);
- ``evaluate``: money, ledger, KPIs, scorecard and exceptions of the stored plan
  (`snop.services.reconcile.evaluate_book`, accuracy left out as a scenario run does);
- one ``scenario run`` of each of the demo's scenarios (peak-surge, sewing-line-down,
  new-tent, pessimistic, optimistic): read the data, apply the changes, set safety stocks,
  plan, store the plan version, score it and store the summary;
- ``compare`` of the plan of record with two scenarios.

It prints seconds (best and median of the repeats) and each as a ratio to the baseline
plan, and appends a dated section to bench/RESULTS.md unless ``--no-record``.
The goal (issue 5): a scenario of the demo company runs in under 5 seconds.

Usage::

    .venv/bin/python bench/scenario.py --no-record      # about 2 minutes
    .venv/bin/python bench/scenario.py --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from snop.services import reconcile, scenarios, supply
from snop.services.database import open_database
from snop.services.demo import build_demo

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 5.0


def _times(action: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    """Build the demo, time the steps, print and record the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--end-month", default="2026-10")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="snop-bench-") as folder:
        db = open_database(str(Path(folder) / "demo.db"), create=True)
        started = time.perf_counter()
        build_demo(db, last_history_month=args.end_month, actor="bench")
        print(f"demo company built in {time.perf_counter() - started:.0f} s", flush=True)
        rows: list[tuple[str, list[float]]] = []
        rows.append(
            (
                "plan (baseline)",
                _times(
                    lambda: supply.run_plan(db, actor="bench", store_version=False), args.repeat
                ),
            )
        )

        def evaluate() -> None:
            with db.sessions.begin() as s:
                book = reconcile.load_book(s)
            reconcile.evaluate_book(book)

        rows.append(("evaluate plan", _times(evaluate, args.repeat)))
        names = [v.name for v in scenarios.list_scenarios(db)]
        for name in names:
            rows.append(
                (
                    f"scenario run {name}",
                    _times(lambda n=name: scenarios.run(db, n, actor="bench"), args.repeat),
                )
            )
        pair = ["base", *names[:2]]
        rows.append(
            (f"compare {' '.join(pair)}", _times(lambda: scenarios.compare(db, pair), args.repeat))
        )
        db.close()
    report = _report(rows, args)
    print(report)
    if not args.no_record:
        with (ROOT / "bench" / "RESULTS.md").open("a") as out:
            out.write("\n" + report + "\n")


def _report(rows: list[tuple[str, list[float]]], args: argparse.Namespace) -> str:
    baseline = min(rows[0][1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    scenario_best = [min(t) for name, t in rows if name.startswith("scenario run")]
    worst = max(scenario_best) if scenario_best else float("nan")
    verdict = "met" if worst < GOAL_SECONDS else "NOT met"
    lines = [
        f"## Scenario runs on the demo company — {dt.datetime.now():%Y-%m-%d %H:%M}",
        "",
        f"Command: `.venv/bin/python bench/scenario.py --repeat {args.repeat}"
        f"{' --no-record' if args.no_record else ''}` (code {commit}, Python "
        f"{sys.version.split()[0]}, demo ending {args.end_month}).",
        "",
        "| step | best s | median s | x baseline plan |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in rows:
        best = min(seconds)
        lines.append(
            f"| {name} | {best:.2f} | {statistics.median(seconds):.2f} | {best / baseline:.2f} |"
        )
    lines += [
        "",
        f"Slowest scenario run (best of {args.repeat}): {worst:.2f} s; goal under "
        f"{GOAL_SECONDS:.0f} s: **{verdict}**.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
