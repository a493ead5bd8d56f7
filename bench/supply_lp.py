"""Supply plan LP benchmark: model size, build and HiGHS solve times, plan post-processing.

Generates seeded multi-product supply problems (``SupplyProblem``) of three sizes
(products, periods, resources): small (100, 24, 10), medium (1,000, 52, 20) and large
(5,000, 52, 50). Products come in families of about 20 sharing a seasonal pattern; demand
is split over 3 segments (priorities 1..3); every product is routed over 2-4 resources;
regular hours are sized at 90-95% of each resource's average load plus 10-15% overtime (an
August holiday takes 15% off), so the seasonal peaks bind; about 30% of products can be
subcontracted within a monthly limit; lead times 0-2 (with scheduled receipts covering
the first months); opening stock and, for a fifth of products, backlog; safety stock of
half a month of the next month's demand; end-inventory targets on a quarter of products.

Per case it measures:

- ``prepare`` and ``build_lp`` (best of ``--repeat``), rows, columns, non-zeros, and the
  time to hand the matrix to HiGHS (the ``addVars``/``addRows`` calls of ``solve_lp``);
- each solver: ``simplex``, ``ipm`` and ``pdlp`` through ``snop.supply.solve.solve_lp``
  (its seconds include that hand-over), and ``ipm-nocross`` (interior point with
  ``run_crossover`` off) through ``solve_lp``'s ``options`` where it has them (snop since
  f4e1090), else through highspy directly, handed over the same way. Any other HiGHS
  solver name (``ipx``, ``hipo``) also works.
  Reported: status, seconds, iterations, the objective and its relative difference to the
  reference (simplex if it finished, else ipm), the largest row or bound violation of the
  solution and the number of columns above 1e-6 (a vertex has at most one per row);
- ``plan_supply`` end to end with the solver snop chooses (``--plan-solver``), and its
  post-processing (``_frames``, ``_costs``, ``explain``) timed on the chosen solver's
  solution;
- optionally (``--level``) the ``level`` strategy on one case;
- on the ``--profile`` cases (default medium and large): cProfile of ``build_lp`` and of the
  post-processing (when a solver finished), top 15 functions by own time, full stats in
  ``bench/out/``.

Ratios are against solvers measured in the same run: "x choice" divides by the time of the
solver snop picks for that model (``choose_solver``: simplex up to 50,000 columns, ipm
above). Cases run one after the other, each solve once (build and prepare best of N).

Usage::

    .venv/bin/python bench/supply_lp.py --cases small --no-record          # quick check
    .venv/bin/python bench/supply_lp.py                                    # all, records
    .venv/bin/python bench/supply_lp.py --cases large --solvers ipm,ipm-nocross,pdlp
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import io
import json
import math
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import highspy  # noqa: E402
import scipy  # type: ignore[import-untyped]  # noqa: E402
from provenance import code_version, machine  # noqa: E402

from snop.supply import plan as plan_module  # noqa: E402
from snop.supply.explain import explain  # noqa: E402
from snop.supply.model import SupplyLp, build_lp  # noqa: E402
from snop.supply.problem import (  # noqa: E402
    PlanSettings,
    Strategy,
    SupplyProblem,
    horizon,
    prepare,
)
from snop.supply.solve import (  # noqa: E402
    LARGE_MODEL_COLUMNS,
    LpSolution,
    choose_solver,
    hand_over,
    solve_lp,
)

CASES: dict[str, tuple[int, int, int]] = {
    "small": (100, 24, 10),
    "medium": (1_000, 52, 20),
    "large": (5_000, 52, 50),
}
SOLVERS = ("simplex", "ipm", "ipm-nocross", "pdlp")
SEGMENTS = pd.DataFrame(
    {
        "segment": ["Key accounts", "Contract", "Spot"],
        "priority": [1, 2, 3],
        "service_target": [0.98, 0.95, 0.90],
    }
)
OUT = HERE / "out"
SUPPLY_FILES = ("problem.py", "model.py", "solve.py", "plan.py", "explain.py", "policy.py")
GOAL_BUILD_SHARE = 0.05
GOAL_LARGE_SECONDS = 60.0
REL_TOL = 1e-6


# ---------------------------------------------------------------- problem generator


def make_problem(
    n_products: int,
    n_periods: int,
    n_resources: int,
    seed: int,
    strategy: Strategy = Strategy.COST,
    solver: str = "choose",
    time_limit: float = 300.0,
    plants: int = 0,
    cross_plant: float = 0.0,
) -> SupplyProblem:
    """A seeded multi-product, multi-segment, multi-resource supply problem.

    ``plants`` = 0: every routing draws its other steps from all resources (one LP block).
    ``plants`` > 0: resources are split into that many plants of consecutive lines, each
    family is made in one plant (family number modulo plants) and routed over that
    plant's lines only, except a ``cross_plant`` share of products whose last step is a
    line of another plant.
    """
    rng = np.random.default_rng([seed, n_products, n_periods, n_resources])
    if plants:
        return _plant_problem(
            rng, n_products, n_periods, n_resources, strategy, solver, time_limit, plants,
            cross_plant,
        )
    return _problem(rng, n_products, n_periods, n_resources, strategy, solver, time_limit, None)


def _plant_problem(
    rng: np.random.Generator,
    n_p: int,
    n_t: int,
    n_r: int,
    strategy: Strategy,
    solver: str,
    time_limit: float,
    plants: int,
    cross_plant: float,
) -> SupplyProblem:
    plant_of_line = np.arange(n_r) * plants // n_r
    n_fam = max(1, n_p // 20)
    family = np.arange(n_p) * n_fam // n_p
    plant = family % plants
    n_steps = rng.integers(2, 5, n_p)
    route_p, route_r = [], []
    for k in range(plants):
        lines = np.flatnonzero(plant_of_line == k)
        who = np.flatnonzero(plant == k)
        steps = np.minimum(n_steps[who], lines.size)
        main = lines[(family[who] // plants) % lines.size]
        for i, p in enumerate(who):
            others = rng.permutation(lines[lines != main[i]])[: steps[i] - 1]
            route_p.append(np.full(steps[i], p))
            route_r.append(np.concatenate([[main[i]], others]))
    rp, rr = np.concatenate(route_p), np.concatenate(route_r)
    crossing = np.flatnonzero(rng.random(n_p) < cross_plant)
    for p in crossing:  # its last step moves to a line of another plant
        last = np.flatnonzero(rp == p)[-1]
        away = np.flatnonzero(plant_of_line != plant[p])
        if away.size:
            rr[last] = rng.choice(away)
    site = np.array([f"Plant {k + 1}" for k in plant_of_line])
    return _problem(rng, n_p, n_t, n_r, strategy, solver, time_limit, (rp, rr, site))


def _problem(
    rng: np.random.Generator,
    n_products: int,
    n_periods: int,
    n_resources: int,
    strategy: Strategy,
    solver: str,
    time_limit: float,
    routes: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
) -> SupplyProblem:
    n_p, n_t, n_r = n_products, n_periods, n_resources
    periods = horizon("2027-01", n_t)
    product_ids = np.array([f"P{i:05d}" for i in range(n_p)])
    resource_ids = np.array([f"R{i:03d}" for i in range(n_r)])

    # families of about 20 products sharing a seasonal pattern
    n_fam = max(1, n_p // 20)
    family = np.arange(n_p) * n_fam // n_p
    amp = rng.uniform(0.15, 0.45, n_fam)[family] * rng.uniform(0.8, 1.2, n_p)
    phase = rng.uniform(0, 2 * np.pi, n_fam)[family]
    level = rng.lognormal(4.5, 1.0, n_p)
    trend = rng.normal(0.0, 0.004, n_p)
    cv = rng.uniform(0.05, 0.25, n_p)
    t = np.arange(n_t)[None, :]
    season = 1 + amp[:, None] * np.sin(2 * np.pi * t / 12 + phase[:, None])
    noise = 1 + cv[:, None] * rng.normal(size=(n_p, n_t))
    demand = np.maximum(level[:, None] * (1 + trend[:, None] * t) * season * noise, 0.0)
    mean_demand = demand.mean(axis=1)

    # segments: each present with probability 0.75 (at least one), shares from a Dirichlet
    present = rng.random((n_p, 3)) < 0.75
    present[~present.any(axis=1), 0] = True
    shares = rng.dirichlet([2.0, 1.5, 1.0], n_p) * present
    shares /= shares.sum(axis=1, keepdims=True)
    by_segment = np.round(demand[:, None, :] * shares[:, :, None], 1)  # (p, s, t)
    p_idx, s_idx, t_idx = np.nonzero(np.broadcast_to(present[:, :, None], by_segment.shape))
    demand_frame = pd.DataFrame(
        {
            "product_id": product_ids[p_idx],
            "segment": SEGMENTS["segment"].to_numpy()[s_idx],
            "period": np.asarray(periods)[t_idx],
            "quantity": by_segment[p_idx, s_idx, t_idx],
        }
    )

    # routings: the family's main resource plus 1-3 others
    if routes is None:
        n_steps = rng.integers(2, 5, n_p)
        main = family % n_r
        route_p: list[np.ndarray] = []
        route_r: list[np.ndarray] = []
        for k in (2, 3, 4):
            who = np.flatnonzero(n_steps == k)
            if who.size == 0:
                continue
            others = np.argsort(rng.random((who.size, n_r)), axis=1)
            others = np.where(others == main[who, None], others[:, [k]], others)[:, : k - 1]
            route_p.append(np.repeat(who, k))
            route_r.append(np.column_stack([main[who], others]).ravel())
        rp, rr = np.concatenate(route_p), np.concatenate(route_r)
        sites = np.array([f"Plant {i % 3 + 1}" for i in range(n_r)])
    else:
        rp, rr, sites = routes
    hours = rng.uniform(0.05, 0.6, rp.size)
    routings = pd.DataFrame(
        {"product_id": product_ids[rp], "resource_id": resource_ids[rr], "hours_per_unit": hours}
    )

    # resources: capacity from the average load, so the seasonal peaks bind
    load = np.zeros(n_r)
    np.add.at(load, rr, hours * mean_demand[rp])
    regular_cost = rng.uniform(30.0, 60.0, n_r)
    resources = pd.DataFrame(
        {
            "resource_id": resource_ids,
            "name": [f"Line {i}" for i in range(n_r)],
            "site": sites,
            "capacity": np.round(load * rng.uniform(0.90, 0.95, n_r), 1),
            "overtime_capacity": np.round(load * rng.uniform(0.10, 0.15, n_r), 1),
            "regular_cost": regular_cost,
            "overtime_cost": regular_cost * rng.uniform(1.4, 1.6, n_r),
        }
    )
    august = [p for p in periods if p.endswith("-08")]
    capacity = pd.DataFrame(
        {
            "resource_id": np.repeat(resource_ids, len(august)),
            "period": np.tile(august, n_r),
            "capacity": np.repeat(resources["capacity"].to_numpy() * 0.85, len(august)),
            "overtime_capacity": np.nan,
        }
    )

    # products: costs relative to material + hours
    hours_cost = np.zeros(n_p)
    np.add.at(hours_cost, rp, hours * regular_cost[rr])
    unit_cost = np.round(rng.lognormal(3.5, 0.6, n_p), 2)
    full_cost = unit_cost + hours_cost
    lead = rng.choice([0, 1, 2], n_p, p=[0.5, 0.3, 0.2])
    can_buy = rng.random(n_p) < 0.3
    end_target = rng.random(n_p) < 0.25
    products = pd.DataFrame(
        {
            "product_id": product_ids,
            "family": [f"Family {f:04d}" for f in family],
            "unit_cost": unit_cost,
            "holding_cost": np.round(full_cost * rng.uniform(0.015, 0.03, n_p), 3),
            "backorder_cost": np.round(full_cost * rng.uniform(0.10, 0.25, n_p), 3),
            "lead_time": lead,
            "subcontract_cost": np.where(
                can_buy, np.round(full_cost * rng.uniform(1.2, 1.5, n_p), 2), np.nan
            ),
            "max_subcontract": np.where(
                can_buy, np.round(mean_demand * rng.uniform(0.1, 0.3, n_p), 1), np.nan
            ),
            "end_inventory": np.where(end_target, np.round(0.5 * mean_demand, 1), 0.0),
            "end_backlog": np.nan,
            "price": np.round(full_cost * rng.uniform(1.3, 2.0, n_p), 2),
        }
    )
    owes = rng.random(n_p) < 0.2
    inventory = pd.DataFrame(
        {
            "product_id": product_ids,
            "on_hand": np.round(mean_demand * rng.uniform(0.3, 1.2, n_p), 1),
            "backlog": np.where(owes, np.round(mean_demand * rng.uniform(0.1, 0.5, n_p), 1), 0.0),
        }
    )
    # units already started: cover 90% of the months a lead time makes unreachable
    rec_p, rec_t = np.nonzero(np.arange(n_t)[None, :] < lead[:, None])
    receipts = pd.DataFrame(
        {
            "product_id": product_ids[rec_p],
            "period": np.asarray(periods)[rec_t],
            "quantity": np.round(0.9 * demand[rec_p, rec_t], 1),
        }
    )
    # half a month of the next month's demand
    ahead = np.concatenate([demand[:, 1:], demand[:, -1:]], axis=1)
    safety = pd.DataFrame(
        {
            "product_id": np.repeat(product_ids, n_t),
            "period": np.tile(periods, n_p),
            "safety_stock": np.round(0.5 * ahead, 1).ravel(),
        }
    )
    return SupplyProblem(
        periods=periods,
        products=products,
        segments=SEGMENTS.copy(),
        demand=demand_frame,
        resources=resources,
        routings=routings,
        inventory=inventory,
        capacity=capacity,
        safety_stock=safety,
        receipts=receipts,
        settings=PlanSettings(strategy=strategy, solver=solver, time_limit=time_limit),
    )


# ---------------------------------------------------------------- measuring


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls and the last result."""
    best, out = math.inf, None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def hand_over_seconds(lp: SupplyLp) -> float:
    """Time of the model hand-over alone (no solve)."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    started = time.perf_counter()
    hand_over(highs, lp)
    return time.perf_counter() - started


def run_solver(lp: SupplyLp, solver: str, time_limit: float) -> LpSolution:
    """One solve by bench solver name."""
    if solver == "ipm-nocross":
        return solve_lp(lp, solver="ipm", time_limit=time_limit, options={"run_crossover": "off"})
    return solve_lp(lp, solver=solver, time_limit=time_limit)


def violation(lp: SupplyLp, x: np.ndarray) -> float:
    """Largest row or bound violation of ``x``, relative to 1 + |bound|."""
    activity = lp.matrix @ x
    rows = np.maximum(
        (lp.row_lower - activity) / (1 + np.abs(np.nan_to_num(lp.row_lower, posinf=0, neginf=0))),
        (activity - lp.row_upper) / (1 + np.abs(np.nan_to_num(lp.row_upper, posinf=0, neginf=0))),
    )
    cols = np.maximum(
        (lp.col_lower - x) / (1 + np.abs(np.nan_to_num(lp.col_lower, posinf=0, neginf=0))),
        (x - lp.col_upper) / (1 + np.abs(np.nan_to_num(lp.col_upper, posinf=0, neginf=0))),
    )
    return float(max(rows.max(initial=0.0), cols.max(initial=0.0), 0.0))


def post_process(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> dict[str, float]:
    """Seconds of each step ``plan_supply`` runs after the solve."""
    out: dict[str, float] = {}
    started = time.perf_counter()
    frames = plan_module._frames(problem, lp, solution)
    out["frames"] = time.perf_counter() - started
    started = time.perf_counter()
    costs = plan_module._costs(problem, lp, solution)
    out["costs"] = time.perf_counter() - started
    started = time.perf_counter()
    explanation = explain(problem, frames, costs)
    out["explain"] = time.perf_counter() - started
    out["total"] = out["frames"] + out["costs"] + out["explain"]
    out["late_rows"] = float(len(explanation.late))
    out["bottlenecks"] = float(len(explanation.bottlenecks))
    return out


def profile(fn: Callable[[], Any], path: Path, top: int = 15) -> tuple[float, list[dict[str, Any]]]:
    """Profile ``fn`` with cProfile; save the stats, return its time and the top by own time."""
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    fn()
    prof.disable()
    seconds = time.perf_counter() - started
    prof.dump_stats(path)
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (file, line, func), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(file)}:{line}({func})",
                "calls": calls,
                "own_s": own,
                "cumulative_s": cumulative,
            }
        )
    rows.sort(key=lambda r: r["own_s"], reverse=True)
    return seconds, rows[:top]


def _short(file: str) -> str:
    for marker in ("site-packages/", "src/", "bench/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def measure_case(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Everything measured on one case."""
    n_p, n_t, n_r = CASES[name]
    print(f"\n== {name}: {n_p:,} products x {n_t} periods x {n_r} resources", flush=True)
    raw = make_problem(n_p, n_t, n_r, args.seed, time_limit=args.time_limit)
    prepare_s, problem = best_of(args.repeat, lambda: prepare(raw))
    build_s, lp = best_of(args.repeat, lambda: build_lp(problem))
    rows, cols = lp.shape
    nnz = int(lp.matrix.nnz)
    handover = min(hand_over_seconds(lp) for _ in range(args.repeat))
    choice = choose_solver(lp)
    print(
        f"  rows {rows:,}, columns {cols:,}, non-zeros {nnz:,}; prepare {prepare_s:.2f}s, "
        f"build_lp {build_s:.2f}s, hand-over {handover:.2f}s; snop chooses {choice}",
        flush=True,
    )
    case: dict[str, Any] = {
        "case": name,
        "products": n_p,
        "periods": n_t,
        "resources": n_r,
        "demand_rows": len(raw.demand),
        "rows": rows,
        "columns": cols,
        "nonzeros": nnz,
        "prepare_s": prepare_s,
        "build_s": build_s,
        "handover_s": handover,
        "choice": choice,
        "solvers": {},
    }
    solutions: dict[str, LpSolution] = {}
    for solver in args.solvers:
        gc.collect()
        limit = args.limits.get((name, solver), args.time_limit)
        sol = run_solver(lp, solver, limit)
        record = {
            "time_limit": limit,
            "status": str(sol.status),
            "seconds": sol.seconds,
            "iterations": sol.iterations,
            "objective": sol.objective,
            "violation": violation(lp, sol.col_value) if sol.ok else None,
            "nonzero_columns": int((np.abs(sol.col_value) > 1e-6).sum()) if sol.ok else None,
        }
        case["solvers"][solver] = record
        if sol.ok:
            solutions[solver] = sol
        print(
            f"  {solver:>12}: {record['status']:<10} {sol.seconds:8.2f}s  "
            f"{sol.iterations:>8} it  objective {sol.objective:,.6g}",
            flush=True,
        )
    reference = next((s for s in ("simplex", "ipm") if s in solutions), None)
    reference = reference or next(iter(solutions), None)
    case["reference"] = reference
    for solver, record in case["solvers"].items():
        if solver in solutions and reference is not None:
            ref = solutions[reference].objective
            record["rel_diff"] = abs(record["objective"] - ref) / max(1.0, abs(ref))
        else:
            record["rel_diff"] = None
    agree = [r["rel_diff"] for r in case["solvers"].values() if r["rel_diff"] is not None]
    case["objectives_agree"] = bool(agree) and max(agree) <= REL_TOL

    # plan_supply end to end with snop's (or the requested) solver
    plan_solver = args.plan_solver
    plan_limit = args.limits.get(
        (name, choice if plan_solver == "choose" else plan_solver), args.time_limit
    )
    planned = replace(
        raw, settings=replace(raw.settings, solver=plan_solver, time_limit=plan_limit)
    )
    plan_choice = choice if plan_solver == "choose" else plan_solver
    measured = case["solvers"].get(plan_choice)
    if measured is not None and measured["status"] == "time_limit" and not args.plan_anyway:
        # it would only hit the same limit again
        case["plan"] = {"solver": plan_choice, "status": "skipped", "time_limit": plan_limit}
        print(f"  plan_supply ({plan_choice}): skipped, the solver hit its time limit above")
    else:
        gc.collect()
        started = time.perf_counter()
        plan = plan_module.plan_supply(planned)
        plan_s = time.perf_counter() - started
        stats = plan.stats
        case["plan"] = {
            "solver": stats.solver,
            "status": str(plan.status),
            "seconds": plan_s,
            "build_s": stats.build_seconds,
            "solve_s": stats.solve_seconds,
            "time_limit": plan_limit,
            "objective": plan.objective,
            "other_s": plan_s - stats.build_seconds - stats.solve_seconds,
        }
        print(
            f"  plan_supply ({stats.solver}): {plan_s:.2f}s = build {stats.build_seconds:.2f} "
            f"+ solve {stats.solve_seconds:.2f} + prepare and post-processing "
            f"{case['plan']['other_s']:.2f}",
            flush=True,
        )
    post_solver = plan_choice if plan_choice in solutions else reference
    if post_solver is not None:
        post = post_process(problem, lp, solutions[post_solver])
        post["solver"] = post_solver  # type: ignore[assignment]
        case["post"] = post
        print(
            f"  post-processing on the {post_solver} solution: frames {post['frames']:.2f}s, "
            f"costs {post['costs']:.2f}s, explain {post['explain']:.2f}s "
            f"({int(post['late_rows'])} late rows, {int(post['bottlenecks'])} bottleneck runs)",
            flush=True,
        )

    if name in args.level:
        level_raw = replace(raw, settings=replace(raw.settings, strategy=Strategy.LEVEL))
        level_problem = prepare(level_raw)
        level_build, level_lp = best_of(args.repeat, lambda: build_lp(level_problem))
        case["level"] = {
            "rows": level_lp.shape[0],
            "columns": level_lp.shape[1],
            "nonzeros": int(level_lp.matrix.nnz),
            "build_s": level_build,
            "solvers": {},
        }
        for solver in args.level_solvers:
            chosen = choose_solver(level_lp) if solver == "choose" else solver
            sol = run_solver(level_lp, chosen, args.limits.get((name, chosen), args.time_limit))
            case["level"]["solvers"][chosen] = {
                "status": str(sol.status),
                "seconds": sol.seconds,
                "iterations": sol.iterations,
                "objective": sol.objective,
                "time_limit": args.limits.get((name, chosen), args.time_limit),
            }
            print(
                f"  level {chosen:>12}: {sol.status!s:<10} {sol.seconds:8.2f}s  "
                f"{sol.iterations:>8} it  objective {sol.objective:,.6g}",
                flush=True,
            )
        del level_lp

    if name in args.profile:
        OUT.mkdir(parents=True, exist_ok=True)
        seconds, top = profile(lambda: build_lp(problem), OUT / f"supply_lp_build_{name}.prof")
        case["profile_build"] = {"seconds": seconds, "top": top}
        print(f"  cProfile build_lp ({seconds:.2f}s under the profiler), top by own time:")
        _print_top(top)
        if post_solver is not None:
            sol = solutions[post_solver]
            seconds, top = profile(
                lambda: post_process(problem, lp, sol), OUT / f"supply_lp_post_{name}.prof"
            )
            case["profile_post"] = {"seconds": seconds, "top": top, "solver": post_solver}
            print(f"  cProfile post-processing ({seconds:.2f}s under the profiler):")
            _print_top(top)
    case["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return case


def _print_top(top: list[dict[str, Any]]) -> None:
    for row in top:
        print(
            f"    {row['own_s']:8.3f} own {row['cumulative_s']:8.3f} cum "
            f"{row['calls']:>9} calls  {row['function']}"
        )


# ---------------------------------------------------------------- reporting


def _secs(record: dict[str, Any], limit: float) -> str:
    if record["status"] == "time_limit":
        return f">{record.get('time_limit', limit):.0f} s (time limit)"
    if record["status"] != "optimal":
        return f"{record['seconds']:.2f} ({record['status']})"
    return f"{record['seconds']:.2f}"


def tables(cases: list[dict[str, Any]], limit: float) -> str:
    """The Markdown tables of a run."""
    model = [
        "| case | products x periods x resources | rows | columns | non-zeros | prepare s "
        "| build_lp s | hand-over s | snop's choice | plan_supply s (solver) "
        "| post-processing s (frames / costs / explain) | late rows | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|",
    ]
    for c in cases:
        plan = c["plan"]
        post = c.get("post")
        post_txt = (
            f"{post['total']:.2f} ({post['frames']:.2f} / {post['costs']:.2f} / "
            f"{post['explain']:.2f})"
            if post
            else ""
        )
        if plan["status"] == "optimal":
            plan_txt = f"{plan['seconds']:.1f} ({plan['solver']})"
        elif plan["status"] == "skipped":
            plan_txt = f">{plan['time_limit']:.0f} ({plan['solver']} hit the time limit; not rerun)"
        else:
            plan_txt = f"{plan['seconds']:.1f} ({plan['solver']}, {plan['status']})"
        model.append(
            f"| {c['case']} | {c['products']:,} x {c['periods']} x {c['resources']} "
            f"| {c['rows']:,} | {c['columns']:,} | {c['nonzeros']:,} | {c['prepare_s']:.2f} "
            f"| {c['build_s']:.2f} | {c['handover_s']:.2f} | {c['choice']} | {plan_txt} "
            f"| {post_txt} | {int(post['late_rows']) if post else ''} "
            f"| {c['peak_rss_mb']:.0f} |"
        )
    solver = [
        "| case | solver | solve s | iterations | x choice | build_lp / solve "
        "| objective | rel. diff to ref. | max violation | columns > 1e-6 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in cases:
        base = c["solvers"].get(c["choice"])
        for name, r in c["solvers"].items():
            ok = r["status"] == "optimal"
            if base and base["status"] == "optimal":
                if ok:
                    ratio = f"x{r['seconds'] / base['seconds']:.2f}"
                else:
                    ratio = f">x{r['seconds'] / base['seconds']:.1f}"
            else:
                ratio = ""
            share = (
                f"{c['build_s'] / r['seconds']:.1%}"
                if ok
                else f"<{c['build_s'] / r.get('time_limit', limit):.1%}"
            )
            ref = " (ref.)" if name == c["reference"] else ""
            solver.append(
                f"| {c['case']} | {name}{ref} | {_secs(r, limit)} | {r['iterations']:,} | {ratio} "
                f"| {share} | {r['objective']:,.2f} | "
                + (f"{r['rel_diff']:.1e}" if r["rel_diff"] is not None else "")
                + " | "
                + (f"{r['violation']:.1e}" if r["violation"] is not None else "")
                + " | "
                + (f"{r['nonzero_columns']:,}" if r["nonzero_columns"] is not None else "")
                + " |"
            )
    out = "\n".join(model) + "\n\n" + "\n".join(solver)
    level = [c for c in cases if "level" in c]
    if level:
        lines = [
            "| case | strategy | rows | columns | non-zeros | build_lp s | solver | solve s "
            "| iterations | objective |",
            "|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
        ]
        for c in level:
            lv = c["level"]
            for name, r in lv["solvers"].items():
                lines.append(
                    f"| {c['case']} | level | {lv['rows']:,} | {lv['columns']:,} "
                    f"| {lv['nonzeros']:,} | {lv['build_s']:.2f} | {name} | {_secs(r, limit)} "
                    f"| {r['iterations']:,} | {r['objective']:,.2f} |"
                )
        out += "\n\n" + "\n".join(lines)
    return out


def goals(cases: list[dict[str, Any]], limit: float) -> list[str]:
    """Lines judging the run against the issue's goals."""
    lines = []
    for c in cases:
        solved = {k: r for k, r in c["solvers"].items() if r["status"] == "optimal"}
        if not solved:
            lines.append(f"- {c['case']}: no solver finished within {limit:.0f} s.")
            continue
        fastest = min(solved, key=lambda k: solved[k]["seconds"])
        chosen = solved.get(c["choice"])
        parts = [f"fastest {fastest} {solved[fastest]['seconds']:.1f} s"]
        if chosen is not None:
            share = c["build_s"] / chosen["seconds"]
            parts.append(
                f"build_lp / solve with snop's choice ({c['choice']}) {share:.1%} "
                f"({'met' if share <= GOAL_BUILD_SHARE else 'not met'})"
            )
        else:
            parts.append(f"snop's choice ({c['choice']}) did not finish")
        share = c["build_s"] / solved[fastest]["seconds"]
        parts.append(
            f"with the fastest {share:.1%} ({'met' if share <= GOAL_BUILD_SHARE else 'not met'})"
        )
        parts.append(
            "objectives agree within 1e-6"
            if c["objectives_agree"]
            else "objectives do NOT all agree within 1e-6 (see rel. diff)"
        )
        post = c.get("post")
        if post and post.get("solver") in solved:
            post_share = post["total"] / solved[str(post["solver"])]["seconds"]
            parts.append(f"post-processing / solve {post_share:.1%}")
        lines.append(f"- {c['case']}: " + "; ".join(parts) + ".")
    largest = max(cases, key=lambda c: c["columns"])
    solved = {k: r for k, r in largest["solvers"].items() if r["status"] == "optimal"}
    if solved:
        fastest = min(solved, key=lambda k: solved[k]["seconds"])
        secs = solved[fastest]["seconds"]
        lines.append(
            f"- Largest case run ({largest['case']}) under {GOAL_LARGE_SECONDS:.0f} s: "
            f"{'met' if secs < GOAL_LARGE_SECONDS else 'not met'} with {fastest} ({secs:.1f} s)"
            + (
                f"; snop's choice {largest['choice']} "
                f"{_secs(largest['solvers'][largest['choice']], limit)}"
                if largest["choice"] in largest["solvers"]
                else ""
            )
            + "."
        )
    else:
        lines.append(
            f"- Largest case run ({largest['case']}) under {GOAL_LARGE_SECONDS:.0f} s: not met "
            "(no solver finished within its time limit)."
        )
    return lines


def supply_version() -> str:
    """Hash of the supply modules (others edit src/ while benchmarks run)."""
    digest = hashlib.sha256()
    for name in SUPPLY_FILES:
        digest.update((ROOT / "src/snop/supply" / name).read_bytes())
    try:
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src/snop/supply"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        dirty = "?"
    state = "with uncommitted changes" if dirty else "as committed"
    files = ",".join(SUPPLY_FILES)
    return f"src/snop/supply/{{{files}}} sha256 {digest.hexdigest()[:10]} ({state})"


def main() -> None:
    """Parse the options, run the cases one at a time, print, save JSON and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="small,medium,large", help="comma-separated")
    parser.add_argument(
        "--solvers",
        default=",".join(SOLVERS),
        help="comma-separated: simplex, ipm, ipm-nocross, pdlp (or any HiGHS solver name)",
    )
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="CASE:SOLVER=SECONDS",
        help="a different time limit for one solver on one case, e.g. large:ipm=1200 "
        "(also used by that case's plan_supply run when it uses that solver; repeatable)",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for prepare/build")
    parser.add_argument(
        "--plan-solver", default="choose", help="solver of the plan_supply run (default snop's)"
    )
    parser.add_argument("--level", default="medium", help="cases also timed with level")
    parser.add_argument(
        "--level-solvers", default="choose", help="solvers for the level run (choose = snop's)"
    )
    parser.add_argument(
        "--profile",
        default="medium,large",
        help="cases whose build_lp and post-processing are profiled (comma-separated; none)",
    )
    parser.add_argument(
        "--plan-anyway",
        action="store_true",
        help="run plan_supply even when its solver hit the time limit in the solver table",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="CASE:SOLVERS",
        help="restrict the solvers of one case, e.g. large:ipm,ipm-nocross,pdlp (repeatable)",
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--json", default=str(OUT / "supply_lp.json"))
    args = parser.parse_args()
    names = [c for c in args.cases.split(",") if c]
    unknown = sorted(set(names) - CASES.keys())
    if unknown:
        parser.error(f"unknown cases {unknown}; known: {sorted(CASES)}")
    all_solvers = [s for s in args.solvers.split(",") if s]
    only = {}
    for item in args.only:
        case, _, solvers = item.partition(":")
        only[case] = [s for s in solvers.split(",") if s]
    args.level = [c for c in args.level.split(",") if c and c != "none"]
    args.level_solvers = [s for s in args.level_solvers.split(",") if s]
    args.limits = {}
    for item in args.limit:
        key, _, seconds = item.partition("=")
        case, _, solver = key.partition(":")
        args.limits[(case, solver)] = float(seconds)
    args.profile = [c for c in args.profile.split(",") if c and c != "none"]

    version = code_version()
    supply = supply_version()
    libraries = (
        f", HiGHS {highspy.Highs().versionMajor()}.{highspy.Highs().versionMinor()}."
        f"{highspy.Highs().versionPatch()} (highspy), scipy {scipy.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    wall = time.perf_counter()
    cases = []
    for name in names:
        args.solvers = only.get(name, all_solvers)
        cases.append(measure_case(name, args))
    wall = time.perf_counter() - wall
    table = tables(cases, args.time_limit)
    verdict = goals(cases, args.time_limit)
    print()
    print(table)
    print()
    print("\n".join(verdict))

    command = "cd /work/main && .venv/bin/python " + " ".join(
        [str(Path(sys.argv[0]).resolve().relative_to(ROOT)), *sys.argv[1:]]
    )
    result = {
        "command": command,
        "machine": machine(libraries),
        "code": version,
        "supply_code": supply,
        "seed": args.seed,
        "time_limit": args.time_limit,
        "large_model_columns": LARGE_MODEL_COLUMNS,
        "wall_seconds": wall,
        "cases": cases,
        "goals": verdict,
    }
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {path}")
    if args.no_record:
        return
    profiles = ""
    for c in cases:
        for key, title in (("profile_build", "build_lp"), ("profile_post", "post-processing")):
            if key not in c:
                continue
            prof = c[key]
            lines = [
                f"cProfile of {title} on {c['case']} ({prof['seconds']:.2f} s under the profiler"
                + (f", on the {prof['solver']} solution" if "solver" in prof else "")
                + "), top 15 by own time:",
                "",
                "| own s | cumulative s | calls | function |",
                "|---:|---:|---:|---|",
            ]
            for row in prof["top"]:
                lines.append(
                    f"| {row['own_s']:.3f} | {row['cumulative_s']:.3f} | {row['calls']:,} "
                    f"| `{row['function']}` |"
                )
            profiles += "\n" + "\n".join(lines) + "\n"
    overrides = "".join(
        f" ({case} {solver}: {seconds:.0f} s)" for (case, solver), seconds in args.limits.items()
    )
    section = f"""
## Supply plan LP — {dt.datetime.now().strftime("%Y-%m-%d %H:%M")}

Command: `{command}`

Machine: {machine(libraries)}; wall time {wall / 60:.1f} min.

Code: {version}; {supply}.

Work: seeded synthetic supply problems (seed {args.seed}), cost strategy: products in
families of about 20 with a shared season, 3 segments (priorities 1-3), 2-4 resources per
routing, regular hours 90-95% of the average load + 10-15% overtime (August -15%), 30% of
products subcontractable within a limit, lead times 0-2 with scheduled receipts, opening
stock and backlog, safety stock = half the next month's demand, end-inventory targets on 25%
of products. Each solve ran once with a {args.time_limit:.0f} s time limit{overrides}; prepare,
build_lp and the hand-over best of {args.repeat}. "solve s" is `solve_lp`'s figure, which
includes handing the matrix to HiGHS ("hand-over s"); ipm-nocross is HiGHS ipm with
`run_crossover` off (`solve_lp` options, or highspy with the same hand-over). "x choice" =
solve time over that of the solver snop chooses for the model (simplex up to {LARGE_MODEL_COLUMNS:,}
columns, ipm above). "rel. diff" = |objective - reference| / max(1, |reference|);
"max violation" = largest row or bound violation relative to 1 + |bound|; "columns > 1e-6"
counts non-zero values (a vertex solution has at most one per row). plan_supply =
prepare + build + solve + frames + explanation with snop's solver choice (not rerun when that
solver already hit its time limit in the table); post-processing timed on that solver's
solution from the table (else the reference's).

{table}

{chr(10).join(verdict)}
{profiles}"""
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
