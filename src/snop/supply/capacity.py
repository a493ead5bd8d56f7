"""Rough-cut capacity: the load unconstrained demand puts on every resource, before optimising.

Demand is netted against the opening stock (lot for lot, keeping the safety stock), each
product's net requirement is started its lead time earlier, and its routing turns units
into hours. The check says, per resource and month, whether regular hours suffice,
overtime is needed, or demand cannot be met that month - and, cumulatively, whether it
cannot be met even by building ahead from the first month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from snop.frames import records
from snop.supply.problem import SupplyProblem, prepare

_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class RoughCut:
    """The rough-cut check.

    load: resource_id, name, site, period, load, regular_capacity, overtime_capacity,
        utilisation, overtime_needed, shortfall_hours, cumulative_shortfall_hours, status
        (ok / overtime / over).
    requirements: product_id, period, demand, net_requirement, start_period - the
        production each month's demand needs, net of stock.
    too_late: product_id, period, units - requirements whose start would fall before the
        first month (the lead time makes them impossible to produce in time).
    """

    load: pd.DataFrame
    requirements: pd.DataFrame
    too_late: pd.DataFrame
    sentences: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "sentences": self.sentences,
            "load": records(self.load),
            "too_late": records(self.too_late),
        }


def rough_cut(problem: SupplyProblem) -> RoughCut:
    """Load of the unconstrained demand on every resource in every month."""
    problem = prepare(problem)
    requirements = net_requirements(problem)
    periods = problem.periods
    t_of = {p: i for i, p in enumerate(periods)}
    start_t = requirements["period"].map(t_of) - requirements["lead_time"]
    requirements["start_period"] = [periods[t] if t >= 0 else None for t in start_t]
    in_time = start_t >= 0
    too_late = requirements.loc[~in_time & (requirements["net_requirement"] > _TOL)]
    too_late = too_late[["product_id", "period"]].assign(
        units=too_late["net_requirement"].to_numpy()
    )
    starts = requirements.loc[in_time, ["product_id", "start_period", "net_requirement"]]
    hours = starts.merge(problem.routings, on="product_id")
    hours["hours"] = hours["net_requirement"] * hours["hours_per_unit"]
    load = hours.groupby(["resource_id", "start_period"])["hours"].sum()
    table = _capacity(problem)
    index = pd.MultiIndex.from_frame(table[["resource_id", "period"]])
    table["load"] = load.reindex(index).fillna(0.0).to_numpy()
    table = _judge(table)
    sentences = _sentences(table, too_late)
    return RoughCut(
        table, requirements.reset_index(drop=True), too_late.reset_index(drop=True), sentences
    )


def net_requirements(problem: SupplyProblem) -> pd.DataFrame:
    """Production each product needs per month: demand + backlog + safety stock - stock - receipts.

    Lot for lot: the cumulative requirement is max(0, cumulative demand + backlog + safety
    stock - on hand), never decreasing; the monthly requirement is its increase.
    """
    periods = problem.periods
    products = problem.products["product_id"].to_numpy()
    n_p, n_t = len(products), len(periods)
    demand = (
        problem.demand.groupby(["product_id", "period"])["quantity"]
        .sum()
        .unstack("period")
        .reindex(index=products, columns=periods)
        .fillna(0.0)
        .to_numpy()
    )
    opening = problem.inventory.set_index("product_id").reindex(products).fillna(0.0)
    safety = np.zeros((n_p, n_t))
    if not problem.safety_stock.empty:
        safety = (
            problem.safety_stock.pivot_table(
                index="product_id", columns="period", values="safety_stock", aggfunc="sum"
            )
            .reindex(index=products, columns=periods)
            .fillna(0.0)
            .to_numpy()
        )
    cumulative = (
        np.cumsum(demand, axis=1)
        - np.cumsum(problem.receipts_grid(), axis=1)
        + opening["backlog"].to_numpy()[:, None]
        + safety
        - opening["on_hand"].to_numpy()[:, None]
    )
    needed = np.maximum.accumulate(np.maximum(cumulative, 0.0), axis=1)
    net = np.diff(needed, axis=1, prepend=0.0)
    lead = problem.products["lead_time"].to_numpy()
    return pd.DataFrame(
        {
            "product_id": np.repeat(products, n_t),
            "period": np.tile(periods, n_p),
            "demand": demand.ravel(),
            "net_requirement": net.ravel(),
            "lead_time": np.repeat(lead, n_t),
        }
    )


def _capacity(problem: SupplyProblem) -> pd.DataFrame:
    """Regular and overtime hours; a people-driven resource counts its opening workforce."""
    table = problem.capacity_table()
    names = problem.resources.set_index("resource_id")
    table["name"] = names["name"].reindex(table["resource_id"]).to_numpy()
    table["site"] = names["site"].reindex(table["resource_id"]).to_numpy()
    table = table.rename(columns={"capacity": "regular_capacity"})
    table["overtime_capacity"] = table["overtime_capacity"].fillna(0.0)
    if not problem.labour.empty:
        crews = problem.labour.set_index("resource_id")
        people = table["resource_id"].isin(crews.index)
        crew = crews.reindex(table.loc[people, "resource_id"])
        table.loc[people, "regular_capacity"] = (
            crew["workers"] * crew["hours_per_worker"]
        ).to_numpy()
        table.loc[people, "overtime_capacity"] = (
            crew["workers"] * crew["overtime_hours_per_worker"]
        ).to_numpy()
    return table[["resource_id", "name", "site", "period", "regular_capacity", "overtime_capacity"]]


def _judge(table: pd.DataFrame) -> pd.DataFrame:
    regular = table["regular_capacity"].to_numpy(dtype=float)
    available = regular + table["overtime_capacity"].to_numpy(dtype=float)
    load = table["load"].to_numpy(dtype=float)
    table["utilisation"] = np.where(regular > 0, load / np.where(regular > 0, regular, 1.0), np.nan)
    table["overtime_needed"] = np.clip(load - regular, 0.0, None).clip(
        max=table["overtime_capacity"].to_numpy(dtype=float)
    )
    table["shortfall_hours"] = np.clip(load - available, 0.0, None)
    surplus = available - load
    cumulative = table.assign(s=surplus).groupby("resource_id", sort=False)["s"].cumsum()
    table["cumulative_shortfall_hours"] = np.clip(-cumulative.to_numpy(), 0.0, None)
    table["status"] = np.select(
        [load > available + _TOL, load > regular + _TOL], ["over", "overtime"], default="ok"
    )
    return table[
        [
            "resource_id",
            "name",
            "site",
            "period",
            "load",
            "regular_capacity",
            "overtime_capacity",
            "utilisation",
            "overtime_needed",
            "shortfall_hours",
            "cumulative_shortfall_hours",
            "status",
        ]
    ]


def _sentences(table: pd.DataFrame, too_late: pd.DataFrame) -> list[str]:
    sentences = []
    over = table[table["status"] == "over"]
    for row in over.itertuples(index=False):
        sentences.append(
            f"{row.name} ({row.resource_id}) at {row.site} needs {row.load:,.0f} hours in "
            f"{row.period} against {row.regular_capacity:,.0f} regular + "
            f"{row.overtime_capacity:,.0f} overtime: {row.shortfall_hours:,.0f} hours of demand "
            "cannot be made that month."
        )
    stuck = table[table["cumulative_shortfall_hours"] > _TOL]
    for resource_id, rows in stuck.groupby("resource_id", sort=False):
        first = rows.iloc[0]
        worst = rows.loc[rows["cumulative_shortfall_hours"].idxmax()]
        sentences.append(
            f"Even building ahead from the first month, {first['name']} ({resource_id}) falls "
            f"short from {first['period']}, by up to {worst['cumulative_shortfall_hours']:,.0f} "
            f"hours in {worst['period']}: that demand cannot be met in time without more "
            "capacity or subcontracting."
        )
    if not too_late.empty:
        by_product = too_late.groupby("product_id")["units"].sum()
        sentences.append(
            f"{len(by_product)} products need {by_product.sum():,.0f} units sooner than their "
            "lead time allows: started now, they arrive too late for the first months."
        )
    overtime = table[table["status"] == "overtime"]
    if not overtime.empty:
        sentences.append(
            f"{overtime['resource_id'].nunique()} resources need overtime in "
            f"{len(overtime)} resource-months."
        )
    if not sentences:
        sentences.append("Regular hours cover the unconstrained demand on every resource.")
    return sentences
