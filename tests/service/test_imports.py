"""Importing workbooks into real databases: all or nothing, every error located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from factories import small_workbook, write_small_csv, write_small_xlsx
from snop.errors import InvalidInput
from snop.services.database import Database
from snop.services.exports import read_planning_data
from snop.services.imports import import_workbook
from snop.store.tables import AuditEvent, DataImport, Product

Sheets = dict[str, pd.DataFrame]


def snapshot(db: Database) -> dict[str, object]:
    """Everything an import could change: every sheet, the import log and the audit trail."""
    data: dict[str, object] = dict(read_planning_data(db))
    with db.sessions.begin() as s:
        data["_imports"] = s.scalar(select(func.count()).select_from(DataImport))
        data["_audit"] = s.scalar(select(func.count()).select_from(AuditEvent))
        data["_versions"] = sorted(s.execute(select(Product.product_id, Product.version)).all())
    return data


def assert_same(before: dict[str, object], after: dict[str, object]) -> None:
    assert before.keys() == after.keys()
    for key, value in before.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, after[key])  # type: ignore[arg-type]
        else:
            assert value == after[key], key


def test_a_valid_workbook_is_imported_and_counted(db: Database, tmp_path: Path) -> None:
    report = import_workbook(db, write_small_csv(tmp_path / "wb"), actor="ann")
    counts = {r.sheet: (r.rows, r.inserted) for r in report.sheets}
    assert counts["products"] == (2, 2)
    assert counts["demand_history"] == (4, 4)
    data = read_planning_data(db)
    products = data["products"].set_index("product_id")
    assert products.loc["P2", "like_product_id"] == "P1"
    assert products.loc["P1", "max_subcontract"] == 50.0
    assert pd.isna(products.loc["P2", "subcontract_cost"])
    assert data["inventory"]["backlog"].tolist() == [2.0, 0.0]


def test_importing_the_same_workbook_again_changes_nothing(db: Database, tmp_path: Path) -> None:
    import_workbook(db, write_small_xlsx(tmp_path / "wb.xlsx"), actor="ann")
    before = snapshot(db)
    again = import_workbook(db, tmp_path / "wb.xlsx", actor="ann")
    assert again.changed == 0
    after = snapshot(db)
    assert after["_versions"] == before["_versions"]
    pd.testing.assert_frame_equal(before["products"], after["products"])  # type: ignore[arg-type]


def test_a_changed_row_is_updated_by_key_and_versioned(db: Database, tmp_path: Path) -> None:
    import_workbook(db, write_small_csv(tmp_path / "a"), actor="ann")
    sheets = small_workbook()
    sheets["products"].loc[0, "price"] = 210.0
    report = import_workbook(db, write_small_csv(tmp_path / "b", sheets), actor="bob")
    products = next(r for r in report.sheets if r.sheet == "products")
    assert (products.inserted, products.updated, products.unchanged) == (0, 1, 1)
    with db.sessions.begin() as s:
        p1 = s.get(Product, "P1")
        assert p1 is not None and (p1.price, p1.version) == (210.0, 2)
        assert s.get(Product, "P2").version == 1  # type: ignore[union-attr]


def test_dry_run_checks_and_counts_but_writes_nothing(db: Database, tmp_path: Path) -> None:
    before = snapshot(db)
    report = import_workbook(db, write_small_csv(tmp_path / "wb"), actor="ann", dry_run=True)
    assert report.dry_run and report.changed == 22
    assert_same(before, snapshot(db))


def _drop_sheet(sheets: Sheets) -> None:
    del sheets["segments"]


def _drop_column(sheets: Sheets) -> None:
    sheets["products"] = sheets["products"].drop(columns=["price"])


def _text_in_number(sheets: Sheets) -> None:
    sheets["resources"].loc[1, "capacity"] = "lots"


def _bad_period(sheets: Sheets) -> None:
    sheets["demand_history"].loc[3, "period"] = "Oct 2026"


def _negative(sheets: Sheets) -> None:
    sheets["inventory"].loc[1, "on_hand"] = -5


def _duplicate(sheets: Sheets) -> None:
    sheets["customers"] = pd.concat([sheets["customers"], sheets["customers"].iloc[[0]]])


def _unknown_product(sheets: Sheets) -> None:
    sheets["demand_history"].loc[2, "product_id"] = "P7"


def _unknown_segment(sheets: Sheets) -> None:
    sheets["customers"].loc[1, "segment"] = "Wholesale"


def _unknown_resource(sheets: Sheets) -> None:
    sheets["routings"].loc[2, "resource_id"] = "LATHE"


def _shipped_above(sheets: Sheets) -> None:
    sheets["demand_history"].loc[1, "shipped"] = 11


def _out_of_range(sheets: Sheets) -> None:
    sheets["segments"].loc[0, "service_target"] = 98


def _impossible_quantity(sheets: Sheets) -> None:
    sheets["demand_history"].loc[1, "ordered"] = 1e308


def _bad_status(sheets: Sheets) -> None:
    sheets["products"].loc[0, "status"] = "retired"


ERROR_CASES: list[tuple[Callable[[Sheets], None], tuple[str, str, int | None, str | None], str]] = [
    (_drop_sheet, ("missing_sheet", "segments", None, None), "the sheet is missing"),
    (_drop_column, ("missing_column", "products", 1, "price"), "required column price"),
    (_text_in_number, ("wrong_type", "resources", 3, "capacity"), "'lots' is not a number"),
    (_bad_period, ("bad_period", "demand_history", 5, "period"), "'Oct 2026' is not a month"),
    (_negative, ("negative_value", "inventory", 3, "on_hand"), "on_hand is -5"),
    (_duplicate, ("duplicate_key", "customers", 4, "customer_id"), "customer_id=C1 appears"),
    (_unknown_product, ("unknown_reference", "demand_history", 4, "product_id"), "P7 is not"),
    (_unknown_segment, ("unknown_reference", "customers", 3, "segment"), "Wholesale is not"),
    (_unknown_resource, ("unknown_reference", "routings", 4, "resource_id"), "LATHE is not"),
    (_shipped_above, ("shipped_above_ordered", "demand_history", 3, "shipped"), "shipped 11"),
    (_out_of_range, ("out_of_range", "segments", 2, "service_target"), "less than 1"),
    (_impossible_quantity, ("out_of_range", "demand_history", 3, "ordered"), "ordered is 1e+308"),
    (_bad_status, ("bad_choice", "products", 2, "status"), "'retired' is not one of"),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("corrupt", "where", "message"), ERROR_CASES, ids=[c[1][0] + "-" + c[1][1] for c in ERROR_CASES]
)
def test_a_broken_workbook_is_refused_whole_and_located(
    db: Database,
    tmp_path: Path,
    fmt: str,
    corrupt: Callable[[Sheets], None],
    where: tuple[str, str, int | None, str | None],
    message: str,
) -> None:
    if where[0] != "missing_sheet":
        # A database with data in it, so "nothing written" is tested against real rows.
        import_workbook(db, write_small_csv(tmp_path / "first"), actor="ann")
    sheets = small_workbook()
    sheets["products"].loc[1, "price"] = 999.0  # a valid change that must not land either
    corrupt(sheets)
    if fmt == "csv":
        path = write_small_csv(tmp_path / "broken", sheets)
        if where[0] == "missing_sheet":
            (path / "segments.csv").unlink()
    else:
        path = write_small_xlsx(tmp_path / "broken.xlsx", sheets)
        if where[0] == "missing_sheet":
            from openpyxl import load_workbook

            book = load_workbook(path)
            del book["segments"]
            book.save(path)
    before = snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        import_workbook(db, path, actor="ann")
    located = [(i.code, i.sheet, i.row, i.column) for i in caught.value.issues]
    assert where in located
    issue = caught.value.issues[located.index(where)]
    assert message in issue.message
    assert "nothing was changed" in str(caught.value)
    assert_same(before, snapshot(db))


def test_every_error_is_reported_at_once(db: Database, tmp_path: Path) -> None:
    sheets = small_workbook()
    for corrupt in (_text_in_number, _negative, _unknown_product, _shipped_above):
        corrupt(sheets)
    with pytest.raises(InvalidInput) as caught:
        import_workbook(db, write_small_csv(tmp_path / "wb", sheets), actor="ann")
    assert {(i.sheet, i.row) for i in caught.value.issues} == {
        ("resources", 3),
        ("inventory", 3),
        ("demand_history", 4),
        ("demand_history", 3),
    }


def test_an_unreadable_file_is_an_error_not_a_crash(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "wb.xlsx"
    bad.write_text("this is not a workbook")
    with pytest.raises(InvalidInput) as caught:
        import_workbook(db, bad, actor="ann")
    assert caught.value.issues[0].code == "unreadable_file"
    with pytest.raises(InvalidInput) as missing:
        import_workbook(db, tmp_path / "nowhere.xlsx", actor="ann")
    assert missing.value.issues[0].code == "file_not_found"


def test_a_monthly_update_brings_only_new_history(db: Database, tmp_path: Path) -> None:
    import_workbook(db, write_small_csv(tmp_path / "wb"), actor="ann")
    update = tmp_path / "november"
    update.mkdir()
    (update / "demand_history.csv").write_text(
        "period,product_id,customer_id,ordered,shipped\n2026-11,P1,C1,90,88\n"
    )
    report = import_workbook(db, update, actor="ann")
    assert [(r.sheet, r.inserted) for r in report.sheets] == [("demand_history", 1)]
    assert len(read_planning_data(db)["demand_history"]) == 5
