"""Money of a tiny plan and of a month of history, every figure computed by hand.

The plan and its figures are in tests/reconcile_cases.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from reconcile_cases import (
    amount,
    cells,
    customers,
    history,
    money,
    plan_products,
    plan_resources,
    plan_segments,
    products,
    resources,
    routings,
    standard,
)
from snop.errors import InvalidInput
from snop.reconcile.money import (
    MONEY_COLUMNS,
    history_money,
    money_table,
    plan_money,
    standard_costs,
)


def test_standard_cost_is_material_plus_regular_hours() -> None:
    """A: 4 + 1 h x 2 = 6; B: 6 + 2 h x 2 = 10; C has no routing: its material 3."""
    master = pd.concat(
        [products(), pd.DataFrame({"product_id": ["C"], "unit_cost": [3.0]})], ignore_index=True
    )
    cost = standard_costs(master, routings(), resources())
    assert cost.to_dict() == {"A": 6.0, "B": 10.0, "C": 3.0}


def test_standard_cost_names_missing_columns() -> None:
    with pytest.raises(InvalidInput) as error:
        standard_costs(products().drop(columns="unit_cost"), routings(), resources())
    assert [i.column for i in error.value.issues] == ["unit_cost"]


# --- plan money ----------------------------------------------------------------------------


def test_plan_money_is_long_with_segment_only_for_order_measures() -> None:
    frame = money()
    assert tuple(frame.columns) == MONEY_COLUMNS
    by_order = frame["measure"].isin(["revenue", "cost_of_goods", "gross_margin", "backlog_value"])
    assert frame.loc[by_order, "segment"].notna().all()
    assert frame.loc[~by_order, "segment"].isna().all()


def test_plan_revenue_cost_and_margin_by_month_and_segment() -> None:
    """Revenue = shipped x price.

    Jan: A 10 x 10 + 5 x 10 = 150, B 4 x 20 + 6 x 20 = 200 -> 350.
    Retail over the quarter: A (10 + 8 + 12) x 10 = 300, B (4 + 4 + 3) x 20 = 220 -> 520;
    its cost of goods 30 x 6 + 11 x 10 = 290, margin 230.
    Online: A 10 x 10 + B 18 x 20 = 460; cost 10 x 6 + 18 x 10 = 240; margin 220.
    """
    frame = money()
    assert amount(frame, "revenue", period="2027-01") == pytest.approx(350.0)
    assert amount(frame, "revenue", segment="Retail") == pytest.approx(520.0)
    assert amount(frame, "cost_of_goods", segment="Retail") == pytest.approx(290.0)
    assert amount(frame, "gross_margin", segment="Retail") == pytest.approx(230.0)
    assert amount(frame, "revenue", segment="Online") == pytest.approx(460.0)
    assert amount(frame, "gross_margin", segment="Online") == pytest.approx(220.0)


def test_money_table_by_family_has_every_measure() -> None:
    """Tents (A): revenue 40 shipped x 10 = 400, cost 40 x 6 = 240, margin 160,
    stock (5 + 7 + 5) x 6 = 102, holding 17 x 1 = 17, subcontract 5 x 8 = 40,
    overtime 4 h x premium 3 = 12 shared by load 20 h (A) / 20 h (B) -> 6,
    backlog 2 x 10 = 20.
    Bags (B): revenue 29 x 20 = 580, cost 29 x 10 = 290, margin 290, stock 4 x 10 = 40,
    holding 4 x 2 = 8, subcontract 0 (not allowed, not NaN), overtime 6, backlog 1 x 20 = 20.
    """
    table = money_table(money(), ["family"]).set_index("family")
    expected = {
        "Tents": [400, 240, 160, 102, 17, 6, 40, 20],
        "Bags": [580, 290, 290, 40, 8, 6, 0, 20],
    }
    measures = [
        "revenue",
        "cost_of_goods",
        "gross_margin",
        "inventory_value",
        "holding_cost",
        "overtime_cost",
        "subcontract_cost",
        "backlog_value",
    ]
    assert list(table.columns) == measures
    for family, values in expected.items():
        assert cells(table, family, *measures) == pytest.approx([float(v) for v in values])


def test_money_table_grouping_named_twice_is_grouped_once() -> None:
    """`--by family --by family` (or ?by=family&by=family) is the family table."""
    twice = money_table(money(), ["family", "family"])
    pd.testing.assert_frame_equal(twice, money_table(money(), ["family"]))


def test_money_table_total_and_by_period() -> None:
    """Total revenue 400 + 580 = 980, margin 160 + 290 = 450, stock 102 + 40 = 142.
    Feb stock: A 7 x 6 + B 2 x 10 = 62; Jan overtime 4 h x 3 = 12; Feb none: 0, measured.
    """
    total = money_table(money(), [])
    assert len(total) == 1
    assert total.loc[0, "revenue"] == pytest.approx(980.0)
    assert total.loc[0, "gross_margin"] == pytest.approx(450.0)
    assert total.loc[0, "inventory_value"] == pytest.approx(142.0)
    by_month = money_table(money(), ["period"]).set_index("period")
    assert by_month.loc["2027-02", "inventory_value"] == pytest.approx(62.0)
    assert by_month.loc["2027-01", "overtime_cost"] == pytest.approx(12.0)
    assert by_month.loc["2027-02", "overtime_cost"] == 0.0


def test_money_table_by_segment_leaves_unsplittable_measures_nan() -> None:
    """Stock, holding, overtime, subcontract do not split by segment: NaN, never 0."""
    table = money_table(money(), ["segment"]).set_index("segment")
    assert table.loc["Retail", "revenue"] == pytest.approx(520.0)
    assert table.loc["Online", "cost_of_goods"] == pytest.approx(240.0)
    for measure in ("inventory_value", "holding_cost", "overtime_cost", "subcontract_cost"):
        assert table[measure].isna().all(), measure


def test_money_table_rejects_unknown_grouping() -> None:
    with pytest.raises(InvalidInput) as error:
        money_table(money(), ["customer"])
    assert error.value.issues[0].code == "unknown_grouping"


def test_missing_price_gives_nan_not_zero() -> None:
    """B has no price: Bags' revenue and margin are NaN; the total is Tents' 400 alone."""
    master = products()
    master.loc[master["product_id"] == "B", "price"] = np.nan
    frame = plan_money(
        plan_products(), plan_segments(), plan_resources(), master, routings(), resources()
    )
    table = money_table(frame, ["family"]).set_index("family")
    assert all(math.isnan(v) for v in cells(table, "Bags", "revenue", "gross_margin"))
    assert table.loc["Bags", "cost_of_goods"] == pytest.approx(290.0)
    assert money_table(frame, []).loc[0, "revenue"] == pytest.approx(400.0)


# --- history money -------------------------------------------------------------------------


def test_history_money_by_segment() -> None:
    """Revenue: c1 10 x 10 = 100 (Retail), c2 3 x 10 = 30 (Online), c3 4 x 20 = 80 (none).
    Cost: 10 x 6 = 60, 3 x 6 = 18, 4 x 10 = 40; margin 40, 12, 40.
    Unserved: c2 (5 - 3) x 10 = 20; c3 shipped more than ordered: max(2 - 4, 0) = 0.
    """
    frame = history_money(history(), products(), customers(), standard())
    assert amount(frame, "revenue", segment="Retail") == pytest.approx(100.0)
    assert amount(frame, "revenue", segment="Online") == pytest.approx(30.0)
    assert amount(frame, "revenue", segment=None) == pytest.approx(80.0)
    assert amount(frame, "gross_margin") == pytest.approx(92.0)
    assert amount(frame, "unserved_value") == pytest.approx(20.0)
    table = money_table(frame, ["segment"])
    # The sale without a segment stays a row of its own, so the table still adds up.
    assert table["revenue"].sum() == pytest.approx(210.0)
    assert list(table.columns[1:]) == [
        "revenue",
        "cost_of_goods",
        "gross_margin",
        "unserved_value",
    ]


def test_history_money_names_missing_columns() -> None:
    with pytest.raises(InvalidInput) as error:
        history_money(history().drop(columns="shipped"), products(), customers(), standard())
    assert error.value.issues[0].code == "missing_column"
