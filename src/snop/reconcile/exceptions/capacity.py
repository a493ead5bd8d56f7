"""Exceptions of the planned load: over capacity or its ceiling, under the utilisation floor."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from snop.frames import periods_to_index
from snop.reconcile.exceptions.context import Context, run_ids, with_sentences
from snop.reconcile.exceptions.inputs import Thresholds

# The sentences read like the supply plan's own explanation, so they share its formatting.
from snop.wording import span as _span
from snop.wording import units as _units


def _resource_plan(context: Context) -> pd.DataFrame:
    """The plan's resource months with the rates from the master and a month index."""
    plan = context.inputs.plan_resources.copy()
    regular = pd.to_numeric(plan["regular_capacity"]).astype(float)
    overtime = plan.get("overtime_capacity", pd.Series(0.0, index=plan.index))
    plan["regular_capacity"] = regular
    plan["overtime_capacity"] = pd.to_numeric(overtime).fillna(0.0).astype(float)
    plan["load"] = pd.to_numeric(plan["load"]).astype(float)
    master = context.inputs.resources
    for rate in ("regular_cost", "overtime_cost"):
        if {"resource_id", rate} <= set(master.columns):
            rates = master.drop_duplicates("resource_id").set_index("resource_id")[rate]
            plan[rate] = plan["resource_id"].map(rates).astype(float)
        else:
            plan[rate] = np.nan
    if "name" not in plan.columns:
        plan["name"] = None
    plan["t"] = periods_to_index(plan["period"])
    return plan


def _resource_text(row: dict[Hashable, Any]) -> str:
    name = row.get("name")
    if name is None or pd.isna(name) or name == row["resource_id"]:
        return str(row["resource_id"])
    return f"{name} ({row['resource_id']})"


def _resource_runs(hit: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    hit = hit.sort_values([*keys, "t"])
    hit = hit.assign(run=run_ids(hit, keys))
    return hit.groupby("run").agg(
        resource_id=("resource_id", "first"),
        name=("name", "first"),
        period_from=("period", "first"),
        period_to=("period", "last"),
        months=("period", "size"),
        units=("hours", "sum"),
        beyond=("beyond", "sum"),
        load=("load", "sum"),
        regular_capacity=("regular_capacity", "sum"),
        peak_utilisation=("utilisation", "max"),
        regular_cost=("regular_cost", "first"),
        overtime_cost=("overtime_cost", "first"),
        limit_kind=("limit_kind", "first"),
    )


def over_capacity(context: Context, thresholds: Thresholds) -> pd.DataFrame:
    """Runs of months a resource is loaded beyond its hours or above the ceiling."""
    if context.inputs.plan_resources.empty:
        return pd.DataFrame()
    plan = _resource_plan(context)
    hard = plan["regular_capacity"] + plan["overtime_capacity"]
    ceiling = context.inputs.max_util
    band = hard if ceiling is None else ceiling * plan["regular_capacity"]
    # Hours count over the tighter limit. A month loaded past its regular and overtime hours
    # cannot be made at all, which is worse news than running hot: it gets its own run.
    plan["hours"] = plan["load"] - np.minimum(hard, band)
    plan["beyond"] = (plan["load"] - hard).clip(lower=0.0)
    plan["limit_kind"] = np.where(plan["beyond"] > thresholds.hours, "capacity", "band")
    plan["utilisation"] = plan["load"] / plan["regular_capacity"].where(
        plan["regular_capacity"] > 0
    )
    hit = plan[plan["hours"] > thresholds.hours]
    if hit.empty:
        return pd.DataFrame()
    runs = _resource_runs(hit, ["resource_id", "limit_kind"])
    runs["money"] = runs["units"] * runs["overtime_cost"]
    what, action = [], []
    for row in runs.to_dict("records"):
        resource = _resource_text(row)
        span = _span(row["period_from"], row["period_to"])
        worth = context.amount(row["money"])
        cost = (
            f", {worth} at the overtime rate of {context.money(row['overtime_cost'])} an hour"
            if worth
            else ""
        )
        if row["limit_kind"] == "capacity":
            over_ceiling = (
                f" ({_units(row['units'])} hours above the {ceiling:.0%} utilisation ceiling)"
                if row["units"] > row["beyond"] + thresholds.hours and ceiling is not None
                else ""
            )
            what.append(
                f"{resource} is loaded {_units(row['beyond'])} hours beyond its regular and "
                f"overtime hours {span}{over_ceiling}{cost}: the plan cannot be made as it "
                "stands."
            )
            action.append(
                f"Supply planner: move work off {row['resource_id']} to months with free "
                "hours, subcontract or add capacity, then re-run the plan."
            )
        else:
            peak = row["peak_utilisation"]
            peak_text = f" (up to {peak:.0%} of regular hours)" if pd.notna(peak) else ""
            what.append(
                f"{resource} is loaded above the {ceiling:.0%} utilisation ceiling {span}"
                f"{peak_text}: {_units(row['units'])} hours over{cost}."
            )
            action.append(
                f"Supply planner: level the load on {row['resource_id']} below {ceiling:.0%} "
                "(move work, subcontract or add a shift), or agree with finance to run it "
                "harder."
            )
    return with_sentences(
        runs.assign(
            kind="over_capacity",
            scope_kind="resource",
            scope=runs["resource_id"].astype(str),
            owner="supply planner",
        ),
        what,
        action,
    )


def under_utilised(context: Context, thresholds: Thresholds) -> pd.DataFrame:
    """Runs of months a resource is loaded below the utilisation floor."""
    floor = context.inputs.min_util
    if context.inputs.plan_resources.empty or floor is None:
        return pd.DataFrame()
    plan = _resource_plan(context)
    has_hours = plan["regular_capacity"] > 0
    plan["hours"] = (floor * plan["regular_capacity"] - plan["load"]).where(has_hours, 0.0)
    plan["utilisation"] = plan["load"] / plan["regular_capacity"].where(has_hours)
    plan["limit_kind"] = "floor"
    plan["beyond"] = 0.0
    hit = plan[plan["hours"] > thresholds.hours]
    if hit.empty:
        return pd.DataFrame()
    runs = _resource_runs(hit, ["resource_id"])
    runs["money"] = runs["units"] * runs["regular_cost"]
    what, action = [], []
    for row in runs.to_dict("records"):
        resource = _resource_text(row)
        used = row["load"] / row["regular_capacity"]
        worth = context.amount(row["money"])
        what.append(
            f"{resource} is planned at {used:.0%} of its regular hours "
            f"{_span(row['period_from'], row['period_to'])}, below the {floor:.0%} floor: "
            f"{_units(row['units'])} idle hours"
            + (f", {worth} of regular cost paid for no output." if worth else ".")
        )
        action.append(
            f"Supply planner: pull work forward or bring subcontracted work back onto "
            f"{row['resource_id']}, or cut its shifts; ask sales whether there is volume "
            "to fill it."
        )
    return with_sentences(
        runs.assign(
            kind="under_utilised",
            scope_kind="resource",
            scope=runs["resource_id"].astype(str),
            owner="supply planner",
        ),
        what,
        action,
    )
