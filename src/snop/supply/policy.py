"""Inventory policy of a monthly plan: safety stock, service targets and days of supply.

The plan is reviewed once a month and what is ordered today arrives after the product's
lead time, so the stock must absorb the forecast error over the lead time *plus* the
one-month review period (the protection interval). That error is measured, not assumed:
the rolling-origin backtest gives the standard deviation of the monthly forecast error
per month ahead (``error_std`` per ``step``), and :func:`protection_sigma` adds it up
over the protection interval.

Two service measures turn that sigma into stock, both assuming normally distributed
forecast errors:

- cycle service level (CSL): the probability of not running out during a replenishment
  cycle, ``k = Phi^-1(CSL)``;
- fill rate: the fraction of demand served from stock. The expected shortage per
  replenishment cycle is ``ESC = sigma * G(k)``, with ``G`` the standard normal loss
  function, and the fill rate is ``1 - ESC / cycle demand`` (Chopra & Meindl, *Supply
  Chain Management*, chapter "Managing Uncertainty in a Supply Chain: Safety
  Inventory"). The replenishment cycle of a monthly plan is one month, so the cycle
  demand is the month's demand.

The safety stock is ``max(k * sigma, 0)``. A negative ``k`` is legitimate under a fill-rate
target (a large month with little uncertainty reaches the fill rate with the cycle stock
alone); stock below zero is not, hence the floor.

Units and conventions used throughout this module:

- quantities and sigmas are in the product's unit per month;
- lead times are whole months; service targets are fractions (0.95 = 95 %);
- periods are 'YYYY-MM' strings; days of supply are calendar days.

The module is pure: frames in, frames out; no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special  # type: ignore[import-untyped]

from snop.errors import InvalidInput, Issue
from snop.frames import (
    PERIOD_PATTERN,
    index_to_period,
    issues_where,
    missing_columns,
    periods_to_index,
)

FloatArray = npt.NDArray[np.float64]
Measure = Literal["fill_rate", "cycle_service"]

MEASURES: tuple[Measure, ...] = ("fill_rate", "cycle_service")
"""The service measures :func:`safety_stocks` understands."""

ERROR_COLUMNS = ("product_id", "segment", "step", "error_std")
SIGMA_COLUMNS = ("product_id", "segment", "lead_time", "sigma", "steps_used")
DEMAND_COLUMNS = ("product_id", "segment", "period", "quantity")
BY_SEGMENT_COLUMNS = ("product_id", "segment", "period", "sigma", "target", "k", "safety_stock")
BY_PRODUCT_COLUMNS = ("product_id", "period", "safety_stock")
INVENTORY_COLUMNS = ("product_id", "period", "quantity")
PRODUCT_DEMAND_COLUMNS = ("product_id", "period", "quantity")
TARGET_COLUMNS = ("product_id", "period", "min_units", "max_units", "min_days", "max_days")

TAIL_MONTHS = 3
"""Months at the end of the horizon whose average daily demand extrapolates coverage."""

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# G(38) underflows to 0, so a positive target loss always has its root below 38. The
# bisection stops when every bracket is narrower than _K_TOLERANCE times max(1, |k|):
# a safety stock off by 1e-12 sigma at most; 200 halvings is a cap it never reaches.
_K_MAX = 38.0
_K_TOLERANCE = 1e-12
_BISECTIONS = 200


def normal_loss(k: npt.ArrayLike) -> FloatArray:
    """Standard normal loss function ``G(k) = phi(k) - k * (1 - Phi(k))``.

    ``G(k)`` is the expected shortfall of a standard normal variable beyond ``k``,
    ``E[max(Z - k, 0)]``; multiplied by sigma it is the expected number of units short
    when the stock covers the mean plus ``k`` sigmas. It is positive and decreasing, tends
    to ``-k`` for very negative ``k`` and to 0 for large ``k``.

    Parameters
    ----------
    k
        Safety factors (number of standard deviations), any shape.

    Returns
    -------
    np.ndarray
        ``G(k)`` as float, same shape as ``k``; NaN where ``k`` is NaN.

    Raises
    ------
    InvalidInput
        ``k`` is not numeric (``not_a_number``).
    """
    z = _as_float(k, "k")
    # 1 - Phi(k) as ndtr(-k) keeps its precision in the upper tail, where it is tiny.
    return np.asarray(_INV_SQRT_2PI * np.exp(-0.5 * z * z) - z * special.ndtr(-z), np.float64)


def safety_factor_cycle_service(csl: npt.ArrayLike) -> FloatArray:
    """Safety factor for a cycle service level: ``k = Phi^-1(csl)``.

    Parameters
    ----------
    csl
        Cycle service levels as fractions strictly between 0 and 1 (0.95 = 95 %), any
        shape; NaN gives NaN.

    Returns
    -------
    np.ndarray
        ``k`` as float, same shape as ``csl``.

    Raises
    ------
    InvalidInput
        ``csl`` is not numeric (``not_a_number``) or a level is not strictly between 0
        and 1 (``invalid_target``): 100 % would need infinite stock.
    """
    level = _as_float(csl, "cycle service level")
    _check_fractions(level, "cycle service level")
    return np.asarray(special.ndtri(level), np.float64)


def safety_factor_fill_rate(
    fill_rate: npt.ArrayLike, sigma: npt.ArrayLike, cycle_demand: npt.ArrayLike
) -> FloatArray:
    """Safety factor that gives a fill rate: the ``k`` with ``sigma * G(k) = (1 - fr) * D``.

    The right-hand side is the expected shortage per replenishment cycle the target
    allows, (1 - fill rate) of the cycle demand ``D`` (Chopra & Meindl's ESC formula).
    ``G`` is decreasing, so the equation has one root; it is found by bisection on the
    whole array at once. ``k`` is negative when the allowed shortage is larger than
    ``sigma * G(0)`` (about 0.4 sigma): the cycle stock alone already reaches the target.

    Special cases, element by element:

    - ``sigma == 0``: no uncertainty, ``k = 0``;
    - ``D == 0`` with ``sigma > 0``: a fill rate of no expected demand is undefined, so
      the target is read as a cycle service level, ``k = Phi^-1(fill_rate)``;
    - NaN in any argument gives NaN.

    Parameters
    ----------
    fill_rate
        Target fill rates, fractions strictly between 0 and 1.
    sigma
        Standard deviation of demand over the protection interval (units, >= 0).
    cycle_demand
        Expected demand of one replenishment cycle (units, >= 0).

    The three arguments broadcast against each other (numpy rules).

    Returns
    -------
    np.ndarray
        ``k`` as float, in the broadcast shape.

    Raises
    ------
    InvalidInput
        An argument is not numeric (``not_a_number``), a fill rate is not strictly
        between 0 and 1 (``invalid_target``), or a sigma or a cycle demand is negative
        (``negative_value``).
    """
    rate = _as_float(fill_rate, "fill rate")
    spread = _as_float(sigma, "sigma")
    demand = _as_float(cycle_demand, "cycle demand")
    issues = _fraction_issues(rate, "fill rate")
    issues += _negative_issues(spread, "sigma") + _negative_issues(demand, "cycle demand")
    if issues:
        raise InvalidInput(issues)
    rate, spread, demand = np.broadcast_arrays(rate, spread, demand)

    with np.errstate(divide="ignore", invalid="ignore"):
        target = (1.0 - rate) * demand / spread
    solvable = np.isfinite(target) & (target > 0)
    k = _invert_loss(np.where(solvable, target, 1.0))
    k = np.where(spread == 0, 0.0, k)
    k = np.where((demand == 0) & (spread > 0), special.ndtri(rate), k)
    unknown = np.isnan(rate) | np.isnan(spread) | np.isnan(demand)
    return np.asarray(np.where(unknown, np.nan, k), np.float64)


def fill_rate_of(
    safety_stock: npt.ArrayLike, sigma: npt.ArrayLike, cycle_demand: npt.ArrayLike
) -> FloatArray:
    """Fill rate a safety stock gives: ``1 - sigma * G(ss / sigma) / D``.

    The inverse of :func:`safety_factor_fill_rate`, to check a policy or to report the
    fill rate a planned stock achieves. The normal approximation can count more shortage
    than there is demand when the stock is far below the mean; such fill rates are
    reported as 0.

    Parameters
    ----------
    safety_stock
        Stock above the expected demand of the protection interval (units; may be
        negative).
    sigma
        Standard deviation of demand over the protection interval (units, >= 0). With
        ``sigma == 0`` the shortage is certain: ``max(-safety_stock, 0)`` per cycle.
    cycle_demand
        Expected demand of one replenishment cycle (units, >= 0); 0 gives NaN (a fill
        rate of no demand is undefined).

    The three arguments broadcast against each other (numpy rules).

    Returns
    -------
    np.ndarray
        Fill rates as fractions in [0, 1], in the broadcast shape.

    Raises
    ------
    InvalidInput
        An argument is not numeric (``not_a_number``) or a sigma or a cycle demand is
        negative (``negative_value``).
    """
    stock = _as_float(safety_stock, "safety stock")
    spread = _as_float(sigma, "sigma")
    demand = _as_float(cycle_demand, "cycle demand")
    issues = _negative_issues(spread, "sigma") + _negative_issues(demand, "cycle demand")
    if issues:
        raise InvalidInput(issues)
    stock, spread, demand = np.broadcast_arrays(stock, spread, demand)

    with np.errstate(divide="ignore", invalid="ignore"):
        uncertain = spread * normal_loss(stock / spread)
        shortage = np.where(spread > 0, uncertain, np.maximum(-stock, 0.0))
        rate = 1.0 - shortage / np.where(demand > 0, demand, np.nan)
    return np.asarray(np.clip(rate, 0.0, 1.0), np.float64)


def protection_sigma(errors: pd.DataFrame, lead_time: pd.Series) -> pd.DataFrame:
    """Forecast error to protect against: ``sqrt(sum of sigma_h^2, h = 1 .. L + 1)``.

    A monthly plan reviewed every month and replenished after ``L`` months must cover
    the demand of ``L + 1`` months (lead time plus the review period) with what it
    orders now, so the error of each of those months ahead is added up. Adding
    variances assumes the errors of different months are independent; errors that are
    positively correlated (a forecast too low stays too low) make the true sigma
    larger, so this is the optimistic end.

    Months ahead without a measured error borrow the nearest measured step's
    ``error_std`` (on a tie, the later step, whose error is usually the larger): steps
    beyond the backtest horizon use its last measured step, and NaN steps are skipped.

    Parameters
    ----------
    errors
        Backtest error per months ahead, one row per product x segment x step:
        ``product_id``, ``segment``, ``step`` (int, months ahead, 1 = next month) and
        ``error_std`` (float, units per month, >= 0; NaN when not measured, e.g. a single
        forecast).
    lead_time
        Replenishment lead time in whole months (>= 0), indexed by ``product_id``.
        Product x segments of a product without a lead time are left out.

    Returns
    -------
    pd.DataFrame
        One row per product x segment of ``errors`` whose product has a lead time,
        sorted: ``product_id``, ``segment``, ``lead_time`` (int, months), ``sigma``
        (float, units over the protection interval; NaN when no step was measured) and
        ``steps_used`` (int: how many of the ``lead_time + 1`` months had their own
        measured error; the others borrowed one).

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``), a step is not a whole number of at
        least 1 or an error_std / lead time is not a number (``not_a_number``), an
        error_std or a lead time is negative (``negative_value``), or a product x
        segment x step or a lead time's product is repeated (``duplicate_key``).
    """
    issues = missing_columns(errors, "errors", ERROR_COLUMNS)
    if not issues:
        issues += _error_issues(errors)
    issues += _lead_time_issues(lead_time)
    if issues:
        raise InvalidInput(issues)

    keys = ["product_id", "segment"]
    measured = errors[[*keys, "step", "error_std"]].copy()
    measured["step"] = pd.to_numeric(measured["step"]).astype("int64")
    measured["error_std"] = pd.to_numeric(measured["error_std"]).astype(float)
    months = pd.to_numeric(lead_time).astype("int64")

    series = errors[keys].drop_duplicates()
    series = series[series["product_id"].isin(months.index)].reset_index(drop=True)
    if series.empty:
        return _empty(SIGMA_COLUMNS)
    series["lead_time"] = series["product_id"].map(months).astype("int64")

    # Every month of each protection interval, then its nearest measured step.
    grid = series.loc[series.index.repeat(series["lead_time"] + 1)]
    grid = grid.assign(step=grid.groupby(level=0).cumcount() + 1)
    known = measured.dropna(subset=["error_std"]).rename(columns={"step": "measured"})
    pairs = grid.merge(known, on=keys)
    pairs["distance"] = (pairs["step"] - pairs["measured"]).abs()
    nearest = pairs.sort_values(["distance", "measured"], ascending=[True, False]).drop_duplicates(
        [*keys, "step"], keep="first"
    )
    nearest = nearest.assign(
        variance=nearest["error_std"] ** 2, own=(nearest["distance"] == 0).astype("int64")
    )
    total = nearest.groupby(keys, as_index=False, sort=False).agg(
        variance=("variance", "sum"), steps_used=("own", "sum")
    )

    table = series.merge(total, on=keys, how="left")
    table["sigma"] = np.sqrt(table["variance"].astype(float))
    table["steps_used"] = table["steps_used"].fillna(0).astype("int64")
    table = _sorted(table, keys)
    return table[list(SIGMA_COLUMNS)].reset_index(drop=True)


def safety_stocks(
    demand: pd.DataFrame,
    sigma: pd.DataFrame,
    targets: pd.Series,
    measure: Measure,
    priorities: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stock per product x segment x month, and per product pooled over segments.

    Per product x segment x period the safety factor ``k`` comes from the segment's
    service target (:func:`safety_factor_cycle_service` or, with the month's demand as
    the cycle demand, :func:`safety_factor_fill_rate`) and the safety stock is
    ``max(k * sigma, 0)``.

    One stock serves every segment of a product, and the segments' errors are assumed
    independent, so their safety stocks pool as ``sqrt(sum of ss_s^2)``: less than their
    sum, because a segment's surprise is partly offset by another's.

    With ``priorities`` the pooled stock is the one that meets every segment's target
    when short stock goes to the highest priority first (as snop plans and ships): the
    lower-priority segments then take every shortage before a higher one sees any. With
    ``sigma_T`` the pooled sigma of the product's segments, segment ``j`` (with the
    segments of its priority, sharing pro rata) is short only when the product's demand
    overshoots its stock by more than the month's demand ``B_j`` of the lower
    priorities, so it needs ``k_j * sigma_T - B_j``, ``k_j`` from its target with the
    cycle demand of its priority; the product's stock is the largest of these (at least
    0). For one segment that is its own ``k * sigma``.

    Product x segments without a sigma (no backtest, or all steps NaN) get a safety
    stock of 0 and NaN ``sigma`` and ``k``; the caller reports them.

    Parameters
    ----------
    demand
        Consensus demand, one row per product x segment x month: ``product_id``,
        ``segment``, ``period`` (str 'YYYY-MM') and ``quantity`` (float, units, >= 0).
        Repeated rows for the same product x segment x period are summed.
    sigma
        The output of :func:`protection_sigma`; needs ``product_id``, ``segment`` and
        ``sigma`` (float, units, >= 0 or NaN).
    targets
        Service target per segment, as fractions strictly between 0 and 1, indexed by
        ``segment``.
    measure
        'fill_rate' or 'cycle_service': what the targets mean.
    priorities
        Priority per segment (1 = served first), indexed by ``segment``; None pools as
        if every segment shared every shortage.

    Returns
    -------
    tuple[pd.DataFrame, pd.DataFrame]
        ``by_segment``: one row per product x segment x period of ``demand``, sorted:
        ``product_id``, ``segment``, ``period``, ``sigma`` (float, units), ``target``
        (float, fraction), ``k`` (float, safety factor) and ``safety_stock`` (float,
        units).

        ``by_product``: one row per product x period, sorted: ``product_id``, ``period``
        and ``safety_stock`` (float, units, the segments pooled).

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``), a period is not 'YYYY-MM'
        (``invalid_period``), a quantity, sigma or target is not a number
        (``not_a_number``), a quantity or sigma is negative (``negative_value``), a target
        is not strictly between 0 and 1 (``invalid_target``), a segment with demand has
        no target (``missing_target``), sigma or targets repeat a key
        (``duplicate_key``), or ``measure`` is unknown (``invalid_argument``).
    """
    issues = _demand_issues(demand, "demand", DEMAND_COLUMNS)
    issues += _sigma_issues(sigma)
    issues += _target_issues(targets)
    if measure not in MEASURES:
        issues.append(
            Issue(
                code="invalid_argument",
                message=f"the service measure must be one of {', '.join(MEASURES)}, "
                f"not {measure!r}",
                value=measure,
            )
        )
    if not issues:
        issues += _untargeted_segments(demand, targets)
    if issues:
        raise InvalidInput(issues)

    keys = ["product_id", "segment"]
    monthly = _clean_demand(demand, [*keys, "period"])
    spread = sigma[[*keys, "sigma"]].assign(sigma=pd.to_numeric(sigma["sigma"]).astype(float))
    table = monthly.merge(spread, on=keys, how="left")
    table["target"] = table["segment"].map(pd.to_numeric(targets).astype(float)).astype(float)

    deviation = table["sigma"].to_numpy(np.float64)
    level = table["target"].to_numpy(np.float64)
    if measure == "cycle_service":
        k = safety_factor_cycle_service(level)
    else:
        k = safety_factor_fill_rate(level, deviation, table["quantity"].to_numpy(np.float64))
    k = np.where(np.isnan(deviation), np.nan, k)
    stock = np.where(np.isnan(deviation), 0.0, np.maximum(k * deviation, 0.0))
    table["k"] = k
    table["safety_stock"] = stock
    by_segment = _sorted(table, [*keys, "period"])[list(BY_SEGMENT_COLUMNS)]

    if priorities is None:
        pooled = (
            table.assign(squared=stock**2)
            .groupby(["product_id", "period"], as_index=False, sort=False)
            .agg(squared=("squared", "sum"))
        )
        pooled["safety_stock"] = np.sqrt(pooled["squared"])
    else:
        pooled = _priority_pooled(table, priorities, measure)
    by_product = _sorted(pooled, ["product_id", "period"])[list(BY_PRODUCT_COLUMNS)]
    return by_segment.reset_index(drop=True), by_product.reset_index(drop=True)


def _priority_pooled(table: pd.DataFrame, priorities: pd.Series, measure: Measure) -> pd.DataFrame:
    """Product stock meeting each segment's target when shortages go to low priorities first.

    ``table``: product_id, segment, period, quantity, sigma, target (one row per segment).
    """
    keys = ["product_id", "period"]
    rows = table.assign(
        priority=table["segment"].map(pd.to_numeric(priorities)).astype(float),
        variance=table["sigma"] ** 2,
    )
    rows["priority"] = rows["priority"].fillna(rows["priority"].max() + 1).fillna(1.0)
    pooled_sigma = np.sqrt(rows.groupby(keys)["variance"].sum(min_count=1))
    rows = rows.join(pooled_sigma.rename("sigma_total"), on=keys)
    # Demand of the segment's own priority (they share pro rata) and of the lower ones.
    level = rows.groupby([*keys, "priority"])["quantity"].sum().rename("level_demand")
    levels = level.reset_index().sort_values([*keys, "priority"], ascending=[True, True, False])
    below = levels.groupby(keys)["level_demand"].cumsum() - levels["level_demand"]
    levels = levels.assign(buffer=below).set_index([*keys, "priority"])
    rows = rows.join(levels[["level_demand", "buffer"]], on=[*keys, "priority"])
    spread = rows["sigma_total"].to_numpy(np.float64)
    known = ~np.isnan(spread) & ~np.isnan(rows["sigma"].to_numpy(np.float64))
    level_target = rows["target"].to_numpy(np.float64)
    if measure == "cycle_service":
        k = safety_factor_cycle_service(level_target)
    else:
        k = safety_factor_fill_rate(
            level_target, np.where(known, spread, 0.0), rows["level_demand"].to_numpy(np.float64)
        )
    need = np.where(known, k * np.where(known, spread, 0.0) - rows["buffer"].to_numpy(), 0.0)
    rows["need"] = need
    pooled = rows.groupby(keys, as_index=False, sort=False).agg(need=("need", "max"))
    pooled["safety_stock"] = pooled["need"].clip(lower=0.0)
    return pooled


def backtest_safety_stocks(
    errors: pd.DataFrame,
    demand: pd.DataFrame,
    lead_time: pd.Series,
    targets: pd.Series,
    measure: Measure,
    priorities: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stocks of a demand plan from its forecast's backtest errors.

    The error to protect against is the backtest's RMSE per months ahead rather than the
    spread around its bias: a biased forecast needs more protection, and one backtest
    window still gives an RMSE (``error_std`` is used where there is no RMSE). Demand of
    segments without a target gets no safety stock.

    Parameters
    ----------
    errors
        Backtest error per product x segment x months ahead: ``product_id``, ``segment``,
        ``step``, ``rmse`` and/or ``error_std`` (units per month).
    demand
        The plan's demand: ``product_id``, ``segment``, ``period``, ``quantity`` (units).
    lead_time
        Whole months by ``product_id``.
    targets
        Service target per segment (fractions), indexed by ``segment``.
    measure
        'fill_rate' or 'cycle_service'.
    priorities
        Priority per segment (1 = served first): the product's stock is pooled so that
        every segment meets its target when short stock goes to the highest first.

    Returns
    -------
    tuple[pd.DataFrame, pd.DataFrame]
        ``by_segment`` and ``by_product`` as :func:`safety_stocks` returns them; a product
        x segment without a measured error has NaN ``sigma`` and a safety stock of 0.
    """
    if "rmse" in errors:
        fallback = errors["error_std"] if "error_std" in errors else np.nan
        errors = errors.assign(error_std=errors["rmse"].fillna(fallback))
    sigma = protection_sigma(errors, lead_time)
    planned = demand[demand["segment"].isin(targets.index)]
    return safety_stocks(planned, sigma, targets, measure, priorities)


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
    issues = _frame_issues(inventory, "inventory", INVENTORY_COLUMNS)
    issues += _demand_issues(demand, "demand", PRODUCT_DEMAND_COLUMNS)
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
    issues = _frame_issues(
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
    issues += _demand_issues(demand, "demand", PRODUCT_DEMAND_COLUMNS)
    if issues:
        raise InvalidInput(issues)

    targets = safety_stock[["product_id", "period"]].copy()
    targets["period"] = targets["period"].astype(str)
    targets["min_units"] = pd.to_numeric(safety_stock["safety_stock"]).astype(float)
    monthly = _clean_demand(demand, ["product_id", "period"])
    targets = targets.merge(monthly, on=["product_id", "period"], how="left")
    targets["max_units"] = targets["min_units"] + targets["quantity"].fillna(0.0)
    for units, days in (("min_units", "min_days"), ("max_units", "max_days")):
        targets[days] = _coverage_days(
            targets["product_id"],
            targets["period"],
            targets[units].to_numpy(np.float64),
            demand,
        )
    targets = _sorted(targets, ["product_id", "period"])
    return targets[list(TARGET_COLUMNS)].reset_index(drop=True)


def _invert_loss(target: FloatArray) -> FloatArray:
    """The ``k`` with ``G(k) = target`` for positive finite targets, by array bisection."""
    # G is decreasing with G(0) = 1 / sqrt(2 pi) and G(k) > -k: a target above G(0) has
    # its root in (-target, 0), a smaller one in [0, _K_MAX).
    negative = target > _INV_SQRT_2PI
    low = np.where(negative, -target, 0.0)
    high = np.where(negative, 0.0, _K_MAX)
    for _ in range(_BISECTIONS):
        middle = 0.5 * (low + high)
        above = normal_loss(middle) > target
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
        scale = np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
        if not np.any(high - low > _K_TOLERANCE * scale):
            break
    return np.asarray(0.5 * (low + high), np.float64)


def _coverage_days(
    products: pd.Series, periods: pd.Series, stock: FloatArray, demand: pd.DataFrame
) -> FloatArray:
    """Forward days of supply of ``stock`` at the end of each (product, period)."""
    rows = len(stock)
    if rows == 0:
        return np.zeros(0, np.float64)
    monthly = _clean_demand(demand, ["product_id", "period"])
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


def _as_float(values: npt.ArrayLike, name: str) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInput(
            [Issue(code="not_a_number", message=f"the {name} must be a number", value=values)]
        ) from None


def _fraction_issues(values: FloatArray, name: str) -> list[Issue]:
    bad = np.unique(values[~np.isnan(values) & ((values <= 0) | (values >= 1))])
    return [
        Issue(
            code="invalid_target",
            message=f"a {name} is a fraction between 0 and 1 (0.95 for 95 %), not "
            f"{value:g}; 0 and 1 are not targets a stock can be set for",
            value=float(value),
        )
        for value in bad
    ]


def _check_fractions(values: FloatArray, name: str) -> None:
    issues = _fraction_issues(values, name)
    if issues:
        raise InvalidInput(issues)


def _negative_issues(values: FloatArray, name: str) -> list[Issue]:
    bad = np.unique(values[values < 0])
    return [
        Issue(
            code="negative_value",
            message=f"a {name} cannot be negative ({value:g})",
            value=float(value),
        )
        for value in bad
    ]


def _number_issues(
    frame: pd.DataFrame, name: str, column: str, *, negative: bool, missing: bool
) -> list[Issue]:
    """Non-numbers in ``column`` (NaN too unless ``missing``); negatives if ``negative``."""
    numbers = pd.to_numeric(frame[column], errors="coerce")
    bad = numbers.isna() if not missing else numbers.isna() & frame[column].notna()
    issues = issues_where(
        bad,
        frame,
        sheet=None,
        column=column,
        code="not_a_number",
        message=f"{name} {column} must be a number, not '{{value}}' (product {{product_id}})",
    )
    if negative:
        issues += issues_where(
            numbers < 0,
            frame,
            sheet=None,
            column=column,
            code="negative_value",
            message=f"{name} {column} cannot be negative: {{value}} for product {{product_id}}",
        )
    return issues


def _frame_issues(
    frame: pd.DataFrame,
    name: str,
    columns: Sequence[str],
    *,
    value: str = "quantity",
    negative: bool = False,
) -> list[Issue]:
    """Missing columns; then bad periods, missing products and non-numeric values."""
    issues = missing_columns(frame, name, columns)
    if issues:
        return issues
    issues += issues_where(
        ~frame["period"].astype(str).str.match(PERIOD_PATTERN),
        frame,
        sheet=None,
        column="period",
        code="invalid_period",
        message=f"{name} period must be a month written YYYY-MM, not '{{value}}'",
    )
    for column in (c for c in ("product_id", "segment") if c in columns):
        issues += issues_where(
            frame[column].isna(),
            frame,
            sheet=None,
            column=column,
            code="missing_value",
            message=f"{name} has a row without a {column}",
        )
    issues += _number_issues(frame, name, value, negative=negative, missing=False)
    return issues


def _demand_issues(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> list[Issue]:
    return _frame_issues(frame, name, columns, negative=True)


def _error_issues(errors: pd.DataFrame) -> list[Issue]:
    issues = issues_where(
        errors["product_id"].isna(),
        errors,
        sheet=None,
        column="product_id",
        code="missing_value",
        message="errors has a row without a product_id",
    )
    step = pd.to_numeric(errors["step"], errors="coerce")
    whole = step.notna() & (step >= 1) & (step == step.round())
    issues += issues_where(
        ~whole,
        errors,
        sheet=None,
        column="step",
        code="not_a_number",
        message="errors step is the number of months ahead (1, 2, ...), not '{value}' "
        "(product {product_id})",
    )
    issues += _number_issues(errors, "errors", "error_std", negative=True, missing=True)
    if not issues:
        issues += issues_where(
            errors.duplicated(["product_id", "segment", "step"], keep="first"),
            errors,
            sheet=None,
            column=None,
            code="duplicate_key",
            message="errors has product {product_id}, segment {segment}, step {step} twice",
        )
    return issues


def _lead_time_issues(lead_time: pd.Series) -> list[Issue]:
    months = pd.to_numeric(lead_time, errors="coerce")
    issues = [
        Issue(
            code="not_a_number",
            message=f"the lead time of product {product} must be a whole number of months, "
            f"not '{value}'",
            value=value,
        )
        for product, value, number in zip(lead_time.index, lead_time, months, strict=True)
        if pd.isna(number) or number != round(number)
    ]
    issues += [
        Issue(
            code="negative_value",
            message=f"the lead time of product {product} cannot be negative ({value})",
            value=value,
        )
        for product, value in months[months < 0].items()
    ]
    issues += [
        Issue(
            code="duplicate_key",
            message=f"product {product} has more than one lead time",
            value=product,
        )
        for product in lead_time.index[lead_time.index.duplicated()].unique()
    ]
    return issues


def _sigma_issues(sigma: pd.DataFrame) -> list[Issue]:
    issues = missing_columns(sigma, "sigma", ("product_id", "segment", "sigma"))
    if issues:
        return issues
    issues += _number_issues(sigma, "sigma", "sigma", negative=True, missing=True)
    issues += issues_where(
        sigma.duplicated(["product_id", "segment"], keep="first"),
        sigma,
        sheet=None,
        column=None,
        code="duplicate_key",
        message="sigma has product {product_id}, segment {segment} twice",
    )
    return issues


def _target_issues(targets: pd.Series) -> list[Issue]:
    numbers = pd.to_numeric(targets, errors="coerce")
    issues = [
        Issue(
            code="not_a_number",
            message=f"the service target of segment {segment} must be a number, not '{value}'",
            value=value,
        )
        for segment, value, number in zip(targets.index, targets, numbers, strict=True)
        if pd.isna(number)
    ]
    issues += [
        Issue(
            code="invalid_target",
            message=f"the service target of segment {segment} is a fraction between 0 and 1 "
            f"(0.95 for 95 %), not {number:g}",
            value=number,
        )
        for segment, number in numbers.items()
        if pd.notna(number) and not 0 < number < 1
    ]
    issues += [
        Issue(
            code="duplicate_key",
            message=f"segment {segment} has more than one service target",
            value=segment,
        )
        for segment in targets.index[targets.index.duplicated()].unique()
    ]
    return issues


def _untargeted_segments(demand: pd.DataFrame, targets: pd.Series) -> list[Issue]:
    missing = sorted(set(demand["segment"].dropna().unique()) - set(targets.index), key=str)
    return [
        Issue(
            code="missing_target",
            message=f"segment {segment} has demand but no service target",
            column="segment",
            value=segment,
        )
        for segment in missing
    ]


def _clean_demand(demand: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``keys`` + quantity (float), periods as str, repeated keys summed."""
    clean = demand[[*keys, "quantity"]].copy()
    clean["period"] = clean["period"].astype(str)
    clean["quantity"] = pd.to_numeric(clean["quantity"]).astype(float)
    return clean.groupby(keys, as_index=False, sort=False).agg(quantity=("quantity", "sum"))


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    try:
        return frame.sort_values(keys, kind="stable")
    except TypeError:
        # Product ids of mixed types (1 and 'A') do not compare; keep their order.
        return frame


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
