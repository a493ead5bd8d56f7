"""Exceptions of the planned stock: below its safety stock, above its maximum."""

from __future__ import annotations

import pandas as pd

from snop.frames import periods_to_index
from snop.reconcile.exceptions.context import Context, run_ids, with_sentences
from snop.reconcile.exceptions.inputs import Thresholds

# The sentences read like the supply plan's own explanation, so they share its formatting.
from snop.wording import span as _span
from snop.wording import units as _units


def stock_exceptions(context: Context, thresholds: Thresholds) -> list[pd.DataFrame]:
    """Runs of months below safety stock and above the maximum stock, per product."""
    plan = context.inputs.plan_products
    if plan.empty:
        return []
    found = []
    if "below_safety_stock" in plan.columns:
        below = plan.assign(excess=pd.to_numeric(plan["below_safety_stock"]))
        found.append(_stock_runs(context, below, "safety_stock", thresholds))
    if "max_units" in plan.columns:
        limit = pd.to_numeric(plan["max_units"], errors="coerce")
        over = plan.assign(excess=pd.to_numeric(plan["inventory"]) - limit)
        found.append(_stock_runs(context, over, "max_units", thresholds))
    return found


def _stock_runs(
    context: Context, plan: pd.DataFrame, reference: str, thresholds: Thresholds
) -> pd.DataFrame:
    """One exception per product and run of months with ``excess`` above the threshold."""
    hit = plan[plan["excess"] > thresholds.stock_units]
    if hit.empty:
        return pd.DataFrame()
    hit = hit.assign(t=periods_to_index(hit["period"])).sort_values(["product_id", "t"])
    hit["run"] = run_ids(hit, ["product_id"])
    runs = hit.groupby("run").agg(
        product_id=("product_id", "first"),
        period_from=("period", "first"),
        period_to=("period", "last"),
        months=("period", "size"),
    )
    peak = hit.sort_values(["run", "excess", "t"], ascending=[True, False, True])
    peak = peak.drop_duplicates("run").set_index("run")
    runs["units"] = peak["excess"]
    runs["peak_period"] = peak["period"]
    runs["reference"] = peak[reference]
    runs["inventory"] = peak["inventory"]
    runs["money"] = runs["units"] * runs["product_id"].map(context.standard)
    below = reference == "safety_stock"
    what, action = [], []
    for row in runs.to_dict("records"):
        product = context.product(row["product_id"])
        span = _span(row["period_from"], row["period_to"])
        peak_text = f" (worst in {row['peak_period']})" if row["months"] > 1 else ""
        worth = context.amount(row["money"])
        up_to = "up to " if row["months"] > 1 else ""
        if below:
            what.append(
                f"{product} is below safety stock {span}: {up_to}{_units(row['units'])} units "
                f"short of the {_units(row['reference'])} it should hold{peak_text}"
                + (f", {worth} of stock missing at standard cost." if worth else ".")
            )
            action.append(
                f"Supply planner: rebuild {_units(row['units'])} units of {row['product_id']} "
                f"by {row['period_from']} (make earlier, overtime or subcontract), or agree "
                "with the demand planner to carry the service risk."
            )
        else:
            what.append(
                f"{product} holds more than its maximum stock {span}: {up_to}"
                f"{_units(row['units'])} units over the {_units(row['reference'])}-unit "
                f"maximum{peak_text}"
                + (f", {worth} of cash tied up at standard cost." if worth else ".")
            )
            action.append(
                f"Supply planner: cut or delay production of {row['product_id']} before "
                f"{row['period_from']}, or ask sales whether the demand can come forward."
            )
    return with_sentences(
        runs.assign(
            kind="below_safety_stock" if below else "over_max_stock",
            scope_kind="product",
            scope=runs["product_id"].astype(str),
            owner="supply planner",
        ),
        what,
        action,
    )
