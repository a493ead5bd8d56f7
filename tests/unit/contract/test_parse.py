"""Parsing one sheet: every kind of bad cell is named with its row and column."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from snop.contract.parse import normalise_header, parse_sheet
from snop.contract.sheets import DEMAND_HISTORY, PRODUCTS, SEGMENTS


def raw(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows).astype(object)
    frame["_row"] = range(2, len(frame) + 2)
    return frame


def codes(issues: list) -> list[tuple[str, int | None, str | None]]:
    return [(i.code, i.row, i.column) for i in issues]


SEGMENT_OK = {"segment": "Key", "service_target": 0.98, "priority": 1}


def test_a_valid_sheet_converts_to_typed_columns() -> None:
    typed, issues = parse_sheet(
        SEGMENTS, raw([SEGMENT_OK, {**SEGMENT_OK, "segment": "B", "priority": "2"}])
    )
    assert issues == []
    assert typed["priority"].tolist() == [1.0, 2.0]
    assert list(typed.columns) == ["segment", "service_target", "priority", "_row"]


def test_headers_are_matched_without_case_or_spaces() -> None:
    assert normalise_header(" Service Target ") == "service_target"


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    _, issues = parse_sheet(SEGMENTS, raw([{"segment": "Key", "priority": 1}]))
    assert codes(issues) == [("missing_column", 1, "service_target")]
    assert "required column service_target is missing" in issues[0].message


def test_text_in_a_number_column() -> None:
    _, issues = parse_sheet(SEGMENTS, raw([{**SEGMENT_OK, "service_target": "high"}]))
    assert codes(issues) == [("wrong_type", 2, "service_target")]
    assert issues[0].message.startswith("'high' is not a number")
    assert issues[0].value == "high"


def test_fraction_in_a_whole_number_column() -> None:
    _, issues = parse_sheet(SEGMENTS, raw([{**SEGMENT_OK, "priority": 1.5}]))
    assert codes(issues) == [("wrong_type", 2, "priority")]


def test_value_out_of_range() -> None:
    _, issues = parse_sheet(
        SEGMENTS, raw([SEGMENT_OK, {**SEGMENT_OK, "segment": "X", "service_target": 1.2}])
    )
    assert codes(issues) == [("out_of_range", 3, "service_target")]
    assert "less than 1" in issues[0].message


def test_negative_quantity() -> None:
    row = {
        "period": "2026-01",
        "product_id": "P1",
        "customer_id": "C1",
        "ordered": -4,
        "shipped": 0,
    }
    _, issues = parse_sheet(DEMAND_HISTORY, raw([row]))
    assert codes(issues) == [("negative_value", 2, "ordered")]
    assert issues[0].message == "ordered is -4; it must be at least 0 and at most 1,000,000,000,000"


def test_bad_period_and_excel_dates() -> None:
    rows = [
        {"period": "2026-13", "product_id": "P1", "customer_id": "C1", "ordered": 1, "shipped": 1},
        {
            "period": dt.datetime(2026, 3, 1),
            "product_id": "P1",
            "customer_id": "C2",
            "ordered": 1,
            "shipped": 1,
        },
    ]
    typed, issues = parse_sheet(DEMAND_HISTORY, raw(rows))
    assert codes(issues) == [("bad_period", 2, "period")]
    assert "not a month written YYYY-MM" in issues[0].message
    assert typed.loc[1, "period"] == "2026-03"


def test_empty_required_cell() -> None:
    _, issues = parse_sheet(SEGMENTS, raw([{**SEGMENT_OK, "segment": "  "}]))
    assert codes(issues) == [("missing_value", 2, "segment")]


def test_duplicate_key_names_the_first_row() -> None:
    _, issues = parse_sheet(SEGMENTS, raw([SEGMENT_OK, SEGMENT_OK]))
    assert codes(issues) == [("duplicate_key", 3, "segment")]
    assert issues[0].message == "segment=Key appears more than once (first in row 2)"


def test_bad_choice_and_defaults() -> None:
    base = {
        "product_id": 1001,
        "name": "A",
        "family": "F",
        "price": 1,
        "unit_cost": 1,
        "holding_cost": 0,
        "backorder_cost": 0,
    }
    typed, issues = parse_sheet(
        PRODUCTS, raw([base, {**base, "product_id": 1002.0, "status": "retired"}])
    )
    assert codes(issues) == [("bad_choice", 3, "status")]
    # Codes typed as numbers come back as text; absent optional columns take defaults.
    assert typed["product_id"].tolist() == ["1001", "1002"]
    assert typed.loc[0, "status"] == "active"
    assert typed.loc[0, "lead_time"] == 0
    assert pd.isna(typed.loc[0, "subcontract_cost"])


def test_unknown_column_is_a_warning() -> None:
    _, issues = parse_sheet(SEGMENTS, raw([{**SEGMENT_OK, "prioritty": 3}]))
    assert [(i.code, i.severity) for i in issues] == [("unknown_column", "warning")]


def test_every_problem_is_reported_not_just_the_first() -> None:
    rows = [
        {"segment": "A", "service_target": "x", "priority": 0},
        {"segment": "B", "service_target": -1, "priority": "one"},
    ]
    _, issues = parse_sheet(SEGMENTS, raw(rows))
    assert sorted(codes(issues)) == [
        ("out_of_range", 2, "priority"),
        ("out_of_range", 3, "service_target"),
        ("wrong_type", 2, "service_target"),
        ("wrong_type", 3, "priority"),
    ]


def test_the_column_reference_in_docs_is_up_to_date() -> None:
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[3] / "scripts" / "contract_doc.py"
    spec = importlib.util.spec_from_file_location("contract_doc", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TARGET.read_text() == module.render(), "run python scripts/contract_doc.py"


def test_numbers_that_cannot_be_true_are_refused_with_row_and_column() -> None:
    history_ok = {"product_id": "P", "customer_id": "C"}
    rows = [
        {**history_ok, "period": "2025-01", "ordered": 1e308, "shipped": 0},
        {**history_ok, "period": "2025-02", "ordered": 5, "shipped": 2e12},
        {**history_ok, "period": "2025-03", "ordered": 1e12, "shipped": 0},  # the ceiling: ok
    ]
    _, issues = parse_sheet(DEMAND_HISTORY, raw(rows))
    assert codes(issues) == [("out_of_range", 2, "ordered"), ("out_of_range", 3, "shipped")]
    assert issues[0].message == (
        "ordered is 1e+308; it must be at least 0 and at most 1,000,000,000,000"
    )


def test_a_service_target_is_strictly_between_0_and_1() -> None:
    rows = [
        {**SEGMENT_OK, "segment": "none", "service_target": 0},
        {**SEGMENT_OK, "segment": "all", "service_target": 1},
        {**SEGMENT_OK, "segment": "fine", "service_target": 0.999},
    ]
    _, issues = parse_sheet(SEGMENTS, raw(rows))
    assert codes(issues) == [
        ("out_of_range", 2, "service_target"),
        ("out_of_range", 3, "service_target"),
    ]
