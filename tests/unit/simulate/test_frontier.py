"""The simple rules' service-stock curves, read at snop's fill rate and stock."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulate_cases import world
from snop.simulate.engine import SimulationSettings, simulate
from snop.simulate.frontier import (
    EQUAL_COLUMNS,
    Comparison,
    equal_service,
    run_name,
    trace,
)
from snop.simulate.policies import naive_policy
from snop.simulate.report import score

CURVE = pd.DataFrame(
    {
        "policy": ["naive"] * 4,
        "safety_months": [0.0, 0.5, 1.0, 2.0],
        "fill_rate": [0.80, 0.90, 0.95, 0.97],
        "inventory_value": [100.0, 300.0, 500.0, 900.0],
        "total_cost": [10.0, 9.0, 9.5, 10.5],
    }
)


def test_the_curve_is_read_linearly_at_the_fill_rate_and_at_the_stock() -> None:
    row = equal_service(CURVE, fill_rate=0.92, stock=250.0).iloc[0]
    assert list(equal_service(CURVE, 0.92, 250.0).columns) == list(EQUAL_COLUMNS)
    assert row["reach"] == "on"
    # 0.92 is 40% of the way from 0.90 to 0.95: stock 300 + 0.4 x 200, cover 0.5 + 0.4 x 0.5.
    assert row["stock_needed"] == pytest.approx(380.0)
    assert row["stock_ratio"] == pytest.approx(380.0 / 250.0)
    assert row["cover_needed"] == pytest.approx(0.7)
    # With 250 of stock (3/4 of the way from 100 to 300) it serves 0.875.
    assert row["fill_at_stock"] == pytest.approx(0.875)


def test_out_of_reach_and_already_there_are_named() -> None:
    above = equal_service(CURVE, fill_rate=0.99, stock=2000.0).iloc[0]
    assert above["reach"] == "above" and np.isnan(above["stock_needed"])
    assert above["best_fill"] == pytest.approx(0.97)
    assert np.isnan(above["fill_at_stock"])  # more stock than the curve ever held
    below = equal_service(CURVE, fill_rate=0.75, stock=50.0).iloc[0]
    assert below["reach"] == "below" and below["stock_needed"] == pytest.approx(100.0)
    assert np.isnan(below["fill_at_stock"])  # less stock than the rule with no buffer


def wins_at(fill_rate: float, stock: float) -> bool | None:
    return Comparison(CURVE, equal_service(CURVE, fill_rate, stock)).wins("naive")


def test_the_verdict_at_equal_service_says_only_what_the_curve_shows() -> None:
    assert wins_at(0.92, 250.0) is True  # the rule needs 380 to serve as well
    assert wins_at(0.92, 450.0) is False  # 380 is enough for the rule
    assert wins_at(0.99, 2000.0) is True  # no buffer traced serves as well
    assert wins_at(0.75, 150.0) is False  # less stock, no buffer, and it serves better
    # With no buffer the rule serves better but holds more: the curve cannot tell.
    assert wins_at(0.75, 50.0) is None
    assert Comparison(CURVE, equal_service(CURVE, 0.9, 1.0)).wins("minmax") is None


def test_a_noisy_dip_does_not_bend_the_curve_backwards() -> None:
    noisy = CURVE.assign(fill_rate=[0.80, 0.90, 0.89, 0.97])
    row = equal_service(noisy, fill_rate=0.93, stock=400.0).iloc[0]
    # The running maximum keeps 0.90 at 500: 0.93 lies between 500 (0.90) and 900 (0.97).
    assert row["stock_needed"] == pytest.approx(500.0 + 400.0 * 3 / 7)


def test_traced_rules_are_scored_and_read_at_the_lead_policys_point() -> None:
    company = world()
    settings = SimulationSettings(first_month="2026-07", months=3, warm_up=1)
    result = simulate(company, {"lead": naive_policy}, settings)
    traced = trace(company, settings, ["naive", "lead"], buffers=(0.0, 1.0))
    assert sorted(traced) == [run_name("naive", 0.0), run_name("naive", 1.0)]
    report = score(result, company, traced=traced)
    curve = report.frontier
    assert list(curve["safety_months"]) == [0.0, 1.0]
    # More cover: at least as good service and more stock.
    assert curve["fill_rate"].iloc[1] >= curve["fill_rate"].iloc[0]
    assert curve["inventory_value"].iloc[1] > curve["inventory_value"].iloc[0]
    # The lead is the naive rule itself: the curve's first point is its own.
    lead = report.headline.set_index("policy").loc["lead"]
    assert curve["fill_rate"].iloc[0] == pytest.approx(lead["fill_rate"])
    equal = report.equal_service.set_index("policy").loc["naive"]
    assert equal["fill_rate"] == pytest.approx(lead["fill_rate"])
    assert any(s.startswith("At equal service") for s in report.sentences)
    stored = report.to_dict()
    assert stored["frontier"] and stored["equal_service"]
    assert set(stored["wins_at_equal_service"]) == {"naive"}
