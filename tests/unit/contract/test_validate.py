"""Cross-sheet rules: references, life cycle, shipped vs ordered, events and targets."""

from __future__ import annotations

import pandas as pd
import pytest

from factories import small_workbook
from snop.contract.validate import KnownKeys, check_workbook


def as_raw(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {}
    for name, frame in sheets.items():
        raw = frame.astype(object).reset_index(drop=True)
        raw["_row"] = range(2, len(raw) + 2)
        out[name] = raw
    return out


def errors(sheets: dict[str, pd.DataFrame], known: KnownKeys | None = None) -> list[tuple]:
    checked = check_workbook(as_raw(sheets), known or KnownKeys())
    return [(i.code, i.sheet, i.row, i.column) for i in checked.errors]


def test_the_small_workbook_is_valid() -> None:
    checked = check_workbook(as_raw(small_workbook()), KnownKeys())
    assert checked.issues == []
    assert set(checked.sheets) == set(small_workbook())


def test_missing_required_sheet() -> None:
    sheets = small_workbook()
    del sheets["customers"]
    assert ("missing_sheet", "customers", None, None) in errors(sheets)


def test_a_partial_workbook_may_rely_on_the_database() -> None:
    only_history = {"demand_history": small_workbook()["demand_history"]}
    known = KnownKeys(
        products=frozenset({"P1", "P2"}),
        customers=frozenset({"C1", "C2"}),
        filled_sheets=frozenset(
            {"products", "segments", "customers", "resources", "routings", "inventory"}
        ),
    )
    assert errors(only_history, known) == []
    assert {e[0] for e in errors(only_history)} == {"missing_sheet", "unknown_reference"}


@pytest.mark.parametrize(
    ("sheet", "column", "bad"),
    [
        ("customers", "segment", "Wholesale"),
        ("routings", "resource_id", "LATHE"),
        ("demand_history", "product_id", "P9"),
        ("demand_history", "customer_id", "C9"),
        ("inventory", "product_id", "P9"),
        ("products", "like_product_id", "P9"),
    ],
)
def test_unknown_references(sheet: str, column: str, bad: str) -> None:
    sheets = small_workbook()
    sheets[sheet].loc[0, column] = bad
    assert errors(sheets) == [("unknown_reference", sheet, 2, column)]
    checked = check_workbook(as_raw(sheets), KnownKeys())
    assert checked.errors[0].message.startswith(f"{bad} is not in the ")


def test_shipped_above_ordered() -> None:
    sheets = small_workbook()
    sheets["demand_history"].loc[2, "shipped"] = 121.0
    checked = check_workbook(as_raw(sheets), KnownKeys())
    assert [(i.code, i.row, i.column) for i in checked.errors] == [
        ("shipped_above_ordered", 4, "shipped")
    ]
    assert checked.errors[0].message == "shipped 121 is more than ordered 120 (P1, C1, 2026-09)"


def test_new_product_needs_a_launch_period_and_not_itself_as_like_item() -> None:
    sheets = small_workbook()
    sheets["products"].loc[1, "launch_period"] = None
    sheets["products"].loc[1, "like_product_id"] = "P2"
    assert sorted(errors(sheets)) == [
        ("missing_value", "products", 3, "launch_period"),
        ("self_reference", "products", 3, "like_product_id"),
    ]


def test_phase_out_needs_an_end_period_after_launch() -> None:
    sheets = small_workbook()
    sheets["products"].loc[0, "status"] = "phase_out"
    assert errors(sheets) == [("missing_value", "products", 2, "end_period")]
    sheets["products"].loc[1, "end_period"] = "2026-01"
    assert ("inconsistent_periods", "products", 3, "end_period") in errors(sheets)


def test_events_need_one_scope_and_one_change() -> None:
    sheets = small_workbook()
    events = sheets["events"]
    events.loc[0, "family"] = "Tents"  # both product and family
    events.loc[1, "change_pct"] = 10.0  # both pct and qty
    events.loc[1, "period_to"] = "2026-12"  # before period_from 2027-01
    assert sorted(errors(sheets)) == [
        ("ambiguous_change", "events", 3, "change_pct"),
        ("ambiguous_scope", "events", 2, "product_id"),
        ("inconsistent_periods", "events", 3, "period_to"),
    ]


def test_event_family_and_target_scope_must_exist() -> None:
    sheets = small_workbook()
    sheets["events"].loc[1, "family"] = "Kayaks"
    sheets["targets"].loc[1, "scope"] = "Nobody"
    assert sorted(errors(sheets)) == [
        ("unknown_reference", "events", 3, "family"),
        ("unknown_reference", "targets", 3, "scope"),
    ]


def test_max_subcontract_without_a_cost_is_a_warning() -> None:
    sheets = small_workbook()
    sheets["products"].loc[0, "subcontract_cost"] = None
    checked = check_workbook(as_raw(sheets), KnownKeys())
    assert checked.errors == []
    assert [w.code for w in checked.warnings] == ["unused_value"]
