"""The demo company, and export -> import -> export giving the same workbook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dbtools import create_pg_database, drop_pg_database, pg_server_url
from factories import write_small_csv
from snop.errors import Conflict
from snop.services.database import Database, open_database
from snop.services.demo import build_demo
from snop.services.exports import export_workbook, read_planning_data
from snop.services.imports import import_workbook

END = "2026-10"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A new, empty database per test (the round trip needs a truly empty one)."""
    if request.param == "sqlite":
        db = open_database(str(tmp_path / "fresh.db"), create=True)
        yield db
        db.close()
        return
    if pg_server_url() is None:
        pytest.skip("SNOP_TEST_PG_URL is not set")
    url = create_pg_database("snop_fresh")
    db = open_database(url, create=True)
    yield db
    db.close()
    drop_pg_database(url)


def workbook_cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path, read_only=True)
    cells = {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
    book.close()
    return cells


@pytest.mark.slow
def test_export_import_export_gives_the_same_workbook(
    db: Database, fresh: Database, tmp_path: Path
) -> None:
    build_demo(db, last_history_month=END, actor="demo", forecast=False)
    first = export_workbook(db, tmp_path / "first.xlsx")
    import_workbook(fresh, tmp_path / "first.xlsx", actor="ann")
    export_workbook(fresh, tmp_path / "second.xlsx")
    assert workbook_cells(tmp_path / "first.xlsx") == workbook_cells(tmp_path / "second.xlsx")
    assert first.rows["demand_history"] > 10_000


def test_csv_folder_round_trip(db: Database, fresh: Database, tmp_path: Path) -> None:
    build_demo(db, last_history_month=END, actor="demo", forecast=False)
    export_workbook(db, tmp_path / "csv")
    import_workbook(fresh, tmp_path / "csv", actor="ann")
    a, b = read_planning_data(db), read_planning_data(fresh)
    for name in a:
        assert a[name].equals(b[name]), name


def test_the_demo_is_deterministic(db: Database, fresh: Database, tmp_path: Path) -> None:
    build_demo(db, last_history_month=END, actor="demo", forecast=False)
    build_demo(fresh, last_history_month=END, actor="someone else", forecast=False)
    a, b = read_planning_data(db), read_planning_data(fresh)
    for name in a:
        assert a[name].equals(b[name]), name
    build_demo(fresh, last_history_month=END, actor="demo", seed=7, forecast=False)
    assert not read_planning_data(fresh)["demand_history"].equals(a["demand_history"])


def test_the_demo_has_what_the_issue_asks_for(db: Database) -> None:
    summary = build_demo(db, last_history_month=END, actor="demo", forecast=False)
    data = read_planning_data(db)
    products = data["products"]
    assert products["family"].nunique() >= 4 and len(products) >= 40
    assert set(products["status"]) == {"active", "new", "phase_out"}
    assert data["segments"]["service_target"].nunique() >= 3
    assert data["resources"]["site"].nunique() >= 2 and len(data["resources"]) >= 5
    assert data["demand_history"]["period"].nunique() == 36
    assert (summary.history_from, summary.history_to) == ("2023-11", END)
    assert len(data["events"]) >= 3 and len(data["targets"]) > 0


def test_rebuilding_the_demo_replaces_the_earlier_demo(db: Database) -> None:
    build_demo(db, last_history_month=END, actor="demo", forecast=False)
    build_demo(db, last_history_month="2026-11", actor="demo", forecast=False)
    history = read_planning_data(db)["demand_history"]["period"]
    assert (history.min(), history.max()) == ("2023-12", "2026-11")


def test_the_demo_never_overwrites_imported_data_without_force(
    db: Database, tmp_path: Path
) -> None:
    import_workbook(db, write_small_csv(tmp_path / "mine"), actor="ann")
    with pytest.raises(Conflict, match="holds data you imported"):
        build_demo(db, last_history_month=END, actor="demo", forecast=False)
    assert len(read_planning_data(db)["products"]) == 2
    build_demo(db, last_history_month=END, actor="demo", force=True, forecast=False)
    assert len(read_planning_data(db)["products"]) >= 40
