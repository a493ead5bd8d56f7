"""Safety stock allocated so that each segment's fill rate is met at the least holding cost.

A segment's service target is a fill rate over everything it buys: the units shipped on
time over the units ordered, all products and months together. Meeting that target product
by product (every product at 95 %) is one way, and a dear one: an erratic product needs a
great deal of stock to reach 95 % on its own, a smooth one almost none, and a cheap spare
part protects as many ordered units as an expensive tent for a fraction of the money. The
cheapest stock that gives the segment its fill rate (the "system approach" of inventory
theory) buys the protection where a dollar of holding cost saves most units short: each
product and month gets ``k`` safety factors of its forecast error, with ``k`` larger where
holding is cheap, and the segment's shortage summed over its products and months equals
what its target allows.

The shortage model is the one of `snop.supply.policy`: normally distributed forecast
errors, a monthly review, the expected units short in a month ``sigma * G(ss / sigma)``.
One stock serves every segment of a product and shortages go to the lowest priority first
(as snop plans and ships), so a segment is short only once the product's demand overshoots
by more than the lower priorities' forecast: the higher segments are protected by the
lower ones' demand.

On top of the targets, the company's own costs: where a unit short costs more than holding
one (``backorder_cost`` against ``holding_cost``), the cost-optimal stock of a monthly review
is the critical ratio b / (b + h) of the forecast error's distribution (the newsvendor rule),
and a product never holds less than that. The plan thus keeps every promise, and holds more
only where the company's costs say being short is dearer.

The error a month is protected against is the backtest's, over the lead time and the month,
as a share of the forecast and scaled to each month's forecast: a seasonal peak carries more
stock than the trough.

Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy import special

from snop.supply.policy import Measure, backtest_safety_stocks, normal_loss, protection_sigma

CRITICAL_RATIO_RANGE = (0.5, 0.999)
"""The cost-optimal stock is read between the median and the 99.9th percentile."""
BY_SEGMENT_COLUMNS = (
    "product_id",
    "segment",
    "period",
    "sigma",
    "target",
    "k",
    "safety_stock",
    "expected_short",
)
FACTORS = np.linspace(0.0, 5.0, 101)
"""Safety factors tried per product and month (multiples of the pooled error)."""
_ROUNDS = 4
_BISECTIONS = 30
_LAMBDA_RANGE = (1e-8, 1e8)


def allocate_safety_stock(
    demand: pd.DataFrame,
    sigma: pd.DataFrame,
    targets: pd.Series,
    priorities: pd.Series,
    holding: pd.Series,
    *,
    factors: Sequence[float] | np.ndarray = FACTORS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stock per product and month meeting every segment's fill rate at least cost.

    Parameters
    ----------
    demand
        product_id, segment, period, quantity: the forecast of each month (units).
    sigma
        product_id, segment, period, sigma: the forecast error to protect each month
        against (units over the protection interval); rows without one get no stock.
    targets, priorities
        Fill rate target (0-1) and priority (1 = served first) per segment.
    holding
        Cost of holding a unit for a month, per product_id (> 0; 0 is read as a cent).
    factors
        The safety factors tried per product and month.

    Returns
    -------
    by_segment: product_id, segment, period, sigma, target, k, safety_stock, expected_short
        (``k`` and ``safety_stock`` are the product's: one stock serves every segment).
    by_product: product_id, period, safety_stock.
    """
    rows = _rows(demand, sigma, targets, priorities)
    if rows.empty:
        empty = pd.DataFrame(columns=["product_id", "period", "safety_stock"])
        nothing = rows.assign(k=np.nan, safety_stock=0.0, expected_short=0.0)
        return nothing[list(BY_SEGMENT_COLUMNS)], empty
    cells = rows[["product_id", "period"]].drop_duplicates().reset_index(drop=True)
    cell_of = pd.MultiIndex.from_frame(cells).get_indexer(
        pd.MultiIndex.from_frame(rows[["product_id", "period"]])
    )
    spread = rows.groupby(cell_of)["sigma"].apply(lambda s: float(np.sqrt((s**2).sum())))
    total = spread.reindex(range(len(cells))).fillna(0.0).to_numpy()
    grid = np.asarray(factors, dtype=float)
    stock = total[:, None] * grid[None, :]
    short = _expected_short(rows, total[cell_of], stock[cell_of])
    cost = holding.reindex(cells["product_id"]).fillna(0.0).clip(lower=0.01).to_numpy()
    segments = sorted(rows["segment"].unique())
    seg_of = pd.Index(segments).get_indexer(rows["segment"])
    allowed = (
        ((1.0 - rows["target"]) * rows["quantity"])
        .groupby(seg_of)
        .sum()
        .reindex(range(len(segments)))
        .to_numpy()
    )
    member = sp.csr_array(
        (np.ones(len(rows)), (cell_of, np.arange(len(rows)))), shape=(len(cells), len(rows))
    )
    held = cost[:, None] * stock
    weights = _multipliers(short, seg_of, cell_of, member, held, allowed)
    choice = _choose(short, seg_of, member, held, weights)
    chosen = stock[np.arange(len(cells)), choice]
    by_product = cells.assign(safety_stock=chosen)
    rows = rows.assign(
        k=grid[choice][cell_of],
        safety_stock=chosen[cell_of],
        expected_short=short[np.arange(len(rows)), choice[cell_of]],
    )
    by_segment: pd.DataFrame = rows[list(BY_SEGMENT_COLUMNS)].reset_index(drop=True)
    return by_segment, by_product


def _rows(
    demand: pd.DataFrame, sigma: pd.DataFrame, targets: pd.Series, priorities: pd.Series
) -> pd.DataFrame:
    """One row per product, segment and month with a measured error, its group's buffer."""
    keys = ["product_id", "segment", "period"]
    rows = demand.groupby(keys, as_index=False)["quantity"].sum()
    rows = rows.merge(sigma[[*keys, "sigma"]], on=keys, how="inner")
    rows = rows[rows["segment"].isin(targets.index) & rows["sigma"].notna()].copy()
    rows["target"] = rows["segment"].map(targets).astype(float)
    rows["priority"] = rows["segment"].map(priorities).astype(float)
    rows["priority"] = rows["priority"].fillna(rows["priority"].max() + 1).fillna(1.0)
    cell = ["product_id", "period"]
    group = rows.groupby([*cell, "priority"])["quantity"].sum().rename("group_demand")
    ordered = group.reset_index().sort_values([*cell, "priority"], ascending=[True, True, False])
    ordered["buffer"] = ordered.groupby(cell)["group_demand"].cumsum() - ordered["group_demand"]
    rows = rows.merge(ordered, on=[*cell, "priority"])
    group_demand = rows["group_demand"].where(rows["group_demand"] > 0)
    rows["share"] = (rows["quantity"] / group_demand).fillna(0.0)
    out: pd.DataFrame = rows.reset_index(drop=True)
    return out


def _expected_short(rows: pd.DataFrame, total: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Units short per row for each candidate stock (rows x candidates).

    The product's shortage beyond the lower priorities' demand (``buffer``) lands on the
    row's priority group, up to the group's demand, shared pro rata.
    """
    spread = np.where(total > 0, total, 1.0)[:, None]
    buffer = rows["buffer"].to_numpy()[:, None]
    group = rows["group_demand"].to_numpy()[:, None]
    beyond = spread * (
        normal_loss((stock + buffer) / spread) - normal_loss((stock + buffer + group) / spread)
    )
    beyond = np.where(total[:, None] > 0, beyond, 0.0)
    short: np.ndarray = np.clip(beyond, 0.0, None) * rows["share"].to_numpy()[:, None]
    return short


def _choose(
    short: np.ndarray,
    seg_of: np.ndarray,
    cells: sp.csr_array,
    holding: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """Per cell, the candidate with the least holding cost plus weighted shortage."""
    total = holding + cells @ (weights[seg_of][:, None] * short)
    best: np.ndarray = np.asarray(np.argmin(total, axis=1))
    return best


def _multipliers(
    short: np.ndarray,
    seg_of: np.ndarray,
    cell_of: np.ndarray,
    cells: sp.csr_array,
    holding: np.ndarray,
    allowed: np.ndarray,
) -> np.ndarray:
    """The price of a unit short per segment at which each segment's shortage fits its target.

    Coordinate bisection on the log of each segment's price, the others held; a few rounds
    settle them (a higher price for one segment adds stock that serves the others too).
    """
    n_seg = len(allowed)
    low, high = np.log(_LAMBDA_RANGE[0]), np.log(_LAMBDA_RANGE[1])
    weights = np.full(n_seg, np.exp(0.5 * (low + high)))
    rows = np.arange(len(seg_of))

    def shortage(w: np.ndarray) -> np.ndarray:
        choice = _choose(short, seg_of, cells, holding, w)
        per_row = short[rows, choice[cell_of]]
        return np.bincount(seg_of, weights=per_row, minlength=n_seg)

    for _ in range(_ROUNDS):
        for s in range(n_seg):
            lo, hi = low, high
            for _ in range(_BISECTIONS):
                mid = 0.5 * (lo + hi)
                trial = weights.copy()
                trial[s] = np.exp(mid)
                if shortage(trial)[s] > allowed[s]:
                    lo = mid
                else:
                    hi = mid
            weights[s] = np.exp(hi)
    return weights


def plan_safety_stocks(
    errors: pd.DataFrame,
    demand: pd.DataFrame,
    lead_time: pd.Series,
    segments: pd.DataFrame,
    products: pd.DataFrame,
    measure: Measure = "fill_rate",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stocks of a demand plan for the segments' service measure.

    A fill rate is a promise over everything a segment buys, so it is met at least cost
    across products (:func:`pooled_safety_stocks`); a cycle service level is a promise per
    product and month, so each product gets its own factor
    (:func:`snop.supply.policy.backtest_safety_stocks`).
    """
    planned = demand[demand["segment"].isin(segments["segment"])]
    if measure == "fill_rate":
        return pooled_safety_stocks(errors, planned, lead_time, segments, products)
    table = segments.set_index("segment")
    return backtest_safety_stocks(
        errors,
        planned,
        lead_time,
        table["service_target"].astype(float),
        measure,
        table["priority"].astype(float),
    )


def pooled_safety_stocks(
    errors: pd.DataFrame,
    demand: pd.DataFrame,
    lead_time: pd.Series,
    segments: pd.DataFrame,
    products: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stock meeting every segment's fill rate at least cost, with a cost floor.

    No product holds less than its cost-optimal (critical ratio) stock.

    Parameters
    ----------
    errors
        Backtest errors per product, segment and months ahead: product_id, segment, step,
        rmse and/or error_std (units a month).
    demand
        The plan's demand: product_id, segment, period, quantity.
    lead_time
        Whole months by product_id.
    segments
        segment, service_target (fill rate), priority.
    products
        product_id, holding_cost, backorder_cost.

    Returns
    -------
    by_segment: product_id, segment, period, sigma, target, k, safety_stock (the product's
        stock, ``k`` times its pooled error), expected_short (at the targets' stock, before
        the cost-optimal floor); rows without a measured error have NaN sigma and no stock.
    by_product: product_id, period, safety_stock.
    """
    sigma = monthly_sigma(errors, demand, lead_time)
    table = segments.set_index("segment")
    targets = table["service_target"].astype(float)
    priorities = table["priority"].astype(float)
    costs = products.set_index("product_id")
    holding = costs["holding_cost"].astype(float)
    by_segment, by_product = allocate_safety_stock(demand, sigma, targets, priorities, holding)
    if by_product.empty:
        return _with_unmeasured(by_segment, sigma, targets), _every_cell(by_product, sigma)
    floor = critical_ratio_stock(sigma, costs)
    both = by_product.merge(floor, on=["product_id", "period"], how="left")
    stock = np.fmax(both["safety_stock"].to_numpy(), both["cost_optimal"].fillna(0.0).to_numpy())
    by_product = both[["product_id", "period"]].assign(safety_stock=stock)
    pooled = by_segment.merge(by_product, on=["product_id", "period"], suffixes=("_t", ""))
    spread = pooled.groupby(["product_id", "period"])["sigma"].transform(
        lambda s: float(np.sqrt((s**2).sum()))
    )
    pooled["k"] = np.where(spread > 0, pooled["safety_stock"] / spread.where(spread > 0), 0.0)
    by_segment = _with_unmeasured(pooled[list(by_segment.columns)], sigma, targets)
    return by_segment, _every_cell(by_product, sigma)


def _every_cell(by_product: pd.DataFrame, sigma: pd.DataFrame) -> pd.DataFrame:
    """Every product and month of the plan, 0 where nothing was measured."""
    cells = sigma[["product_id", "period"]].drop_duplicates()
    full = cells.merge(by_product, on=["product_id", "period"], how="left")
    # An empty allocation merges in an object column; cast before filling the gaps.
    stock = full["safety_stock"].astype(float).fillna(0.0)
    return full.assign(safety_stock=stock).reset_index(drop=True)


def _with_unmeasured(
    by_segment: pd.DataFrame, sigma: pd.DataFrame, targets: pd.Series
) -> pd.DataFrame:
    """The rows without a measured error too (NaN sigma, no stock), so a plan can say so."""
    unmeasured = sigma[sigma["sigma"].isna() & sigma["segment"].isin(targets.index)]
    if unmeasured.empty:
        return by_segment
    unmeasured = unmeasured.assign(
        target=unmeasured["segment"].map(targets), k=np.nan, safety_stock=0.0, expected_short=np.nan
    )
    columns = list(by_segment.columns)
    if by_segment.empty:
        return unmeasured[columns].reset_index(drop=True)
    return pd.concat([by_segment, unmeasured[columns]], ignore_index=True)


def monthly_sigma(errors: pd.DataFrame, demand: pd.DataFrame, lead_time: pd.Series) -> pd.DataFrame:
    """Each month's error to protect against: product_id, segment, period, sigma.

    The backtest's protection error as a share of the series' mean forecast, times the
    month's forecast (NaN where nothing was measured).
    """
    if "rmse" in errors:
        fallback = errors["error_std"] if "error_std" in errors else np.nan
        errors = errors.assign(error_std=errors["rmse"].fillna(fallback))
    keys = ["product_id", "segment"]
    spread = protection_sigma(errors, lead_time)
    level = demand.groupby(keys)["quantity"].mean().rename("level").reset_index()
    spread = spread.merge(level, on=keys, how="left")
    spread["share"] = spread["sigma"] / spread["level"].where(spread["level"] > 0)
    monthly = demand.groupby([*keys, "period"], as_index=False)["quantity"].sum()
    monthly = monthly.merge(spread[[*keys, "share"]], on=keys, how="left")
    monthly["sigma"] = monthly["share"] * monthly["quantity"]
    out: pd.DataFrame = monthly[[*keys, "period", "sigma"]]
    return out


def critical_ratio_stock(sigma: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """product_id, period, cost_optimal: z sigma with z at the product's b / (b + h).

    ``costs`` holds backorder_cost and holding_cost indexed by product_id; a product with
    neither is read at the median (no stock beyond the forecast).
    """
    backorder = costs["backorder_cost"].astype(float).clip(lower=0.0)
    holding = costs["holding_cost"].astype(float).clip(lower=0.0)
    ratio = (backorder / (backorder + holding).where(backorder + holding > 0)).fillna(0.5)
    z = pd.Series(special.ndtri(ratio.clip(*CRITICAL_RATIO_RANGE).to_numpy()), index=ratio.index)
    pooled = (
        sigma.assign(variance=sigma["sigma"] ** 2)
        .groupby(["product_id", "period"], as_index=False)["variance"]
        .sum(min_count=1)
    )
    stock = pooled["product_id"].map(z).to_numpy() * np.sqrt(pooled["variance"].to_numpy())
    out: pd.DataFrame = pooled[["product_id", "period"]].assign(cost_optimal=np.nan_to_num(stock))
    return out
