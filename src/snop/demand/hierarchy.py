"""Make forecasts add up: product x segment, product, family, segment and total.

Each level gets its own base forecast; hierarchicalforecast reconciles them so every level
equals the sum of its parts. The reconciliation method is chosen by backtest: each
candidate reconciles the backtest forecasts, and the one with the lowest error, averaged
over the levels, wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import scipy.sparse as sp  # type: ignore[import-untyped]
import scipy.sparse.linalg as splinalg  # type: ignore[import-untyped]

from snop.demand.accuracy import wape

# Level name -> the columns that identify a node of that level.
LEVELS: dict[str, tuple[str, ...]] = {
    "total": (),
    "family": ("family",),
    "segment": ("segment",),
    "product": ("family", "product_id"),
    "product_segment": ("family", "product_id", "segment"),
}
BOTTOM = "product_segment"


# Top-down methods need a strict tree; product x segment under both family and segment
# is a grouped structure, so only bottom-up and MinTrace variants apply.
RECONCILERS = ("bottom_up", "mint_ols", "mint_wls_struct")


MINT_WEIGHTS = {"mint_ols": "ols", "mint_wls_struct": "wls_struct"}
"""The MinTrace variants: the diagonal W of each (ols: 1 per node; wls_struct: the number
of bottom series a node adds up)."""


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """Every node of the hierarchy and how bottom series add up to it.

    nodes : unique_id, level, family, product_id, segment (None where not part of the level)
    summing : sparse 0/1 matrix (scipy CSR, float64), one row per node in the order of
        ``nodes``, one column per bottom node in the order of :attr:`bottom_ids`; row i
        has a 1 in column j when bottom node j adds up into node i. The bottom rows come
        last and form the identity, as hierarchicalforecast requires.
    tags : level -> the unique_ids of that level
    """

    nodes: pd.DataFrame
    summing: sp.csr_array
    tags: dict[str, np.ndarray]

    @property
    def bottom_ids(self) -> list[str]:
        """unique_ids of the bottom level (product x segment)."""
        return list(self.tags[BOTTOM])


def build_hierarchy(bottom: pd.DataFrame) -> tuple[Hierarchy, pd.DataFrame]:
    """Build the hierarchy from bottom-level demand.

    Parameters
    ----------
    bottom
        family, product_id, segment, ds (int step), y (units).

    Returns
    -------
    The hierarchy, and the panel of every node (unique_id, ds, y) with upper levels as sums.
    """
    frames, nodes, tags = [], [], {}
    for level, keys in LEVELS.items():
        # as_index=False gives a frame; pandas-stubs types the column selection as a Series.
        grouped = cast(
            pd.DataFrame,
            bottom.groupby([*keys, "ds"], as_index=False)["y"].sum()
            if keys
            else (bottom.groupby("ds", as_index=False)["y"].sum()),
        )
        ids = _ids(grouped, level)
        grouped["unique_id"] = ids
        frames.append(grouped[["unique_id", "ds", "y"]])
        level_nodes = grouped.drop_duplicates("unique_id").assign(level=level)
        for column in ("family", "product_id", "segment"):
            if column not in level_nodes:
                level_nodes[column] = None
        nodes.append(level_nodes[["unique_id", "level", "family", "product_id", "segment"]])
        tags[level] = level_nodes["unique_id"].to_numpy()
    node_frame = pd.concat(nodes, ignore_index=True)
    summing = _summing_matrix(node_frame)
    return Hierarchy(node_frame, summing, tags), pd.concat(frames, ignore_index=True)


def _ids(frame: pd.DataFrame, level: str) -> pd.Series:
    keys = [c for c in LEVELS[level] if c != "family" or level == "family"]
    if not keys:
        return pd.Series("total", index=frame.index)
    ids = level + "|" + frame[keys[0]].astype(str)
    for key in keys[1:]:
        ids = ids + "|" + frame[key].astype(str)
    return ids


def _summing_matrix(nodes: pd.DataFrame) -> sp.csr_array:
    """One 1 per (node, bottom node below it): each level joined to the bottom on its keys.

    A node of a level matches the bottom nodes that share its values of the level's key
    columns (``LEVELS``); the total matches every bottom node.
    """
    position = pd.Series(np.arange(len(nodes)), index=nodes.index)
    is_bottom = (nodes["level"] == BOTTOM).to_numpy()
    bottom = nodes.loc[is_bottom, ["family", "product_id", "segment"]].reset_index(drop=True)
    bottom["_col"] = np.arange(len(bottom))
    rows, cols = [], []
    for level, keys in LEVELS.items():
        mine = (nodes["level"] == level).to_numpy()
        if not keys:
            rows.append(np.repeat(position[mine].to_numpy(), len(bottom)))
            cols.append(np.tile(bottom["_col"].to_numpy(), int(mine.sum())))
            continue
        level_nodes = nodes.loc[mine, list(keys)].assign(_row=position[mine].to_numpy())
        pairs = bottom.merge(level_nodes, on=list(keys), how="inner")
        rows.append(pairs["_row"].to_numpy())
        cols.append(pairs["_col"].to_numpy())
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    # Within a level the key tuples are unique, so no (row, col) pair comes twice.
    return sp.coo_array((np.ones(len(row)), (row, col)), shape=(len(nodes), len(bottom))).tocsr()


def reconcile(base: pd.DataFrame, hierarchy: Hierarchy, method: str) -> pd.DataFrame:
    """Reconcile base forecasts (unique_id, ds, forecast) of every node with ``method``.

    Returns unique_id, ds, forecast for every node, coherent: each node equals the sum of
    its bottom series. Negative bottom values are set to 0 before summing up again, since
    demand cannot be negative.
    """
    if method in MINT_WEIGHTS:
        bottom = _min_trace(base, hierarchy, MINT_WEIGHTS[method])
    else:
        bottom = _bottom_up_reconciled(base, hierarchy)
    bottom["forecast"] = bottom["forecast"].clip(lower=0.0)
    return aggregate_bottom(bottom, hierarchy)


def _bottom_up_reconciled(base: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """The bottom rows by hierarchicalforecast's BottomUpSparse (it reads the sparse S as is).

    Imported here: the library takes a second to load, and most commands never use it.
    """
    from hierarchicalforecast.core import HierarchicalReconciliation  # type: ignore[import-untyped]
    from hierarchicalforecast.methods import BottomUpSparse  # type: ignore[import-untyped]

    engine = HierarchicalReconciliation(reconcilers=[BottomUpSparse()])
    y_hat = base.rename(columns={"forecast": "base"})[["unique_id", "ds", "base"]]
    order = hierarchy.nodes["unique_id"]
    y_hat = y_hat.set_index("unique_id").loc[order].reset_index()
    out = engine.reconcile(Y_hat_df=y_hat, S_df=_s_matrix(hierarchy), tags=hierarchy.tags)
    column = next(c for c in out.columns if c.startswith("base/"))
    bottom = out[out["unique_id"].isin(hierarchy.bottom_ids)][["unique_id", "ds", column]]
    return pd.DataFrame(bottom.rename(columns={column: "forecast"}))


def _min_trace(base: pd.DataFrame, hierarchy: Hierarchy, weights: str) -> pd.DataFrame:
    """The bottom rows of MinTrace with a diagonal W, solved sparse: unique_id, ds, forecast.

    MinTrace's bottom forecast is the weighted least-squares fit of the base forecasts,
    x = (S' W^-1 S)^-1 S' W^-1 y (Wickramasuriya, Athanasopoulos & Hyndman 2019). S' W^-1 S
    is dense (every bottom series adds up into the total), so the fit is solved as the
    sparse system [[W, S], [S', 0]] [r; x] = [y; 0], one LU factorisation for every month:
    exact like hierarchicalforecast's MinTrace, which densifies S and could not hold 20,000
    products (bench/RESULTS.md), and the same figures to rounding (tests/unit/demand).
    """
    summing = hierarchy.summing
    wide = base.pivot(index="unique_id", columns="ds", values="forecast")
    wide = wide.loc[hierarchy.nodes["unique_id"]]
    if weights == "ols":
        diagonal = np.ones(summing.shape[0])
    else:
        diagonal = np.asarray(summing.sum(axis=1), dtype=float).ravel()
    system = sp.block_array([[sp.diags_array(diagonal), summing], [summing.T, None]], format="csc")
    n_nodes, n_bottom = summing.shape
    rhs = np.vstack([wide.to_numpy(dtype=float), np.zeros((n_bottom, wide.shape[1]))])
    fitted = splinalg.splu(system).solve(rhs)[n_nodes:]
    out = pd.DataFrame(
        fitted, index=pd.Index(hierarchy.bottom_ids, name="unique_id"), columns=wide.columns
    )
    return out.reset_index().melt(id_vars="unique_id", var_name="ds", value_name="forecast")


def _s_matrix(hierarchy: Hierarchy) -> object:
    """The summing matrix as hierarchicalforecast takes it without densifying it first."""
    ids = hierarchy.nodes["unique_id"].to_numpy()
    try:
        from hierarchicalforecast.utils import SMatrix  # type: ignore[import-untyped]
    except ImportError:  # hierarchicalforecast before SMatrix: a frame of sparse columns
        # pandas-stubs type the class-level accessor as an ellipsis.
        frame = pd.DataFrame.sparse.from_spmatrix(  # type: ignore[attr-defined]
            hierarchy.summing, columns=hierarchy.bottom_ids
        )
        frame.insert(0, "unique_id", ids)
        return frame
    return SMatrix(hierarchy.summing, ids, np.asarray(hierarchy.bottom_ids))


def aggregate_bottom(bottom: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Sum bottom-level values (unique_id, ds, forecast) up to every node."""
    wide = bottom.pivot(index="ds", columns="unique_id", values="forecast")
    wide = wide.reindex(columns=hierarchy.bottom_ids).fillna(0.0)
    # (nodes x bottom) @ (bottom x months): sparse times dense, then months x nodes.
    totals = (hierarchy.summing @ wide.to_numpy().T).T
    out = pd.DataFrame(totals, index=wide.index, columns=hierarchy.nodes["unique_id"].to_numpy())
    out.columns.name = "unique_id"
    return out.reset_index().melt(id_vars="ds", var_name="unique_id", value_name="forecast")


def choose_method(
    backtest: pd.DataFrame, hierarchy: Hierarchy, panel: pd.DataFrame
) -> tuple[str, pd.DataFrame]:
    """Pick the reconciliation method whose reconciled backtest is most accurate.

    Parameters
    ----------
    backtest
        unique_id, cutoff, ds, actual, forecast for every node (the chosen model's backtest).
    hierarchy
        The nodes and summing matrix from :func:`build_hierarchy`.
    panel
        unique_id, ds, y of every node: the actuals of nodes too short to backtest.

    Returns
    -------
    The best method's name, and a frame method, level, wape (volume-weighted absolute
    error of that level), mean_wape (over levels; what is compared).
    """
    backtest = _complete_windows(backtest, hierarchy, panel)
    parts = []
    for method in RECONCILERS:
        errors = []
        for _, window in backtest.groupby("cutoff"):
            rec = reconcile(window, hierarchy, method)
            merged = rec.merge(window[["unique_id", "ds", "actual"]], on=["unique_id", "ds"])
            errors.append(merged)
        if not errors:
            continue
        merged = pd.concat(errors).merge(hierarchy.nodes[["unique_id", "level"]], on="unique_id")
        merged["abs_error"] = (merged["forecast"] - merged["actual"]).abs()
        level = merged.groupby("level")[["abs_error", "actual"]].sum()
        level_wape = wape(level["abs_error"], level["actual"])
        parts.append(
            pd.DataFrame({"method": method, "level": level.index, "wape": level_wape.to_numpy()})
        )
    scores = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["method", "level", "wape"])
    )
    if scores.empty:
        return "bottom_up", scores
    scores["mean_wape"] = scores.groupby("method")["wape"].transform("mean")
    best = scores.sort_values(["mean_wape", "method"]).iloc[0]["method"]
    return str(best), scores


def _complete_windows(
    backtest: pd.DataFrame, hierarchy: Hierarchy, panel: pd.DataFrame
) -> pd.DataFrame:
    """Give every node a backtest in every window, so each window can be reconciled.

    Series too short to backtest (a new product) get the naive forecast, the last value
    before the cutoff, and their actuals from ``panel`` (0 before they existed).
    """
    if backtest.empty:
        return backtest
    windows = backtest[["cutoff", "ds"]].drop_duplicates()
    grid = windows.merge(hierarchy.nodes[["unique_id"]], how="cross")
    out = grid.merge(backtest, on=["unique_id", "cutoff", "ds"], how="left")
    gaps = out["forecast"].isna()
    if gaps.any():
        actual = panel.set_index(["unique_id", "ds"])["y"]
        keys = pd.MultiIndex.from_arrays([out.loc[gaps, "unique_id"], out.loc[gaps, "ds"]])
        out.loc[gaps, "actual"] = actual.reindex(keys).fillna(0.0).to_numpy()
        last = pd.MultiIndex.from_arrays([out.loc[gaps, "unique_id"], out.loc[gaps, "cutoff"]])
        out.loc[gaps, "forecast"] = actual.reindex(last).fillna(0.0).to_numpy()
    return out
