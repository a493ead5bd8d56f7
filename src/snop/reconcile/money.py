"""A plan and the sales history in money: revenue, cost of goods, margin, stock and spend.

Everything is valued at *standard cost*: the material of a unit plus its regular hours at
the resources' regular rate, exactly what the supply LP charges for making it. Gross margin
is revenue minus the standard cost of what is shipped. What a month costs beyond standard
is reported next to the margin, not inside it:

- ``subcontract_cost`` is the full price paid for subcontracted units (they are in cost of
  goods at standard like every other unit; the premium over standard is not);
- ``overtime_cost`` is the overtime *premium* (overtime rate minus regular rate) of the
  overtime hours: their regular rate is already in the standard cost of the units made.
  This is the plan's ``overtime`` cost component.

Money frames are LONG: ``period, family, segment, measure, amount``. Measures that follow
an order (revenue, cost of goods, margin, backlog and unserved value) carry the customer
segment; the stock and the spend do not split by segment and carry ``segment = None``.
A product without a price has NaN revenue, margin and value rows: sums leave it out (and are
NaN when nothing in them has a price), they never count it as 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import missing_columns

MONEY_COLUMNS = ("period", "family", "segment", "measure", "amount")
"""Columns of a long money frame."""

MONEY_MEASURES = (
    "revenue",
    "cost_of_goods",
    "gross_margin",
    "inventory_value",
    "holding_cost",
    "overtime_cost",
    "subcontract_cost",
    "backlog_value",
)
"""What :func:`plan_money` values; :func:`history_money` adds ``unserved_value``."""

SEGMENT_MEASURES = ("revenue", "cost_of_goods", "gross_margin", "backlog_value", "unserved_value")
"""Measures that split by customer segment; the others have ``segment = None``."""

STANDARD_COST = "standard_cost"


def check_columns(frames: dict[str, tuple[pd.DataFrame, Sequence[str]]]) -> None:
    """Raise `InvalidInput` naming every required column a frame lacks."""
    issues: list[Issue] = []
    for name, (frame, columns) in frames.items():
        issues += missing_columns(frame, name, columns)
    if issues:
        raise InvalidInput(issues)


def standard_costs(
    products: pd.DataFrame, routings: pd.DataFrame, resources: pd.DataFrame
) -> pd.Series:
    """Standard cost of a unit by product_id: unit_cost + sum(hours_per_unit x regular_cost).

    A product without routings costs its material only; a routing on an unknown resource
    adds nothing. A missing unit_cost gives NaN.
    """
    check_columns(
        {
            "products": (products, ("product_id", "unit_cost")),
            "routings": (routings, ("product_id", "resource_id", "hours_per_unit")),
            "resources": (resources, ("resource_id", "regular_cost")),
        }
    )
    rate = resources.set_index("resource_id")["regular_cost"].astype(float)
    hours_cost = routings["hours_per_unit"].astype(float) * routings["resource_id"].map(rate)
    per_unit = hours_cost.fillna(0.0).groupby(routings["product_id"]).sum()
    material = products.set_index("product_id")["unit_cost"].astype(float)
    standard = material + per_unit.reindex(material.index).fillna(0.0)
    return standard.rename(STANDARD_COST)


def plan_money(
    plan_products: pd.DataFrame,
    plan_segments: pd.DataFrame,
    plan_resources: pd.DataFrame,
    products: pd.DataFrame,
    routings: pd.DataFrame,
    resources: pd.DataFrame,
) -> pd.DataFrame:
    """A supply plan in money, LONG: period, family, segment, measure, amount.

    Per segment (from the plan's segments frame): revenue = shipped x price,
    cost_of_goods = shipped x standard cost, gross_margin = revenue - cost_of_goods,
    backlog_value = backlog x price (revenue still owed to customers at month end).

    Without a segment (``segment = None``): inventory_value = end inventory x standard cost,
    holding_cost = inventory x holding_cost, subcontract_cost = subcontract x
    subcontract_cost (the full purchase price; the premium over standard is *not* in cost of
    goods: margin is at standard), overtime_cost = overtime hours x (overtime_cost -
    regular_cost) of the resource, allocated to families by their share of the resource's
    load that month (production x hours_per_unit). Overtime on a resource no family loads
    that month keeps ``family = None``.
    """
    check_columns(
        {
            "plan products": (
                plan_products,
                ("product_id", "family", "period", "production", "subcontract", "inventory"),
            ),
            "plan segments": (
                plan_segments,
                ("product_id", "family", "segment", "period", "shipped", "backlog"),
            ),
            "plan resources": (plan_resources, ("resource_id", "period", "overtime")),
            "products": (products, ("product_id", "price", "holding_cost", "subcontract_cost")),
            "resources": (resources, ("resource_id", "regular_cost", "overtime_cost")),
        }
    )
    standard = standard_costs(products, routings, resources)
    master = products.set_index("product_id")
    price = plan_segments["product_id"].map(master["price"]).astype(float)
    cost = plan_segments["product_id"].map(standard).astype(float)
    revenue = plan_segments["shipped"] * price
    cogs = plan_segments["shipped"] * cost
    by_segment = plan_segments[["period", "family", "segment"]].assign(
        revenue=revenue,
        cost_of_goods=cogs,
        gross_margin=revenue - cogs,
        backlog_value=plan_segments["backlog"] * price,
    )

    pid = plan_products["product_id"]
    inventory = plan_products["inventory"].astype(float)
    subcontract = plan_products["subcontract"].astype(float)
    buy_price = pid.map(master["subcontract_cost"]).astype(float)
    by_product = plan_products[["period", "family"]].assign(
        segment=None,
        inventory_value=inventory * pid.map(standard).astype(float),
        holding_cost=inventory * pid.map(master["holding_cost"]).astype(float),
        # No subcontracting allowed (NaN price) means nothing was bought: 0, not NaN.
        subcontract_cost=np.where(subcontract > 0, subcontract * buy_price, 0.0),
    )
    overtime = _overtime_by_family(plan_products, plan_resources, routings, resources)
    return pd.concat(
        [
            _long(by_segment, ["revenue", "cost_of_goods", "gross_margin", "backlog_value"]),
            _long(by_product, ["inventory_value", "holding_cost", "subcontract_cost"]),
            overtime,
        ],
        ignore_index=True,
    )


def _overtime_by_family(
    plan_products: pd.DataFrame,
    plan_resources: pd.DataFrame,
    routings: pd.DataFrame,
    resources: pd.DataFrame,
) -> pd.DataFrame:
    """Overtime premium of each resource and month, split by the families' share of load."""
    rates = resources.set_index("resource_id")
    premium = (rates["overtime_cost"] - rates["regular_cost"]).clip(lower=0.0).astype(float)
    spent = plan_resources[["resource_id", "period"]].assign(
        cost=plan_resources["overtime"].astype(float)
        * plan_resources["resource_id"].map(premium).astype(float)
    )
    load = plan_products[["product_id", "family", "period", "production"]].merge(
        routings[["product_id", "resource_id", "hours_per_unit"]], on="product_id"
    )
    load["load"] = load["production"] * load["hours_per_unit"]
    load = load.groupby(["resource_id", "period", "family"])["load"].sum().reset_index()
    load = load[load["load"] > 0]
    load["share"] = load["load"] / load.groupby(["resource_id", "period"])["load"].transform("sum")
    split = spent.merge(load, on=["resource_id", "period"], how="left")
    # Overtime on a resource nothing loads stays unallocated (family None) if it cost money.
    split = split[split["family"].notna() | (split["cost"].fillna(0.0) != 0)]
    split["share"] = split["share"].fillna(1.0)
    split["amount"] = split["cost"] * split["share"]
    sums = split.groupby(["period", "family"], dropna=False)["amount"].sum().reset_index()
    return sums.assign(segment=None, measure="overtime_cost")[list(MONEY_COLUMNS)]


def history_money(
    demand_history: pd.DataFrame,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    standard: pd.Series,
) -> pd.DataFrame:
    """Actual sales in money, LONG like :func:`plan_money`.

    revenue = shipped x price, cost_of_goods = shipped x standard cost, gross_margin =
    revenue - cost_of_goods, unserved_value = max(ordered - shipped, 0) x price (orders
    not shipped in their month). The segment is the customer's (None when the customer has
    none or is unknown); the family is the product's.
    """
    check_columns(
        {
            "demand history": (
                demand_history,
                ("period", "product_id", "customer_id", "ordered", "shipped"),
            ),
            "products": (products, ("product_id", "family", "price")),
            "customers": (customers, ("customer_id", "segment")),
        }
    )
    sales = with_segment_and_family(demand_history, products, customers)
    price = sales["product_id"].map(products.set_index("product_id")["price"]).astype(float)
    shipped = sales["shipped"].astype(float)
    revenue = shipped * price
    cogs = shipped * sales["product_id"].map(standard).astype(float)
    unserved = (sales["ordered"].astype(float) - shipped).clip(lower=0.0)
    values = sales[["period", "family", "segment"]].assign(
        revenue=revenue,
        cost_of_goods=cogs,
        gross_margin=revenue - cogs,
        unserved_value=unserved * price,
    )
    return _long(values, ["revenue", "cost_of_goods", "gross_margin", "unserved_value"])


def with_segment_and_family(
    demand_history: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame
) -> pd.DataFrame:
    """The history with the customer's segment and the product's family added."""
    segment = demand_history["customer_id"].map(customers.set_index("customer_id")["segment"])
    family = demand_history["product_id"].map(products.set_index("product_id")["family"])
    return demand_history.assign(
        segment=none_if_missing(segment),
        family=none_if_missing(family),
    )


def none_if_missing(values: pd.Series) -> pd.Series:
    """The values as objects with None (not NaN) where missing: an unknown label."""
    objects = values.to_numpy(dtype=object, copy=True)
    objects[values.isna().to_numpy()] = None
    return pd.Series(objects, index=values.index, dtype=object)


def _long(values: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Sum ``measures`` by period, family and segment and stack them into the long shape.

    A group whose amounts are all NaN (nothing priced) stays NaN rather than summing to 0.
    """
    keys = ["period", "family", "segment"]
    sums = values.groupby(keys, as_index=False, dropna=False)[measures].sum(min_count=1)
    stacked = sums.melt(id_vars=keys, value_vars=measures, var_name="measure", value_name="amount")
    stacked["segment"] = none_if_missing(stacked["segment"])
    return stacked[list(MONEY_COLUMNS)]


def money_table(money: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Money wide: one column per measure present, summed over everything not in ``by``.

    ``by`` holds any of period, family, segment ([] gives one total row). With "segment"
    in ``by``, measures that do not split by segment are NaN, never 0.
    """
    unknown = [key for key in by if key not in ("period", "family", "segment")]
    if unknown:
        raise InvalidInput(
            [
                Issue(
                    code="unknown_grouping",
                    message=f"money can be grouped by period, family or segment, not {key!r}",
                    value=key,
                )
                for key in unknown
            ]
        )
    by = list(dict.fromkeys(by))  # "family" twice is one grouping, not a clash
    present = list(pd.unique(money["measure"]))
    measures = [m for m in (*MONEY_MEASURES, "unserved_value") if m in present]
    measures += [m for m in present if m not in measures]
    # Only the segment measures split by segment; a sale without a segment stays a NaN row.
    rows = money[money["measure"].isin(SEGMENT_MEASURES)] if "segment" in by else money
    if not by:
        sums = rows.groupby("measure")["amount"].sum(min_count=1)
        return sums.reindex(measures).to_frame().T.reset_index(drop=True).rename_axis(None, axis=1)
    sums = rows.groupby([*by, "measure"], dropna=False)["amount"].sum(min_count=1)
    wide = sums.unstack("measure").reindex(columns=measures)
    return wide.reset_index().rename_axis(None, axis=1)
