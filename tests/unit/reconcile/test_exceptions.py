"""Exceptions: each kind fires exactly past its threshold, runs of months group, money ranks.

The plan is tiny: products P1 (family Tents, price 50, standard cost 20) and P2 (family
Packs, price 30, standard cost 8), resources R1 (100 regular + 20 overtime hours, 25 and
30 an hour) and R2 (50 regular hours, no overtime), segments Retail (target 95%) and
Online (target 90%), months 2027-01 to 2027-05. Every expected number is worked out in
the test's docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from snop.errors import InvalidInput
from snop.reconcile.exceptions import (
    COLUMNS,
    KINDS,
    OWNERS,
    ExceptionInputs,
    Thresholds,
    find_exceptions,
)
from snop.supply.service_level import planned_on_time, planned_service

MONTHS = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]


def _products() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "name": ["Tent 2p", "Pack 40l"],
            "family": ["Tents", "Packs"],
            "price": [50.0, 30.0],
        }
    )


def _prices() -> pd.Series:
    return pd.Series({"P1": 50.0, "P2": 30.0})


def _standard() -> pd.Series:
    return pd.Series({"P1": 20.0, "P2": 8.0})


def _plan_products(
    below_p1: list[float] | None = None,
    below_p2: list[float] | None = None,
    inventory_p2: list[float] | None = None,
    max_p2: float = 120.0,
) -> pd.DataFrame:
    below_p1 = below_p1 if below_p1 is not None else [0.0] * 5
    below_p2 = below_p2 if below_p2 is not None else [0.0] * 5
    inventory_p2 = inventory_p2 if inventory_p2 is not None else [100.0] * 5
    return pd.DataFrame(
        {
            "product_id": ["P1"] * 5 + ["P2"] * 5,
            "family": ["Tents"] * 5 + ["Packs"] * 5,
            "period": MONTHS * 2,
            "demand": [100.0] * 5 + [50.0] * 5,
            "inventory": [60.0] * 5 + inventory_p2,
            "safety_stock": [60.0] * 5 + [40.0] * 5,
            "below_safety_stock": below_p1 + below_p2,
            # P1 has no maximum: a huge stock of it is never an exception.
            "max_units": [np.nan] * 5 + [max_p2] * 5,
        }
    )


def _plan_resources(r1: list[float], r2: list[float] | None = None) -> pd.DataFrame:
    r2 = r2 if r2 is not None else [25.0] * 5
    return pd.DataFrame(
        {
            "resource_id": ["R1"] * 5 + ["R2"] * 5,
            "name": ["Assembly"] * 5 + ["Sewing"] * 5,
            "period": MONTHS * 2,
            "load": r1 + r2,
            "regular_capacity": [100.0] * 5 + [50.0] * 5,
            "overtime": [0.0] * 10,
            "overtime_capacity": [20.0] * 5 + [0.0] * 5,
        }
    )


def _resources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource_id": ["R1", "R2"],
            "regular_cost": [25.0, 10.0],
            "overtime_cost": [30.0, 15.0],
        }
    )


def _segments_master(retail: float = 0.95, online: float = 0.90) -> pd.DataFrame:
    return pd.DataFrame(
        {"segment": ["Retail", "Online"], "service_target": [retail, online], "priority": [1, 2]}
    )


def _plan_segments() -> pd.DataFrame:
    """Three months; Retail is late, Online is not.

    P1 Retail: demand 100 a month, shipped 100, 80, 120, owed 0, 20, 0 at month end.
    P2 Retail: demand 50 a month, shipped 50, 40, 50, owed 0, 10, 10.
    P1 Online: demand 100 a month, shipped 100, 100, 90, owed 0, 0, 10.
    """
    return pd.DataFrame(
        {
            "product_id": ["P1"] * 3 + ["P2"] * 3 + ["P1"] * 3,
            "family": ["Tents"] * 3 + ["Packs"] * 3 + ["Tents"] * 3,
            "segment": ["Retail"] * 6 + ["Online"] * 3,
            "period": MONTHS[:3] * 3,
            "demand": [100.0] * 3 + [50.0] * 3 + [100.0] * 3,
            "shipped": [100.0, 80.0, 120.0, 50.0, 40.0, 50.0, 100.0, 100.0, 90.0],
            "backlog": [0.0, 20.0, 0.0, 0.0, 10.0, 10.0, 0.0, 0.0, 10.0],
        }
    )


def _inputs(**frames: Any) -> ExceptionInputs:
    base: dict[str, Any] = {
        "products": _products(),
        "price": _prices(),
        "standard": _standard(),
        "resources": _resources(),
    }
    return ExceptionInputs(**(base | frames))


def _kind(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    return table[table["kind"] == kind].reset_index(drop=True)


# --- shape --------------------------------------------------------------------------------


def test_nothing_to_report_gives_an_empty_frame_with_the_columns() -> None:
    table = find_exceptions(ExceptionInputs())
    assert table.empty
    assert list(table.columns) == list(COLUMNS)


def test_a_quiet_plan_has_no_exceptions() -> None:
    """Stock at safety stock and under its maximum, resources inside the band, segments on
    target: nothing fires."""
    inputs = _inputs(
        plan_products=_plan_products(),
        plan_resources=_plan_resources([80.0] * 5, [40.0] * 5),
        plan_segments=_plan_segments(),
        segments=_segments_master(retail=0.9, online=0.9),
        min_util=0.6,
        max_util=0.95,
    )
    assert find_exceptions(inputs).empty


# --- stock --------------------------------------------------------------------------------


def test_below_safety_stock_groups_consecutive_months_and_values_the_peak() -> None:
    """P1 short 0, 10, 30, 0, 0.6 units; P2 short 0.4 in January.

    Runs over half a unit: P1 2027-02..2027-03 (peak 30 in 2027-03, 30 x 20 = 600 at
    standard cost) and P1 2027-05 (0.6 x 20 = 12). P2's 0.4 units is rounding: no exception.
    """
    inputs = _inputs(
        plan_products=_plan_products(
            below_p1=[0.0, 10.0, 30.0, 0.0, 0.6], below_p2=[0.4, 0.0, 0.0, 0.0, 0.0]
        )
    )
    found = _kind(find_exceptions(inputs), "below_safety_stock")
    assert found[["scope", "period_from", "period_to"]].values.tolist() == [
        ["P1", "2027-02", "2027-03"],
        ["P1", "2027-05", "2027-05"],
    ]
    assert found["units"].tolist() == pytest.approx([30.0, 0.6])
    assert found["money"].tolist() == pytest.approx([600.0, 12.0])
    assert set(found["owner"]) == {"supply planner"}
    assert set(found["scope_kind"]) == {"product"}
    first = str(found.loc[0, "what"])
    assert "Tent 2p (P1, Tents)" in first
    assert "from 2027-02 to 2027-03" in first
    assert "30 units" in first and "$600" in first and "2027-03" in first


def test_below_safety_stock_threshold_is_strict() -> None:
    at = _inputs(plan_products=_plan_products(below_p1=[0.5, 0, 0, 0, 0]))
    above = _inputs(plan_products=_plan_products(below_p1=[0.51, 0, 0, 0, 0]))
    assert _kind(find_exceptions(at), "below_safety_stock").empty
    assert len(_kind(find_exceptions(above), "below_safety_stock")) == 1


def test_over_max_stock_is_the_excess_at_its_peak_times_standard_cost() -> None:
    """P2 holds 100, 150, 160, 120.4, 90 against a maximum of 120.

    Excess 30 and 40 in February and March (one run, peak 40: 40 x 8 = 320 tied up);
    April's 0.4 over is rounding.
    """
    inputs = _inputs(plan_products=_plan_products(inventory_p2=[100, 150, 160, 120.4, 90]))
    found = _kind(find_exceptions(inputs), "over_max_stock")
    assert len(found) == 1
    row = found.loc[0]
    assert (row["scope"], row["period_from"], row["period_to"]) == ("P2", "2027-02", "2027-03")
    assert row["units"] == pytest.approx(40.0)
    assert row["money"] == pytest.approx(320.0)
    assert "$320" in row["what"] and "120-unit maximum" in row["what"]


def test_over_max_stock_fires_just_above_the_threshold() -> None:
    inputs = _inputs(plan_products=_plan_products(inventory_p2=[120.6, 100, 100, 100, 100]))
    found = _kind(find_exceptions(inputs), "over_max_stock")
    assert found["units"].tolist() == pytest.approx([0.6])


# --- capacity -----------------------------------------------------------------------------


def test_over_capacity_counts_hours_beyond_regular_and_overtime() -> None:
    """R1 can work 100 + 20 = 120 hours: loads 130, 120, 125 give 10 hours in January and 5
    in March (two runs: February is at the limit, not over). At 30 an hour: 300 and 150.
    R2 (50 hours, no overtime) at 50.00001 is over by 1e-5 > 1e-6 hours: it fires;
    at 50.0000005 it does not.
    """
    inputs = _inputs(
        plan_resources=_plan_resources(
            [130.0, 120.0, 125.0, 80.0, 80.0], [50.00001, 50.0000005, 25.0, 25.0, 25.0]
        )
    )
    found = _kind(find_exceptions(inputs), "over_capacity")
    by_scope = found.sort_values(["scope", "period_from"])
    assert by_scope[["scope", "period_from", "period_to"]].values.tolist() == [
        ["R1", "2027-01", "2027-01"],
        ["R1", "2027-03", "2027-03"],
        ["R2", "2027-01", "2027-01"],
    ]
    assert by_scope["units"].tolist() == pytest.approx([10.0, 5.0, 1e-5])
    assert by_scope["money"].tolist() == pytest.approx([300.0, 150.0, 1.5e-4])
    first = by_scope.iloc[0]["what"]
    assert "Assembly (R1)" in first and "10 hours" in first and "$300" in first


def test_over_capacity_against_the_utilisation_ceiling_groups_by_limit() -> None:
    """With a 90% ceiling R1's limit is 90 hours (tighter than 120).

    Loads 130, 120, 95, 80, 80: January is over the hard limit too (130 > 120), so it is its
    own run: 130 - 90 = 40 hours, 40 x 30 = 1,200. February and March are over the ceiling
    only: 30 + 5 = 35 hours, 35 x 30 = 1,050.
    """
    inputs = _inputs(plan_resources=_plan_resources([130.0, 120.0, 95.0, 80.0, 80.0]), max_util=0.9)
    found = _kind(find_exceptions(inputs), "over_capacity").sort_values("period_from")
    assert found[["period_from", "period_to"]].values.tolist() == [
        ["2027-01", "2027-01"],
        ["2027-02", "2027-03"],
    ]
    assert found["units"].tolist() == pytest.approx([40.0, 35.0])
    assert found["money"].tolist() == pytest.approx([1200.0, 1050.0])
    assert "10 hours beyond its regular and overtime" in found.iloc[0]["what"]
    assert "40 hours above the 90% utilisation ceiling" in found.iloc[0]["what"]
    assert "90% utilisation ceiling" in found.iloc[1]["what"]
    assert "up to 120%" in found.iloc[1]["what"]


def test_under_utilised_counts_idle_hours_below_the_floor_at_the_regular_rate() -> None:
    """Floor 60%: R1 (100 regular hours) at 50, 55, 60, 40 and 80 hours.

    Idle 10 + 5 in January-February (one run: 15 h x 25 = 375), March is exactly at the floor,
    April idles 20 h (20 x 25 = 500). R2 (50 h) at 30 = 60%: at the floor, no exception.
    """
    inputs = _inputs(
        plan_resources=_plan_resources([50.0, 55.0, 60.0, 40.0, 80.0], [30.0] * 5),
        min_util=0.6,
    )
    found = _kind(find_exceptions(inputs), "under_utilised").sort_values("period_from")
    assert found[["scope", "period_from", "period_to"]].values.tolist() == [
        ["R1", "2027-01", "2027-02"],
        ["R1", "2027-04", "2027-04"],
    ]
    assert found["units"].tolist() == pytest.approx([15.0, 20.0])
    assert found["money"].tolist() == pytest.approx([375.0, 500.0])
    # 105 hours used of 200 regular: 52%.
    assert "52% of its regular hours" in found.iloc[0]["what"]
    assert "60% floor" in found.iloc[0]["what"]


def test_no_band_means_no_utilisation_exceptions() -> None:
    inputs = _inputs(plan_resources=_plan_resources([10.0] * 5))
    assert find_exceptions(inputs).empty


# --- service ------------------------------------------------------------------------------


def test_planned_on_time_adds_up_to_planned_service() -> None:
    """On time, P1 Retail: 100, 80, 100 (March ships the 20 owed first); P2 Retail: 50, 40,
    40; P1 Online: 100, 100, 90."""
    rows = _plan_segments().sort_values(["product_id", "segment", "period"])
    rows = rows.assign(on_time=planned_on_time(rows))
    rows["late"] = rows["demand"] - rows["on_time"]
    by_cell = rows.set_index(["product_id", "segment", "period"])["on_time"]
    assert by_cell.loc[("P1", "Retail")].tolist() == [100.0, 80.0, 100.0]
    assert by_cell.loc[("P2", "Retail")].tolist() == [50.0, 40.0, 40.0]
    assert rows["late"].sum() == pytest.approx(50.0)
    service = planned_service(_plan_segments()).set_index("segment")
    sums = rows.groupby("segment")["on_time"].sum()
    assert sums.to_dict() == pytest.approx(service["on_time"].to_dict())


def test_service_below_target_names_the_families_carrying_the_late_units() -> None:
    """Retail: demand 450, on time 100+80+100 + 50+40+40 = 410, fill rate 91.1% < 95%.

    Late: P1 20 (February), P2 10 + 10 (February, March): 40 units, from 2027-02 to
    2027-03; money 20 x 50 + 20 x 30 = 1,600. Online: 290 / 300 = 96.7% >= 90%: fine.
    """
    inputs = _inputs(plan_segments=_plan_segments(), segments=_segments_master())
    found = _kind(find_exceptions(inputs), "service_below_target")
    assert len(found) == 1
    row = found.loc[0]
    assert (row["scope_kind"], row["scope"]) == ("segment", "Retail")
    assert (row["period_from"], row["period_to"]) == ("2027-02", "2027-03")
    assert row["units"] == pytest.approx(40.0)
    assert row["money"] == pytest.approx(1600.0)
    assert row["owner"] == "executive"
    assert "91.1%" in row["what"] and "95.0%" in row["what"]
    assert "Packs 20 units (50%)" in row["what"] and "Tents 20 units (50%)" in row["what"]


@pytest.mark.parametrize(("target", "fires"), [(290 / 300 + 0.001, True), (290 / 300, False)])
def test_service_below_target_is_strict(target: float, fires: bool) -> None:
    """Online's fill rate is 290 / 300; Retail's target is set out of reach of firing."""
    inputs = _inputs(
        plan_segments=_plan_segments(), segments=_segments_master(retail=0.5, online=target)
    )
    found = _kind(find_exceptions(inputs), "service_below_target")
    assert found["scope"].tolist() == (["Online"] if fires else [])


def test_a_segment_without_a_target_is_not_judged() -> None:
    segments = pd.DataFrame({"segment": ["Online"], "service_target": [0.5]})
    inputs = _inputs(plan_segments=_plan_segments(), segments=segments)
    assert _kind(find_exceptions(inputs), "service_below_target").empty


# --- forecast bias ------------------------------------------------------------------------


def _bias() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["family", "product", "product", "product", "family"],
            "key": ["Tents", "P2", "P1", "P1", "Packs"],
            "lag": [1, 1, 1, 2, 2],
            "bias": [0.15, -0.11, 0.10, 0.5, 0.5],
            "actual": [1000.0, 400.0, 900.0, 900.0, 400.0],
            "forecast_next": [300.0, 100.0, 300.0, 300.0, 100.0],
        }
    )


def test_forecast_bias_fires_above_ten_percent_at_lag_one_only() -> None:
    """Tents +15%: 0.15 x 300 = 45 units x 50 (P1 is the only Tent) = 2,250 too high.

    P2 -11%: 0.11 x 100 = 11 units x 30 = 330 too low. P1 at exactly 10% does not fire;
    lag 2 rows are not judged. The next three plan months are 2027-01 to 2027-03.
    """
    inputs = _inputs(bias=_bias(), plan_products=_plan_products())
    found = _kind(find_exceptions(inputs), "forecast_bias")
    assert found[["scope_kind", "scope"]].values.tolist() == [
        ["family", "Tents"],
        ["product", "P2"],
    ]
    assert found["units"].tolist() == pytest.approx([45.0, 11.0])
    assert found["money"].tolist() == pytest.approx([2250.0, 330.0])
    assert set(found["owner"]) == {"demand planner"}
    assert (found.loc[0, "period_from"], found.loc[0, "period_to"]) == ("2027-01", "2027-03")
    assert "15.0% too high" in found.loc[0]["what"]
    assert "300 units forecast for 2027-01 to 2027-03" in found.loc[0]["what"]
    assert "too low" in found.loc[1]["what"] and "raise" in found.loc[1]["action"]


def test_bias_thresholds_can_be_tightened_and_moved_to_another_lag() -> None:
    """At 20% only lag 2's 50% rows fire when the lag is 2: P1 (0.5 x 300 x 50 = 7,500) and
    Packs (0.5 x 100 x 30 = 1,500); at lag 1 nothing is over 20%."""
    inputs = _inputs(bias=_bias())
    assert find_exceptions(inputs, Thresholds(bias=0.2)).empty
    found = find_exceptions(inputs, Thresholds(bias=0.2, lag=2))
    assert found["scope"].tolist() == ["P1", "Packs"]
    assert found["money"].tolist() == pytest.approx([7500.0, 1500.0])
    # Without a plan there are no "next months" to name.
    assert found["period_from"].isna().all()


def test_a_family_price_is_weighted_by_planned_demand() -> None:
    """Family Gear = P1 (price 50, 100 a month planned) + P2 (price 30, 50 a month).

    Weighted price (500 x 50 + 250 x 30) / 750 = 43.33; bias 0.2 x 90 = 18 units -> 780.
    """
    plan = _plan_products().assign(family="Gear")
    products = _products().assign(family="Gear")
    bias = pd.DataFrame(
        {
            "level": ["family"],
            "key": ["Gear"],
            "lag": [1],
            "bias": [0.2],
            "actual": [1.0],
            "forecast_next": [90.0],
        }
    )
    found = find_exceptions(_inputs(bias=bias, plan_products=plan, products=products))
    assert found.loc[0, "money"] == pytest.approx(18 * (500 * 50 + 250 * 30) / 750)


# --- overrides ----------------------------------------------------------------------------


def test_an_override_that_hurt_accuracy_is_reported_once_at_its_worst_lag() -> None:
    """override:17 (alice, family Tents) lost 4 WAPE points at lag 1 and 6 at lag 2: one
    exception, at lag 2, 80 extra units x 50 = 4,000. bob's helped; carol's changed nothing."""
    fva = pd.DataFrame(
        {
            "stream": ["override:17", "override:17", "override:18", "override:19"],
            "author": ["alice", "alice", "bob", "carol"],
            "level": ["family", "family", "product", "product"],
            "key": ["Tents", "Tents", "P2", "P1"],
            "lag": [1, 2, 1, 1],
            "fva": [-0.04, -0.06, 0.02, 0.0],
            "extra_error_units": [100.0, 80.0, -10.0, 0.0],
        }
    )
    found = find_exceptions(_inputs(override_fva=fva))
    assert found["kind"].tolist() == ["override_hurt_accuracy"]
    row = found.loc[0]
    assert (row["scope_kind"], row["scope"], row["owner"]) == ("override", "override:17", "sales")
    assert row["units"] == pytest.approx(80.0)
    assert row["money"] == pytest.approx(4000.0)
    assert "alice" in row["what"] and "6.0 points" in row["what"] and "lag 2" in row["what"]
    assert row["action"].startswith("Sales: alice")


# --- scorecard ----------------------------------------------------------------------------


def _scorecard() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": ["2027", "2027-02", "2027", "2027", "2027-03"],
            "metric": ["revenue", "gross_margin", "fill_rate", "days_of_supply", "utilisation"],
            "scope": ["all", "Tents", "Retail", "all", "R1"],
            "target": [1_500_000.0, 0.40, 0.95, 30.0, 0.85],
            "value": [1_200_000.0, 0.38, 0.96, np.nan, 0.95],
            "gap": [-300_000.0, -0.02, 0.01, np.nan, 0.10],
            "gap_units": [np.nan, np.nan, 45.0, np.nan, 10.0],
            "gap_money": [-300_000.0, -5_000.0, 2_000.0, np.nan, 250.0],
            "status": ["red", "amber", "green", "not measured", "red"],
            "months": [5, 1, 5, 5, 1],
        }
    )


def test_red_and_amber_scorecard_rows_become_finance_exceptions() -> None:
    """Revenue 300,000 short (red), Tents margin 2 points short (amber, 5,000), R1
    utilisation 10 points over (red, 10 hours, 250). Green and not-measured rows stay out."""
    inputs = _inputs(scorecard=_scorecard(), plan_resources=_plan_resources([80.0] * 5))
    found = find_exceptions(inputs)
    assert found["kind"].tolist() == ["revenue_gap", "margin_gap", "utilisation_gap"]
    assert found["money"].tolist() == pytest.approx([300_000.0, 5_000.0, 250.0])
    assert found["scope_kind"].tolist() == ["all", "family", "resource"]
    assert set(found["owner"]) == {"finance"}
    revenue, margin = str(found.loc[0, "what"]), str(found.loc[1, "what"])
    assert "$1,200,000" in revenue and "$1,500,000" in revenue and "(5 months measured)" in revenue
    assert "$300,000 below target" in revenue
    assert "38.0%" in margin and "40.0%" in margin and "worth $5,000" in margin
    assert "2.0 points below target" in margin
    assert found.loc[2, "period_from"] == "2027-03"


def test_month_targets_missed_in_a_row_are_one_exception() -> None:
    """Revenue short in 2027-01, -02, -03 (10, 30, 20 thousand; red, red, amber) is one
    exception of 60,000 with 2027-02 the worst; 2027-05 (5,000, a month skipped) and the
    budget overrun in 2027-02 (a different metric) stay apart."""
    periods = ["2027-01", "2027-02", "2027-03", "2027-05", "2027-02"]
    gaps = [-10_000.0, -30_000.0, -20_000.0, -5_000.0, 4_000.0]
    card = pd.DataFrame(
        {
            "period": periods,
            "metric": ["revenue"] * 4 + ["budget"],
            "scope": ["all"] * 5,
            "target": [100_000.0] * 5,
            "value": [100_000.0 + g for g in gaps],
            "gap": gaps,
            "gap_units": [np.nan] * 5,
            "gap_money": gaps,
            "status": ["red", "red", "amber", "red", "red"],
        }
    )
    found = find_exceptions(_inputs(scorecard=card))
    assert found["money"].tolist() == pytest.approx([60_000.0, 5_000.0, 4_000.0])
    run = found.iloc[0]
    assert (run["period_from"], run["period_to"]) == ("2027-01", "2027-03")
    assert "3 months in a row" in run["what"] and "2 red, 1 amber" in run["what"]
    assert "the worst 2027-02 ($30,000 below)" in run["what"]
    assert found.iloc[1]["period_from"] == found.iloc[1]["period_to"] == "2027-05"
    assert found.iloc[2]["kind"] == "budget_gap"


def test_scorecard_units_from_the_scorecard_format_the_sentence() -> None:
    """A backlog ceiling of 100 units missed by 20 (red), worth 1,000; the scorecard's own
    unit column says these are units."""
    card = pd.DataFrame(
        {
            "period": ["2027-04"],
            "metric": ["backlog_units"],
            "scope": ["Packs"],
            "target": [100.0],
            "value": [120.0],
            "gap": [20.0],
            "gap_units": [20.0],
            "gap_money": [1_000.0],
            "status": ["red"],
            "unit": ["units"],
        }
    )
    found = find_exceptions(_inputs(scorecard=card, plan_products=_plan_products()))
    assert found["kind"].tolist() == ["backlog_units_gap"]
    assert str(found.loc[0, "what"]) == (
        "Backlog units for family Packs in 2027-04 is 120 units against a target of "
        "100 units (red): 20 units above target (worth $1,000)."
    )


# --- all together -------------------------------------------------------------------------


def test_exceptions_are_ranked_by_money_at_stake() -> None:
    """From the cases above: revenue 300,000; override 4,000; bias Tents 2,250; service
    Retail 1,600; over capacity R1 January 300; stock P1 600. Ranks follow money."""
    fva = pd.DataFrame(
        {
            "stream": ["override:17"],
            "author": ["alice"],
            "level": ["family"],
            "key": ["Tents"],
            "lag": [1],
            "fva": [-0.06],
            "extra_error_units": [80.0],
        }
    )
    inputs = _inputs(
        plan_products=_plan_products(below_p1=[0.0, 10.0, 30.0, 0.0, 0.0]),
        plan_segments=_plan_segments(),
        plan_resources=_plan_resources([130.0, 80.0, 80.0, 80.0, 80.0]),
        segments=_segments_master(),
        scorecard=_scorecard().iloc[[0]],
        bias=_bias().iloc[[0]],
        override_fva=fva,
    )
    table = find_exceptions(inputs)
    assert table["kind"].tolist() == [
        "revenue_gap",
        "override_hurt_accuracy",
        "forecast_bias",
        "service_below_target",
        "below_safety_stock",
        "over_capacity",
    ]
    assert table["money"].tolist() == pytest.approx([300_000, 4_000, 2_250, 1_600, 600, 300])
    assert table["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert list(table.columns) == list(COLUMNS)
    assert set(table["owner"]) <= set(OWNERS)
    assert set(table["kind"]) <= set(KINDS)
    assert table["what"].str.endswith(".").all()
    assert table["action"].str.contains(": ").all()


def test_missing_prices_and_rates_leave_money_at_zero_not_nan() -> None:
    inputs = ExceptionInputs(
        plan_products=_plan_products(below_p1=[5.0, 0, 0, 0, 0]),
        plan_resources=_plan_resources([130.0] + [80.0] * 4),
    )
    table = find_exceptions(inputs)
    assert table["kind"].tolist() == ["below_safety_stock", "over_capacity"]
    assert table["money"].tolist() == [0.0, 0.0]
    assert "$" not in "".join(table["what"])


# --- bad input ----------------------------------------------------------------------------


def test_a_frame_missing_a_column_is_reported() -> None:
    with pytest.raises(InvalidInput) as error:
        find_exceptions(ExceptionInputs(bias=_bias().drop(columns="forecast_next")))
    assert [(i.code, i.column) for i in error.value.issues] == [("missing_column", "forecast_next")]


def test_negative_thresholds_and_bad_bands_are_reported() -> None:
    with pytest.raises(InvalidInput) as error:
        find_exceptions(ExceptionInputs(min_util=60.0 * 1000), Thresholds(bias=-0.1))
    assert [i.code for i in error.value.issues] == ["invalid_threshold", "invalid_threshold"]
