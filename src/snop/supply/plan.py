"""Plan supply: build the LP, solve it, and turn the solution into frames a planner reads."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.progress import Progress, silent
from snop.supply.explain import Explanation, diagnose_infeasible, explain
from snop.supply.model import SupplyLp, build_lp
from snop.supply.policy import days_of_supply
from snop.supply.problem import SupplyProblem, prepare
from snop.supply.solve import LpSolution, SolveStatus, solve_lp

COST_COMPONENTS = (
    "material",
    "regular_hours",
    "overtime",
    "subcontract",
    "holding",
    "backorder",
    "owed_at_end",
    "safety_stock_shortfall",
    "workforce",
    "hiring",
    "layoff",
)
"""The plan's cost, by what drives it.

Backorder is weighted by segment priority; owed_at_end values what is still owed when
the horizon ends at the cost of making it later.
"""

PLAN_MEASURES = (
    "demand",
    "production",
    "receipts",
    "subcontract",
    "shipped",
    "inventory",
    "backlog",
    "projected_balance",
    "safety_stock",
    "below_safety_stock",
)
"""The additive quantities of a product's planned month (they sum to family and total)."""

_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class SolverStats:
    """Size of the model and where the time went."""

    rows: int
    columns: int
    nonzeros: int
    build_seconds: float
    solve_seconds: float
    solver: str
    iterations: int
    blocks: int = 1
    """Independent pieces the LP fell apart into and was solved as (1 = one solve)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "nonzeros": self.nonzeros,
            "build_seconds": round(self.build_seconds, 4),
            "solve_seconds": round(self.solve_seconds, 4),
            "solver": self.solver,
            "iterations": self.iterations,
            "blocks": self.blocks,
        }


@dataclass(frozen=True, slots=True)
class SupplyPlan:
    """A solved (or diagnosed) supply plan.

    Frames
    ------
    products: product_id, family, period, demand, production (started), receipts (made
        and scheduled), subcontract, shipped, inventory, backlog, projected_balance
        (inventory - backlog, the MPS's projected available balance), safety_stock,
        below_safety_stock, days_of_supply.
    segments: product_id, family, segment, period, demand, shipped, backlog.
    resources: resource_id, name, site, period, load, regular_capacity, overtime,
        overtime_capacity, utilisation, shadow_price, full.
    workforce: resource_id, period, workers, hired, laid_off.
    costs: component, period, amount.
    """

    status: SolveStatus
    strategy: str
    periods: list[str]
    total_cost: float
    objective: float
    products: pd.DataFrame
    segments: pd.DataFrame
    resources: pd.DataFrame
    workforce: pd.DataFrame
    costs: pd.DataFrame
    explanation: Explanation
    stats: SolverStats
    frozen_periods: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """True when the plan can be run as it stands."""
        return self.status is SolveStatus.OPTIMAL

    def cost_breakdown(self) -> dict[str, float]:
        """Total cost per component, in the order of `COST_COMPONENTS`."""
        totals = self.costs.groupby("component")["amount"].sum()
        return {c: float(round(totals.get(c, 0.0), 2)) for c in COST_COMPONENTS}


PLAN_STEPS = 3
"""The steps `plan_supply` reports: building the LP, solving it, explaining the plan."""


def plan_supply(problem: SupplyProblem, *, progress: Progress | None = None) -> SupplyPlan:
    """Plan production, overtime, subcontracting, inventory and backlog at least cost.

    Infeasible plans come back with ``status`` infeasible and an explanation naming the
    promises that cannot be kept (end-of-horizon stock or backlog, the frozen fence).
    ``progress`` hears the start of each of the `PLAN_STEPS` steps, as (stage, 0..2, 3).
    """
    report = progress or silent
    size = _size(problem)
    report(f"building the LP ({size})", 0, PLAN_STEPS)
    problem = prepare(problem)
    started = time.perf_counter()
    lp = build_lp(problem)
    build_seconds = time.perf_counter() - started
    settings = problem.settings
    rows, columns = lp.shape
    report(f"solving the supply plan ({size}; {rows:,} rows x {columns:,} columns)", 1, PLAN_STEPS)
    solution = _solve(lp, settings.solver, settings.time_limit)
    stats = SolverStats(
        lp.shape[0],
        lp.shape[1],
        int(lp.matrix.nnz),
        build_seconds,
        solution.seconds,
        solution.solver,
        solution.iterations,
        solution.blocks,
    )
    report("explaining the plan", 2, PLAN_STEPS)
    if not solution.ok:
        return _failed_plan(problem, solution, stats)
    frames = _frames(problem, lp, solution)
    costs = _costs(problem, lp, solution)
    explanation = explain(problem, frames, costs)
    money = costs[costs["component"].isin(COST_COMPONENTS)]
    return SupplyPlan(
        status=solution.status,
        strategy=str(settings.strategy),
        periods=problem.periods,
        total_cost=float(money["amount"].sum()),
        objective=solution.objective,
        products=frames["products"],
        segments=frames["segments"],
        resources=frames["resources"],
        workforce=frames["workforce"],
        costs=money.reset_index(drop=True),
        explanation=explanation,
        stats=stats,
        frozen_periods=problem.frozen_periods,
    )


def _solve(lp: SupplyLp, solver: str, time_limit: float) -> LpSolution:
    """Solve with HiGHS; values, objective and duals in the model's terms (`SupplyLp.restore`)."""
    return lp.restore(solve_lp(lp, solver=solver, time_limit=time_limit))


def _size(problem: SupplyProblem) -> str:
    """The problem's size as a planner counts it: "40 products x 18 months"."""
    products = len(problem.products)
    months = len(problem.periods)
    return (
        f"{products} product{'s' if products != 1 else ''} x "
        f"{months} month{'s' if months != 1 else ''}"
    )


def _failed_plan(problem: SupplyProblem, solution: LpSolution, stats: SolverStats) -> SupplyPlan:
    if solution.status is SolveStatus.INFEASIBLE:
        elastic = build_lp(problem, elastic=True)
        relaxed = _solve(elastic, "choose", problem.settings.time_limit)
        explanation = diagnose_infeasible(problem, elastic, relaxed)
        if relaxed.ok:
            explanation = _with_closest_plan(explanation, problem, elastic, relaxed)
    else:
        explanation = Explanation.failure(solution.status, problem.settings.time_limit)
    empty = pd.DataFrame()
    return SupplyPlan(
        status=solution.status,
        strategy=str(problem.settings.strategy),
        periods=problem.periods,
        total_cost=float("nan"),
        objective=float("nan"),
        products=empty,
        segments=empty,
        resources=empty,
        workforce=empty,
        costs=pd.DataFrame(columns=["component", "period", "amount"]),
        explanation=explanation,
        stats=stats,
        frozen_periods=problem.frozen_periods,
    )


def _with_closest_plan(
    diagnosis: Explanation, problem: SupplyProblem, elastic: SupplyLp, relaxed: LpSolution
) -> Explanation:
    """Add who is short and why: the cheapest plan that breaks only the named promises.

    The promises are loosened by exactly what the diagnosis found must give way, and that
    plan's bottlenecks, late orders and service are told after the diagnosis. Its cost is
    not reported: a plan that breaks a promise is never offered as the cheaper plan.
    """
    closest = _loosened(problem, elastic, relaxed)
    lp = build_lp(closest)
    solution = _solve(lp, "choose", closest.settings.time_limit)
    if not solution.ok:
        return diagnosis
    frames = _frames(closest, lp, solution)
    told = explain(closest, frames, _costs(closest, lp, solution))
    head = "With only those promises broken, the plan would run like this:"
    return Explanation(
        sentences=[*diagnosis.sentences, head, *told.sentences[1:]],
        bottlenecks=told.bottlenecks,
        late=told.late,
        reasons=diagnosis.reasons,
    )


def _loosened(problem: SupplyProblem, elastic: SupplyLp, relaxed: LpSolution) -> SupplyProblem:
    """The problem with each broken promise moved to what can be kept (a hair looser)."""
    products = problem.products.reset_index(drop=True).copy()
    slack = 1e-6
    for name, column, sign in (
        ("end_inventory_gap", "end_inventory", -1.0),
        ("end_backlog_gap", "end_backlog", 1.0),
    ):
        block = elastic.columns.get(name)
        if block is None:
            continue
        p = block.keys["p"].to_numpy()
        gap = relaxed.col_value[block.slice]
        moved = products.loc[p, column].to_numpy(dtype=float) + sign * (gap + slack)
        products.loc[p, column] = np.maximum(moved, 0.0)
    frozen = problem.frozen
    rows = elastic.rows.get("fence")
    if rows is not None:
        made = relaxed.col_value[elastic.columns["make"].slice]
        keys = elastic.columns["make"].keys
        held = keys.assign(
            product_id=products["product_id"].to_numpy()[keys["p"].to_numpy()],
            period=np.asarray(problem.periods)[keys["t"].to_numpy()],
            quantity=made,
        )
        frozen = held[held["period"].isin(problem.frozen_periods)][
            ["product_id", "period", "quantity"]
        ]
    return dataclasses.replace(problem, products=products, frozen=frozen)


def _values(lp: SupplyLp, solution: LpSolution, name: str) -> np.ndarray:
    block = lp.columns.get(name)
    if block is None:
        return np.zeros(0)
    values = solution.col_value[block.slice]
    return np.where(np.abs(values) < _EPS, 0.0, values)


def _on_grid(
    lp: SupplyLp,
    solution: LpSolution,
    name: str,
    n_p: int,
    n_t: int,
    t_shift: np.ndarray | None = None,
) -> np.ndarray:
    """A (product, period) block as a full matrix; missing cells are 0."""
    grid = np.zeros((n_p, n_t))
    block = lp.columns.get(name)
    if block is None:
        return grid
    keys = block.keys
    t = keys["t"].to_numpy()
    if t_shift is not None:
        t = t + t_shift[keys["p"].to_numpy()]
    grid[keys["p"].to_numpy(), t] = _values(lp, solution, name)
    return grid


def _frames(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> dict[str, pd.DataFrame]:
    products = problem.products.reset_index(drop=True)
    n_p, n_t = len(products), len(problem.periods)
    lead = products["lead_time"].to_numpy()
    started = _on_grid(lp, solution, "make", n_p, n_t)
    receipts = _on_grid(lp, solution, "make", n_p, n_t, t_shift=lead) + problem.receipts_grid()
    bought = _on_grid(lp, solution, "buy", n_p, n_t)
    inventory = _on_grid(lp, solution, "inv", n_p, n_t)
    short = _on_grid(lp, solution, "short", n_p, n_t)
    seg = _segment_frame(problem, lp, solution)
    per_product = seg.groupby(["product_id", "period"], sort=False)[
        ["demand", "shipped", "backlog"]
    ].sum()
    table = pd.DataFrame(
        {
            "product_id": np.repeat(products["product_id"].to_numpy(), n_t),
            "family": np.repeat(products["family"].to_numpy(), n_t),
            "period": np.tile(problem.periods, n_p),
            "production": started.ravel(),
            "receipts": receipts.ravel(),
            "subcontract": bought.ravel(),
            "inventory": inventory.ravel(),
            "below_safety_stock": short.ravel(),
        }
    )
    index = pd.MultiIndex.from_frame(table[["product_id", "period"]])
    for column in ("demand", "shipped", "backlog"):
        table[column] = per_product[column].reindex(index).fillna(0.0).to_numpy()
    table["projected_balance"] = table["inventory"] - table["backlog"]
    table["safety_stock"] = _safety_grid(problem, n_p, n_t).ravel()
    demand = table[["product_id", "period"]].assign(quantity=table["demand"])
    stock = table[["product_id", "period"]].assign(quantity=table["inventory"])
    table["days_of_supply"] = days_of_supply(stock, demand).to_numpy()
    order = ["product_id", "family", "period", *PLAN_MEASURES, "days_of_supply"]
    return {
        "products": table[order],
        "segments": seg,
        "resources": _resource_frame(problem, lp, solution),
        "workforce": _workforce_frame(problem, lp, solution),
    }


def _safety_grid(problem: SupplyProblem, n_p: int, n_t: int) -> np.ndarray:
    grid = np.zeros((n_p, n_t))
    ss = problem.safety_stock
    if ss.empty:
        return grid
    p_of = pd.Series(np.arange(n_p), index=problem.products["product_id"])
    t_of = pd.Series(np.arange(n_t), index=problem.periods)
    ss = ss[ss["period"].isin(t_of.index) & ss["product_id"].isin(p_of.index)]
    grid[p_of.reindex(ss["product_id"]).to_numpy(), t_of.reindex(ss["period"]).to_numpy()] = ss[
        "safety_stock"
    ].to_numpy(dtype=float)
    return grid


def _segment_frame(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> pd.DataFrame:
    ship = lp.columns["ship"]
    rows = lp.rows["backlog"]
    pairs = _pairs(problem, lp)
    keys = ship.keys
    demand_rhs = lp.row_lower[rows.slice]
    frame = pd.DataFrame(
        {
            "product_id": pairs["product_id"].to_numpy()[keys["k"].to_numpy()],
            "family": pairs["family"].to_numpy()[keys["k"].to_numpy()],
            "segment": pairs["segment"].to_numpy()[keys["k"].to_numpy()],
            "period": np.asarray(problem.periods)[keys["t"].to_numpy()],
            "demand": demand_rhs,
            "shipped": _values(lp, solution, "ship"),
            "backlog": _values(lp, solution, "back"),
        }
    )
    # The first period's row also carries the opening backlog: report demand alone.
    opening = lp.opening_backlog
    first = keys["t"].to_numpy() == 0
    frame.loc[first, "demand"] = frame.loc[first, "demand"].to_numpy() - opening
    frame["demand"] = frame["demand"].clip(lower=0.0)
    return frame


def _pairs(problem: SupplyProblem, lp: SupplyLp) -> pd.DataFrame:
    """(product, segment) pair of each k, with the product's family."""
    families = problem.products[["product_id", "family"]]
    return lp.pairs.merge(families, on="product_id", how="left")


def _resource_frame(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> pd.DataFrame:
    rows = lp.rows["capacity"]
    table = problem.capacity_table().reset_index(drop=True)
    overtime = _values(lp, solution, "ot")
    activity = lp.matrix[rows.slice] @ solution.col_value
    load = activity + overtime  # the row is load - overtime (- workers' hours)
    regular = table["capacity"].to_numpy(dtype=float)
    ot_cap = table["overtime_capacity"].fillna(0.0).to_numpy(dtype=float)
    workforce = _workforce_frame(problem, lp, solution)
    if not workforce.empty:
        hours = problem.labour.set_index("resource_id")
        people = table["resource_id"].isin(hours.index).to_numpy()
        index = pd.MultiIndex.from_frame(table[["resource_id", "period"]])
        workers = (
            workforce.set_index(["resource_id", "period"])["workers"].reindex(index).to_numpy()
        )
        per_worker = hours["hours_per_worker"].reindex(table["resource_id"]).to_numpy()
        ot_per = hours["overtime_hours_per_worker"].reindex(table["resource_id"]).to_numpy()
        load = np.where(people, np.nan_to_num(activity + overtime + workers * per_worker), load)
        regular = np.where(people, workers * per_worker, regular)
        ot_cap = np.where(people, workers * ot_per, ot_cap)
    available = regular + ot_cap
    names = problem.resources.set_index("resource_id")
    frame = pd.DataFrame(
        {
            "resource_id": table["resource_id"],
            "name": names["name"].reindex(table["resource_id"]).to_numpy(),
            "site": names["site"].reindex(table["resource_id"]).to_numpy(),
            "period": table["period"],
            "load": np.where(np.abs(load) < _EPS, 0.0, load),
            "regular_capacity": regular,
            "overtime": overtime,
            "overtime_capacity": ot_cap,
        }
    )
    frame["utilisation"] = np.where(
        regular > 0, frame["load"] / np.where(regular > 0, regular, 1), np.nan
    )
    dual = -solution.row_dual[rows.slice]
    frame["shadow_price"] = np.where(np.abs(dual) < 1e-7, 0.0, dual)
    frame["full"] = (available > 0) & (frame["load"].to_numpy() >= available * (1 - 1e-6) - 1e-6)
    return frame


def _workforce_frame(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> pd.DataFrame:
    work = lp.columns.get("work")
    if work is None:
        return pd.DataFrame(columns=["resource_id", "period", "workers", "hired", "laid_off"])
    keys = work.keys
    return pd.DataFrame(
        {
            "resource_id": problem.labour["resource_id"].to_numpy()[keys["l"].to_numpy()],
            "period": np.asarray(problem.periods)[keys["t"].to_numpy()],
            "workers": _values(lp, solution, "work"),
            "hired": _values(lp, solution, "hire"),
            "laid_off": _values(lp, solution, "fire"),
        }
    )


_COMPONENT_OF_BLOCK = {
    "buy": "subcontract",
    "inv": "holding",
    "back": "backorder",
    "owed_at_end": "owed_at_end",
    "ot": "overtime",
    "short": "safety_stock_shortfall",
    "work": "workforce",
    "hire": "hiring",
    "fire": "layoff",
    "up": "strategy_penalty",
    "down": "strategy_penalty",
    "excess": "strategy_penalty",
}


def _costs(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> pd.DataFrame:
    """Cost of every block by period; make splits into material and regular hours."""
    parts = []
    periods = np.asarray(problem.periods)
    for name, block in lp.columns.items():
        amount = lp.value_cost[block.slice] * solution.col_value[block.slice]
        if name == "make":
            p = block.keys["p"].to_numpy()
            material = problem.products["unit_cost"].to_numpy(dtype=float)[p]
            values = solution.col_value[block.slice]
            parts.append(_by_period("material", block.keys["t"], material * values, periods))
            parts.append(
                _by_period("regular_hours", block.keys["t"], amount - material * values, periods)
            )
        elif name in _COMPONENT_OF_BLOCK:
            parts.append(_by_period(_COMPONENT_OF_BLOCK[name], block.keys["t"], amount, periods))
    return pd.concat(parts, ignore_index=True)


def _by_period(
    component: str, t: pd.Series, amount: np.ndarray, periods: np.ndarray
) -> pd.DataFrame:
    sums = pd.Series(amount).groupby(t.to_numpy()).sum()
    return pd.DataFrame(
        {
            "component": component,
            "period": periods[sums.index.to_numpy()],
            "amount": sums.to_numpy(),
        }
    )
