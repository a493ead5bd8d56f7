"""The ``snop`` command as a user runs it: real files, real exit codes, messages as printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clitools import snop
from dbtools import create_pg_database, drop_pg_database, pg_server_url
from factories import small_workbook, write_small_csv
from snop.contract.sheets import SHEETS


def test_help_lists_the_commands() -> None:
    result = snop("--help")
    assert result.returncode == 0
    for command in ("init", "import", "export", "template", "demo", "status"):
        assert command in result.stdout


def test_the_command_starts_without_loading_the_forecasting_libraries() -> None:
    """They take seconds to import; every command paid for them before it did anything."""
    heavy = ["statsforecast", "hierarchicalforecast", "statsmodels", "scipy.stats", "dask"]
    code = f"import sys, snop.cli.main; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []


def test_status_as_json(demo_db: Path) -> None:
    result = snop("--db", str(demo_db), "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["company"] == "Northwind Outdoor"
    assert status["rows"]["products"] >= 40
    assert (status["history_from"], status["history_to"]) == ("2023-11", "2026-10")


def test_export_then_import_elsewhere(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.xlsx"
    assert snop("--db", str(demo_db), "export", str(out)).returncode == 0
    result = snop("--db", str(tmp_path / "copy.db"), "import", str(out), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["changed"] > 17_000
    again = snop("--db", str(tmp_path / "copy.db"), "import", str(out))
    assert "Nothing changed" in again.stdout


def test_a_broken_workbook_exits_2_naming_sheet_row_and_column(tmp_path: Path) -> None:
    sheets = small_workbook()
    sheets["demand_history"].loc[1, "shipped"] = 11
    sheets["products"].loc[0, "price"] = "cheap"
    folder = write_small_csv(tmp_path / "broken", sheets)
    db = tmp_path / "x.db"
    result = snop("--db", str(db), "import", str(folder))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert (
        "demand_history" in result.stderr and "shipped 11 is more than ordered 10" in result.stderr
    )
    assert "'cheap' is not a number" in result.stderr
    assert "2 errors in the input; nothing was changed" in result.stderr

    as_json = snop("--db", str(db), "import", str(folder), "--json")
    assert as_json.returncode == 2
    payload = json.loads(as_json.stdout)
    located = {(e["sheet"], e["row"], e["column"]) for e in payload["errors"]}
    assert located == {("demand_history", 3, "shipped"), ("products", 2, "price")}
    status = json.loads(snop("--db", str(db), "status", "--json").stdout)
    assert sum(status["rows"].values()) == 0


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    folder = write_small_csv(tmp_path / "wb")
    db = tmp_path / "x.db"
    result = snop("--db", str(db), "import", str(folder), "--dry-run")
    assert result.returncode == 0 and "nothing was written" in result.stdout
    status = json.loads(snop("--db", str(db), "status", "--json").stdout)
    assert sum(status["rows"].values()) == 0


def test_a_missing_database_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = snop("--db", str(tmp_path / "none.db"), "export", str(tmp_path / "x.xlsx"))
    assert result.returncode == 1
    assert "there is no snop database" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = snop("--debug", "--db", str(tmp_path / "none.db"), "status")
    assert result.returncode == 1 and "Traceback" in result.stderr


def test_template_explains_every_sheet(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    assert snop("template", str(path)).returncode == 0
    book = load_workbook(path)
    assert book.sheetnames == ["instructions", *[s.name for s in SHEETS]]
    explained = {(r[0], r[1]) for r in book["instructions"].iter_rows(values_only=True)}
    for sheet in SHEETS:
        for column in sheet.columns:
            assert (sheet.name, column.name) in explained
    assert [c.value for c in book["products"][1]] == SHEETS[0].column_names


def test_the_database_url_comes_from_the_environment_on_postgresql(tmp_path: Path) -> None:
    if pg_server_url() is None:
        pytest.skip("SNOP_TEST_PG_URL is not set")
    url = create_pg_database("snop_cli")
    try:
        env = {"SNOP_DATABASE_URL": url}
        assert snop("init", env=env).returncode == 0
        result = snop("import", str(write_small_csv(tmp_path / "wb")), env=env)
        assert result.returncode == 0, result.stderr
        status = json.loads(snop("status", "--json", env=env).stdout)
        assert status["rows"]["products"] == 2 and "postgresql" in status["database"]
    finally:
        drop_pg_database(url)
