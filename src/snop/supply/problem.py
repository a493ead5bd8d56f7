"""The supply planning problem: everything the optimiser needs, as plain frames.

A `SupplyProblem` is built once (by the service, from the database or a workbook) and
is then read by the rough-cut check, the LP builder and the explanation. Its frames use
the data contract's column names; `prepare` fills defaults and checks what the
contract cannot (a routing to an unknown resource, demand outside the horizon, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import period_range

NO_SEGMENT = "all"
"""Segment name used when the demand is not split by segment."""


class Strategy(StrEnum):
    """How the plan trades production smoothness against inventory."""

    COST = "cost"
    """Cheapest plan: every cost as given."""
    LEVEL = "level"
    """Production held as steady as possible; inventory absorbs the seasons."""
    CHASE = "chase"
    """Production follows demand; no stock above safety stock unless being late costs more."""


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """Choices a supply planner makes for one plan run."""

    strategy: Strategy = Strategy.COST
    priority_weight: float = 2.0
    """Backorder cost multiplier per step of segment priority (priority 1 of 3 gets x4)."""
    keep_end_safety_stock: bool = True
    """End the horizon with safety stock in place, so the next cycle does not start short."""
    solver: str = "choose"
    """HiGHS solver: choose (by model size), simplex, ipm or pdlp."""
    time_limit: float = 600.0


@dataclass(frozen=True, slots=True)
class SupplyProblem:
    """Inputs of one supply plan, in the contract's columns.

    Frames
    ------
    products: product_id, family, unit_cost, holding_cost, backorder_cost, lead_time,
        subcontract_cost (NaN = not allowed), max_subcontract (NaN = no limit),
        end_inventory, end_backlog (NaN = no limit), price.
    segments: segment, priority.
    demand: product_id, segment, period, quantity.
    resources: resource_id, name, site, capacity, overtime_capacity, regular_cost,
        overtime_cost.
    capacity: resource_id, period, capacity, overtime_capacity (per-month overrides; NaN =
        the resource's usual figure).
    labour: resource_id, workers, hours_per_worker, cost_per_worker, hire_cost, layoff_cost,
        overtime_hours_per_worker.
    routings: product_id, resource_id, hours_per_unit.
    inventory: product_id, on_hand, backlog.
    safety_stock: product_id, period, safety_stock.
    frozen: product_id, period, quantity - production started inside the frozen fence,
        held as published.
    receipts: product_id, period, quantity - units already started that arrive then.
    """

    periods: list[str]
    products: pd.DataFrame
    segments: pd.DataFrame
    demand: pd.DataFrame
    resources: pd.DataFrame
    routings: pd.DataFrame
    inventory: pd.DataFrame
    capacity: pd.DataFrame = field(default_factory=pd.DataFrame)
    labour: pd.DataFrame = field(default_factory=pd.DataFrame)
    safety_stock: pd.DataFrame = field(default_factory=pd.DataFrame)
    frozen: pd.DataFrame = field(default_factory=pd.DataFrame)
    receipts: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: PlanSettings = field(default_factory=PlanSettings)
    segment_backlog: pd.DataFrame = field(default_factory=pd.DataFrame)
    """product_id, segment, quantity: what is owed to whom at the start, when known by
    segment (else ``inventory.backlog`` is split by each segment's share of demand)."""
    demand_given: bool = False
    """The demand is a given ``demand_plan``, not a forecast: the contract promises that
    nothing is left owed at the end of its horizon, so ``end_backlog`` defaults to 0."""

    @property
    def frozen_periods(self) -> list[str]:
        """Periods whose production is held as published."""
        if self.frozen.empty:
            return []
        return sorted(set(self.frozen["period"]) & set(self.periods))

    def segment_weights(self) -> pd.Series:
        """Backorder multiplier per segment: priority 1 costs most, the last priority x1."""
        priority = self.segments.set_index("segment")["priority"].astype(float)
        steps = priority.max() - priority
        return self.settings.priority_weight**steps

    def receipts_grid(self) -> np.ndarray:
        """Scheduled receipts per product (rows, in products order) and period."""
        grid = np.zeros((len(self.products), len(self.periods)))
        if self.receipts.empty:
            return grid
        p_of = pd.Series(np.arange(len(self.products)), index=self.products["product_id"])
        t_of = pd.Series(np.arange(len(self.periods)), index=self.periods)
        inside = self.receipts[
            self.receipts["period"].isin(t_of.index) & self.receipts["product_id"].isin(p_of.index)
        ]
        np.add.at(
            grid,
            (
                p_of.reindex(inside["product_id"]).to_numpy(),
                t_of.reindex(inside["period"]).to_numpy(),
            ),
            inside["quantity"].to_numpy(dtype=float),
        )
        return grid

    def capacity_table(self) -> pd.DataFrame:
        """Regular and overtime hours per resource and period, overrides applied."""
        return capacity_grid(self.resources, self.capacity, self.periods)


def capacity_grid(
    resources: pd.DataFrame, capacity: pd.DataFrame, periods: Sequence[str]
) -> pd.DataFrame:
    """Regular and overtime hours per resource and period, the month overrides applied.

    ``resources``: resource_id, capacity, overtime_capacity (missing = 0);
    ``capacity``: resource_id, period, capacity, overtime_capacity (NaN = the usual
    figure; may be empty). Returns resource_id, period, capacity, overtime_capacity.
    """
    grid = pd.MultiIndex.from_product(
        [resources["resource_id"], list(periods)], names=["resource_id", "period"]
    ).to_frame(index=False)
    base = _with_defaults(resources, _RESOURCE_DEFAULTS)
    base = base[["resource_id", "capacity", "overtime_capacity"]]
    table = grid.merge(base, on="resource_id", how="left")
    if not capacity.empty:
        over = capacity.rename(columns={"capacity": "cap_over", "overtime_capacity": "ot_over"})
        table = table.merge(over, on=["resource_id", "period"], how="left")
        table["capacity"] = table["cap_over"].fillna(table["capacity"])
        table["overtime_capacity"] = table["ot_over"].fillna(table["overtime_capacity"])
        table = table.drop(columns=["cap_over", "ot_over"])
    return table


_PRODUCT_DEFAULTS: dict[str, float] = {
    "lead_time": 0,
    "subcontract_cost": np.nan,
    "max_subcontract": np.nan,
    "end_inventory": 0.0,
    "end_backlog": np.nan,
    "price": 0.0,
}
_RESOURCE_DEFAULTS: dict[str, float] = {
    "overtime_capacity": 0.0,
    "regular_cost": 0.0,
    "overtime_cost": 0.0,
}


def prepare(problem: SupplyProblem) -> SupplyProblem:
    """Return the problem with defaults filled and its cross-sheet rules checked.

    Raises `InvalidInput` naming every inconsistency (sheet, key, column), so a bad
    problem never reaches the solver.
    """
    products = _with_defaults(problem.products, _PRODUCT_DEFAULTS)
    if problem.demand_given:
        products["end_backlog"] = products["end_backlog"].astype(float).fillna(0.0)
    products["lead_time"] = products["lead_time"].astype(np.int64)
    if "family" not in products:
        products["family"] = products["product_id"]
    resources = _with_defaults(problem.resources, _RESOURCE_DEFAULTS)
    for column in ("name", "site"):
        if column not in resources:
            resources[column] = resources["resource_id"]
    demand = problem.demand.copy()
    segments = problem.segments
    if "segment" not in demand or demand["segment"].isna().all():
        demand["segment"] = NO_SEGMENT
    if segments.empty or not set(demand["segment"]) <= set(segments["segment"]):
        known = set(segments["segment"]) if not segments.empty else set()
        missing = sorted(set(demand["segment"]) - known)
        extra = pd.DataFrame({"segment": missing, "priority": 1})
        low = int(segments["priority"].max()) if not segments.empty else 1
        extra["priority"] = low
        segments = pd.concat([segments, extra], ignore_index=True)
    inventory = _with_defaults(problem.inventory, {"backlog": 0.0})
    prepared = SupplyProblem(
        periods=problem.periods,
        products=products,
        segments=segments[
            [c for c in ("segment", "priority", "service_target") if c in segments]
        ].reset_index(drop=True),
        demand=demand[["product_id", "segment", "period", "quantity"]],
        resources=resources,
        routings=problem.routings[["product_id", "resource_id", "hours_per_unit"]],
        inventory=inventory[["product_id", "on_hand", "backlog"]],
        capacity=problem.capacity,
        labour=_with_defaults(problem.labour, {"overtime_hours_per_worker": 0.0}),
        safety_stock=problem.safety_stock,
        frozen=problem.frozen,
        receipts=problem.receipts,
        settings=problem.settings,
        segment_backlog=problem.segment_backlog,
        demand_given=problem.demand_given,
    )
    issues = _cross_issues(prepared)
    if issues:
        raise InvalidInput(issues)
    return prepared


def horizon(first: str, months: int) -> list[str]:
    """The ``months`` periods starting at ``first``."""
    from snop.frames import shift_period

    return period_range(first, shift_period(first, months - 1))


def _with_defaults(frame: pd.DataFrame, defaults: dict[str, float]) -> pd.DataFrame:
    out = frame.copy()
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
        elif not np.isnan(value):
            out[column] = out[column].astype(float).fillna(value)
    return out


def _cross_issues(problem: SupplyProblem) -> list[Issue]:
    issues: list[Issue] = []
    products = set(problem.products["product_id"])
    resources = set(problem.resources["resource_id"])
    periods = set(problem.periods)
    if not problem.periods:
        issues.append(Issue("empty_horizon", "the plan has no periods to plan"))
    checks: list[tuple[str, pd.DataFrame, str, set[str]]] = [
        ("demand_plan", problem.demand, "product_id", products),
        ("routings", problem.routings, "product_id", products),
        ("routings", problem.routings, "resource_id", resources),
        ("inventory", problem.inventory, "product_id", products),
        ("labour", problem.labour, "resource_id", resources),
    ]
    for sheet, frame, column, known in checks:
        if frame.empty:
            continue
        for value in sorted(set(frame[column]) - known):
            issues.append(
                Issue(
                    "unknown_key",
                    f"{value} is not in the plan's {column[:-3]}s",
                    sheet,
                    None,
                    column,
                    value,
                )
            )
    outside = sorted(set(problem.demand["period"]) - periods)
    if outside:
        issues.append(
            Issue(
                "demand_outside_horizon",
                f"demand for {', '.join(outside[:5])} lies outside the planning horizon "
                f"{problem.periods[0]} to {problem.periods[-1]}",
                "demand_plan",
                column="period",
            )
        )
    if (problem.demand["quantity"] < 0).any():
        issues.append(
            Issue(
                "negative_demand",
                "demand quantities must not be negative",
                "demand_plan",
                column="quantity",
            )
        )
    return issues
