"""The month that happened, for the demo company: actuals to close a cycle with.

A real company imports what its systems recorded. The demo company has no such systems,
so this simulates one month against the plan of record: customers order what the plan
expected give or take a surprise, the plant makes what it planned give or take a few
percent, and what is on hand ships by segment priority. The result is an actuals workbook
in the contract's sheets: the month's ``demand_history``, ``production``, the ``inventory``
position at the start of the next month, and the ``receipts`` the month's production will
bring in later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.frames import shift_period

_SURPRISE_SIGMA = 0.15
"""Log-normal spread of a product's orders around the plan's demand."""
_MAKE_LOW, _MAKE_HIGH = 0.90, 1.03
"""Production lands between 90% and 103% of plan (breakdowns, yield, a good week)."""


def month_actuals(
    month: str,
    *,
    plan_products: pd.DataFrame,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    segments: pd.DataFrame,
    history: pd.DataFrame,
    inventory: pd.DataFrame,
    receipts: pd.DataFrame,
    seed: int = 7,
) -> dict[str, pd.DataFrame]:
    """Simulate ``month`` against the plan of record; return the actuals' sheets.

    ``plan_products`` is the plan of record's product rows (demand, production, receipts,
    subcontract per month); ``inventory`` the position at the start of ``month``;
    ``receipts`` the scheduled receipts already known.
    """
    rng = np.random.default_rng(seed)
    ids = products["product_id"].astype(str).tolist()
    month_plan = plan_products[plan_products["period"] == month].set_index("product_id")
    plan = month_plan[["demand", "production", "receipts", "subcontract"]].reindex(ids).fillna(0.0)
    lead = products.set_index("product_id")["lead_time"].reindex(ids).fillna(0).astype(int)
    surprise = rng.lognormal(-0.5 * _SURPRISE_SIGMA**2, _SURPRISE_SIGMA, len(ids))
    orders = np.rint(plan["demand"].to_numpy() * surprise)
    made = np.rint(plan["production"].to_numpy() * rng.uniform(_MAKE_LOW, _MAKE_HIGH, len(ids)))
    # What arrives: this month's own production when it takes no time, else what was started
    # earlier (the plan's receipts), plus what is bought in.
    arrivals = np.where(lead.to_numpy() == 0, made, plan["receipts"].to_numpy())
    position = inventory.set_index("product_id")[["on_hand", "backlog"]].reindex(ids).fillna(0.0)
    available = position["on_hand"].to_numpy() + arrivals + plan["subcontract"].to_numpy()
    lines = _order_lines(month, ids, orders, customers, segments, history)
    owed_before = position["backlog"].to_numpy()
    lines, shipped_total = _ship(lines, ids, available, owed_before)
    owed = owed_before + orders
    production = pd.DataFrame({"product_id": ids, "period": month, "quantity": made})
    next_position = pd.DataFrame(
        {
            "product_id": ids,
            "on_hand": np.maximum(available - shipped_total, 0.0),
            "backlog": np.maximum(owed - shipped_total, 0.0),
        }
    )
    return {
        "demand_history": lines,
        "production": production[production["quantity"] > 0].reset_index(drop=True),
        "inventory": next_position,
        "receipts": _future_receipts(month, ids, made, lead, receipts),
    }


def _order_lines(
    month: str,
    ids: list[str],
    orders: np.ndarray,
    customers: pd.DataFrame,
    segments: pd.DataFrame,
    history: pd.DataFrame,
) -> pd.DataFrame:
    """Split each product's orders over its customers by their share of the last year."""
    recent = history[history["period"] >= shift_period(month, -12)]
    share = recent.groupby(["product_id", "customer_id"])["ordered"].sum()
    share = share / share.groupby(level="product_id").transform("sum")
    share = share.dropna()
    total = pd.Series(orders, index=ids)
    lines = share.reset_index(name="share")
    lines = lines[lines["product_id"].isin(ids)]
    lines["ordered"] = np.rint(lines["share"] * lines["product_id"].map(total))
    segment_of = customers.set_index("customer_id")["segment"]
    priority = segments.set_index("segment")["priority"]
    lines["priority"] = lines["customer_id"].map(segment_of).map(priority).fillna(99)
    lines["period"] = month
    lines = lines[lines["ordered"] > 0]
    return lines[["period", "product_id", "customer_id", "ordered", "priority"]]


def _ship(
    lines: pd.DataFrame, ids: list[str], available: np.ndarray, owed_before: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Serve last month's backlog first, then the month's orders by segment priority."""
    stock = pd.Series(np.maximum(available - owed_before, 0.0), index=ids)
    lines = lines.sort_values(["product_id", "priority", "customer_id"]).copy()
    # Orders of higher priority come first; a line gets what is left after those before it.
    before = lines.groupby("product_id")["ordered"].cumsum() - lines["ordered"]
    left = (lines["product_id"].map(stock) - before).clip(lower=0.0)
    # Lines of one priority share what is left pro rata instead of first come first served.
    group = [lines["product_id"], lines["priority"]]
    group_left = left.groupby(group).transform("max")
    group_ordered = lines.groupby(group)["ordered"].transform("sum")
    ratio = (group_left / group_ordered).clip(upper=1.0)
    lines["shipped"] = np.floor(lines["ordered"] * ratio)
    served = lines.groupby("product_id")["shipped"].sum().reindex(ids).fillna(0.0)
    shipped_total = np.minimum(owed_before, available) + served.to_numpy()
    out = lines.drop(columns="priority").sort_values(["period", "product_id", "customer_id"])
    return out.reset_index(drop=True), shipped_total


def _future_receipts(
    month: str, ids: list[str], made: np.ndarray, lead: pd.Series, receipts: pd.DataFrame
) -> pd.DataFrame:
    """Production started this month that arrives after it, added to what was due then."""
    started = pd.DataFrame({"product_id": ids, "quantity": made, "lead": lead.to_numpy()})
    started = started[(started["lead"] > 0) & (started["quantity"] > 0)]
    started["period"] = [shift_period(month, int(n)) for n in started["lead"]]
    due = receipts.set_index(["product_id", "period"])["quantity"]
    keys = pd.MultiIndex.from_frame(started[["product_id", "period"]])
    started["quantity"] = started["quantity"].to_numpy() + due.reindex(keys).fillna(0.0).to_numpy()
    return started[["product_id", "period", "quantity"]].reset_index(drop=True)
