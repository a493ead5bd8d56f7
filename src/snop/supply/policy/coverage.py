"""Days of supply: how long a month-end stock lasts, and the stock targets in days."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.errors import InvalidInput
from snop.frames import index_to_period, issues_where, periods_to_index
from snop.supply.policy.checks import (
    BY_PRODUCT_COLUMNS,
    INVENTORY_COLUMNS,
    PRODUCT_DEMAND_COLUMNS,
    TARGET_COLUMNS,
    FloatArray,
    clean_demand,
    demand_issues,
    frame_issues,
    sorted_frame,
)

TAIL_MONTHS = 3
"""Months at the end of the horizon whose average daily demand extrapolates coverage."""


def days_of_supply(inventory: pd.DataFrame, demand: pd.DataFrame) -> pd.Series:
    """Forward coverage: how many calendar days each month-end stock lasts.

    The stock at the end of period ``t`` is consumed by the demand of ``t + 1``,
    ``t + 2``, ... at an even daily rate within each month (the month's demand over its
    real number of days, so February runs out faster than March). The day the stock
    runs out is interpolated within its month. A stock that outlasts the horizon covers
    the rest at the average daily demand of the horizon's last 3 months.

    Special cases: a stock of 0 or less covers 0 days; a stock that outlasts the horizon
    when the last 3 months have no demand (in particular a product without demand at
    all) covers ``inf`` days.

    Parameters
    ----------
    inventory
        End-of-month stock: ``product_id``, ``period`` (str 'YYYY-MM') and ``quantity``
        (float, units).
    demand
        Monthly demand over the horizon: ``product_id``, ``period`` (str 'YYYY-MM') and
        ``quantity`` (float, units, >= 0); other columns (e.g. ``segment``) are summed
        over. The horizon runs from the earliest period of either frame to the last
        period of ``demand``; a month without a row has no demand.

    Returns
    -------
    pd.Series
        Days of supply (float, calendar days), named 'days_of_supply', on the index of
        ``inventory``.

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``), a period is not 'YYYY-MM'
        (``invalid_period``), a quantity is not a number (``not_a_number``) or a demand
        is negative (``negative_value``).
    """
    issues = frame_issues(inventory, "inventory", INVENTORY_COLUMNS)
    issues += demand_issues(demand, "demand", PRODUCT_DEMAND_COLUMNS)
    if issues:
        raise InvalidInput(issues)
    stock = pd.to_numeric(inventory["quantity"]).to_numpy(np.float64)
    days = _coverage_days(inventory["product_id"], inventory["period"], stock, demand)
    return pd.Series(days, index=inventory.index, name="days_of_supply", dtype=float)


def inventory_targets(safety_stock: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """Minimum and maximum stock per product and month, in units and in days of supply.

    The minimum is the safety stock. The maximum adds the cycle stock of a monthly plan:
    one month of demand, what a replenishment that arrives each month brings in. Both
    are read as month-end stock levels and turned into days with the forward-coverage
    rule of :func:`days_of_supply`.

    Parameters
    ----------
    safety_stock
        The ``by_product`` frame of :func:`safety_stocks`: ``product_id``, ``period``
        (str 'YYYY-MM') and ``safety_stock`` (float, units, >= 0).
    demand
        Monthly demand: ``product_id``, ``period`` (str 'YYYY-MM') and ``quantity``
        (float, units, >= 0); other columns (e.g. ``segment``) are summed over. A month
        without a row has no demand.

    Returns
    -------
    pd.DataFrame
        One row per row of ``safety_stock``, sorted by product and period:
        ``product_id``, ``period``, ``min_units`` and ``max_units`` (float, units),
        ``min_days`` and ``max_days`` (float, calendar days; ``inf`` when the stock
        outlasts a horizon that ends without demand).

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``), a period is not 'YYYY-MM'
        (``invalid_period``), a value is not a number (``not_a_number``), a safety stock
        or a demand is negative (``negative_value``) or a product x period is repeated
        in ``safety_stock`` (``duplicate_key``).
    """
    issues = frame_issues(
        safety_stock, "safety_stock", BY_PRODUCT_COLUMNS, value="safety_stock", negative=True
    )
    if not issues:
        issues += issues_where(
            safety_stock.duplicated(["product_id", "period"], keep="first"),
            safety_stock,
            sheet=None,
            column=None,
            code="duplicate_key",
            message="safety_stock has product {product_id} twice in {period}",
        )
    issues += demand_issues(demand, "demand", PRODUCT_DEMAND_COLUMNS)
    if issues:
        raise InvalidInput(issues)

    targets = safety_stock[["product_id", "period"]].copy()
    targets["period"] = targets["period"].astype(str)
    targets["min_units"] = pd.to_numeric(safety_stock["safety_stock"]).astype(float)
    monthly = clean_demand(demand, ["product_id", "period"])
    targets = targets.merge(monthly, on=["product_id", "period"], how="left")
    targets["max_units"] = targets["min_units"] + targets["quantity"].fillna(0.0)
    for units, days in (("min_units", "min_days"), ("max_units", "max_days")):
        targets[days] = _coverage_days(
            targets["product_id"],
            targets["period"],
            targets[units].to_numpy(np.float64),
            demand,
        )
    targets = sorted_frame(targets, ["product_id", "period"])
    return targets[list(TARGET_COLUMNS)].reset_index(drop=True)


def _coverage_days(
    products: pd.Series, periods: pd.Series, stock: FloatArray, demand: pd.DataFrame
) -> FloatArray:
    """Forward days of supply of ``stock`` at the end of each (product, period)."""
    rows = len(stock)
    if rows == 0:
        return np.zeros(0, np.float64)
    monthly = clean_demand(demand, ["product_id", "period"])
    row_month = periods_to_index(periods.astype(str)).to_numpy(np.int64)
    demand_month = periods_to_index(monthly["period"]).to_numpy(np.int64)
    first = int(row_month.min()) if monthly.empty else min(row_month.min(), demand_month.min())
    last = int(row_month.max()) if monthly.empty else int(demand_month.max())
    width = max(last - first + 1, 1)

    # Demand as a product x month matrix over the horizon, with its running totals.
    product_index = pd.Index(pd.unique(products))
    row_product = product_index.get_indexer(pd.Index(products))
    demand_product = product_index.get_indexer(pd.Index(monthly["product_id"]))
    usable = (demand_product >= 0) & (demand_month >= first)
    quantity = np.zeros((len(product_index), width))
    np.add.at(
        quantity,
        (demand_product[usable], demand_month[usable] - first),
        monthly["quantity"].to_numpy(np.float64)[usable],
    )
    days = (
        pd.period_range(index_to_period(first), periods=width, freq="M")
        .days_in_month.to_numpy()
        .astype(np.float64)
    )
    cumulative = np.concatenate([np.zeros((len(product_index), 1)), quantity.cumsum(axis=1)], 1)
    elapsed = np.concatenate([[0.0], days.cumsum()])

    # Months of the horizon after each row's period: columns start .. width - 1.
    start = np.clip(row_month - first + 1, 0, width)
    consumed = cumulative[row_product, start]
    goal = consumed + stock
    reached = cumulative[row_product, 1:] >= goal[:, None]
    reached &= np.arange(width)[None, :] >= start[:, None]
    found = reached.any(axis=1)
    month = np.where(found, reached.argmax(axis=1), 0)

    rate = quantity[row_product, month] / days[month]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = elapsed[month] - elapsed[start] + (goal - cumulative[row_product, month]) / rate
        tail_quantity = quantity[:, -TAIL_MONTHS:].sum(axis=1)[row_product]
        tail_rate = tail_quantity / days[-TAIL_MONTHS:].sum()
        beyond = (
            elapsed[width] - elapsed[start] + (goal - cumulative[row_product, width]) / tail_rate
        )
    covered = np.where(found, inside, np.where(tail_rate > 0, beyond, np.inf))
    return np.asarray(np.where(stock > 0, covered, 0.0), np.float64)
