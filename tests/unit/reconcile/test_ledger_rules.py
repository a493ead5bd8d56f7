"""The ledger's and the KPIs' rules one at a time, each test named after the rule it pins.

Written from a mutation run (bench/RESULTS.md, "Mutation run on the reconcile rules"):
every test here turns red under a mutant that the older tests let through. The plan is the
hand-computed one of reconcile_cases.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest
from test_kpis import history_ledger, ledger

from reconcile_cases import (
    MONTHS,
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
from snop.reconcile.ledger import (
    LEDGER_COLUMNS,
    actual_ledger,
    order_cells,
    plan_ledger,
    rollup,
    stack_ledgers,
)
from snop.reconcile.scorecard import score
from snop.supply.problem import NO_SEGMENT


def _rows(frame: pd.DataFrame, component: str, kind: str, scope: str) -> pd.DataFrame:
    return frame[
        (frame["component"] == component)
        & (frame["scope_kind"] == kind)
        & (frame["scope"] == scope)
    ]


def _plan_ledger(**overrides: object) -> pd.DataFrame:
    parts: dict[str, object] = {
        "plan_products": plan_products(),
        "plan_segments": plan_segments(),
        "plan_resources": plan_resources(),
        "plan_costs": plan_costs(),
        "money": money(),
        "products": products(),
        "standard": standard(),
        "resources": resources(),
    }
    parts.update(overrides)
    return plan_ledger(**parts)  # type: ignore[arg-type]


# --- order lines -----------------------------------------------------------------------------


def _cells(demand: list[float], on_time: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": "A",
            "period": "2027-01",
            "demand": demand,
            "shipped": on_time,
            "on_time": on_time,
        }
    )


def test_any_positive_demand_is_an_order_line() -> None:
    cells = order_cells(
        _cells([1.0, 0.0], [1.0, 0.0]), products().set_index("product_id")["price"], standard()
    )
    assert cells["order_lines"].to_list() == [1.0, 0.0]
    assert cells["lines_in_full"].to_list() == [1.0, 0.0]


def test_a_line_short_by_half_a_unit_is_not_in_full() -> None:
    """Short by less than 0.5 is LP rounding (in full); short by exactly 0.5 is not."""
    cells = order_cells(
        _cells([10.0, 10.0], [9.6, 9.5]), products().set_index("product_id")["price"], standard()
    )
    assert cells["lines_in_full"].to_list() == [1.0, 0.0]


# --- scopes ----------------------------------------------------------------------------------


def test_demand_without_a_segment_has_no_segment_rows() -> None:
    cells = pd.DataFrame(
        {"period": "2027-01", "segment": ["Retail", NO_SEGMENT], "demand": [3.0, 4.0]}
    )
    rows = rollup(cells, ["demand"], ("all", "segment"))
    assert set(zip(rows["scope_kind"], rows["scope"], strict=True)) == {
        ("all", "all"),
        ("segment", "Retail"),
    }
    assert rows.loc[rows["scope_kind"] == "all", "amount"].to_list() == [7.0]


def test_money_without_a_segment_has_no_segment_rows() -> None:
    extra = pd.DataFrame(
        {
            "period": ["2027-01"],
            "family": ["Tents"],
            "segment": [NO_SEGMENT],
            "measure": ["revenue"],
            "amount": [5.0],
        }
    )
    frame = _plan_ledger(money=pd.concat([money(), extra], ignore_index=True))
    assert _rows(frame, "revenue", "segment", NO_SEGMENT).empty
    before = _rows(_plan_ledger(), "revenue", "family", "Tents")
    after = _rows(frame, "revenue", "family", "Tents")
    assert after["amount"].sum() == pytest.approx(before["amount"].sum() + 5.0)


def test_a_money_figure_from_a_single_row_is_kept() -> None:
    single = pd.DataFrame(
        {
            "period": ["2027-01"],
            "family": ["Tents"],
            "segment": ["Retail"],
            "measure": ["revenue"],
            "amount": [7.0],
        }
    )
    frame = _plan_ledger(money=single)
    for kind, scope in (("all", "all"), ("family", "Tents"), ("segment", "Retail")):
        assert _rows(frame, "revenue", kind, scope)["amount"].to_list() == [7.0]


# --- hours -----------------------------------------------------------------------------------


def test_a_resource_without_regular_cost_has_no_capacity_cost() -> None:
    frame = _plan_ledger(resources=resources().drop(columns="regular_cost"))
    assert "capacity_cost" not in set(frame["component"])
    assert _rows(frame, "capacity", "resource", "R")["amount"].sum() == 236.0


def _december_production_ledger(**resources: pd.DataFrame) -> pd.DataFrame:
    """The actual ledger of 12 units of A made in 2026-12 (``resources=`` optional)."""
    return actual_ledger(
        history(),
        products(),
        customers(),
        standard(),
        production=pd.DataFrame({"product_id": ["A"], "period": "2026-12", "quantity": [12.0]}),
        routings=routings(),
        **resources,
    )


def test_actual_hours_without_resources_are_load_only() -> None:
    frame = _december_production_ledger()
    hours = frame[frame["scope_kind"] == "resource"]
    assert set(hours["component"]) == {"load"}
    assert hours["amount"].to_list() == [12.0]


def test_an_idle_resource_has_zero_load_and_its_capacity_priced() -> None:
    """S makes nothing in December: load 0 (not 1, not missing), capacity 50 at 3/h."""
    two = pd.concat(
        [resources(), resources().assign(resource_id="S", capacity=50.0, regular_cost=3.0)],
        ignore_index=True,
    )
    frame = _december_production_ledger(resources=two)
    assert _rows(frame, "load", "resource", "S")["amount"].to_list() == [0.0]
    assert _rows(frame, "capacity_cost", "resource", "S")["amount"].to_list() == [150.0]
    assert _rows(frame, "capacity_cost", "resource", "R")["amount"].to_list() == [200.0]


def test_actual_stock_is_split_by_family() -> None:
    """December stock A 4 x 6 = 24 (Tents), B 1 x 10 = 10 (Bags)."""
    frame = history_ledger()
    assert _rows(frame, "inventory_value", "family", "Tents")["amount"].to_list() == [24.0]
    assert _rows(frame, "inventory_units", "family", "Bags")["amount"].to_list() == [1.0]


# --- stacking --------------------------------------------------------------------------------


def test_an_empty_ledger_has_the_ledger_columns_and_float_amounts() -> None:
    empty = stack_ledgers([])
    assert tuple(empty.columns) == LEDGER_COLUMNS
    assert empty.empty
    assert empty["amount"].dtype == float


def test_ledgers_and_tables_have_a_fresh_index() -> None:
    for frame in (ledger(), history_ledger(), kpi_table(ledger(), {"plan": MONTHS})):
        assert frame.index.equals(pd.RangeIndex(len(frame)))


# --- inputs ----------------------------------------------------------------------------------


def _bad_inputs() -> list[tuple[str, Callable[[], object]]]:
    bare = pd.DataFrame({"x": [1]})
    hist = (history(), products(), customers(), standard())
    production = pd.DataFrame({"product_id": ["A"], "period": "2026-12", "quantity": [1.0]})
    return [
        ("plan products", lambda: _plan_ledger(plan_products=bare)),
        ("plan segments", lambda: _plan_ledger(plan_segments=bare)),
        ("plan resources", lambda: _plan_ledger(plan_resources=bare)),
        ("plan costs", lambda: _plan_ledger(plan_costs=bare)),
        ("money", lambda: _plan_ledger(money=bare)),
        ("products", lambda: _plan_ledger(products=bare)),
        ("demand history", lambda: actual_ledger(bare, *hist[1:])),
        ("products", lambda: actual_ledger(hist[0], bare, *hist[2:])),
        ("customers", lambda: actual_ledger(*hist[:2], bare, hist[3])),
        ("inventory", lambda: actual_ledger(*hist, inventory=bare)),
        ("production", lambda: actual_ledger(*hist, production=bare)),
        ("routings", lambda: actual_ledger(*hist, production=production, routings=bare)),
        (
            "resources",
            lambda: actual_ledger(
                *hist, production=production, routings=routings(), resources=bare
            ),
        ),
        (
            "ledger",
            lambda: kpi_value(
                pd.DataFrame({"period": MONTHS, "scope_kind": "all", "scope": "all"}),
                "revenue",
                MONTHS,
                "all",
                "all",
            ),
        ),
        ("actual production", lambda: plan_adherence(bare, plan_products())),
        ("plan production", lambda: plan_adherence(production, bare)),
        ("earlier plan", lambda: plan_stability(bare, plan_products(), MONTHS)),
        ("later plan", lambda: plan_stability(plan_products(), bare, MONTHS)),
        ("targets", lambda: score(bare, ledger(), basis_periods=MONTHS)),
    ]


@pytest.mark.parametrize(("name", "call"), _bad_inputs(), ids=[n for n, _ in _bad_inputs()])
def test_an_input_without_its_columns_is_refused_by_name(
    name: str, call: Callable[[], object]
) -> None:
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.issues[0].message.startswith(f"{name} has no column ")


# --- KPIs ------------------------------------------------------------------------------------


def test_an_unknown_kpi_names_itself_and_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as error:
        kpi_value(ledger(), "happiness", MONTHS, "all", "all")
    issue = error.value.issues[0]
    assert issue.value == "happiness"
    assert issue.message == f"no KPI 'happiness'; known: {', '.join(KPI_DEFINITIONS)}"


def test_a_scope_without_the_numerator_has_no_kpi() -> None:
    """Tents has rows, but no spend rows: NaN (not an error)."""
    assert math.isnan(kpi_value(ledger(), "spend", MONTHS, "family", "Tents"))


def test_kpi_table_keeps_each_basis_to_its_own_rows() -> None:
    """The same month on both bases: actual demand 10, plan demand 30."""
    rows = pd.DataFrame(
        {
            "period": "2027-01",
            "scope_kind": "all",
            "scope": "all",
            "component": ["demand", "demand"],
            "amount": [10.0, 30.0],
            "basis": ["actual", "plan"],
        }
    )
    table = kpi_table(rows, {"actual": ["2027-01"], "plan": ["2027-01"]})
    demand = table[table["kpi"] == "demand"].set_index("basis")["value"]
    assert demand.to_dict() == {"actual": 10.0, "plan": 30.0}


def test_kpi_table_goes_on_past_an_empty_basis_and_a_missing_kpi() -> None:
    """No actual months: the plan is still listed; the ledger has only spend and stock, so
    the KPIs before them in the list are skipped, not the end of the table."""
    rows = pd.DataFrame(
        {
            "period": ["2027-01", "2027-02", "2027-01", "2027-02"],
            "scope_kind": "all",
            "scope": "all",
            "component": ["spend", "spend", "inventory_value", "inventory_value"],
            "amount": [5.0, 7.0, 30.0, 50.0],
        }
    )
    table = kpi_table(rows, {"actual": ["2026-12"], "plan": ["2027-01", "2027-02"]})
    values = table.set_index("kpi")["value"]
    assert values["spend"] == 12.0
    assert values["inventory_value"] == 40.0  # a stock: the monthly mean
    assert set(table["basis"]) == {"plan"}


def test_kpi_table_lists_a_kpi_without_denominator_rows_as_nan() -> None:
    rows = pd.DataFrame(
        {
            "period": "2027-01",
            "scope_kind": ["all", "family"],
            "scope": ["all", "Tents"],
            "component": "on_time",
            "amount": [3.0, 2.0],
        }
    )
    table = kpi_table(rows, {"plan": ["2027-01"]})
    fill = table[table["kpi"] == "fill_rate"]
    assert len(fill) == 2
    assert fill["value"].isna().all()


def test_an_empty_kpi_table_has_the_table_columns() -> None:
    table = kpi_table(ledger(), {"plan": ["2030-01"]})
    assert table.empty
    assert tuple(table.columns) == KPI_TABLE_COLUMNS


# --- adherence and stability -------------------------------------------------------------------


def test_adherence_is_nan_without_a_plan_and_measured_from_one_unit() -> None:
    actual = pd.DataFrame({"product_id": ["A", "B"], "period": "2027-01", "quantity": [5.0, 1.0]})
    planned = pd.DataFrame(
        {"product_id": ["A", "B"], "period": "2027-01", "production": [0.0, 1.0]}
    )
    table = plan_adherence(actual, planned).set_index(["product_id", "period"])
    assert math.isnan(table.loc[("A", "2027-01"), "adherence"])
    assert table.loc[("B", "2027-01"), "adherence"] == 1.0
    assert plan_adherence(actual, planned).index.equals(pd.RangeIndex(4))


def test_a_product_in_one_plan_only_made_zero_in_the_other() -> None:
    """Later plan adds C (family Poles, 5 in Jan): earlier 0, changed 5, change NaN;
    a family planned at 1 unit has a change measured against 1."""
    later = pd.concat(
        [
            plan_products(),
            pd.DataFrame(
                {
                    "product_id": ["C"],
                    "family": ["Poles"],
                    "period": ["2027-01"],
                    "production": [5.0],
                }
            ),
        ],
        ignore_index=True,
    )
    earlier = pd.concat(
        [
            plan_products(),
            pd.DataFrame(
                {
                    "product_id": ["D"],
                    "family": ["Hats"],
                    "period": ["2027-01"],
                    "production": [1.0],
                }
            ),
        ],
        ignore_index=True,
    )
    table = plan_stability(earlier, later, MONTHS[:1])
    assert table.index.equals(pd.RangeIndex(len(table)))
    by_family = table.set_index("family")
    assert by_family.loc["Poles", "earlier"] == 0.0
    assert by_family.loc["Poles", "units_changed"] == 5.0
    assert math.isnan(by_family.loc["Poles", "change"])
    assert by_family.loc["Hats", "change"] == 1.0
    assert by_family.loc["Tents", "units_changed"] == 0.0
