"""Supply review on real databases: plan versions, safety stocks, fence, rough-cut, workbooks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from service.test_demand import FAST, small_company
from snop.errors import InvalidInput, NotFound
from snop.services import demand, supply
from snop.services.database import Database
from snop.services.imports import import_frames
from snop.supply.problem import Strategy

GOLDEN = Path(__file__).parents[1] / "golden" / "supply"


def _demand_plan(periods: int = 6) -> pd.DataFrame:
    """A given demand: each product's last year's monthly mean, by segment, for 6 months."""
    sheets = small_company()
    history = sheets["demand_history"].merge(sheets["customers"][["customer_id", "segment"]])
    recent = history[history["period"] > "2025-10"]
    mean = recent.groupby(["product_id", "segment"])["ordered"].sum() / 12
    months = [f"2026-{m}" for m in ("11", "12")] + [f"2027-0{m}" for m in range(1, periods - 1)]
    rows = [
        {"product_id": p, "segment": s, "period": month, "quantity": round(q, 1)}
        for (p, s), q in mean.items()
        for month in months
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def planned(db: Database) -> Database:
    sheets = small_company()
    sheets["demand_plan"] = _demand_plan()
    import_frames(db, sheets, source="test", actor="test")
    return db


def test_a_plan_is_stored_as_a_version_that_reads_back(planned: Database) -> None:
    run = supply.run_plan(planned, actor="sam")
    assert run.plan.feasible and run.inputs.demand_source == "demand_plan"
    stored = supply.stored_plan(planned)
    assert stored.version["id"] == run.version_id and stored.version["actor"] == "sam"
    products = stored.tables["products"]
    assert len(products) == 7 * 6
    given = _demand_plan().groupby("product_id")["quantity"].sum()
    planned_demand = products.groupby("product_id")["demand"].sum()
    assert planned_demand.to_dict() == pytest.approx(given.to_dict())
    costs = stored.tables["costs"].groupby("component")["amount"].sum()
    assert costs.sum() == pytest.approx(stored.version["total_cost"])
    assert set(stored.tables["resources"]["resource_id"]) >= {"N-CUT", "S-PCK"}
    grid = supply.plan_grid(stored, level="family", key="Tents")
    assert list(grid["period"]) == sorted(grid["period"])
    versions = supply.plan_versions(planned)
    assert list(versions["id"]) == [run.version_id]


@pytest.mark.slow
def test_safety_stock_comes_from_the_forecast_backtest_and_targets(db: Database) -> None:
    import_frames(db, small_company(), source="test", actor="test")
    demand.run_forecast(db, actor="dana", settings=FAST)
    fill = supply.run_plan(db, actor="sam", service_measure="fill_rate")
    assert fill.inputs.demand_source.startswith("forecast")
    safety = fill.inputs.safety
    assert (safety["safety_stock"] > 0).any()
    # every segment's fill rate is met in expectation: its expected units short over the
    # horizon within what its target allows of its forecast (measured rows)
    plan_demand = fill.inputs.problem.demand
    measured = safety.dropna(subset=["sigma"])
    forecast = plan_demand.merge(measured[["product_id", "segment", "period"]])
    for segment, rows in measured.groupby("segment"):
        target = float(rows["target"].iloc[0])
        ordered = forecast.loc[forecast["segment"] == segment, "quantity"].sum()
        assert rows["expected_short"].sum() <= (1 - target) * ordered * 1.001, segment
    # one stock per product and month, whichever segment buys it
    per_cell = safety.groupby(["product_id", "period"])["safety_stock"].nunique()
    assert (per_cell == 1).all()
    stored = supply.stored_plan(db).tables["products"]
    assert stored["min_units"].to_numpy() == pytest.approx(stored["safety_stock"].to_numpy())
    assert (stored["max_units"] >= stored["min_units"]).all()
    cycle = supply.run_plan(db, actor="sam", service_measure="cycle_service")
    assert cycle.inputs.service_measure == "cycle_service"
    assert cycle.inputs.safety["safety_stock"].sum() != pytest.approx(safety["safety_stock"].sum())
    # the choice is kept for the cycle
    again = supply.run_plan(db, actor="sam")
    assert again.inputs.service_measure == "cycle_service"


def test_frozen_fence_holds_the_last_plan_and_is_kept_for_the_cycle(planned: Database) -> None:
    first = supply.run_plan(planned, actor="sam")
    level = supply.run_plan(planned, actor="sam", strategy=Strategy.LEVEL, frozen_periods=2)
    before = first.plan.products.set_index(["product_id", "period"])["production"]
    after = level.plan.products.set_index(["product_id", "period"])["production"]
    fenced = after.index.get_level_values("period").isin(["2026-11", "2026-12"])
    assert after[fenced].to_numpy() == pytest.approx(before[fenced].to_numpy(), abs=1e-6)
    assert not (after[~fenced].to_numpy() == pytest.approx(before[~fenced].to_numpy()))
    assert any("frozen as plan version" in note for note in level.inputs.notes)
    kept = supply.run_plan(planned, actor="sam")
    assert kept.inputs.frozen_periods == 2 and kept.plan.frozen_periods == ["2026-11", "2026-12"]


def test_rough_cut_names_overloaded_months(planned: Database) -> None:
    check = supply.capacity_check(planned)
    load = check.load
    assert set(load["status"]) <= {"ok", "overtime", "over"}
    assert (load["load"] >= 0).all() and len(load) == load["resource_id"].nunique() * 6
    over = load[load["status"] == "over"]
    for row in over.itertuples():
        assert any(row.resource_id in s and row.period in s for s in check.sentences)


def test_nothing_to_plan_against(db: Database) -> None:
    import_frames(db, small_company(), source="test", actor="test")
    with pytest.raises(NotFound, match="snop forecast"):
        supply.run_plan(db, actor="sam")
    with pytest.raises(NotFound, match="no supply plan yet"):
        supply.stored_plan(db)


def test_a_workbook_is_planned_on_its_own() -> None:
    run = supply.plan_workbook(GOLDEN / "red_tomato" / "input", actor="test")
    assert run.version_id is None
    assert run.plan.total_cost == pytest.approx(422_275, abs=0.5)


def test_a_planning_workbook_missing_a_sheet_says_which(tmp_path: Path) -> None:
    folder = tmp_path / "problem"
    folder.mkdir()
    for name in ("products", "resources", "routings", "inventory"):
        source = GOLDEN / "sailco" / "input" / f"{name}.csv"
        (folder / f"{name}.csv").write_text(source.read_text())
    with pytest.raises(InvalidInput) as caught:
        supply.plan_workbook(folder, actor="test")
    assert [(i.code, i.sheet) for i in caught.value.issues] == [("missing_sheet", "demand_plan")]
