"""Safety stock allocated across products for each segment's fill rate, with a cost floor.

Every expectation is recomputed here from the normal loss function, independently of the
allocation's own arithmetic: units short in a month ``sigma * G(ss / sigma)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from snop.supply.allocation import (
    allocate_safety_stock,
    critical_ratio_stock,
    monthly_sigma,
    plan_safety_stocks,
    pooled_safety_stocks,
)
from snop.supply.policy import backtest_safety_stocks, normal_loss, safety_factor_fill_rate

MONTHS = ["2026-01", "2026-02", "2026-03"]


def _demand(rows: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"product_id": p, "segment": s, "period": m, "quantity": q}
            for (p, s), q in rows.items()
            for m in MONTHS
        ]
    )


def _sigma(rows: dict[tuple[str, str], float]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"product_id": p, "segment": s, "period": m, "sigma": v}
            for (p, s), v in rows.items()
            for m in MONTHS
        ]
    )


def _short(stock: pd.Series, sigma: pd.Series) -> pd.Series:
    """Units short a month for one segment with a large demand: sigma G(ss / sigma)."""
    return sigma * normal_loss((stock / sigma).to_numpy())


def test_a_segments_fill_rate_is_met_and_no_more() -> None:
    demand = _demand({("A", "Retail"): 100.0, ("B", "Retail"): 100.0})
    sigma = _sigma({("A", "Retail"): 30.0, ("B", "Retail"): 10.0})
    by_segment, by_product = allocate_safety_stock(
        demand,
        sigma,
        pd.Series({"Retail": 0.97}),
        pd.Series({"Retail": 1}),
        pd.Series(1.0, ["A", "B"]),
    )
    merged = by_product.merge(sigma, on=["product_id", "period"])
    short = _short(merged["safety_stock"], merged["sigma"]).sum()
    allowed = 0.03 * demand["quantity"].sum()
    assert short <= allowed * 1.001
    # The grid of factors steps by 0.05: the stock is the least that meets the target.
    assert short >= allowed * 0.85
    assert set(by_segment.columns) >= {"sigma", "target", "k", "safety_stock"}


def test_cheap_stock_protects_more_and_the_whole_costs_less_than_each_product_alone() -> None:
    demand = _demand({("cheap", "Retail"): 100.0, ("dear", "Retail"): 100.0})
    sigma = _sigma({("cheap", "Retail"): 20.0, ("dear", "Retail"): 20.0})
    holding = pd.Series({"cheap": 1.0, "dear": 10.0})
    _, by_product = allocate_safety_stock(
        demand, sigma, pd.Series({"Retail": 0.98}), pd.Series({"Retail": 1}), holding
    )
    stock = by_product.groupby("product_id")["safety_stock"].first()
    assert stock["cheap"] > stock["dear"]
    # Each product at 98 % on its own: k with sigma G(k) = 2 % of its demand.
    alone = float(safety_factor_fill_rate(0.98, 20.0, 100.0)) * 20.0
    pooled_cost = (stock * holding).sum()
    assert pooled_cost < alone * holding.sum()


def test_with_priorities_the_first_segment_still_meets_its_target() -> None:
    demand = _demand({("A", "Key"): 20.0, ("A", "Web"): 80.0})
    sigma = _sigma({("A", "Key"): 8.0, ("A", "Web"): 20.0})
    targets = pd.Series({"Key": 0.99, "Web": 0.90})
    by_segment, _ = allocate_safety_stock(
        demand, sigma, targets, pd.Series({"Key": 1, "Web": 2}), pd.Series({"A": 1.0})
    )
    for segment, target in targets.items():
        rows = by_segment[by_segment["segment"] == segment]
        ordered = demand.loc[demand["segment"] == segment, "quantity"].sum()
        assert rows["expected_short"].sum() <= (1 - target) * ordered * 1.001
    # The key accounts are protected by the web's demand: together they need less stock
    # than the key accounts' target would need on the key accounts' error alone.
    key_alone = float(safety_factor_fill_rate(0.99, 8.0, 20.0)) * 8.0
    assert by_segment["safety_stock"].iloc[0] < key_alone + float(
        safety_factor_fill_rate(0.90, 20.0, 80.0) * 20.0
    )


def test_a_costly_shortage_raises_stock_to_the_critical_ratio() -> None:
    errors = pd.DataFrame(
        {"product_id": ["A", "B"], "segment": "Retail", "step": 1, "rmse": [10.0, 10.0]}
    )
    demand = _demand({("A", "Retail"): 100.0, ("B", "Retail"): 100.0})
    segments = pd.DataFrame({"segment": ["Retail"], "service_target": [0.5], "priority": [1]})
    products = pd.DataFrame(
        {"product_id": ["A", "B"], "holding_cost": [1.0, 1.0], "backorder_cost": [99.0, 0.0]}
    )
    lead = pd.Series({"A": 0, "B": 0})
    _, by_product = pooled_safety_stocks(errors, demand, lead, segments, products)
    stock = by_product.groupby("product_id")["safety_stock"].min()
    assert stock["A"] == pytest.approx(norm.ppf(0.99) * 10.0, rel=1e-6)
    # A 50 % fill rate needs no safety stock; B's shortage costs nothing.
    assert stock["B"] == pytest.approx(0.0, abs=1e-9)


def test_critical_ratio_is_read_between_the_median_and_three_nines() -> None:
    sigma = _sigma({("A", "Retail"): 10.0, ("B", "Retail"): 10.0, ("C", "Retail"): 10.0})
    costs = pd.DataFrame(
        {"holding_cost": [1.0, 5.0, 0.0], "backorder_cost": [1e9, 1.0, 0.0]}, index=["A", "B", "C"]
    )
    floor = critical_ratio_stock(sigma, costs).groupby("product_id")["cost_optimal"].first()
    assert floor["A"] == pytest.approx(norm.ppf(0.999) * 10.0)
    assert floor["B"] == pytest.approx(0.0)
    assert floor["C"] == pytest.approx(0.0)


def test_a_peak_months_error_grows_with_its_forecast() -> None:
    errors = pd.DataFrame(
        {"product_id": ["A", "A"], "segment": "Retail", "step": [1, 2], "rmse": [6.0, 8.0]}
    )
    demand = pd.DataFrame(
        {
            "product_id": "A",
            "segment": "Retail",
            "period": MONTHS,
            "quantity": [50.0, 100.0, 150.0],
        }
    )
    sigma = monthly_sigma(errors, demand, pd.Series({"A": 1})).set_index("period")["sigma"]
    protected = np.sqrt(6.0**2 + 8.0**2)  # lead time 1: this month and the next
    assert sigma.to_list() == pytest.approx([protected * f for f in (0.5, 1.0, 1.5)])


def test_products_without_a_measured_error_are_listed_with_no_stock() -> None:
    errors = pd.DataFrame({"product_id": ["A"], "segment": "Retail", "step": 1, "rmse": [5.0]})
    demand = _demand({("A", "Retail"): 40.0, ("new", "Retail"): 10.0})
    segments = pd.DataFrame({"segment": ["Retail"], "service_target": [0.95], "priority": [1]})
    products = pd.DataFrame(
        {"product_id": ["A", "new"], "holding_cost": 1.0, "backorder_cost": 2.0}
    )
    lead = pd.Series({"A": 0, "new": 0})
    by_segment, by_product = pooled_safety_stocks(errors, demand, lead, segments, products)
    new = by_segment[by_segment["product_id"] == "new"]
    assert len(new) == len(MONTHS)
    assert new["sigma"].isna().all() and (new["safety_stock"] == 0).all()
    stock = by_product.groupby("product_id")["safety_stock"].max()
    assert stock["new"] == 0.0 and stock["A"] > 0.0


def test_a_cycle_service_target_stays_product_by_product() -> None:
    errors = pd.DataFrame(
        {"product_id": ["A", "B"], "segment": "Retail", "step": 1, "rmse": [5.0, 9.0]}
    )
    demand = _demand({("A", "Retail"): 40.0, ("B", "Retail"): 60.0})
    segments = pd.DataFrame({"segment": ["Retail"], "service_target": [0.9], "priority": [1]})
    products = pd.DataFrame({"product_id": ["A", "B"], "holding_cost": 1.0, "backorder_cost": 0.0})
    lead = pd.Series({"A": 0, "B": 0})
    _, got = plan_safety_stocks(errors, demand, lead, segments, products, "cycle_service")
    _, want = backtest_safety_stocks(
        errors, demand, lead, pd.Series({"Retail": 0.9}), "cycle_service", pd.Series({"Retail": 1})
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
