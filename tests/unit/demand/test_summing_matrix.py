"""The sparse summing matrix is the dense one snop built node by node, row for row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snop.demand.hierarchy import BOTTOM, RECONCILERS, Hierarchy, build_hierarchy, reconcile


def ragged_bottom() -> pd.DataFrame:
    """Families of 3 and 1 products; not every product sells to every segment."""
    sold = {
        ("F", "p1"): ("Key", "Retail", "Web"),
        ("F", "p2"): ("Web",),
        ("F", "p3"): ("Key", "Retail"),
        ("G", "p4"): ("Retail", "Web"),
    }
    rows = [
        (family, product, segment, ds, 5.0 * (k + 1) + ds)
        for k, ((family, product), segments) in enumerate(sold.items())
        for segment in segments
        for ds in range(4)
    ]
    return pd.DataFrame(rows, columns=["family", "product_id", "segment", "ds", "y"])


def dense_summing(nodes: pd.DataFrame) -> pd.DataFrame:
    """The node-by-node construction this module used before it was sparse (the reference)."""
    bottom = nodes[nodes["level"] == BOTTOM].reset_index(drop=True)
    matrix = np.zeros((len(nodes), len(bottom)))
    for row, node in enumerate(nodes.itertuples(index=False)):
        mask = np.ones(len(bottom), dtype=bool)
        for column in ("family", "product_id", "segment"):
            value = getattr(node, column)
            if value is not None and not (isinstance(value, float) and np.isnan(value)):
                mask &= (bottom[column] == value).to_numpy()
        matrix[row] = mask
    summing = pd.DataFrame(matrix, columns=bottom["unique_id"].tolist())
    summing.insert(0, "unique_id", nodes["unique_id"].to_numpy())
    return summing


def row(hierarchy: Hierarchy, unique_id: str) -> set[str]:
    """The bottom ids that add up into one node."""
    i = int(np.flatnonzero(hierarchy.nodes["unique_id"] == unique_id)[0])
    columns = hierarchy.summing[[i]].indices
    return {hierarchy.bottom_ids[j] for j in columns}


def test_every_row_is_the_dense_constructions_row() -> None:
    hierarchy, _ = build_hierarchy(ragged_bottom())
    reference = dense_summing(hierarchy.nodes)
    assert list(reference.columns[1:]) == hierarchy.bottom_ids
    assert hierarchy.summing.shape == (len(hierarchy.nodes), len(hierarchy.bottom_ids))
    np.testing.assert_array_equal(
        hierarchy.summing.toarray(), reference.drop(columns="unique_id").to_numpy()
    )


def test_rows_checked_by_hand() -> None:
    hierarchy, _ = build_hierarchy(ragged_bottom())
    assert len(hierarchy.bottom_ids) == 8
    assert row(hierarchy, "total") == set(hierarchy.bottom_ids)
    assert row(hierarchy, "family|G") == {"product_segment|p4|Retail", "product_segment|p4|Web"}
    assert row(hierarchy, "segment|Key") == {
        "product_segment|p1|Key",
        "product_segment|p3|Key",
    }
    assert row(hierarchy, "product|p2") == {"product_segment|p2|Web"}
    for uid in hierarchy.bottom_ids:
        assert row(hierarchy, uid) == {uid}


def dense_reconcile(base: pd.DataFrame, hierarchy: Hierarchy, method: str) -> pd.DataFrame:
    """What :func:`reconcile` returned with the dense frame and the dense BottomUp/MinTrace."""
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace

    reconciler = {
        "bottom_up": BottomUp(),
        "mint_ols": MinTrace(method="ols"),
        "mint_wls_struct": MinTrace(method="wls_struct"),
    }[method]
    summing = dense_summing(hierarchy.nodes)
    y_hat = base.rename(columns={"forecast": "base"})[["unique_id", "ds", "base"]]
    y_hat = y_hat.set_index("unique_id").loc[summing["unique_id"]].reset_index()
    out = HierarchicalReconciliation(reconcilers=[reconciler]).reconcile(
        Y_hat_df=y_hat, S_df=summing, tags=hierarchy.tags
    )
    column = next(c for c in out.columns if c.startswith("base/"))
    bottom = out[out["unique_id"].isin(hierarchy.bottom_ids)]
    wide = bottom.pivot(index="ds", columns="unique_id", values=column)
    wide = wide.reindex(columns=hierarchy.bottom_ids).clip(lower=0.0)
    totals = wide.to_numpy() @ summing.set_index("unique_id").to_numpy().T
    frame = pd.DataFrame(totals, index=wide.index, columns=summing["unique_id"])
    return frame.reset_index().melt(id_vars="ds", var_name="unique_id", value_name="forecast")


@pytest.mark.parametrize("method", RECONCILERS)
def test_reconciled_forecast_is_the_dense_ones(method: str) -> None:
    hierarchy, panel = build_hierarchy(ragged_bottom())
    rng = np.random.default_rng(11)
    base = panel[panel["ds"] >= 2].assign(ds=lambda f: f["ds"] + 2)
    # Incoherent on purpose, and one bottom series pushed below zero to exercise the clip.
    base["forecast"] = base["y"] * rng.uniform(0.6, 1.4, len(base))
    base.loc[base["unique_id"] == "product_segment|p2|Web", "forecast"] = -3.0
    base = base[["unique_id", "ds", "forecast"]]
    new = reconcile(base, hierarchy, method).set_index(["unique_id", "ds"])["forecast"]
    old = dense_reconcile(base, hierarchy, method).set_index(["unique_id", "ds"])["forecast"]
    assert len(new) == len(old) == len(hierarchy.nodes) * 2
    pd.testing.assert_series_equal(new.sort_index(), old.sort_index(), rtol=1e-12, atol=1e-9)
