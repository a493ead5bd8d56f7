"""Supply LP solved as its independent blocks against one monolithic solve, same run.

A plan whose plants share no line falls apart into one LP per plant (the connected
components of the constraint matrix, `snop.supply.blocks`). This benchmark builds the
seeded problems of bench/supply_lp.py with the plant-clustered generator (``plants`` plants
of consecutive lines; each family made in one plant; ``cross`` = share of products whose
last step is on another plant's line, which glues plants together) and solves each LP:

- ``blocks``: `solve_lp` as snop calls it (decomposed, big blocks in threads);
- ``blocks, 1 thread``: decomposed, one block after the other;
- ``monolithic``: `solve_lp(decompose=False)`, the reference (with a time limit).

Printed per case: components, pieces, seconds, the ratio to the monolithic solve and the
objective's relative difference to it. Usage::

    .venv/bin/python bench/supply_blocks.py                 # all cases, records
    .venv/bin/python bench/supply_blocks.py --cases p-small --no-record
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from importlib.metadata import version as package_version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import highspy  # noqa: E402
from provenance import code_version, machine  # noqa: E402
from supply_lp import make_problem  # noqa: E402

from snop.supply.blocks import components, split  # noqa: E402
from snop.supply.model import build_lp  # noqa: E402
from snop.supply.problem import prepare  # noqa: E402
from snop.supply.solve import LpSolution, solve_lp  # noqa: E402

CASES: dict[str, tuple[int, int, int, int, float]] = {
    # name: products, months, resources, plants, cross-plant share
    "p-small": (100, 24, 10, 2, 0.0),
    "p-medium": (1_000, 52, 20, 5, 0.0),
    "p-large": (5_000, 52, 50, 10, 0.0),
    "p-large-cross": (5_000, 52, 50, 10, 0.002),
    "connected-medium": (1_000, 52, 20, 0, 0.0),
}
SEED = 20240601
HIGHS = f", HiGHS {package_version('highspy')} (highspy, highspy-extras)"


def _run(label: str, fn: object) -> tuple[LpSolution, float]:
    gc.collect()
    started = time.perf_counter()
    solution = fn()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(
        f"  {label:>18}: {solution.status:<10} {seconds:8.2f}s  blocks {solution.blocks:>3}  "
        f"objective {solution.objective:,.6f}",
        flush=True,
    )
    return solution, seconds


def measure(name: str, time_limit: float, monolithic: bool) -> dict[str, object]:
    """Build one case and solve it the three ways."""
    n_p, n_t, n_r, plants, cross = CASES[name]
    print(f"\n== {name}: {n_p:,} x {n_t} x {n_r}, {plants} plants, cross {cross:.1%}", flush=True)
    raw = make_problem(n_p, n_t, n_r, SEED, time_limit=time_limit, plants=plants, cross_plant=cross)
    lp = build_lp(prepare(raw))
    count, _, _ = components(lp.matrix)
    pieces = split(lp.cost, lp.col_lower, lp.col_upper, lp.matrix, lp.row_lower, lp.row_upper)
    biggest = max(p.shape[1] for p in pieces)
    print(
        f"  rows {lp.shape[0]:,}, columns {lp.shape[1]:,}; {count:,} components in "
        f"{len(pieces)} pieces, the largest {biggest:,} columns",
        flush=True,
    )
    runs: dict[str, tuple[LpSolution, float]] = {
        "blocks": _run("blocks", lambda: solve_lp(lp, time_limit=time_limit)),
        "blocks, 1 thread": _run(
            "blocks, 1 thread", lambda: solve_lp(lp, time_limit=time_limit, workers=1)
        ),
    }
    if monolithic:
        runs["monolithic"] = _run(
            "monolithic", lambda: solve_lp(lp, time_limit=time_limit, decompose=False)
        )
    return {
        "case": name,
        "size": f"{n_p:,} x {n_t} x {n_r}",
        "plants": plants,
        "cross": cross,
        "rows": lp.shape[0],
        "columns": lp.shape[1],
        "components": count,
        "pieces": len(pieces),
        "largest": biggest,
        "runs": runs,
    }


def _cell(case: dict[str, object], key: str) -> tuple[str, str, str]:
    runs = case["runs"]
    assert isinstance(runs, dict)
    if key not in runs:
        return "not run", "", ""
    solution, seconds = runs[key]
    shown = f"{seconds:.1f}" if solution.ok else f">{seconds:.0f} ({solution.status})"
    mono = runs.get("monolithic")
    if mono is None or not mono[0].ok:
        return shown, "", ""
    ratio = f"x{seconds / mono[1]:.2f}"
    diff = abs(solution.objective - mono[0].objective) / max(1.0, abs(mono[0].objective))
    return shown, ratio, f"{diff:.1e}" if solution.ok else ""


def table(cases: list[dict[str, object]]) -> str:
    """The Markdown table of all cases."""
    lines = [
        "| case | products x months x resources | plants (cross-plant share) | rows | columns "
        "| components / pieces / largest piece (columns) | blocks s (x mono, obj. diff) "
        "| blocks 1 thread s (x mono, obj. diff) | monolithic s |",
        "|---|---|---|---:|---:|---|---|---|---:|",
    ]
    for c in cases:
        b, b1, mono = _cell(c, "blocks"), _cell(c, "blocks, 1 thread"), _cell(c, "monolithic")
        plants = f"{c['plants']} ({float(c['cross']):.1%})" if c["plants"] else "none: all lines shared"
        lines.append(
            f"| {c['case']} | {c['size']} | {plants} | {c['rows']:,} | {c['columns']:,} "
            f"| {c['components']:,} / {c['pieces']} / {c['largest']:,} "
            f"| {b[0]} ({b[1]}, {b[2]}) | {b1[0]} ({b1[1]}, {b1[2]}) | {mono[0]} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the cases, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--no-monolithic", default="", help="cases to solve decomposed only")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    version = code_version()
    skip = {c for c in args.no_monolithic.split(",") if c}
    started = time.perf_counter()
    cases = [measure(n, args.time_limit, n not in skip) for n in args.cases.split(",") if n]
    wall = time.perf_counter() - started
    text = table(cases)
    print("\n" + text)
    if args.no_record:
        return
    argv = " ".join(sys.argv[1:])
    section = (
        f"\n## Supply LP as independent blocks against one monolithic solve — "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}\n\n"
        f"Command: `.venv/bin/python bench/supply_blocks.py {argv}`\n\n"
        f"Machine: {machine(HIGHS)}; "
        f"wall time {wall / 60:.1f} min.\n\nCode: {version}.\n\n"
        "Seeded problems of bench/supply_lp.py with plant-clustered routings (each family in "
        "one plant, routed over that plant's lines; a cross-plant share of products has its "
        "last step on another plant's line). Each LP is solved once each way with a "
        f"{args.time_limit:.0f} s limit; \"x mono\" = seconds over the monolithic solve's, "
        "\"obj. diff\" = |objective - monolithic| / max(1, |monolithic|).\n\n" + text + "\n"
    )
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
