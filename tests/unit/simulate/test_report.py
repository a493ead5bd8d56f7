"""Scoring a run: every figure computed by hand on two months of the tiny company.

July: A ordered K 10 / W 10, 16 shipped on time (K 10, W 6); B ordered 20, all on time.
August: A ordered 20, all on time, plus W's 4 from July (late); B ordered 20, 15 on time.
Month-end stock: A 0 then 2, B 5 then 0; backlog A 4 then 0, B 0 then 5.
Hours (one line, 100 regular): 110 in July (10 overtime), 90 in August.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulate_cases import world
from snop.simulate.engine import PolicyRun, SimulationResult, SimulationSettings
from snop.simulate.report import month_costs, score

MONTHS = ["2026-07", "2026-08"]
SETTINGS = SimulationSettings(first_month="2026-07", months=2, warm_up=0)


def run(name: str, *, a_july_w: float = 6.0, stock_b: float = 5.0) -> PolicyRun:
    lines = pd.DataFrame(
        [
            ("2026-07", "A", "K", "Key", 10.0, 10.0),
            ("2026-07", "A", "W", "Web", 10.0, a_july_w),
            ("2026-07", "B", "K", "Key", 10.0, 10.0),
            ("2026-07", "B", "W", "Web", 10.0, 10.0),
            ("2026-08", "A", "K", "Key", 10.0, 10.0),
            ("2026-08", "A", "W", "Web", 10.0, 10.0),
            ("2026-08", "B", "K", "Key", 10.0, 10.0),
            ("2026-08", "B", "W", "Web", 10.0, 5.0),
        ],
        columns=["period", "product_id", "customer_id", "segment", "ordered", "on_time"],
    )
    shipments = lines.rename(columns={"on_time": "quantity"}).drop(columns="ordered")
    shipments["ordered_in"] = shipments["period"]
    late = pd.DataFrame(
        [("2026-08", "A", "W", "Web", 10.0 - a_july_w, "2026-07")],
        columns=["period", "product_id", "customer_id", "segment", "quantity", "ordered_in"],
    )
    shipments = pd.concat([shipments, late], ignore_index=True)
    stock = pd.DataFrame(
        {
            "product_id": ["A", "A", "B", "B"],
            "period": MONTHS * 2,
            "requested": [16.0, 30.0, 25.0, 20.0],
            "made": [16.0, 26.0, 25.0, 10.0],
            "bought": [0.0, 0.0, 0.0, 5.0],
            "arrivals": [16.0, 26.0, 25.0, 15.0],
            "shipped": [16.0, 24.0, 20.0, 15.0],
            "on_hand": [0.0, 2.0, stock_b, 0.0],
            "backlog": [4.0, 0.0, 0.0, 5.0],
        }
    )
    hours = pd.DataFrame(
        {
            "resource_id": ["LINE", "LINE"],
            "period": MONTHS,
            "load": [110.0, 90.0],
            "capacity": [100.0, 100.0],
            "overtime_capacity": [20.0, 20.0],
            "overtime": [10.0, 0.0],
        }
    )
    forecasts = pd.DataFrame(
        {
            "product_id": ["A", "B", "A", "B"],
            "period": ["2026-07", "2026-07", "2026-08", "2026-08"],
            "quantity": [25.0, 20.0, 20.0, 15.0],
        }
    )
    return PolicyRun(name, lines, shipments, stock, hours, forecasts)


def test_service_stock_and_forecast_error_by_hand() -> None:
    report = score(SimulationResult(SETTINGS, {"snop": run("snop")}), world())
    head = report.headline.set_index("policy").loc["snop"]
    assert head["fill_rate"] == pytest.approx(71 / 80)
    assert head["otif"] == pytest.approx(6 / 8)  # July A-W and August B-W short
    # Standard cost: A 4 + 1 h x 2 = 6, B 8 + 2 = 10. Stock value: July 0 + 50, August 12 + 0.
    assert head["inventory_value"] == pytest.approx((50.0 + 12.0) / 2)
    assert head["inventory_units"] == pytest.approx((5.0 + 2.0) / 2)
    assert head["backlog_units"] == pytest.approx((4.0 + 5.0) / 2)
    assert head["capacity_cut"] == pytest.approx(4.0 + 10.0)
    assert head["overtime_hours"] == pytest.approx(10.0)
    # |25-20| + |20-20| + |20-20| + |15-20| over 80.
    assert head["forecast_wape"] == pytest.approx(10 / 80)
    service = report.service.set_index("segment")
    assert service.loc["Key", "fill_rate"] == pytest.approx(1.0)
    assert service.loc["Web", "fill_rate"] == pytest.approx(31 / 40)
    assert bool(service.loc["Key", "met"]) and not bool(service.loc["Web", "met"])


def test_costs_split_as_the_supply_plan_splits_them() -> None:
    costs = month_costs(run("snop"), world(), MONTHS).groupby("component")["amount"].sum()
    assert costs["material"] == pytest.approx(16 * 4 + 26 * 4 + 25 * 8 + 10 * 8)
    assert costs["regular_hours"] == pytest.approx(200 * 2.0)
    assert costs["overtime"] == pytest.approx(10 * (3.0 - 2.0))
    assert costs["subcontract"] == pytest.approx(5 * 9.0)
    assert costs["holding"] == pytest.approx(2 * 0.1 + 5 * 0.2)
    assert costs["backorder"] == pytest.approx(4 * 1.0 + 5 * 2.0)


def test_the_sentences_compare_the_baseline_with_each_policy() -> None:
    runs = {"snop": run("snop"), "naive": run("naive", a_july_w=2.0, stock_b=30.0)}
    report = score(SimulationResult(SETTINGS, runs), world())
    assert report.wins("naive")
    text = " ".join(report.sentences)
    # 88.75 % against 83.75 %; $31 against $156 of stock, 3.0 against 15.1 days of supply.
    assert (
        "Against naive, snop won: 5.0 service points more (88.8% against 83.8%) with $125 "
        "less stock (0.4 months of cover less), total cost $918.20 against $923.20; "
        "by segment Key +0.0 points, Web +10.0." in text
    )
    assert (
        "Web (priority 2): 77.5% on time against a target of 90.0% - missed by 12.5 points" in text
    )
    assert report.to_dict()["wins"] == {"naive": True}
    reverse = " ".join(score(SimulationResult(SETTINGS, runs), world(), baseline="naive").sentences)
    assert (
        "Against snop, naive did not win: 5.0 service points fewer (83.8% against 88.8%) "
        "with $125 more stock (0.4 months of cover more)" in reverse
    )
    assert "by segment Key +0.0 points, Web -10.0." in reverse


def test_fill_rate_by_value_weighs_each_unit_by_its_price() -> None:
    company = world()
    prices = company.products.set_index("product_id")["price"].astype(float)
    report = score(SimulationResult(SETTINGS, {"snop": run("snop")}), company)
    # A: 40 ordered, 36 on time; B: 40 ordered, 35 on time.
    expected = (36 * prices["A"] + 35 * prices["B"]) / (40 * prices["A"] + 40 * prices["B"])
    head = report.headline.set_index("policy").loc["snop"]
    assert head["value_fill_rate"] == pytest.approx(expected)
