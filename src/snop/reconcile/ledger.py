"""The ledger: additive monthly components from which every KPI is a ratio of sums.

A KPI over a year, a family or a segment is never an average of monthly ratios: the ledger
keeps the parts (units demanded and shipped on time, stock value, daily cost of goods,
hours loaded and available, ...) per month and scope, and a KPI sums its numerator and its
denominator over the months and divides once (see :mod:`snop.reconcile.kpis`). Fill rate
over a quarter is then the quarter's on-time units over its demand, whatever the months
weigh.

A ledger is LONG: ``period, scope_kind, scope, component, amount`` with ``scope_kind`` one
of 'all' (scope 'all'), 'family', 'segment', 'resource' or 'product'. Components:

=================  ==========================================  ===========================
component          meaning                                     scope kinds
=================  ==========================================  ===========================
revenue            shipped x price                             all family segment product
cost_of_goods      shipped x standard cost                     all family segment product
gross_margin       revenue - cost_of_goods                     all family segment product
demand             units demanded (plan demand / ordered)      all family segment product
on_time            units shipped in their own month            all family segment product
demand_value       demand x price                              all family segment product
order_lines        cells with demand > 0 (see below)           all family segment product
lines_in_full      of those, served in full on time            all family segment product
cogs_days          demand x standard cost / days in month      all family segment product
demand_per_day     demand / days in month                      all family segment product
backlog_units      owed to customers at month end (plan only)  all family segment product
inventory_units    stock at month end                          all family product
inventory_value    stock x standard cost                       all family product
load               hours loaded (production x hours_per_unit)  all resource
capacity           regular hours available                     all resource
capacity_cost      capacity x regular cost per hour            all resource
overtime_hours     overtime hours worked (plan only)           all resource
spend              money paid (plan only; SPEND_COMPONENTS)    all
=================  ==========================================  ===========================

An order line is a product x segment x month cell of the plan, or a product x customer x
month row of the history. Segment 'all' (demand without a segment) has no segment rows:
it is the 'all' scope already. Days of supply over a window is then
sum(inventory_value) / sum(cogs_days): the average stock value over the average daily cost
of goods of demand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.reconcile.money import check_columns, with_segment_and_family
from snop.supply.problem import NO_SEGMENT
from snop.supply.service_level import planned_on_time

LEDGER_COLUMNS = ("period", "scope_kind", "scope", "component", "amount")
"""Columns of a ledger."""

SCOPE_KINDS = ("all", "family", "segment", "resource", "product")
"""Kinds of scope, in the order a target's scope is looked up (after 'all')."""

SPEND_COMPONENTS = (
    "material",
    "regular_hours",
    "overtime",
    "subcontract",
    "holding",
    "workforce",
    "hiring",
    "layoff",
)
"""Plan cost components that are money someone pays (penalties are not)."""

FULL_TOLERANCE = 0.5
"""An order line short by less than half a unit is served in full (LP rounding)."""

ORDER_COMPONENTS = [
    "demand",
    "on_time",
    "demand_value",
    "order_lines",
    "lines_in_full",
    "cogs_days",
    "demand_per_day",
]
SALES_COMPONENTS = ["revenue", "cost_of_goods", "gross_margin"]
_STOCK_COMPONENTS = ["inventory_units", "inventory_value"]
_KEY_OF_KIND = {
    "family": "family",
    "segment": "segment",
    "product": "product_id",
    "resource": "resource_id",
}


def days_in_month(periods: pd.Series) -> np.ndarray:
    """Calendar days of each 'YYYY-MM' period (28 to 31)."""
    days = pd.PeriodIndex(periods.astype(str), freq="M").days_in_month
    return np.asarray(days, dtype=np.float64)


def plan_ledger(
    plan_products: pd.DataFrame,
    plan_segments: pd.DataFrame,
    plan_resources: pd.DataFrame,
    plan_costs: pd.DataFrame,
    money: pd.DataFrame,
    products: pd.DataFrame,
    standard: pd.Series,
    resources: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ledger of a stored supply plan (see the module docstring for the components).

    Revenue, cost of goods, margin and stock value of the 'all', 'family' and 'segment'
    scopes come from ``money`` (:func:`snop.reconcile.money.plan_money`), so the money page
    and the scorecard show the same figures; product rows are valued the same way here.
    ``resources`` (master, with regular_cost) adds ``capacity_cost``, which the scorecard
    needs to put a price on a utilisation gap.
    """
    check_columns(
        {
            "plan products": (plan_products, ("product_id", "family", "period", "inventory")),
            "plan segments": (
                plan_segments,
                ("product_id", "family", "segment", "period", "demand", "shipped", "backlog"),
            ),
            "plan resources": (
                plan_resources,
                ("resource_id", "period", "load", "regular_capacity", "overtime"),
            ),
            "plan costs": (plan_costs, ("component", "period", "amount")),
            "money": (money, ("period", "family", "segment", "measure", "amount")),
            "products": (products, ("product_id", "price")),
        }
    )
    price = products.set_index("product_id")["price"].astype(float)
    cells = plan_segments[["product_id", "family", "segment", "period", "demand", "shipped"]]
    cells = cells.assign(on_time=planned_on_time(plan_segments))
    cells = order_cells(cells, price, standard).assign(
        backlog_units=plan_segments["backlog"].astype(float)
    )
    stock = plan_products[["product_id", "family", "period"]].assign(
        inventory_units=plan_products["inventory"].astype(float)
    )
    stock["inventory_value"] = stock["inventory_units"] * _per_unit(stock, standard)
    spend = plan_costs[plan_costs["component"].isin(SPEND_COMPONENTS)]
    spend = spend.groupby("period")["amount"].sum().reset_index()
    hours = plan_resources[["resource_id", "period"]].assign(
        load=plan_resources["load"].astype(float),
        capacity=plan_resources["regular_capacity"].astype(float),
        overtime_hours=plan_resources["overtime"].astype(float),
    )
    parts = [
        _money_rows(money),
        rollup(cells, ORDER_COMPONENTS + ["backlog_units"], ("all", "family", "segment")),
        rollup(cells, [*SALES_COMPONENTS, *ORDER_COMPONENTS, "backlog_units"], ("product",)),
        rollup(stock, ["inventory_units"], ("all", "family", "product")),
        rollup(stock, ["inventory_value"], ("product",)),
        resource_rows(hours, resources),
        spend.assign(scope_kind="all", scope="all", component="spend")[list(LEDGER_COLUMNS)],
    ]
    return stack_ledgers(parts)


def actual_ledger(
    demand_history: pd.DataFrame,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    standard: pd.Series,
    production: pd.DataFrame | None = None,
    inventory: pd.DataFrame | None = None,
    routings: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ledger of past months from the sales history (and production and stock if known).

    demand = ordered; on_time = shipped, capped at ordered per product x customer x month
    (a late shipment of an earlier order does not make this month's orders on time);
    revenue, cost of goods and margin from what was shipped. ``production`` (product_id,
    period, quantity) with ``routings`` gives the load of each resource; ``resources``
    (regular capacity per month, regular_cost) adds capacity and capacity_cost for the
    months of ``production``. ``inventory`` (product_id, period, on_hand at month end) gives
    the stock components.
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
    keys = ["period", "product_id", "customer_id"]
    lines = demand_history.groupby(keys, as_index=False)[["ordered", "shipped"]].sum()
    sales = with_segment_and_family(lines, products, customers)
    sales = sales.rename(columns={"ordered": "demand"})
    sales["on_time"] = np.minimum(sales["shipped"], sales["demand"])
    price = products.set_index("product_id")["price"].astype(float)
    cells = order_cells(sales, price, standard)
    kinds = ("all", "family", "segment", "product")
    parts = [rollup(cells, [*SALES_COMPONENTS, *ORDER_COMPONENTS], kinds)]
    if inventory is not None:
        check_columns({"inventory": (inventory, ("product_id", "period", "on_hand"))})
        family = products.set_index("product_id")["family"]
        stock = inventory[["product_id", "period"]].assign(
            family=inventory["product_id"].map(family),
            inventory_units=inventory["on_hand"].astype(float),
        )
        stock["inventory_value"] = stock["inventory_units"] * _per_unit(stock, standard)
        parts.append(rollup(stock, _STOCK_COMPONENTS, ("all", "family", "product")))
    if production is not None:
        check_columns({"production": (production, ("product_id", "period", "quantity"))})
        parts.append(_actual_hours(production, routings, resources))
    return stack_ledgers(parts)


def _actual_hours(
    production: pd.DataFrame, routings: pd.DataFrame | None, resources: pd.DataFrame | None
) -> pd.DataFrame:
    """Load of the production made, and the regular capacity of the same months."""
    if routings is None:
        return _empty()
    check_columns({"routings": (routings, ("product_id", "resource_id", "hours_per_unit"))})
    made = production.merge(routings, on="product_id")
    made["load"] = made["quantity"].astype(float) * made["hours_per_unit"].astype(float)
    hours = made.groupby(["resource_id", "period"])["load"].sum().reset_index()
    if resources is not None:
        check_columns({"resources": (resources, ("resource_id", "capacity"))})
        months = pd.DataFrame({"period": pd.unique(production["period"])})
        grid = resources[["resource_id", "capacity"]].merge(months, how="cross")
        hours = grid.merge(hours, on=["resource_id", "period"], how="left")
        hours["load"] = hours["load"].fillna(0.0)
    return resource_rows(hours, resources)


def _per_unit(frame: pd.DataFrame, standard: pd.Series) -> pd.Series:
    return frame["product_id"].map(standard).astype(float)


def order_cells(cells: pd.DataFrame, price: pd.Series, standard: pd.Series) -> pd.DataFrame:
    """Add the order and sales components to cells with demand, shipped and on_time.

    ``cells``: product_id, period, demand, shipped, on_time (units); ``price`` and
    ``standard`` (standard cost) per unit by product_id.
    """
    unit_price = cells["product_id"].map(price).astype(float)
    unit_cost = _per_unit(cells, standard)
    demand = cells["demand"].astype(float)
    shipped = cells["shipped"].astype(float)
    days = days_in_month(cells["period"])
    revenue = shipped * unit_price
    cogs = shipped * unit_cost
    ordered = demand > 0
    return cells.assign(
        revenue=revenue,
        cost_of_goods=cogs,
        gross_margin=revenue - cogs,
        demand=demand,
        demand_value=demand * unit_price,
        order_lines=ordered.astype(float),
        lines_in_full=(ordered & (demand - cells["on_time"] < FULL_TOLERANCE)).astype(float),
        cogs_days=demand * unit_cost / days,
        demand_per_day=demand / days,
    )


def rollup(cells: pd.DataFrame, components: list[str], kinds: tuple[str, ...]) -> pd.DataFrame:
    """Sum ``components`` by period for each scope kind and stack them into ledger rows.

    Rows without a key (no family, no segment, or segment 'all') only count in 'all'.
    A group whose amounts are all NaN (e.g. nothing priced) stays NaN.
    """
    parts = []
    for kind in kinds:
        if kind == "all":
            sums = cells.groupby("period")[components].sum(min_count=1).reset_index()
            sums["scope"] = "all"
        else:
            key = _KEY_OF_KIND[kind]
            rows = cells[cells[key].notna()]
            if kind == "segment":
                rows = rows[rows[key] != NO_SEGMENT]
            sums = rows.groupby(["period", key])[components].sum(min_count=1).reset_index()
            sums = sums.rename(columns={key: "scope"})
        long = sums.melt(["period", "scope"], components, var_name="component", value_name="amount")
        parts.append(long.assign(scope_kind=kind))
    return stack_ledgers(parts)


def _money_rows(money: pd.DataFrame) -> pd.DataFrame:
    """Revenue, cost of goods, margin and stock value of the all, family and segment scopes."""
    wanted = money[money["measure"].isin([*SALES_COMPONENTS, "inventory_value"])]
    wanted = wanted.rename(columns={"measure": "component"})
    parts = []
    for kind in ("all", "family", "segment"):
        rows = wanted
        if kind == "all":
            rows = rows.assign(scope="all")
        else:
            rows = rows[rows[kind].notna() & (rows[kind] != NO_SEGMENT)]
            rows = rows.assign(scope=rows[kind])
        sums = rows.groupby(["period", "scope", "component"], as_index=False)["amount"]
        parts.append(sums.sum(min_count=1).assign(scope_kind=kind))
    return stack_ledgers(parts)


def resource_rows(hours: pd.DataFrame, resources: pd.DataFrame | None) -> pd.DataFrame:
    """Ledger rows of resource hours (all and per resource), with capacity_cost if priced."""
    components = [c for c in ("load", "capacity", "overtime_hours") if c in hours]
    if resources is not None and "capacity" in hours and "regular_cost" in resources:
        rate = resources.set_index("resource_id")["regular_cost"].astype(float)
        hours = hours.assign(capacity_cost=hours["capacity"] * hours["resource_id"].map(rate))
        components.append("capacity_cost")
    return rollup(hours, components, ("all", "resource"))


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LEDGER_COLUMNS}).assign(
        amount=pd.Series(dtype=float)
    )


def stack_ledgers(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Ledger parts stacked into one ledger (empty parts skipped)."""
    parts = [part[list(LEDGER_COLUMNS)] for part in parts if not part.empty]
    if not parts:
        return _empty()
    return pd.concat(parts, ignore_index=True)
