"""Ledger and KPIs of the tiny plan of test_money.py, every value computed by hand.

On time per row (owed before the month is served first): A Retail 10, 8, 10 (March ships
12 of which 2 were owed from February); A Online 5, 0, 5; B Retail 4, 4, 3; B Online
6, 6, 6. So on time 25, 18, 24 = 67 of demand 25, 20, 25 = 70.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reconcile_cases import (
    MONTHS,
    cells,
    customers,
    history,
    money,
    plan_costs,
    plan_products,
    plan_resources,
    plan_segments,
    products,
    resources,
    routings,
    standard,
)
from snop.errors import InvalidInput
from snop.reconcile.kpis import (
    KPI_DEFINITIONS,
    KPI_TABLE_COLUMNS,
    kpi_table,
    kpi_value,
    plan_adherence,
    plan_stability,
)
from snop.reconcile.ledger import LEDGER_COLUMNS, actual_ledger, plan_ledger
from snop.supply.service_level import planned_on_time


def ledger() -> pd.DataFrame:
    return plan_ledger(
        plan_products(),
        plan_segments(),
        plan_resources(),
        plan_costs(),
        money(),
        products(),
        standard(),
        resources(),
    )


def history_ledger() -> pd.DataFrame:
    """2026-12: stock A 4, B 1; production A 12, B 3."""
    return actual_ledger(
        history(),
        products(),
        customers(),
        standard(),
        production=pd.DataFrame(
            {"product_id": ["A", "B"], "period": "2026-12", "quantity": [12.0, 3.0]}
        ),
        inventory=pd.DataFrame(
            {"product_id": ["A", "B"], "period": "2026-12", "on_hand": [4.0, 1.0]}
        ),
        routings=routings(),
        resources=resources(),
    )


def _part(frame: pd.DataFrame, component: str, kind: str, scope: str, period: str) -> float:
    rows = frame[
        (frame["component"] == component)
        & (frame["scope_kind"] == kind)
        & (frame["scope"] == scope)
        & (frame["period"] == period)
    ]
    assert len(rows) == 1, (component, kind, scope, period)
    return float(rows["amount"].iloc[0])


# --- ledger --------------------------------------------------------------------------------


def test_planned_on_time_serves_what_was_owed_first() -> None:
    on_time = planned_on_time(plan_segments())
    assert on_time.to_list() == [10, 8, 10, 5, 0, 5, 4, 4, 3, 6, 6, 6]


def test_plan_ledger_components() -> None:
    """Feb: demand 10 + 0 + 4 + 6 = 20, on time 8 + 0 + 4 + 6 = 18; value 10 x 10 + 10 x 20
    = 300; cost of goods per day (10 x 6 + 10 x 10) / 28 = 160 / 28; stock 7 x 6 + 2 x 10 = 62;
    spend Jan 100 + 72 + 12 + 5 = 189 (backorder and strategy_penalty left out); resource R in
    Jan: load 40, capacity 36, capacity cost 36 x 2 = 72, overtime 4; Retail revenue in
    March 12 x 10 + 3 x 20 = 180; Bags backlog in March 1.
    """
    frame = ledger()
    assert tuple(frame.columns) == LEDGER_COLUMNS
    assert _part(frame, "demand", "all", "all", "2027-02") == 20.0
    assert _part(frame, "on_time", "all", "all", "2027-02") == 18.0
    assert _part(frame, "demand_value", "all", "all", "2027-02") == 300.0
    assert _part(frame, "cogs_days", "all", "all", "2027-02") == pytest.approx(160 / 28)
    assert _part(frame, "inventory_value", "all", "all", "2027-02") == pytest.approx(62.0)
    assert _part(frame, "inventory_value", "product", "A", "2027-02") == pytest.approx(42.0)
    assert _part(frame, "spend", "all", "all", "2027-01") == pytest.approx(189.0)
    assert _part(frame, "load", "resource", "R", "2027-01") == 40.0
    assert _part(frame, "capacity", "resource", "R", "2027-01") == 36.0
    assert _part(frame, "capacity_cost", "resource", "R", "2027-01") == 72.0
    assert _part(frame, "overtime_hours", "all", "all", "2027-01") == 4.0
    assert _part(frame, "revenue", "segment", "Retail", "2027-03") == pytest.approx(180.0)
    assert _part(frame, "revenue", "product", "B", "2027-03") == pytest.approx(180.0)
    assert _part(frame, "backlog_units", "family", "Bags", "2027-03") == 1.0
    # Stock does not split by segment, spend is only known in total.
    assert (
        frame[(frame["scope_kind"] == "segment")]["component"].isin(["inventory_value"]).sum() == 0
    )
    assert set(frame.loc[frame["component"] == "spend", "scope_kind"]) == {"all"}


def test_product_rows_add_up_to_the_money_totals() -> None:
    frame = ledger()
    for component in ("revenue", "cost_of_goods", "gross_margin", "inventory_value"):
        rows = frame[frame["component"] == component]
        by_product = rows.loc[rows["scope_kind"] == "product", "amount"].sum()
        total = rows.loc[rows["scope_kind"] == "all", "amount"].sum()
        assert by_product == pytest.approx(total), component


def test_actual_ledger_components() -> None:
    """2026-12 history: demand 10 + 5 + 2 = 17; on time 10 + 3 + min(4, 2) = 15 (c3's extra 2
    are late shipments of older orders); lines 3, in full 2 (c2 got 3 of 5); revenue 210;
    Retail (c1) revenue 100; stock 4 x 6 + 1 x 10 = 34; load 12 x 1 + 3 x 2 = 18 h of 100.
    """
    frame = history_ledger()
    month = "2026-12"
    assert _part(frame, "demand", "all", "all", month) == 17.0
    assert _part(frame, "on_time", "all", "all", month) == 15.0
    assert _part(frame, "order_lines", "all", "all", month) == 3.0
    assert _part(frame, "lines_in_full", "all", "all", month) == 2.0
    assert _part(frame, "revenue", "all", "all", month) == pytest.approx(210.0)
    assert _part(frame, "revenue", "segment", "Retail", month) == pytest.approx(100.0)
    assert _part(frame, "inventory_value", "all", "all", month) == pytest.approx(34.0)
    assert _part(frame, "load", "resource", "R", month) == pytest.approx(18.0)
    assert _part(frame, "capacity", "all", "all", month) == pytest.approx(100.0)


# --- KPIs ----------------------------------------------------------------------------------


def test_kpis_over_the_quarter() -> None:
    """Quarter: fill rate 67 / 70; Retail (10 + 8 + 10 + 4 + 4 + 3 = 39) / 42; Online 28 / 28.
    Margin 450 / revenue 980. Days of supply = stock value 30 + 62 + 50 = 142 over cost of
    goods per day 190/31 + 160/28 + 190/31. Turns 12 x 530 / 142. Utilisation
    (40 + 34 + 28) / (36 + 100 + 100) = 102 / 236. Spend 189 + 50 = 239. Backlog: mean of
    0, 2 and 1 = 1. OTIF: 11 cells with demand, 9 in full (A Retail Feb, B Retail Mar short).
    """
    frame = ledger()
    assert kpi_value(frame, "fill_rate", MONTHS, "all", "all") == pytest.approx(67 / 70)
    assert kpi_value(frame, "fill_rate", MONTHS, "segment", "Retail") == pytest.approx(39 / 42)
    assert kpi_value(frame, "fill_rate", MONTHS, "segment", "Online") == pytest.approx(1.0)
    assert kpi_value(frame, "gross_margin_pct", MONTHS, "all", "all") == pytest.approx(450 / 980)
    cogs_days = 190 / 31 + 160 / 28 + 190 / 31
    assert kpi_value(frame, "days_of_supply", MONTHS, "all", "all") == pytest.approx(
        142 / cogs_days
    )
    assert kpi_value(frame, "inventory_turns", MONTHS, "all", "all") == pytest.approx(
        12 * 530 / 142
    )
    assert kpi_value(frame, "utilisation", MONTHS, "resource", "R") == pytest.approx(102 / 236)
    assert kpi_value(frame, "spend", MONTHS, "all", "all") == pytest.approx(239.0)
    assert kpi_value(frame, "backlog_units", MONTHS, "all", "all") == pytest.approx(1.0)
    assert kpi_value(frame, "otif", MONTHS, "all", "all") == pytest.approx(9 / 11)
    assert kpi_value(frame, "revenue", MONTHS, "family", "Tents") == pytest.approx(400.0)


def test_kpis_of_one_month() -> None:
    """Feb: fill 18 / 20; days of supply 62 / (160 / 28) = 10.85; utilisation Jan 40 / 36."""
    frame = ledger()
    assert kpi_value(frame, "fill_rate", ["2027-02"], "all", "all") == pytest.approx(0.9)
    assert kpi_value(frame, "days_of_supply", ["2027-02"], "all", "all") == pytest.approx(10.85)
    assert kpi_value(frame, "utilisation", ["2027-01"], "all", "all") == pytest.approx(40 / 36)


def test_unmeasurable_kpis_are_nan() -> None:
    """No demand: no fill rate (not 100 %); an unknown scope or a missing component: NaN."""
    frame = pd.DataFrame(
        {
            "period": "2027-04",
            "scope_kind": "all",
            "scope": "all",
            "component": ["demand", "on_time"],
            "amount": [0.0, 0.0],
        }
    )
    assert math.isnan(kpi_value(frame, "fill_rate", ["2027-04"], "all", "all"))
    assert math.isnan(kpi_value(ledger(), "fill_rate", MONTHS, "family", "Garden"))
    assert math.isnan(kpi_value(ledger(), "utilisation", MONTHS, "family", "Tents"))
    assert math.isnan(kpi_value(ledger(), "revenue", ["2030-01"], "all", "all"))


def test_unknown_kpi_is_an_error() -> None:
    with pytest.raises(InvalidInput) as error:
        kpi_value(ledger(), "happiness", MONTHS, "all", "all")
    assert error.value.issues[0].code == "unknown_kpi"


def test_kpi_table_over_actual_and_plan_windows() -> None:
    """Actual December fill rate 15 / 17, plan quarter 67 / 70; utilisation is listed for
    the resource and 'all' but not for families (no load rows there)."""
    both = pd.concat([history_ledger(), ledger()], ignore_index=True)
    table = kpi_table(both, {"actual": ["2026-12"], "plan": MONTHS})
    assert tuple(table.columns) == KPI_TABLE_COLUMNS
    fill = table[(table["kpi"] == "fill_rate") & (table["scope_kind"] == "all")]
    fill = fill.set_index("basis")
    assert fill.loc["actual", "value"] == pytest.approx(15 / 17)
    assert fill.loc["plan", "value"] == pytest.approx(67 / 70)
    assert [fill.loc["plan", "period_from"], fill.loc["plan", "period_to"]] == MONTHS[::2]
    util = table[table["kpi"] == "utilisation"]
    assert set(util["scope_kind"]) == {"all", "resource"}
    plan_util = util[(util["basis"] == "plan") & (util["scope"] == "R")]
    assert plan_util["value"].iloc[0] == pytest.approx(102 / 236)
    assert set(table["unit"]) <= {d.unit for d in KPI_DEFINITIONS.values()}


# --- OTIF, adherence, stability ------------------------------------------------------------


def test_otif_of_the_plan_by_segment() -> None:
    """Retail: 6 cells, A Feb (8 of 10) and B Mar (3 of 4) short -> 4 / 6; Online 5 / 5
    (A Online Feb has no demand: no line); all 9 / 11."""
    frame = ledger()
    assert kpi_value(frame, "otif", MONTHS, "segment", "Retail") == pytest.approx(4 / 6)
    assert kpi_value(frame, "otif", MONTHS, "segment", "Online") == 1.0
    assert kpi_value(frame, "otif", MONTHS, "all", "all") == pytest.approx(9 / 11)


def test_otif_of_the_actuals_by_segment() -> None:
    """c1 (Retail) in full, c2 (Online) 3 of 5, c3 (no segment) in full: all 2 / 3."""
    frame = history_ledger()
    months = sorted(history()["period"].unique())
    assert kpi_value(frame, "otif", months, "segment", "Retail") == 1.0
    assert kpi_value(frame, "otif", months, "segment", "Online") == 0.0
    assert kpi_value(frame, "otif", months, "all", "all") == pytest.approx(2 / 3)


def test_plan_adherence() -> None:
    """Actuals for Jan and Feb only (Mar not counted); B made nothing recorded in Feb.
    Jan: plan A 20, B 10; made 18, 10 -> 1 - 2 / 30. Feb: plan 10, 12; made 10, 0 ->
    1 - 12 / 22. Overall 1 - 14 / 52.
    """
    actual = pd.DataFrame(
        {
            "product_id": ["A", "B", "A"],
            "period": ["2027-01", "2027-01", "2027-02"],
            "quantity": [18.0, 10.0, 10.0],
        }
    )
    table = plan_adherence(actual, plan_products()).set_index(["product_id", "period"])
    assert table.loc[("all", "2027-01"), "adherence"] == pytest.approx(1 - 2 / 30)
    assert table.loc[("all", "2027-02"), "adherence"] == pytest.approx(1 - 12 / 22)
    assert table.loc[("all", "all"), "adherence"] == pytest.approx(1 - 14 / 52)
    assert table.loc[("B", "2027-02"), "deviation"] == 12.0
    assert "2027-03" not in table.index.get_level_values("period")


def test_plan_stability_inside_the_fence() -> None:
    """Later plan: A +2 in Jan, B -2 in Feb, and a big change in Mar (outside the fence).
    Tents 2 / 30, Bags 2 / 22, all 4 / 52."""
    later = plan_products()
    later.loc[(later["product_id"] == "A") & (later["period"] == "2027-01"), "production"] = 22.0
    later.loc[(later["product_id"] == "B") & (later["period"] == "2027-02"), "production"] = 10.0
    later.loc[later["period"] == "2027-03", "production"] = 100.0
    table = plan_stability(plan_products(), later, MONTHS[:2]).set_index("family")
    assert table.loc["Tents", "change"] == pytest.approx(2 / 30)
    assert table.loc["Bags", "change"] == pytest.approx(2 / 22)
    assert cells(table, "all", "earlier", "units_changed") == [52.0, 4.0]
    assert table.loc["all", "change"] == pytest.approx(4 / 52)
