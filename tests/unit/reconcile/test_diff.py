"""Plan version diff: deltas by family and month, and the causes they are put down to.

The base case: plan 1 covers 2027-01..2027-03, plan 2 2027-02..2027-04, so Feb and Mar are
compared, Apr was added and Jan dropped. Family Tents = P1 (routes through R1), Packs = P2
(through R2).

                 plan 1 (every month)          plan 2 Feb             plan 2 Mar
  P1  demand 100, make 100, stock 50    demand 130, make 130   demand 100, make 80, stock 30
  P2  demand  50, make  50, stock 10    make 70, stock 40      make 60, stock 50

- Tents Feb: demand +30 (override 17 put Tents +30% in Feb) -> demand changed; override.
- Tents Mar: make -20 while R1 lost 40 regular hours in Mar -> capacity changed.
- Packs Feb: plan 1 ends Jan with 10 on hand; plan 2 opens Feb with 40 + 50 - 70 = 20,
  i.e. +10 -> opening position changed (make +20).
- Packs Mar: make +10, nothing else moved -> re-optimised.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from snop.reconcile.diff import DiffContext, PlanDiff, diff_plans

COLUMNS = [
    "product_id",
    "family",
    "period",
    "demand",
    "production",
    "subcontract",
    "shipped",
    "receipts",
    "inventory",
    "backlog",
    "safety_stock",
]
FAMILY = {"P1": "Tents", "P2": "Packs", "N1": "Tents"}


def _row(
    product: str, period: str, demand: float, make: float, stock: float, ss: float
) -> dict[str, object]:
    """A plan row where everything made arrives at once and all demand ships."""
    return dict(
        zip(
            COLUMNS,
            [product, FAMILY[product], period, demand, make, 0.0, demand, make, stock, 0.0, ss],
            strict=True,
        )
    )


def _earlier_products() -> pd.DataFrame:
    rows = []
    for period in ("2027-01", "2027-02", "2027-03"):
        rows.append(_row("P1", period, 100, 100, 50, 20))
        rows.append(_row("P2", period, 50, 50, 10, 5))
    return pd.DataFrame(rows)


def _later_products() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _row("P1", "2027-02", 130, 130, 50, 20),
            _row("P1", "2027-03", 100, 80, 30, 20),
            _row("P1", "2027-04", 100, 100, 30, 20),
            _row("P2", "2027-02", 50, 70, 40, 5),
            _row("P2", "2027-03", 50, 60, 50, 5),
            _row("P2", "2027-04", 50, 50, 50, 5),
        ]
    )


def _resources(periods: list[str], r1_march: float) -> pd.DataFrame:
    rows = []
    for period in periods:
        r1 = r1_march if period == "2027-03" else 300.0
        rows.append({"resource_id": "R1", "period": period, "regular_capacity": r1,
                     "overtime_capacity": 50.0})  # fmt: skip
        rows.append({"resource_id": "R2", "period": period, "regular_capacity": 200.0,
                     "overtime_capacity": 0.0})  # fmt: skip
    return pd.DataFrame(rows)


def _costs(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["component", "period", "amount"])


def _header(plan_id: int, forecast: int, **changes: object) -> dict[str, object]:
    header: dict[str, object] = {
        "id": plan_id,
        "strategy": "cost",
        "service_measure": "fill_rate",
        "frozen_periods": 1,
        "forecast_version_id": forecast,
    }
    return header | changes


ROUTINGS = pd.DataFrame(
    {"product_id": ["P1", "P2"], "resource_id": ["R1", "R2"], "hours_per_unit": [2.0, 1.0]}
)
OVERRIDES = pd.DataFrame(
    {
        "id": [17, 18],
        "created_at": ["2027-01-20", "2027-01-21"],
        "author": ["ana", "bo"],
        "level": ["family", "product"],
        "key": ["Tents", "P2"],
        "period_from": ["2027-02", "2027-03"],
        "period_to": ["2027-02", "2027-03"],
        "change_pct": [30.0, None],
        "change_qty": [None, 0.0],
        "reason_code": ["promotion", "other"],
    }
)


def _base_diff() -> PlanDiff:
    earlier = {
        "products": _earlier_products(),
        "resources": _resources(["2027-01", "2027-02", "2027-03"], 300.0),
        "costs": _costs(
            [
                ("material", "2027-01", 999.0),
                ("material", "2027-02", 1000.0),
                ("material", "2027-03", 1000.0),
                ("backorder", "2027-02", 50.0),
            ]
        ),
    }
    later = {
        "products": _later_products(),
        "resources": _resources(["2027-02", "2027-03", "2027-04"], 260.0),
        "costs": _costs(
            [
                ("material", "2027-02", 1300.0),
                ("material", "2027-03", 900.0),
                ("overtime", "2027-03", 100.0),
                ("material", "2027-04", 5000.0),
            ]
        ),
    }
    context = DiffContext(
        earlier=_header(1, 3), later=_header(2, 4), overrides=OVERRIDES, routings=ROUTINGS
    )
    return diff_plans(earlier, later, context)


def _cell_causes(diff: PlanDiff) -> dict[tuple[str, str], str]:
    frame = diff.by_family_period
    return {
        (str(r["family"]), str(r["period"])): str(r["causes"]) for r in frame.to_dict("records")
    }


def test_deltas_by_family_and_month_over_the_months_both_plans_cover() -> None:
    frame = _base_diff().by_family_period.set_index(["family", "period"])
    assert list(frame.index) == [
        ("Packs", "2027-02"),
        ("Packs", "2027-03"),
        ("Tents", "2027-02"),
        ("Tents", "2027-03"),
    ]
    assert frame["d_demand"].tolist() == [0, 0, 30, 0]
    assert frame["d_production"].tolist() == [20, 10, 30, -20]
    assert frame["d_inventory"].tolist() == [30, 40, 0, -20]
    assert frame[["d_subcontract", "d_backlog", "d_safety_stock"]].abs().sum().sum() == 0


def test_each_cell_names_its_causes() -> None:
    assert _cell_causes(_base_diff()) == {
        ("Tents", "2027-02"): "demand changed; override",
        ("Tents", "2027-03"): "capacity changed",
        ("Packs", "2027-02"): "opening position changed",
        ("Packs", "2027-03"): "re-optimised",
    }


def test_family_totals_sum_flows_and_average_stocks() -> None:
    """Tents: make +30 - 20 = +10, stock (0 - 20) / 2 = -10. Packs: make +30, stock +35."""
    totals = _base_diff().by_family.set_index("family")
    deltas = totals.loc[["Tents", "Packs"], ["d_demand", "d_production", "d_inventory"]]
    assert deltas.to_numpy().tolist() == [[30, 10, -10], [0, 30, 35]]
    assert totals.loc["Tents", "causes"] == "demand changed; override; capacity changed"
    assert totals.loc["Packs", "causes"] == "opening position changed; re-optimised"


def test_causes_ranked_by_units_with_a_sentence_each() -> None:
    """Override 18 (P2 in Mar) moved nothing: listed with 0 units, last, tagging no cell."""
    causes = _base_diff().causes
    assert causes[["cause", "family", "period_from", "period_to", "units"]].values.tolist() == [
        ["demand changed", "Tents", "2027-02", "2027-02", 30.0],
        ["override", "Tents", "2027-02", "2027-02", 30.0],
        ["capacity changed", "Tents", "2027-03", "2027-03", -20.0],
        ["opening position changed", "Packs", "2027-02", "2027-02", 10.0],
        ["re-optimised", "Packs", "2027-03", "2027-03", 10.0],
        ["override", "Packs", "2027-03", "2027-03", 0.0],
    ]
    details = causes["detail"].tolist()
    assert details[0] == "Demand for Tents +30 units in 2027-02 (forecast 4, was 3)."
    assert details[1] == (
        "Override 17 by ana: family Tents +30% in 2027-02, reason promotion; "
        "demand there moved +30 units."
    )
    assert details[2] == "Capacity of R1 -40 hours in 2027-03; Tents production -20 units there."
    assert details[3] == (
        "Packs starts 2027-02 with +10 units of net stock (on hand less backlog) "
        "against the earlier plan."
    )
    assert details[4].startswith("Packs production +10 units in 2027-03 with no change")


def test_cost_change_by_component_over_the_compared_months_only() -> None:
    """material (1300 + 900) - (1000 + 1000) = +200; Jan and Apr are not compared."""
    assert _base_diff().cost_change == {"backorder": -50.0, "material": 200.0, "overtime": 100.0}


def test_sentences_lead_with_totals_and_money_then_causes_then_months() -> None:
    """Production +40 on plan 1's 300 in Feb..Mar = +13.3%; spend leaves the backorder
    penalty out: +200 + 100 = +$300."""
    sentences = _base_diff().sentences
    assert sentences[0] == (
        "Over 2027-02..2027-03, plan 2 against plan 1: production +40 units (+13.3%), "
        "demand +30 units."
    )
    assert sentences[1] == "Spend +$300 (material +$200, overtime +$100)."
    assert sentences[2].startswith("Demand for Tents +30 units")
    assert sentences[-2:] == [
        "Months only in the later plan: 2027-04.",
        "Months only in the earlier plan: 2027-01.",
    ]


def _same_months_diff(later: pd.DataFrame, context: DiffContext) -> PlanDiff:
    earlier = _earlier_products()
    return diff_plans({"products": earlier}, {"products": later}, context)


def test_policy_change_explains_production_moves_and_safety_stock() -> None:
    """Strategy cost -> level: Tents makes +10 in Feb and -10 in Mar (policy change, 0 net);
    Packs' safety stock +3 in Mar (policy change, 3 units)."""
    later = _earlier_products()
    tents = later["product_id"] == "P1"
    later.loc[tents & (later["period"] == "2027-02"), "production"] = 110.0
    later.loc[tents & (later["period"] == "2027-03"), "production"] = 90.0
    later.loc[~tents & (later["period"] == "2027-03"), "safety_stock"] = 8.0
    context = DiffContext(earlier=_header(1, 3), later=_header(2, 3, strategy="level"))
    diff = _same_months_diff(later, context)
    assert _cell_causes(diff) == {
        ("Packs", "2027-01"): "",
        ("Packs", "2027-02"): "",
        ("Packs", "2027-03"): "policy change",
        ("Tents", "2027-01"): "",
        ("Tents", "2027-02"): "policy change",
        ("Tents", "2027-03"): "policy change",
    }
    rows = diff.causes.set_index("detail")["units"]
    assert (
        rows[
            "Planning policy changed (strategy cost -> level); production moved +0 units in the "
            "months it touched."
        ]
        == 0
    )
    assert rows["Safety stock of Packs +3 units on average in 2027-03."] == 3


def test_a_scenario_takes_the_moves_nothing_else_explains() -> None:
    later = _earlier_products()
    later.loc[(later["product_id"] == "P1") & (later["period"] == "2027-02"), "production"] = 110.0
    context = DiffContext(
        earlier=_header(1, 3),
        later=_header(2, 3),
        scenario_changes=["Overtime rate -50% for all resources"],
    )
    diff = _same_months_diff(later, context)
    assert _cell_causes(diff)[("Tents", "2027-02")] == "scenario"
    assert diff.causes["cause"].tolist() == ["scenario", "scenario"]
    assert diff.causes["units"].iloc[0] == 10
    assert diff.causes["detail"].iloc[1] == "Scenario: Overtime rate -50% for all resources."
    assert math.isnan(diff.causes["units"].iloc[1])


@pytest.mark.parametrize(("new_demand", "material"), [(1009.0, False), (1011.0, True)])
def test_demand_is_material_above_one_percent(new_demand: float, material: bool) -> None:
    """Tents Feb demand 1000 -> 1009 (0.9%) is noise, -> 1011 (1.1%) a change."""
    earlier = _earlier_products()
    feb = (earlier["product_id"] == "P1") & (earlier["period"] == "2027-02")
    earlier.loc[feb, "demand"] = 1000.0
    later = earlier.copy()
    later.loc[feb, "demand"] = new_demand
    diff = diff_plans({"products": earlier}, {"products": later}, DiffContext())
    assert (_cell_causes(diff)[("Tents", "2027-02")] == "demand changed") is material


def test_a_product_only_in_the_later_plan_counts_from_zero() -> None:
    later = pd.concat(
        [_earlier_products(), pd.DataFrame([_row("N1", "2027-03", 40, 40, 0, 0)])],
        ignore_index=True,
    )
    diff = _same_months_diff(later, DiffContext())
    frame = diff.by_family_period
    tents = frame[(frame["family"] == "Tents") & (frame["period"] == "2027-03")].to_dict("records")[
        0
    ]
    assert (tents["d_demand"], tents["d_production"]) == (40, 40)
    assert tents["causes"] == "demand changed"


def test_segment_override_counts_the_segments_demand() -> None:
    """Retail demand of P1 +30 in Feb; the Retail override names those units."""

    def segments(retail_feb: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "product_id": ["P1", "P1"],
                "family": ["Tents", "Tents"],
                "segment": ["Retail", "Online"],
                "period": ["2027-02", "2027-02"],
                "demand": [retail_feb, 50.0],
            }
        )

    later = _earlier_products()
    later.loc[(later["product_id"] == "P1") & (later["period"] == "2027-02"), "demand"] = 130.0
    override = OVERRIDES.iloc[[0]].assign(level="segment", key="Retail")
    diff = diff_plans(
        {"products": _earlier_products(), "segments": segments(50.0)},
        {"products": later, "segments": segments(80.0)},
        DiffContext(overrides=override),
    )
    row = diff.causes[diff.causes["cause"] == "override"].to_dict("records")[0]
    assert row["units"] == 30
    assert row["family"] is None
    assert _cell_causes(diff)[("Tents", "2027-02")] == "demand changed; override"


def test_identical_plans_have_nothing_to_say() -> None:
    plan = {"products": _earlier_products()}
    diff = diff_plans(plan, plan, DiffContext(earlier=_header(1, 3), later=_header(2, 3)))
    assert diff.causes.empty
    assert set(diff.by_family_period["causes"]) == {""}
    assert diff.sentences == [
        "Over 2027-01..2027-03, plan 2 against plan 1: production +0 units (+0.0%), "
        "demand +0 units.",
        "Nothing material changed in the months both plans cover.",
    ]
    assert diff.added_periods == [] and diff.dropped_periods == []
