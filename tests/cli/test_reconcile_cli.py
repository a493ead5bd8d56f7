"""Pre-S&OP on the demo company through the real command: the numbers read true.

The scorecard, KPIs and exceptions are checked against the stored plan's own numbers,
recomputed here from the plan tables; the demo's scenarios are compared and one promoted,
and the cycle rolls a month forward with simulated actuals (on a copy of the demo).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from clitools import snop
from snop.services import supply
from snop.services.database import open_database
from snop.services.exports import read_planning_data
from snop.supply.service_level import planned_service


def _json(*args: str) -> object:
    result = snop(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _plan(demo_db: Path) -> supply.StoredPlan:
    db = open_database(str(demo_db))
    try:
        return supply.stored_plan(db)
    finally:
        db.close()


def _products(demo_db: Path) -> pd.DataFrame:
    db = open_database(str(demo_db))
    try:
        return read_planning_data(db)["products"]
    finally:
        db.close()


def test_scorecard_reads_true_against_the_plan(demo_db: Path) -> None:
    data = _json("--db", str(demo_db), "scorecard")
    card = pd.DataFrame(data["scorecard"])
    plan = _plan(demo_db)
    assert data["version"] == plan.version["id"]
    segments = plan.tables["segments"]
    price = _products(demo_db).set_index("product_id")["price"]
    first = segments["period"].min()
    month = segments[segments["period"] == first]
    revenue = float((month["shipped"] * month["product_id"].map(price)).sum())
    row = card[(card["metric"] == "revenue") & (card["scope"] == "all") & (card["period"] == first)]
    assert row["value"].iloc[0] == pytest.approx(revenue, rel=1e-9)
    # Fill-rate targets per segment: the plan's on-time share over the target's months.
    year = card[(card["metric"] == "fill_rate")].iloc[0]
    months = segments[segments["period"].str.startswith(str(year["period"]))]
    service = planned_service(months).set_index("segment")["fill_rate"]
    assert year["value"] == pytest.approx(service[year["scope"]], abs=1e-6)
    assert set(card["status"]) <= {"green", "amber", "red", "not measured"}
    text = snop("--db", str(demo_db), "scorecard").stdout
    assert "Strategy scorecard" in text and "revenue" in text


def test_kpis_and_exceptions_read_true(demo_db: Path) -> None:
    kpis = pd.DataFrame(_json("--db", str(demo_db), "kpis")["kpis"])
    plan = _plan(demo_db)
    fill = kpis[(kpis["kpi"] == "fill_rate") & (kpis["basis"] == "plan")]
    window = fill.iloc[0][["period_from", "period_to"]]
    segments = plan.tables["segments"]
    segments = segments[segments["period"].between(window["period_from"], window["period_to"])]
    service = planned_service(segments).set_index("segment")["fill_rate"]
    fill = fill[fill["scope_kind"] == "segment"].set_index("scope")["value"]
    assert fill.to_dict() == pytest.approx(service.to_dict(), abs=1e-6)
    actual = kpis[(kpis["kpi"] == "fill_rate") & (kpis["basis"] == "actual")]
    assert ((actual["value"] > 0.5) & (actual["value"] <= 1.0)).all()
    found = pd.DataFrame(_json("--db", str(demo_db), "exceptions")["exceptions"])
    assert not found.empty
    assert list(found["money"]) == sorted(found["money"], reverse=True)
    assert list(found["rank"]) == list(range(1, len(found) + 1))
    assert set(found["owner"]) <= {
        "demand planner",
        "sales",
        "supply planner",
        "finance",
        "executive",
    }
    below = found[found["kind"] == "below_safety_stock"]
    if not below.empty:
        row = below.iloc[0]
        products = plan.tables["products"]
        product = products[
            (products["product_id"] == row["scope"])
            & products["period"].between(row["period_from"], row["period_to"])
        ]
        # The deepest dip of the run: the stock to rebuild.
        assert row["units"] == pytest.approx(product["below_safety_stock"].max(), rel=1e-6)
    text = snop("--db", str(demo_db), "exceptions", "--top", "5").stdout
    assert "Exceptions by money at stake" in text and "Actions:" in text


def test_demo_scenarios_compare(demo_db: Path) -> None:
    listed = _json("--db", str(demo_db), "scenario", "list")
    names = {v["name"]: v for v in listed}
    assert {"peak-surge", "sewing-line-down", "new-tent", "pessimistic", "optimistic"} <= set(names)
    assert all(v["summary"]["status"] == "optimal" for v in listed)
    result = _json(
        "--db",
        str(demo_db),
        "scenario",
        "compare",
        "base",
        "peak-surge",
        "sewing-line-down",
        "new-tent",
    )
    measures = pd.DataFrame(result["measures"]).set_index("measure")
    assert measures.loc["revenue", "peak-surge"] > measures.loc["revenue", "base"]
    assert measures.loc["revenue", "pessimistic" if "pessimistic" in measures else "base"] > 0
    assert measures.loc["production (units)", "new-tent - base"] > 0
    families = pd.DataFrame(result["families"])
    assert "Tents" in set(families["family"])
    text = snop("--db", str(demo_db), "scenario", "compare", "base", "peak-surge").stdout
    assert "Scenarios compared" in text and "Families that differ most" in text


@pytest.mark.slow
def test_the_cycle_rolls_forward_a_month(demo_db: Path, tmp_path: Path) -> None:
    """Promote a scenario, publish, simulate the month, close it and plan the next cycle."""
    db = tmp_path / "cycle.db"
    shutil.copy(demo_db, db)
    where = ("--db", str(db))
    promoted = _json(*where, "scenario", "promote", "new-tent")
    assert promoted["period"] == "2026-11"
    refused = snop(*where, "publish")
    assert refused.returncode != 0 and "already published" in refused.stderr
    actuals = tmp_path / "actuals.xlsx"
    assert snop(*where, "cycle", "simulate-month", str(actuals)).returncode == 0
    closed = snop(*where, "cycle", "close", str(actuals))
    assert closed.returncode == 0, closed.stderr
    assert "Closed 2026-11" in closed.stdout and "kept to plan" in closed.stdout
    status = _json(*where, "cycle", "status")
    assert status["period"] == "2026-12" and status["closed"][0]["period"] == "2026-11"
    plan = _json(*where, "supply", "versions")["versions"]
    assert any(v["first_period"] == "2026-12" for v in plan)
    diff = snop(*where, "versions", "diff", str(promoted["plan_of_record"]), str(plan[0]["id"]))
    assert diff.returncode == 0, diff.stderr
    assert "Change by family" in diff.stdout


def test_tradeoff_prices_service(demo_db: Path) -> None:
    rows = _json("--db", str(demo_db), "tradeoff", "--level", "0.9", "--level", "0.99")
    low, high = rows
    assert (low["service_level"], high["service_level"]) == (0.9, 0.99)
    assert high["safety_stock_value"] > low["safety_stock_value"] > 0
    assert high["plan_cost"] > low["plan_cost"]
    assert high["value_per_point"] == pytest.approx(
        (high["safety_stock_value"] - low["safety_stock_value"]) / 9
    )
