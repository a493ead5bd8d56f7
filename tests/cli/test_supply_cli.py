"""`snop plan`, `snop capacity` and `snop supply ...` in real processes, on the demo company."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clitools import snop
from supply_cases import GOLDEN, sailco_without_overtime


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


@pytest.mark.parametrize(
    ("case", "optimum"),
    [
        ("red_tomato", 422_275.0),
        ("sailco", 78_450.0),
        ("red_tomato_contract", 422_275.0),
        ("sailco_contract", 78_450.0),
    ],
)
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


def test_a_contract_only_workbook_as_xlsx_keeps_the_demand_plan_promise(tmp_path: Path) -> None:
    """Red Tomato written only from the contract, as one .xlsx: nothing owed in June."""
    book = tmp_path / "red_tomato.xlsx"
    with pd.ExcelWriter(book) as writer:
        for sheet in sorted((GOLDEN / "red_tomato_contract" / "input").glob("*.csv")):
            pd.read_csv(sheet, dtype=str).to_excel(writer, sheet_name=sheet.stem, index=False)
    plan = _json("plan", str(book))
    assert plan["total_cost"] == pytest.approx(422_275.0, abs=0.5)
    june = [row for row in plan["products"] if row["period"] == "2027-06"]
    assert june[0]["backlog"] == pytest.approx(0.0, abs=1e-6)
    assert plan["costs"]["owed_at_end"] == pytest.approx(0.0, abs=1e-6)


def test_demand_that_cannot_all_be_met_says_who_is_short_and_why(tmp_path: Path) -> None:
    folder = sailco_without_overtime(tmp_path / "tight", "sailco_contract")
    result = snop("plan", str(folder), "--json")
    assert result.returncode == 3
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible" and plan["total_cost"] is None
    (reason,) = plan["explanation"]["reasons"]
    # 200 boats wanted, 10 in stock and 4 x 40 made: 30 cannot be served by April.
    assert "BOAT would still owe 30 units at the end of 2027-04" in reason
    assert "demand_plan is served in full" in reason
    late = pd.DataFrame(plan["explanation"]["late"])
    assert set(late["cause"]) == {"capacity"} and "YARD" in late["detail"].iloc[0]
    assert late.loc[late["period"] == "2027-04", "backlog"].sum() == pytest.approx(30.0)
    sentences = " ".join(plan["explanation"]["sentences"])
    assert "Boat yard (YARD) at Sailco is full from 2027-01 to 2027-04" in sentences


def test_an_impossible_plan_exits_3_and_names_the_broken_promise(tmp_path: Path) -> None:
    folder = sailco_without_overtime(tmp_path / "tight")
    result = snop("plan", str(folder), "--json")
    assert result.returncode == 3
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible" and plan["total_cost"] is None
    (reason,) = plan["explanation"]["reasons"]
    assert "BOAT" in reason and "end_backlog" in reason
    text = snop("plan", str(folder))
    assert result.returncode == 3 and "cannot" in text.stdout


def test_the_explanation_reads_true_against_the_numbers(demo_db: Path) -> None:
    plan = _json("--db", str(demo_db), "plan")
    resources = pd.DataFrame(plan["resources"])
    segments = pd.DataFrame(plan["segments"])
    explanation = plan["explanation"]
    assert explanation["bottlenecks"], "the demo's peak binds somewhere"
    for claim in explanation["bottlenecks"]:
        rows = resources[
            (resources["resource_id"] == claim["resource_id"])
            & resources["period"].between(claim["first"], claim["last"])
        ]
        assert len(rows) == claim["months"]
        available = rows["regular_capacity"] + rows["overtime_capacity"]
        if claim["full"]:
            assert (rows["load"] >= available - 1e-6).all()
        else:
            assert (rows["load"] >= rows["regular_capacity"] - 1e-6).all()
        assert claim["worth_per_hour"] == pytest.approx(rows["shadow_price"].max())
    owed = segments.set_index(["product_id", "segment", "period"])["backlog"]
    for row in explanation["late"]:
        assert owed[(row["product_id"], row["segment"], row["period"])] == pytest.approx(
            row["backlog"]
        )
        if row["cause"] == "capacity":
            named = row["detail"].split("resources ran out: ")[1].split(" (full")[0]
            assert resources[(resources["resource_id"] == named)]["full"].any()
    for sentence in explanation["sentences"]:
        if "of its demand on time" in sentence:
            segment = sentence.split(" (priority")[0]
            share = float(sentence.split(" gets ")[1].split("%")[0]) / 100
            rows = segments[segments["segment"] == segment].sort_values(["product_id", "period"])
            before = rows.groupby("product_id")["backlog"].shift(1).fillna(0.0)
            on_time = (rows["shipped"] - before).clip(lower=0.0).clip(upper=rows["demand"])
            assert on_time.sum() / rows["demand"].sum() == pytest.approx(share, abs=0.0006)
