"""The simulated company and the physics of a month: capacity, arrivals and shipping.

Every policy runs in the same world with the same rules, so their results differ only by
what they decided:

- production started in a month loads the routing's resources that month and arrives
  ``lead_time`` months later (a lead time of 0 can ship the same month); when a policy
  starts more than the resources' regular plus overtime hours allow, every product on a
  full resource is cut back in the same proportion;
- subcontracted units arrive in the month they are bought, up to ``max_subcontract``,
  and only for products that may be bought in;
- what is on hand plus what arrives ships to what is owed: the highest-priority segment
  first and, within a segment, the oldest orders first; orders of one segment and month
  share what is left in proportion to their size. What cannot ship stays owed (backlog)
  and ships later, late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import PERIOD_PATTERN, missing_columns, shift_period
from snop.supply.problem import capacity_grid

PRODUCT_COLUMNS = ("product_id", "family", "price", "unit_cost", "lead_time")
SEGMENT_COLUMNS = ("segment", "service_target", "priority")
CUSTOMER_COLUMNS = ("customer_id", "segment")
RESOURCE_COLUMNS = ("resource_id", "capacity")
ROUTING_COLUMNS = ("product_id", "resource_id", "hours_per_unit")
HISTORY_COLUMNS = ("period", "product_id", "customer_id", "ordered")
OWED_COLUMNS = ("product_id", "customer_id", "segment", "priority", "ordered_in", "quantity")
"""An owed order line: what is still to ship of the orders placed in ``ordered_in``."""

_PRODUCT_DEFAULTS: dict[str, Any] = {
    "holding_cost": 0.0,
    "backorder_cost": 0.0,
    "subcontract_cost": np.nan,
    "max_subcontract": np.nan,
    "status": "active",
    "launch_period": None,
    "end_period": None,
    "like_product_id": None,
}
_RESOURCE_DEFAULTS: dict[str, Any] = {
    "overtime_capacity": 0.0,
    "regular_cost": 0.0,
    "overtime_cost": 0.0,
}
TINY = 1e-9
"""Quantities below this are nothing (LP round-off)."""


@dataclass(frozen=True, slots=True)
class Company:
    """The company a simulation runs: its master data and its whole order history.

    Frames
    ------
    products: product_id, family, price, unit_cost, holding_cost, backorder_cost,
        lead_time (whole months), subcontract_cost (NaN = not allowed), max_subcontract
        (NaN = no limit), status, launch_period, end_period, like_product_id.
    segments: segment, service_target (fill rate 0-1), priority (1 = highest).
    customers: customer_id, segment.
    resources: resource_id, capacity, overtime_capacity (hours per month), regular_cost,
        overtime_cost (per hour).
    capacity: resource_id, period, capacity, overtime_capacity (month overrides; may be
        empty).
    routings: product_id, resource_id, hours_per_unit.
    history: period, product_id, customer_id, ordered (units), shipped - every month,
        the held-out ones included; a policy only ever sees the months before its own.
    """

    products: pd.DataFrame
    segments: pd.DataFrame
    customers: pd.DataFrame
    resources: pd.DataFrame
    routings: pd.DataFrame
    history: pd.DataFrame
    capacity: pd.DataFrame

    @property
    def lead_time(self) -> pd.Series:
        """Whole months from start to arrival, by product_id."""
        return self.products.set_index("product_id")["lead_time"]

    @property
    def months(self) -> list[str]:
        """The months of the order history, in order."""
        return sorted(pd.unique(self.history["period"]))

    def capacity_of(self, months: Sequence[str]) -> pd.DataFrame:
        """resource_id, period, capacity, overtime_capacity for ``months``."""
        return capacity_grid(self.resources, self.capacity, months)

    def orders_of(self, month: str) -> pd.DataFrame:
        """The order lines placed in ``month``, as owed lines (see ``OWED_COLUMNS``)."""
        lines = self.history[self.history["period"] == month]
        lines = lines.groupby(["product_id", "customer_id"])["ordered"].sum().reset_index()
        lines = lines[lines["ordered"] > 0]
        return self._owed(lines.rename(columns={"ordered": "quantity"}), month)

    def _owed(self, lines: pd.DataFrame, month: str) -> pd.DataFrame:
        segment = self.customers.set_index("customer_id")["segment"]
        priority = self.segments.set_index("segment")["priority"]
        out = lines.assign(
            segment=lines["customer_id"].map(segment),
            ordered_in=month,
        )
        out["priority"] = out["segment"].map(priority).fillna(priority.max() + 1)
        return out[list(OWED_COLUMNS)].reset_index(drop=True)


def company(
    *,
    products: pd.DataFrame,
    segments: pd.DataFrame,
    customers: pd.DataFrame,
    resources: pd.DataFrame,
    routings: pd.DataFrame,
    history: pd.DataFrame,
    capacity: pd.DataFrame | None = None,
) -> Company:
    """A `Company` from planning-workbook frames, defaults filled and contracts checked.

    Raises `InvalidInput` naming every missing column, and every order of a customer
    without a segment or of an unknown product.
    """
    issues = [
        *missing_columns(products, "products", PRODUCT_COLUMNS),
        *missing_columns(segments, "segments", SEGMENT_COLUMNS),
        *missing_columns(customers, "customers", CUSTOMER_COLUMNS),
        *missing_columns(resources, "resources", RESOURCE_COLUMNS),
        *missing_columns(routings, "routings", ROUTING_COLUMNS),
        *missing_columns(history, "demand_history", HISTORY_COLUMNS),
    ]
    if issues:
        raise InvalidInput(issues)
    products = _with_defaults(products, _PRODUCT_DEFAULTS)
    products["lead_time"] = products["lead_time"].fillna(0).astype(np.int64)
    resources = _with_defaults(resources, _RESOURCE_DEFAULTS)
    history = history.copy()
    history["ordered"] = history["ordered"].astype(float)
    issues = _reference_issues(products, customers, history)
    if issues:
        raise InvalidInput(issues)
    return Company(
        products=products.reset_index(drop=True),
        segments=segments.reset_index(drop=True),
        customers=customers.reset_index(drop=True),
        resources=resources.reset_index(drop=True),
        routings=routings[list(ROUTING_COLUMNS)].reset_index(drop=True),
        history=history.reset_index(drop=True),
        capacity=pd.DataFrame() if capacity is None else capacity.reset_index(drop=True),
    )


def _with_defaults(frame: pd.DataFrame, defaults: dict[str, Any]) -> pd.DataFrame:
    out = frame.copy()
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
        elif isinstance(value, float) and not np.isnan(value):
            out[column] = out[column].astype(float).fillna(value)
    return out


def _reference_issues(
    products: pd.DataFrame, customers: pd.DataFrame, history: pd.DataFrame
) -> list[Issue]:
    issues = []
    unknown = sorted(set(history["product_id"]) - set(products["product_id"]))
    if unknown:
        issues.append(
            Issue(
                "unknown_key",
                f"orders name products that are not in products: {', '.join(unknown[:5])}",
                "demand_history",
                column="product_id",
            )
        )
    segment = customers.set_index("customer_id")["segment"]
    lost = sorted(set(history["customer_id"]) - set(segment.dropna().index))
    if lost:
        issues.append(
            Issue(
                "unknown_key",
                f"orders name customers without a segment: {', '.join(map(str, lost[:5]))}",
                "demand_history",
                column="customer_id",
            )
        )
    bad = sorted(p for p in pd.unique(history["period"]) if not PERIOD_PATTERN.match(str(p)))
    if bad:
        issues.append(
            Issue("invalid_period", f"periods must be YYYY-MM, not {bad[0]}", "demand_history")
        )
    return issues


@dataclass(frozen=True, slots=True)
class Position:
    """Where the company stands at the start of a month, before anything arrives.

    on_hand: units in stock by product_id.
    owed: order lines not yet shipped (``OWED_COLUMNS``).
    pipeline: product_id, period, quantity - units started earlier that arrive then.
    """

    on_hand: pd.Series
    owed: pd.DataFrame
    pipeline: pd.DataFrame

    def backlog(self) -> pd.Series:
        """Units owed by product_id (every product of ``on_hand``)."""
        owed = self.owed.groupby("product_id")["quantity"].sum().astype(float)
        return owed.reindex(self.on_hand.index).fillna(0.0)

    def on_order(self) -> pd.Series:
        """Units on their way (started, not yet arrived) by product_id."""
        coming = self.pipeline.groupby("product_id")["quantity"].sum().astype(float)
        return coming.reindex(self.on_hand.index).fillna(0.0)


def opening_position(world: Company, first_month: str, *, cover: float) -> Position:
    """The same starting point for every policy: ``cover`` months of recent demand.

    Each product starts with ``cover`` times its mean monthly orders of the 12 months
    before ``first_month`` on hand, nothing owed, and - as if it had been made steadily -
    one such month arriving in each of the first ``lead_time`` months.
    """
    before = world.history[world.history["period"] < first_month]
    months = sorted(pd.unique(before["period"]))[-12:]
    recent = before[before["period"].isin(months)]
    ids = world.products["product_id"]
    mean = recent.groupby("product_id")["ordered"].sum() / max(len(months), 1)
    mean = mean.reindex(ids).fillna(0.0)
    on_hand = pd.Series(cover * mean.to_numpy(), index=ids.to_numpy(), name="on_hand")
    lead = world.lead_time.reindex(ids).to_numpy()
    rows = [
        (product, shift_period(first_month, step), float(mean.iloc[i]))
        for i, product in enumerate(ids)
        for step in range(int(lead[i]))
        if mean.iloc[i] > 0
    ]
    pipeline = pd.DataFrame(rows, columns=["product_id", "period", "quantity"])
    owed = pd.DataFrame({c: pd.Series(dtype=object) for c in OWED_COLUMNS})
    owed["quantity"] = owed["quantity"].astype(float)
    return Position(on_hand=on_hand, owed=owed, pipeline=pipeline)


def fit_to_capacity(
    starts: pd.Series, routings: pd.DataFrame, capacity: pd.DataFrame
) -> tuple[pd.Series, pd.DataFrame]:
    """Cut ``starts`` (units by product_id) back to what the resources can make.

    ``capacity``: resource_id, capacity, overtime_capacity for the month. A resource
    asked for more than its regular plus overtime hours scales every product it makes by
    the same factor; a product takes the smallest factor of its routing.

    Returns the units made by product_id and the hours per resource: resource_id, load,
    capacity, overtime_capacity, overtime (hours beyond regular capacity).
    """
    routed = routings[routings["product_id"].isin(starts.index)]
    asked = routed["product_id"].map(starts).fillna(0.0).to_numpy() * routed["hours_per_unit"]
    load = asked.groupby(routed["resource_id"].to_numpy()).sum()
    hours = capacity.set_index("resource_id")[["capacity", "overtime_capacity"]].astype(float)
    hours = hours.fillna(0.0)
    limit = hours["capacity"] + hours["overtime_capacity"]
    load = load.reindex(hours.index).fillna(0.0)
    factor = (limit / load.where(load > limit)).fillna(1.0).clip(upper=1.0)
    product_factor = (
        routed["resource_id"].map(factor).fillna(1.0).groupby(routed["product_id"].to_numpy()).min()
    )
    made = starts * product_factor.reindex(starts.index).fillna(1.0)
    made_hours = routed["product_id"].map(made).fillna(0.0).to_numpy() * routed["hours_per_unit"]
    used = made_hours.groupby(routed["resource_id"].to_numpy()).sum().reindex(hours.index)
    table = hours.assign(load=used.fillna(0.0).to_numpy())
    table["overtime"] = (table["load"] - table["capacity"]).clip(lower=0.0)
    table = table.reset_index()[
        ["resource_id", "load", "capacity", "overtime_capacity", "overtime"]
    ]
    return made.rename("made"), table


def ship(available: pd.Series, owed: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Ship from ``available`` (units by product_id) to the ``owed`` lines.

    Priority 1 first; within a priority the oldest orders first; lines of the same
    priority and month share pro rata. Returns the owed lines with a ``shipped`` column,
    and what is left on hand by product_id.
    """
    lines = owed.sort_values(["product_id", "priority", "ordered_in", "customer_id"])
    lines = lines.reset_index(drop=True)
    if lines.empty:
        return lines.assign(shipped=pd.Series(dtype=float)), available.copy()
    keys = [lines["product_id"], lines["priority"], lines["ordered_in"]]
    group_size = lines.groupby(keys, sort=False)["quantity"].transform("sum")
    first_of_group = ~lines.duplicated(["product_id", "priority", "ordered_in"])
    group_totals = group_size.where(first_of_group, 0.0)
    before = group_totals.groupby(lines["product_id"]).cumsum() - group_totals
    before = before.where(first_of_group).groupby(keys, sort=False).transform("max")
    stock = lines["product_id"].map(available).fillna(0.0)
    granted = (stock - before).clip(lower=0.0).clip(upper=group_size)
    ratio = (granted / group_size.where(group_size > 0)).fillna(0.0)
    lines["shipped"] = lines["quantity"] * ratio
    sent = lines.groupby("product_id")["shipped"].sum()
    left = (available - sent.reindex(available.index).fillna(0.0)).clip(lower=0.0)
    return lines, left
