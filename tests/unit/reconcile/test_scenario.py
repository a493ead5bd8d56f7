"""Scenario changes: parsing and round trips, applying to planning data, sentences.

The data: three months 2027-01..2027-03, family Tents = P1 (sold to Retail and Online),
family Packs = P2 (Retail) and P3 (no demand yet); resources R1 (100 h, 20 h overtime)
and R2 (200 h, no overtime); R1 has an override of 80 h in 2027-03.

Demand (units)    2027-01  2027-02  2027-03
  P1 Retail          10       20       40
  P1 Online          30       20        0
  P2 Retail          40       40       40
lo_80 is half the quantity (NaN for P2), hi_80 1.5 x; lo_95 is all NaN, no hi_95.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snop.errors import InvalidInput
from snop.reconcile.scenario import (
    BOUNDS,
    COST_FIELDS,
    RESOURCE_COST_FIELDS,
    CapacityChange,
    Change,
    CostChange,
    DemandBound,
    DemandChange,
    NewProduct,
    PlanningData,
    ResourceCostChange,
    ServiceTargetChange,
    StrategyChange,
    apply_changes,
    describe,
    parse_change,
    parse_changes,
)

PERIODS = ["2027-01", "2027-02", "2027-03"]


def _data() -> PlanningData:
    demand = pd.DataFrame(
        {
            "product_id": ["P1"] * 6 + ["P2"] * 3,
            "segment": ["Retail"] * 3 + ["Online"] * 3 + ["Retail"] * 3,
            "period": PERIODS * 3,
            "quantity": [10.0, 20.0, 40.0, 30.0, 20.0, 0.0, 40.0, 40.0, 40.0],
        }
    )
    demand["lo_80"] = np.where(demand["product_id"] == "P2", np.nan, demand["quantity"] * 0.5)
    demand["hi_80"] = demand["quantity"] * 1.5
    demand["lo_95"] = np.nan
    products = pd.DataFrame(
        {
            "product_id": ["P1", "P2", "P3"],
            "name": ["Tent", "Pack", "Pack XL"],
            "family": ["Tents", "Packs", "Packs"],
            "price": [100.0, 50.0, 60.0],
            "unit_cost": [40.0, 20.0, 25.0],
            "holding_cost": [1.0, 0.5, 0.5],
            "backorder_cost": [5.0, 2.0, 2.0],
            "subcontract_cost": [np.nan, 30.0, 35.0],
            "like_product_id": [None, None, None],
            "launch_period": [None, None, None],
            "end_period": ["2027-06", None, None],
        }
    )
    return PlanningData(
        periods=PERIODS,
        demand=demand,
        products=products,
        segments=pd.DataFrame(
            {"segment": ["Retail", "Online"], "service_target": [0.95, 0.9], "priority": [1, 2]}
        ),
        resources=pd.DataFrame(
            {
                "resource_id": ["R1", "R2"],
                "capacity": [100.0, 200.0],
                "overtime_capacity": [20.0, 0.0],
                "regular_cost": [30.0, 40.0],
                "overtime_cost": [45.0, 60.0],
            }
        ),
        capacity=pd.DataFrame(
            {
                "resource_id": ["R1", "R2"],
                "period": ["2027-03", "2027-01"],
                "capacity": [80.0, 150.0],
                "overtime_capacity": [np.nan, np.nan],
            }
        ),
        routings=pd.DataFrame(
            {"product_id": ["P1", "P2"], "resource_id": ["R1", "R2"], "hours_per_unit": [2.0, 1.0]}
        ),
        strategy="cost",
    )


def _cell(data: PlanningData, product: str, segment: str, period: str, column: str) -> float:
    d = data.demand
    row = d[(d["product_id"] == product) & (d["segment"] == segment) & (d["period"] == period)]
    assert len(row) == 1, (product, segment, period)
    return float(row[column].iloc[0])


def _grid(data: PlanningData, product: str, segment: str) -> list[float]:
    return [_cell(data, product, segment, p, "quantity") for p in PERIODS]


def _issues(error: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str | None]]:
    return [(issue.code, issue.column) for issue in error.value.issues]


# --- demand --------------------------------------------------------------------------------


def test_demand_pct_scales_the_matching_cells_and_moves_the_interval_by_the_same_units() -> None:
    """+20% for Tents in Feb..Mar: P1 Feb 20 -> 24 in both segments, Mar 40 -> 48 and 0 -> 0.

    lo_80 of P1 Retail in Feb moves by the same +4 units: 10 -> 14; hi_80 30 -> 34.
    """
    out = apply_changes(
        _data(), [DemandChange(pct=20, family="Tents", period_from="2027-02", period_to="2027-03")]
    )
    assert _grid(out, "P1", "Retail") == pytest.approx([10, 24, 48])
    assert _grid(out, "P1", "Online") == pytest.approx([30, 24, 0])
    assert _grid(out, "P2", "Retail") == pytest.approx([40, 40, 40])
    assert _cell(out, "P1", "Retail", "2027-02", "lo_80") == pytest.approx(14)
    assert _cell(out, "P1", "Retail", "2027-02", "hi_80") == pytest.approx(34)
    assert np.isnan(_cell(out, "P2", "Retail", "2027-02", "lo_80"))


def test_demand_qty_is_spread_by_quantity_and_evenly_over_zero_cells() -> None:
    """+30 units a month for Tents, P1 Retail / Online.

    Jan 10/30 (total 40): +7.5 / +22.5 -> 17.5 / 52.5. Feb 20/20: +15 each -> 35 / 35.
    Mar 40/0: all 30 to Retail -> 70 / 0.
    """
    out = apply_changes(_data(), [DemandChange(qty=30, family="Tents")])
    assert _grid(out, "P1", "Retail") == pytest.approx([17.5, 35, 70])
    assert _grid(out, "P1", "Online") == pytest.approx([52.5, 35, 0])


def test_demand_qty_over_cells_that_are_all_zero_goes_evenly() -> None:
    """All demand zero: +12 for Tents in Mar goes 6 / 6 to P1 Retail / Online."""
    data = _data()
    zero = dataclasses.replace(data, demand=data.demand.assign(quantity=0.0))
    out = apply_changes(zero, [DemandChange(qty=12, family="Tents", period_from="2027-03")])
    assert [_cell(out, "P1", s, "2027-03", "quantity") for s in ("Retail", "Online")] == [6, 6]


def test_demand_cut_is_clipped_at_zero() -> None:
    """P2 Jan 40 - 100 -> 0, not -60; hi_80 60 - 40 (the units actually removed) = 20."""
    out = apply_changes(
        _data(),
        [DemandChange(qty=-100, product_id="P2", period_from="2027-01", period_to="2027-01")],
    )
    assert _grid(out, "P2", "Retail") == [0, 40, 40]
    assert _cell(out, "P2", "Retail", "2027-01", "hi_80") == pytest.approx(20)


def test_demand_qty_for_a_new_segment_of_a_product_adds_its_cells() -> None:
    """P2 has no Online demand: +10 units a month in Feb..Mar creates the cells."""
    out = apply_changes(
        _data(), [DemandChange(qty=10, product_id="P2", segment="Online", period_from="2027-02")]
    )
    d = out.demand
    online = d[(d["product_id"] == "P2") & (d["segment"] == "Online")]
    assert online.set_index("period")["quantity"].to_dict() == {"2027-02": 10, "2027-03": 10}
    assert len(d) == 11


def test_demand_qty_for_a_product_without_demand_needs_a_segment() -> None:
    with pytest.raises(InvalidInput) as error:
        apply_changes(_data(), [DemandChange(qty=10, product_id="P3")])
    assert _issues(error) == [("no_demand", "product_id")]
    assert error.value.issues[0].message.startswith("change 1: ")


def test_demand_bound_takes_the_bound_where_the_forecast_has_one() -> None:
    """lo_80 = half of P1's quantities; P2 has no lo_80 and keeps its 40s."""
    out = apply_changes(_data(), [DemandBound("lo_80")])
    assert _grid(out, "P1", "Retail") == [5, 10, 20]
    assert _grid(out, "P2", "Retail") == [40, 40, 40]


def test_demand_bound_without_that_interval_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        apply_changes(_data(), [DemandBound("lo_95"), DemandBound("hi_95")])
    assert _issues(error) == [("no_interval", "bound"), ("no_interval", "bound")]


# --- new product -----------------------------------------------------------------------------


def test_new_product_ramps_from_launch_and_cannibalises_the_like_item() -> None:
    """N1 like P1 from Feb, share 0.5, ramp 2 months (1/2 then 1), cannibalisation 0.4.

    N1 Retail: Feb 20 x 0.5 x 1/2 = 5, Mar 40 x 0.5 x 1 = 20; Online: Feb 5, Mar 0; no Jan.
    P1 loses 0.4 of that: Retail Feb 20 - 2 = 18, Mar 40 - 8 = 32; Online Feb 20 - 2 = 18.
    N1's lo_80 in Feb: 10 x 0.25 = 2.5.
    """
    change = NewProduct(
        product_id="N1",
        like_product_id="P1",
        launch_period="2027-02",
        share=0.5,
        ramp_months=2,
        cannibalisation=0.4,
        price=120,
    )
    out = apply_changes(_data(), [change])
    d = out.demand
    new = d[d["product_id"] == "N1"].set_index(["segment", "period"])["quantity"]
    assert new.to_dict() == {
        ("Retail", "2027-02"): 5,
        ("Retail", "2027-03"): 20,
        ("Online", "2027-02"): 5,
        ("Online", "2027-03"): 0,
    }
    assert _grid(out, "P1", "Retail") == pytest.approx([10, 18, 32])
    assert _grid(out, "P1", "Online") == pytest.approx([30, 18, 0])
    assert _cell(out, "N1", "Retail", "2027-02", "lo_80") == pytest.approx(2.5)
    row = out.products.set_index("product_id").loc["N1"]
    assert (row["name"], row["family"], row["price"], row["unit_cost"]) == ("N1", "Tents", 120, 40)
    assert (row["like_product_id"], row["launch_period"]) == ("P1", "2027-02")
    assert pd.isna(row["end_period"])
    routing = out.routings[out.routings["product_id"] == "N1"]
    assert routing[["resource_id", "hours_per_unit"]].values.tolist() == [["R1", 2.0]]


def test_a_later_change_can_name_a_product_an_earlier_one_added() -> None:
    """The price of N1 (copied from P1: 100) + 10% -> 110."""
    out = apply_changes(
        _data(),
        [
            NewProduct("N1", "P1", "2027-01"),
            CostChange(field="price", pct=10, product_id="N1"),
        ],
    )
    assert out.products.set_index("product_id").loc["N1", "price"] == pytest.approx(110)


def test_new_product_that_exists_or_copies_an_unknown_item_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        apply_changes(
            _data(), [NewProduct("P2", "P1", "2027-01"), NewProduct("N1", "X9", "2027-01")]
        )
    assert _issues(error) == [("duplicate_key", "product_id"), ("unknown_key", "like_product_id")]


# --- capacity, costs, service, strategy ------------------------------------------------------


def test_capacity_pct_scales_the_current_hours_including_overrides() -> None:
    """R1 -50% in Feb..Mar: Feb 100 / 20 -> 50 / 10; Mar's override 80 -> 40, overtime 10.

    R2's Jan override is kept.
    """
    out = apply_changes(
        _data(), [CapacityChange("R1", period_from="2027-02", period_to="2027-03", pct=-50)]
    )
    cap = out.capacity.set_index(["resource_id", "period"])
    assert cap.loc[[("R1", "2027-02"), ("R1", "2027-03")]].to_numpy().tolist() == [
        [50, 10],
        [40, 10],
    ]
    assert cap.loc[("R2", "2027-01"), "capacity"] == 150
    assert ("R1", "2027-01") not in cap.index
    assert len(cap) == 3


def test_capacity_hours_set_regular_hours_and_keep_overtime() -> None:
    """R2 at 300 h in every month; its Jan override (150) is replaced, overtime stays 0."""
    out = apply_changes(_data(), [CapacityChange("R2", hours=300)])
    r2 = out.capacity[out.capacity["resource_id"] == "R2"].sort_values("period")
    assert r2["capacity"].tolist() == [300, 300, 300]
    assert r2["overtime_capacity"].tolist() == [0, 0, 0]
    assert len(out.capacity) == 4


def test_costs_and_rates_change_by_pct_and_not_allowed_subcontracting_stays_so() -> None:
    """Tents' price +10%: 100 -> 110; subcontract +20% for all: P1 NaN, P2 30 -> 36.

    Overtime rates +50%: R1 45 -> 67.5, R2 60 -> 90.
    """
    out = apply_changes(
        _data(),
        [
            CostChange(field="price", pct=10, family="Tents"),
            CostChange(field="subcontract_cost", pct=20),
            ResourceCostChange(field="overtime_cost", pct=50),
        ],
    )
    products = out.products.set_index("product_id")
    assert products["price"].tolist() == pytest.approx([110, 50, 60])
    assert products["subcontract_cost"].isna().tolist() == [True, False, False]
    assert products.loc["P2", "subcontract_cost"] == pytest.approx(36)
    assert out.resources["overtime_cost"].tolist() == pytest.approx([67.5, 90])


def test_service_target_and_strategy() -> None:
    out = apply_changes(
        _data(), [ServiceTargetChange(0.98, segment="Retail"), StrategyChange("level")]
    )
    assert out.segments["service_target"].tolist() == [0.98, 0.9]
    assert out.strategy == "level"
    every = apply_changes(_data(), [ServiceTargetChange(0.97)])
    assert every.segments["service_target"].tolist() == [0.97, 0.97]


def test_applying_leaves_the_inputs_as_they_were() -> None:
    data = _data()
    before = {name: getattr(data, name).copy() for name in ("demand", "products", "capacity")}
    apply_changes(
        data,
        [
            DemandChange(pct=50),
            NewProduct("N1", "P1", "2027-01", cannibalisation=0.5),
            CapacityChange("R1", pct=-100),
            CostChange(field="price", pct=5),
        ],
    )
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(data, name), frame)


def test_every_wrong_change_is_reported_with_its_position_and_field() -> None:
    with pytest.raises(InvalidInput) as error:
        apply_changes(
            _data(),
            [
                DemandChange(pct=10),
                DemandChange(pct=10, family="Tentz"),
                CapacityChange("R9", pct=-10),
                DemandChange(pct=10, period_from="2028-01"),
                ServiceTargetChange(1.5, segment="Wholesale"),
                StrategyChange("fastest"),
            ],
        )
    issues = error.value.issues
    assert [(i.code, i.column) for i in issues] == [
        ("unknown_key", "family"),
        ("unknown_key", "resource_id"),
        ("outside_horizon", "period_from"),
        ("bad_value", "service_target"),
        ("unknown_key", "segment"),
        ("bad_value", "strategy"),
    ]
    assert [i.message.split(":")[0] for i in issues] == [
        "change 2",
        "change 3",
        "change 4",
        "change 5",
        "change 5",
        "change 6",
    ]
    assert "Tentz is not a known family" in issues[0].message


# --- parsing ----------------------------------------------------------------------------------


def test_parse_fills_defaults_and_accepts_whole_numbers_for_floats() -> None:
    change = parse_change({"kind": "new_product", "product_id": "N1", "like_product_id": "P1",
                           "launch_period": "2027-02", "share": 1})  # fmt: skip
    assert change == NewProduct("N1", "P1", "2027-02", share=1.0, ramp_months=3)


def test_parse_names_each_wrong_field() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_change({"kind": "demand", "pc": 20, "qty": "20", "period_from": True})
    assert sorted(_issues(error)) == [
        ("bad_value", "period_from"),
        ("bad_value", "qty"),
        ("unknown_field", "pc"),
    ]


def test_parse_checks_ranges_after_types() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_change({"kind": "demand", "pct": -120, "qty": 5, "period_from": "2027-5"})
    assert sorted(_issues(error)) == [
        ("bad_value", "pct"),
        ("bad_value", "pct"),
        ("bad_value", "period_from"),
    ]


def test_parse_changes_reports_every_change_by_position() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_changes(
            [
                {"kind": "strategy", "strategy": "chase"},
                {"kind": "teleport"},
                {"kind": "capacity", "pct": -10},
            ]
        )
    messages = [issue.message for issue in error.value.issues]
    assert messages[0].startswith("change 2: kind 'teleport' is not one of demand, ")
    assert messages[1] == "change 3: capacity needs 'resource_id'"


_text = st.text(alphabet="ABCXYZ019-_ ", min_size=1, max_size=8).filter(lambda s: s.strip() != "")
_period = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(2020, 2035), st.integers(1, 12))
_pct = st.floats(-100, 1000, allow_nan=False)
_amount = st.floats(-1e6, 1e6, allow_nan=False)
_window = st.tuples(st.none() | _period, st.none() | _period).map(
    lambda w: tuple(sorted(w)) if None not in w else w  # type: ignore[type-var]
)


def _demand_change(w: tuple[str | None, str | None], pct: bool, value: float,
                   names: tuple[str | None, str | None, str | None]) -> DemandChange:  # fmt: skip
    return DemandChange(
        pct=value if pct else None,
        qty=None if pct else value,
        product_id=names[0],
        family=names[1],
        segment=names[2],
        period_from=w[0],
        period_to=w[1],
    )


_changes: st.SearchStrategy[Change] = st.one_of(
    st.builds(
        _demand_change,
        _window,
        st.booleans(),
        _pct,
        st.tuples(st.none() | _text, st.none() | _text, st.none() | _text),
    ),
    st.builds(DemandBound, st.sampled_from(BOUNDS)),
    st.builds(
        NewProduct,
        product_id=_text.map(lambda s: "new " + s),
        like_product_id=_text,
        launch_period=_period,
        share=st.floats(0, 3),
        ramp_months=st.integers(1, 24),
        price=st.none() | st.floats(0, 1e4),
        unit_cost=st.none() | st.floats(0, 1e4),
        name=st.none() | _text,
        cannibalisation=st.floats(0, 1),
    ),
    st.builds(
        lambda r, w, pct, value: CapacityChange(
            r, w[0], w[1], pct=value if pct else None, hours=None if pct else abs(value)
        ),
        _text,
        _window,
        st.booleans(),
        _pct,
    ),
    st.builds(
        CostChange,
        field=st.sampled_from(COST_FIELDS),
        pct=_pct,
        product_id=st.none() | _text,
        family=st.none() | _text,
    ),
    st.builds(
        ResourceCostChange,
        field=st.sampled_from(RESOURCE_COST_FIELDS),
        pct=_pct,
        resource_id=st.none() | _text,
    ),
    st.builds(
        ServiceTargetChange,
        service_target=st.floats(0.001, 0.999),
        segment=st.none() | _text,
    ),
    st.builds(StrategyChange, st.sampled_from(["cost", "level", "chase"])),
)


@given(_changes)
def test_every_change_round_trips_through_its_dict_and_json(change: Change) -> None:
    assert parse_change(change.to_dict()) == change
    assert parse_change(json.loads(json.dumps(change.to_dict()))) == change
    assert describe(change)


def test_to_dict_names_the_kind_and_every_field() -> None:
    assert CapacityChange("R1", "2027-02", None, pct=-100).to_dict() == {
        "kind": "capacity",
        "resource_id": "R1",
        "period_from": "2027-02",
        "period_to": None,
        "pct": -100,
        "hours": None,
    }


# --- sentences ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        (
            DemandChange(pct=20, family="Tents", period_from="2027-05", period_to="2027-08"),
            "Demand +20% for family Tents in 2027-05..2027-08",
        ),
        (
            DemandChange(qty=-50, product_id="P1", segment="Retail", period_from="2027-05"),
            "Demand -50 units a month for product P1, segment Retail from 2027-05",
        ),
        (DemandChange(pct=-7.5), "Demand -7.5% for all products over the whole horizon"),
        (DemandBound("hi_95"), "Demand at the high end of the 95% forecast interval (hi_95)"),
        (
            NewProduct("N1", "P1", "2027-02", share=0.5, cannibalisation=0.3, price=120),
            "New product N1 launched 2027-02 like P1 at 50% of its demand, ramping up over "
            "3 months, taking 30% of its units from P1; price 120",
        ),
        (
            CapacityChange("R1", "2027-03", "2027-03", pct=-100),
            "Resource R1 lost in 2027-03",
        ),
        (CapacityChange("R1", pct=10), "Capacity of R1 +10% over the whole horizon"),
        (
            CapacityChange("R1", period_to="2027-04", hours=1200),
            "Capacity of R1 set to 1200 hours a month until 2027-04",
        ),
        (CostChange(field="unit_cost", pct=5, family="Tents"), "Unit cost +5% for family Tents"),
        (
            ResourceCostChange(field="regular_cost", pct=3),
            "Regular hour rate +3% for all resources",
        ),
        (ServiceTargetChange(0.975, segment="Retail"), "Service target 97.5% for segment Retail"),
        (StrategyChange("chase"), "Strategy chase"),
    ],
)
def test_describe(change: Change, sentence: str) -> None:
    assert describe(change) == sentence
