"""`snop plan`, `snop capacity` and `snop supply ...` in real processes, on the demo company."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from clitools import snop

GOLDEN = Path(__file__).parents[1] / "golden" / "supply"


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = snop(*args, "--json")
    assert result.returncode == 0, result.stderr + result.stdout
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_demo_is_planned_and_serves_high_priority_first(demo_db: Path) -> None:
    latest = _json("--db", str(demo_db), "supply", "versions")["versions"][0]
    assert latest["status"] == "optimal" and latest["strategy"] == "cost"
    resources = _json("--db", str(demo_db), "supply", "resources")["resources"]
    assert any(r["full"] for r in resources), "the demo's summer peak fills a resource"
    late = pd.DataFrame(_json("--db", str(demo_db), "supply", "late")["late"])
    owed = late.groupby("segment")["backlog"].sum() if not late.empty else pd.Series()
    assert owed.get("Key Accounts", 0.0) <= owed.get("Online", 0.0)
    shown = snop("--db", str(demo_db), "supply", "show", "--level", "total")
    assert shown.returncode == 0 and "production" in shown.stdout


def test_plan_json_holds_status_costs_and_the_grid(demo_db: Path) -> None:
    plan = _json("--db", str(demo_db), "plan", "--strategy", "level")
    assert plan["status"] == "optimal" and plan["strategy"] == "level"
    assert plan["total_cost"] == pytest.approx(sum(plan["costs"].values()), rel=1e-9)
    row = plan["products"][0]
    assert {"product_id", "period", "production", "inventory", "backlog"} <= set(row)
    assert plan["explanation"]["sentences"][0].startswith("The plan costs")
    text = snop("--db", str(demo_db), "plan")
    assert text.returncode == 0
    assert "What the plan says" in text.stdout and "LP:" in text.stdout


def test_rough_cut_capacity_names_overloaded_months(demo_db: Path) -> None:
    check = _json("--db", str(demo_db), "capacity")
    over = [row for row in check["load"] if row["status"] == "over"]
    assert over, "the demo is overloaded in its summer peak before optimising"
    text = snop("--db", str(demo_db), "capacity")
    assert "cannot be made that month" in text.stdout
    assert "Load / regular hours by month" in text.stdout


def test_safety_stock_table(demo_db: Path) -> None:
    rows = _json("--db", str(demo_db), "supply", "safety-stock", "--product", "TN-100")["rows"]
    assert len(rows) == 18 and all(r["max_units"] >= r["min_units"] for r in rows)
    assert any(r["safety_stock"] > 0 for r in rows)


@pytest.mark.parametrize(("case", "optimum"), [("red_tomato", 422_275.0), ("sailco", 78_450.0)])
def test_a_planning_workbook_reproduces_its_published_optimum(case: str, optimum: float) -> None:
    plan = _json("plan", str(GOLDEN / case / "input"))
    assert plan["status"] == "optimal" and plan["version"] is None
    assert plan["total_cost"] == pytest.approx(optimum, abs=0.5)
    got = pd.DataFrame(plan["products"]).set_index("period")
    expected = pd.read_csv(GOLDEN / case / "expected_plan.csv").set_index("period")
    for column in expected.columns:
        assert got[column].round(2).tolist() == pytest.approx(
            expected[column].tolist(), abs=0.01
        ), column


def test_an_impossible_plan_exits_3_and_names_the_broken_promise(tmp_path: Path) -> None:
    folder = tmp_path / "tight"
    shutil.copytree(GOLDEN / "sailco" / "input", folder)
    resources = folder / "resources.csv"
    resources.write_text(resources.read_text().replace(",40,1000,", ",40,0,"))
    result = snop("plan", str(folder), "--json")
    assert result.returncode == 3
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible" and plan["total_cost"] is None
    (reason,) = plan["explanation"]["reasons"]
    assert "BOAT" in reason and "end_backlog" in reason
    text = snop("plan", str(folder))
    assert result.returncode == 3 and "cannot" in text.stdout
