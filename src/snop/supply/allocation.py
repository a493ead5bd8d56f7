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

Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp  # type: ignore[import-untyped]

from snop.supply.policy import normal_loss

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
        return rows.assign(k=np.nan, safety_stock=0.0, expected_short=0.0), empty
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
    columns = [
        "product_id",
        "segment",
        "period",
        "sigma",
        "target",
        "k",
        "safety_stock",
        "expected_short",
    ]
    by_segment: pd.DataFrame = rows[columns].reset_index(drop=True)
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
