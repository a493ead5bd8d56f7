"""Reconciliation adds up; like-items ramp; phase-outs run down; outliers are clipped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snop.demand.cleanse import cleanse_outliers
from snop.demand.hierarchy import RECONCILERS, build_hierarchy, reconcile
from snop.demand.lifecycle import like_item_forecast, ramp, run_down


def bottom() -> pd.DataFrame:
    rows = []
    for product, family in (("p1", "F"), ("p2", "F"), ("p3", "G")):
        for segment in ("Key", "Web"):
            for ds in range(3):
                rows.append((family, product, segment, ds, 10.0 + ds))
    return pd.DataFrame(rows, columns=["family", "product_id", "segment", "ds", "y"])


def test_the_hierarchy_has_every_level_and_sums() -> None:
    hierarchy, panel = build_hierarchy(bottom())
    counts = hierarchy.nodes["level"].value_counts().to_dict()
    assert counts == {"product_segment": 6, "product": 3, "family": 2, "segment": 2, "total": 1}
    total = panel[panel["unique_id"] == "total"]["y"].tolist()
    assert total == [60.0, 66.0, 72.0]


@pytest.mark.parametrize("method", RECONCILERS)
def test_reconciled_forecasts_add_up(method: str) -> None:
    hierarchy, panel = build_hierarchy(bottom())
    rng = np.random.default_rng(0)
    base = panel[panel["ds"] == 2].assign(ds=3)
    base["forecast"] = base["y"] * rng.uniform(0.8, 1.2, len(base))  # incoherent on purpose
    out = reconcile(base[["unique_id", "ds", "forecast"]], hierarchy, method).set_index(
        "unique_id"
    )["forecast"]
    bottoms = out[hierarchy.bottom_ids]
    assert out["total"] == pytest.approx(bottoms.sum())
    assert out["family|F"] == pytest.approx(
        bottoms.filter(like="|p1|").sum() + bottoms.filter(like="|p2|").sum()
    )
    assert out["segment|Key"] == pytest.approx(bottoms.filter(like="|Key").sum())


def test_a_new_product_ramps_up_from_its_like_item() -> None:
    assert ramp(np.array([0, 2, 5, 9])).tolist() == pytest.approx([1 / 6, 0.5, 1.0, 1.0])
    like = pd.DataFrame(
        {
            "segment": "Key",
            "ds": [10, 11, 12],
            "forecast": [60.0] * 3,
            "lo_80": [50.0] * 3,
            "hi_80": [70.0] * 3,
        }
    )
    out, scale = like_item_forecast(like, launch=11)
    assert scale == 1.0
    assert out["forecast"].tolist() == pytest.approx([0.0, 10.0, 20.0])
    assert out["hi_80"].tolist() == pytest.approx([0.0, 70 / 6, 70 / 3])
    # Selling twice the ramped like-item so far doubles the forecast.
    history = pd.DataFrame({"segment": "Key", "ds": [8, 9], "y": [60.0, 60.0]})
    actual = pd.DataFrame({"segment": "Key", "ds": [8, 9], "y": [20.0, 40.0]})
    _, scale = like_item_forecast(like, launch=8, actual_since_launch=actual, like_history=history)
    assert scale == pytest.approx(60.0 / 30.0)


def test_a_phase_out_runs_down_to_zero_after_its_end() -> None:
    frame = pd.DataFrame({"ds": [5, 6, 7, 8], "forecast": [40.0] * 4})
    out = run_down(frame, start=5, end=6)
    assert out["forecast"].tolist() == [40.0, 20.0, 0.0, 0.0]


def test_a_spike_is_clipped_and_listed_but_intermittent_series_are_left_alone() -> None:
    t = np.arange(36)
    y = 100 + 20 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(3).normal(0, 2, 36)
    y[20] = 600.0
    panel = pd.concat(
        [
            pd.DataFrame({"unique_id": "smooth", "ds": t, "y": y}),
            pd.DataFrame({"unique_id": "spares", "ds": t, "y": np.where(t % 5 == 0, 50.0, 0.0)}),
        ]
    )
    cleansed, outliers = cleanse_outliers(panel, skip=["spares"])
    assert outliers[["unique_id", "ds"]].values.tolist() == [["smooth", 20]]
    assert outliers["raw"].iloc[0] == 600.0 and outliers["cleansed"].iloc[0] < 250
    assert cleansed[cleansed["unique_id"] == "spares"]["y"].max() == 50.0
