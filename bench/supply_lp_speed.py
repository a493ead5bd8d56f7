"""Speed of one connected supply LP: the formulation and the interior-point code, side by side.

A plan whose lines are shared by all its products does not fall apart into blocks
(bench/supply_blocks.py), so the whole LP goes to HiGHS at once. This benchmark times it
three ways on the seeded problems of bench/supply_lp.py, each in the same run:

- ``rows-ipx``: the safety-stock floor as an explicit row (stock + shortfall >= floor),
  solved by IPX, HiGHS's interior point without highspy-extras (snop until 2026-12-07);
- ``rows-hipo``: the same LP by HiPO (highspy-extras: BLAS, METIS);
- ``snop``: what `plan_supply` hands over now, the floor substituted away
  (`snop.supply.model`), by HiPO with snop's options (`snop.supply.solve.HIPO_OPTIONS`,
  all cores).

Printed per case: rows, columns, seconds, iterations, the ratio to the baseline (the first
variant that was run) and the objective's relative difference to it. Usage::

    .venv/bin/python bench/supply_lp_speed.py                          # medium, records
    .venv/bin/python bench/supply_lp_speed.py --cases large --variants rows-hipo,snop
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from importlib.metadata import version as package_version
from collections.abc import Callable
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import highspy  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from provenance import code_version, machine  # noqa: E402
from supply_lp import CASES, make_problem  # noqa: E402

from snop.supply import model  # noqa: E402
from snop.supply.model import SupplyLp, build_lp  # noqa: E402
from snop.supply.problem import SupplyProblem, prepare  # noqa: E402
from snop.supply.solve import LpSolution, solve_lp  # noqa: E402

SEED = 20240601
HIGHS = f", HiGHS {package_version('highspy')} (highspy, highspy-extras)"


def _explicit_floor_rows(
    b: model._Builder, x: np.ndarray, z: np.ndarray, constant: np.ndarray
) -> None:
    """The floor as the row it stands for (the formulation before the substitution)."""
    rows = b.add_rows("safety_stock", pd.DataFrame({"j": np.arange(len(x))}), constant, np.inf)
    b.add_terms(rows.start + np.arange(rows.size), x, 1.0)
    b.add_terms(rows.start + np.arange(rows.size), z, 1.0)


def _with_rows(problem: SupplyProblem) -> SupplyLp:
    with mock.patch.object(model._Builder, "substitute", _explicit_floor_rows):
        return build_lp(problem)


VARIANTS: dict[str, tuple[Callable[[SupplyProblem], SupplyLp], str]] = {
    "rows-ipx": (_with_rows, "ipx"),
    "rows-hipo": (_with_rows, "ipm"),
    "snop": (build_lp, "ipm"),
}


def measure(name: str, variants: list[str], time_limit: float) -> list[dict[str, object]]:
    """Build and solve one case every way asked."""
    n_p, n_t, n_r = CASES[name]
    print(f"\n== {name}: {n_p:,} x {n_t} x {n_r}, every line shared", flush=True)
    problem = prepare(make_problem(n_p, n_t, n_r, SEED, time_limit=time_limit))
    out = []
    for variant in variants:
        build, solver = VARIANTS[variant]
        lp = build(problem)
        gc.collect()
        started = time.perf_counter()
        solution: LpSolution = lp.restore(
            solve_lp(lp, solver=solver, time_limit=time_limit, decompose=False)
        )
        seconds = time.perf_counter() - started
        print(
            f"  {variant:>9}: {lp.shape[0]:,} rows x {lp.shape[1]:,} columns, "
            f"{solution.status} in {seconds:.1f}s ({solution.iterations} iterations, "
            f"{solution.solver}), objective {solution.objective:,.6f}",
            flush=True,
        )
        out.append(
            {"case": name, "variant": variant, "rows": lp.shape[0], "columns": lp.shape[1],
             "solution": solution, "seconds": seconds}
        )
        del lp
    return out


def table(runs: list[dict[str, object]]) -> str:
    """Markdown: one line per case and variant, ratios to the case's first variant."""
    lines = [
        "| case | variant | rows | columns | solver | status | seconds | iterations "
        "| x baseline | obj. diff |",
        "|---|---|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    base: dict[str, dict[str, object]] = {}
    for run in runs:
        case = str(run["case"])
        base.setdefault(case, run)
        ref = base[case]
        sol, ref_sol = run["solution"], ref["solution"]
        assert isinstance(sol, LpSolution) and isinstance(ref_sol, LpSolution)
        seconds, ref_seconds = float(run["seconds"]), float(ref["seconds"])  # type: ignore[arg-type]
        shown = f"{seconds:.1f}" if sol.ok else f">{seconds:.0f}"
        ratio = f"x{seconds / ref_seconds:.2f}" if ref_sol.ok and sol.ok else ""
        diff = (
            f"{abs(sol.objective - ref_sol.objective) / max(1.0, abs(ref_sol.objective)):.1e}"
            if ref_sol.ok and sol.ok
            else ""
        )
        lines.append(
            f"| {case} | {run['variant']} | {run['rows']:,} | {run['columns']:,} | {sol.solver} "
            f"| {sol.status} | {shown} | {sol.iterations} | {ratio} | {diff} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="medium")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--time-limit", type=float, default=900.0)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    version = code_version()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    started = time.perf_counter()
    runs = [r for c in args.cases.split(",") if c for r in measure(c, variants, args.time_limit)]
    wall = time.perf_counter() - started
    text = table(runs)
    print("\n" + text)
    if args.no_record:
        return
    argv = " ".join(sys.argv[1:])
    section = (
        f"\n## Supply LP speed: formulation and interior-point code — "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}\n\n"
        f"Command: `.venv/bin/python bench/supply_lp_speed.py {argv}`\n\n"
        f"Machine: {machine(HIGHS)}; "
        f"wall time {wall / 60:.1f} min.\n\nCode: {version}.\n\n"
        "Seeded problems of bench/supply_lp.py (3 segments, every routing over all lines: one "
        "connected LP), solved once per variant with a "
        f"{args.time_limit:.0f} s limit, no decomposition. \"x baseline\" = seconds over the "
        "case's first variant; \"obj. diff\" = |objective - baseline| / max(1, |baseline|) "
        "(the objective of the restored plan, in the model's own terms).\n\n" + text + "\n"
    )
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
