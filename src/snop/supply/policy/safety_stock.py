"""Safety stock from the measured forecast error: protection sigma, per segment, pooled."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import missing_columns
from snop.supply.policy.checks import (
    BY_PRODUCT_COLUMNS,
    BY_SEGMENT_COLUMNS,
    DEMAND_COLUMNS,
    ERROR_COLUMNS,
    MEASURES,
    SIGMA_COLUMNS,
    Measure,
    clean_demand,
    demand_issues,
    empty_frame,
    error_issues,
    lead_time_issues,
    sigma_issues,
    sorted_frame,
    target_issues,
    untargeted_segments,
)
from snop.supply.policy.safety_factors import safety_factor_cycle_service, safety_factor_fill_rate


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
        issues += error_issues(errors)
    issues += lead_time_issues(lead_time)
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
        return empty_frame(SIGMA_COLUMNS)
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
    table = sorted_frame(table, keys)
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
    issues = demand_issues(demand, "demand", DEMAND_COLUMNS)
    issues += sigma_issues(sigma)
    issues += target_issues(targets)
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
        issues += untargeted_segments(demand, targets)
    if issues:
        raise InvalidInput(issues)

    keys = ["product_id", "segment"]
    monthly = clean_demand(demand, [*keys, "period"])
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
    by_segment = sorted_frame(table, [*keys, "period"])[list(BY_SEGMENT_COLUMNS)]

    if priorities is None:
        pooled = (
            table.assign(squared=stock**2)
            .groupby(["product_id", "period"], as_index=False, sort=False)
            .agg(squared=("squared", "sum"))
        )
        pooled["safety_stock"] = np.sqrt(pooled["squared"])
    else:
        pooled = _priority_pooled(table, priorities, measure)
    by_product = sorted_frame(pooled, ["product_id", "period"])[list(BY_PRODUCT_COLUMNS)]
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
