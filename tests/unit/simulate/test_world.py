"""The physics every policy lives by: shipping by priority, capacity, the opening position."""

from __future__ import annotations

import pandas as pd
import pytest

from simulate_cases import ORDERS, customers, history, products, resources, routings, segments
from snop.errors import InvalidInput
from snop.simulate.world import OWED_COLUMNS, company, fit_to_capacity, opening_position, ship


def owed(rows: list[tuple[str, str, str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(OWED_COLUMNS))


def test_ship_serves_priority_first_then_oldest_then_pro_rata() -> None:
    lines = owed(
        [
            ("A", "W1", "Web", 2, "2026-01", 6.0),
            ("A", "W2", "Web", 2, "2026-01", 2.0),
            ("A", "W1", "Web", 2, "2025-12", 3.0),  # older Web order
            ("A", "K", "Key", 1, "2026-01", 5.0),
        ]
    )
    # 12 units: Key's 5, then Web's December 3, then January's 4 left shared 6:2.
    served, left = ship(pd.Series({"A": 12.0}), lines)
    got = served.set_index(["customer_id", "ordered_in"])["shipped"]
    assert got[("K", "2026-01")] == 5.0
    assert got[("W1", "2025-12")] == 3.0
    assert got[("W1", "2026-01")] == pytest.approx(3.0)
    assert got[("W2", "2026-01")] == pytest.approx(1.0)
    assert left["A"] == pytest.approx(0.0)


def test_ship_keeps_what_is_not_needed_and_ships_nothing_without_stock() -> None:
    lines = owed([("A", "K", "Key", 1, "2026-01", 5.0), ("B", "K", "Key", 1, "2026-01", 4.0)])
    served, left = ship(pd.Series({"A": 8.0, "B": 0.0}), lines)
    assert served.set_index("product_id")["shipped"].to_dict() == {"A": 5.0, "B": 0.0}
    assert left.to_dict() == {"A": 3.0, "B": 0.0}


def test_fit_to_capacity_cuts_a_full_resource_pro_rata_and_counts_overtime() -> None:
    capacity = pd.DataFrame(
        {"resource_id": ["LINE"], "capacity": [100.0], "overtime_capacity": [20.0]}
    )
    made, hours = fit_to_capacity(pd.Series({"A": 90.0, "B": 60.0}), routings(), capacity)
    # 150 hours asked of 120: both products x 0.8.
    assert made.to_dict() == pytest.approx({"A": 72.0, "B": 48.0})
    row = hours.iloc[0]
    assert row["load"] == pytest.approx(120.0)
    assert row["overtime"] == pytest.approx(20.0)


def test_fit_to_capacity_takes_the_tightest_resource_of_a_routing() -> None:
    routes = pd.DataFrame(
        {
            "product_id": ["A", "A", "B"],
            "resource_id": ["CUT", "SEW", "SEW"],
            "hours_per_unit": [1.0, 1.0, 1.0],
        }
    )
    capacity = pd.DataFrame(
        {"resource_id": ["CUT", "SEW"], "capacity": [50.0, 100.0], "overtime_capacity": [0.0, 0.0]}
    )
    made, hours = fit_to_capacity(pd.Series({"A": 100.0, "B": 50.0}), routes, capacity)
    # CUT allows half of A; SEW (150 asked of 100) two thirds: A takes the half.
    assert made["A"] == pytest.approx(50.0)
    assert made["B"] == pytest.approx(50.0 * 2 / 3)
    assert hours.set_index("resource_id")["load"]["SEW"] <= 100.0 + 1e-9


def test_fit_to_capacity_leaves_what_fits() -> None:
    capacity = pd.DataFrame(
        {"resource_id": ["LINE"], "capacity": [100.0], "overtime_capacity": [0.0]}
    )
    made, hours = fit_to_capacity(pd.Series({"A": 30.0, "B": 20.0}), routings(), capacity)
    assert made.to_dict() == {"A": 30.0, "B": 20.0}
    assert hours.iloc[0]["overtime"] == 0.0


def test_opening_position_is_cover_months_of_recent_demand_and_a_steady_pipeline() -> None:
    world = company(
        products=products(),
        segments=segments(),
        customers=customers(),
        resources=resources(),
        routings=routings(),
        history=history(),
    )
    position = opening_position(world, "2026-01", cover=1.5)
    monthly = 2 * ORDERS  # two customers
    assert position.on_hand.to_dict() == {"A": 1.5 * monthly, "B": 1.5 * monthly}
    # B takes a month: one month of demand is on its way, arriving in the first month.
    assert position.pipeline.to_dict("records") == [
        {"product_id": "B", "period": "2026-01", "quantity": monthly}
    ]
    assert position.owed.empty


def test_company_names_every_missing_column_and_unknown_reference() -> None:
    with pytest.raises(InvalidInput) as error:
        company(
            products=products().drop(columns=["price"]),
            segments=segments(),
            customers=customers(),
            resources=resources().drop(columns=["capacity"]),
            routings=routings(),
            history=history(),
        )
    assert {(i.column, i.code) for i in error.value.issues} == {
        ("price", "missing_column"),
        ("capacity", "missing_column"),
    }
    strange = history()
    strange.loc[0, "product_id"] = "Z"
    strange.loc[1, "customer_id"] = "NOBODY"
    with pytest.raises(InvalidInput) as error:
        company(
            products=products(),
            segments=segments(),
            customers=customers(),
            resources=resources(),
            routings=routings(),
            history=strange,
        )
    messages = " ".join(i.message for i in error.value.issues)
    assert "Z" in messages and "NOBODY" in messages
    assert {i.sheet for i in error.value.issues} == {"demand_history"}
