"""The demand commands as a user runs them, on the demo company and on CSV files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clitools import snop


def test_the_demo_company_has_a_forecast_profile_and_accuracy(demo_db: Path) -> None:
    db = str(demo_db)
    strict = {"parse_constant": lambda c: pytest.fail(f"{c} is not JSON")}
    show = json.loads(
        snop("--db", db, "demand", "show", "--level", "total", "--json").stdout, **strict
    )
    future = [r for r in show if r["period"] >= "2026-11"]
    assert len(future) == 18 and all(r["consensus"] > 0 for r in future)
    families = json.loads(snop("--db", db, "demand", "show", "--json").stdout)
    for period in ("2026-11", "2027-06"):
        family_sum = sum(r["consensus"] for r in families if r["period"] == period)
        total = next(r["consensus"] for r in show if r["period"] == period)
        assert family_sum == pytest.approx(total)
    profile = json.loads(snop("--db", db, "demand", "profile", "--json").stdout)
    assert {p["demand_class"] for p in profile} >= {"smooth", "intermittent", "lumpy"}
    report = json.loads(snop("--db", db, "demand", "accuracy", "--json").stdout)
    streams = {r["stream"] for r in report["summary"]}
    assert {"naive", "statistical", "consensus", "statistical+override:sales.tom"} <= streams
    text = snop("--db", db, "demand", "accuracy")
    assert text.returncode == 0 and "WAPE points gained over naive" in text.stdout


def test_forecast_csv_on_monthly_and_weekly_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    months = pd.period_range("2022-01", periods=40, freq="M").astype(str)
    rows = [
        (sid, m, float(100 + 20 * np.sin(i / 1.9) + rng.normal(0, 3)))
        for sid in ("north", "south")
        for i, m in enumerate(months)
    ]
    source = tmp_path / "sales.csv"
    pd.DataFrame(rows, columns=["series_id", "period", "quantity"]).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    result = snop("forecast-csv", str(source), str(target), "--horizon", "6")
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(target)
    assert list(out.columns) == [
        "series_id",
        "period",
        "forecast",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
        "model",
    ]
    assert len(out) == 12 and out["period"].iloc[0] == "2025-05"
    weeks = pd.date_range("2025-01-06", periods=30, freq="W-MON")
    weekly = pd.DataFrame(
        {"series_id": "w", "period": weeks.strftime("%Y-%m-%d"), "quantity": rng.poisson(20, 30)}
    )
    weekly.to_csv(tmp_path / "weekly.csv", index=False)
    result = snop(
        "forecast-csv",
        str(tmp_path / "weekly.csv"),
        str(tmp_path / "w.csv"),
        "--horizon",
        "4",
        "--season-length",
        "1",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["series"] == 1  # the progress bar stays off stdout
    assert pd.read_csv(tmp_path / "w.csv")["period"].tolist() == [
        "2025-08-04",
        "2025-08-11",
        "2025-08-18",
        "2025-08-25",
    ]


def test_forecast_csv_refuses_a_bad_file_naming_rows(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        "series_id,period,quantity\na,2024-01,5\na,2024-02,lots\n,2024-03,4\n"
        "a,March,3\na,2024-01,6\n"
    )
    target = tmp_path / "out.csv"
    result = snop("forecast-csv", str(source), str(target), "--json")
    assert result.returncode == 2 and not target.exists()
    errors = {(e["row"], e["column"], e["code"]) for e in json.loads(result.stdout)["errors"]}
    assert errors == {
        (3, "quantity", "wrong_type"),
        (4, "series_id", "missing_value"),
        (5, "period", "bad_period"),
        (6, "period", "duplicate_key"),
    }
    missing = tmp_path / "cols.csv"
    missing.write_text("id,month,qty\na,2024-01,5\n")
    result = snop("forecast-csv", str(missing), str(target))
    assert result.returncode == 2 and "required column series_id is missing" in result.stderr
