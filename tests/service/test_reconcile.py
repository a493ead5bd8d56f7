"""Pre-S&OP on real databases: money, scorecard, scenarios, publishing and closing a month."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dbtools import PG_ENV, create_pg_database, drop_pg_database, pg_server_url
from service.test_demand import small_company
from service.test_supply import _demand_plan
from snop.demo.actuals import month_actuals
from snop.errors import Conflict, InvalidInput
from snop.services import cycle, reconcile, scenarios, supply, versions
from snop.services.database import Database, open_database
from snop.services.imports import import_frames
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.workbook.write import write_workbook


@pytest.fixture
def planned(db: Database) -> Database:
    """The small company with a given demand plan, planned once (version 1 of the cycle)."""
    sheets = small_company()
    sheets["demand_plan"] = _demand_plan()
    import_frames(db, sheets, source="test", actor="test")
    supply.run_plan(db, actor="sam")
    return db


def _prices(db: Database) -> pd.Series:
    with db.sessions.begin() as s:
        products = store_frames.read_sheet(s, "products")
    return products.set_index("product_id")["price"]


def test_money_and_revenue_targets_read_true_against_the_plan(planned: Database) -> None:
    evaluation = reconcile.evaluate(planned)
    plan = supply.stored_plan(planned).tables
    price = _prices(planned)
    shipped = plan["segments"]
    revenue = (shipped["shipped"] * shipped["product_id"].map(price)).sum()
    total = evaluation.money_table([])
    assert total["revenue"].iloc[0] == pytest.approx(revenue)
    by_period = evaluation.money_table(["period"]).set_index("period")["revenue"]
    month = shipped[shipped["period"] == "2026-12"]
    assert by_period["2026-12"] == pytest.approx(
        (month["shipped"] * month["product_id"].map(price)).sum()
    )
    card = evaluation.scorecard
    row = card[(card["metric"] == "revenue") & (card["scope"] == "all")]
    row = row[row["period"] == "2026-12"].iloc[0]
    assert row["value"] == pytest.approx(by_period["2026-12"])
    assert row["gap"] == pytest.approx(row["value"] - row["target"])
    assert row["gap_money"] == pytest.approx(row["gap"])
    side = (
        "green" if row["gap"] >= 0 else ("amber" if -row["gap"] <= 0.05 * row["target"] else "red")
    )
    assert row["status"] == side


def test_a_tolerance_is_kept_and_changes_the_colours(planned: Database) -> None:
    strict = reconcile.evaluate(planned, tolerance=0.0)
    assert strict.tolerance == 0.0
    assert "amber" not in set(strict.scorecard["status"])
    again = reconcile.evaluate(planned)
    assert again.tolerance == 0.0
    with pytest.raises(InvalidInput) as error:
        reconcile.evaluate(planned, tolerance=2.0)
    assert "tolerance" in error.value.issues[0].message


def test_publish_freezes_one_plan_of_record_per_cycle(planned: Database) -> None:
    view = cycle.publish(planned, actor="exec")
    assert view.period == "2026-11" and view.plan_version_id is not None
    with pytest.raises(Conflict, match="already published"):
        cycle.publish(planned, actor="exec")
    second = supply.run_plan(planned, actor="sam")
    replaced = cycle.publish(planned, actor="exec", version_id=second.version_id, replace=True)
    assert replaced.plan_version_id == second.version_id
    assert reconcile.evaluate(planned).version["id"] == second.version_id


def test_scenarios_store_changes_only_and_follow_a_corrected_base(planned: Database) -> None:
    surge = scenarios.create(
        planned,
        "surge",
        [scenarios.change_from_text("demand pct=20 family=Tents from=2027-01 to=2027-02")],
        actor="exec",
    )
    assert "Tents" in surge.changes[0] and "20" in surge.changes[0]
    base = supply.stored_plan(planned).tables["products"]
    run = scenarios.run(planned, "surge", actor="exec")
    assert run.status == "optimal" and run.evaluation is not None
    plan = supply.stored_plan(planned, version_id=run.version_id).tables["products"]
    window = plan["period"].isin(["2027-01", "2027-02"])
    tents = plan["family"] == "Tents"
    before = base.set_index(["product_id", "period"])["demand"]
    after = plan.set_index(["product_id", "period"])["demand"]
    changed = plan[window & tents].set_index(["product_id", "period"]).index
    assert after[changed].to_numpy() == pytest.approx(1.2 * before[changed].to_numpy())
    untouched = plan[~(window & tents)].set_index(["product_id", "period"]).index
    assert after[untouched].to_numpy() == pytest.approx(before[untouched].to_numpy())
    # The cycle's own latest plan is not the scenario's.
    assert supply.stored_plan(planned).version["id"] != run.version_id
    # Correct the base (a price); the scenario's next run carries the correction.
    sheets = small_company()
    products = sheets["products"].assign(
        price=np.where(
            sheets["products"]["product_id"] == "TN-100", 999.0, sheets["products"]["price"]
        )
    )
    import_frames(planned, {"products": products}, source="fix", actor="finance")
    again = scenarios.run(planned, "surge", actor="exec")
    assert again.evaluation is not None
    money = again.evaluation.money
    plan = supply.stored_plan(planned, version_id=again.version_id).tables["segments"]
    tn = plan[plan["product_id"] == "TN-100"]["shipped"].sum()
    revenue_tn = money[(money["measure"] == "revenue")]
    assert revenue_tn["amount"].sum() >= 999.0 * tn


def test_capacity_loss_new_product_compare_and_promote(planned: Database) -> None:
    scenarios.create(
        planned,
        "cut-down",
        [scenarios.change_from_text("capacity resource_id=N-CUT pct=-100 from=2026-12 to=2027-01")],
        actor="exec",
    )
    scenarios.create(
        planned,
        "launch",
        [
            scenarios.change_from_text(
                "new_product product_id=TN-900 like=TN-200 launch_period=2027-01 share=0.5"
            )
        ],
        actor="exec",
    )
    down = scenarios.run(planned, "cut-down", actor="exec")
    resources = supply.stored_plan(planned, version_id=down.version_id).tables["resources"]
    cut = resources[(resources["resource_id"] == "N-CUT")].set_index("period")
    assert cut.loc[["2026-12", "2027-01"], "load"].sum() == pytest.approx(0.0, abs=1e-6)
    assert cut.loc[["2026-12", "2027-01"], "regular_capacity"].sum() == 0.0
    launch = scenarios.run(planned, "launch", actor="exec")
    products = supply.stored_plan(planned, version_id=launch.version_id).tables["products"]
    new = products[products["product_id"] == "TN-900"].set_index("period")["demand"]
    assert new["2026-12"] == 0.0 and new["2027-03"] > 0.0
    result = scenarios.compare(planned, ["base", "cut-down", "launch"])
    measures = result.measures
    assert list(measures.columns[:3]) == ["base", "cut-down", "launch"]
    delta = measures["launch - base"]["production (units)"]
    assert delta == pytest.approx(
        measures["launch"]["production (units)"] - measures["base"]["production (units)"]
    )
    assert "Tents" in set(result.families["family"])
    promoted = scenarios.promote(planned, "launch", actor="exec")
    assert promoted.cycle.plan_version_id == launch.version_id
    assert promoted.to_dict()["plan_of_record"] == launch.version_id
    assert cycle.status(planned).plan_version_id == launch.version_id
    with pytest.raises(Conflict, match="plan of record"):
        scenarios.delete(planned, "launch", actor="exec")
    scenarios.delete(planned, "cut-down", actor="exec")
    assert [v.name for v in scenarios.list_scenarios(planned)] == ["launch"]


def test_bad_changes_name_the_change_and_field(planned: Database) -> None:
    with pytest.raises(InvalidInput) as error:
        scenarios.create(
            planned,
            "broken",
            [
                {"kind": "demand", "pct": 10},
                {"kind": "capacity", "resource_id": "N-CUT", "pct": "lots"},
            ],
            actor="exec",
        )
    text = " ".join(str(i) for i in error.value.issues)
    assert "change 2" in text and "pct" in text
    assert scenarios.list_scenarios(planned) == []
    scenarios.create(planned, "twice", [{"kind": "strategy", "strategy": "level"}], actor="x")
    with pytest.raises(Conflict, match="already a scenario"):
        scenarios.create(planned, "twice", [{"kind": "strategy", "strategy": "level"}], actor="x")
    scenarios.create(
        planned,
        "ghost",
        [scenarios.change_from_text("capacity resource_id=NOPE pct=10")],
        actor="x",
    )
    with pytest.raises(InvalidInput) as error:
        scenarios.run(planned, "ghost", actor="x")
    assert "NOPE" in str(error.value.issues[0])


def _actuals(db: Database, month: str) -> dict[str, pd.DataFrame]:
    with db.sessions.begin() as s:
        sheets = {
            n: store_frames.read_sheet(s, n)
            for n in (
                "products",
                "customers",
                "segments",
                "demand_history",
                "inventory",
                "receipts",
            )
        }
        record = cycle.current(s).plan_version_id
        assert record is not None
        plan = plan_store.read_table(s, "products", record)
    return month_actuals(
        month,
        plan_products=plan,
        products=sheets["products"],
        customers=sheets["customers"],
        segments=sheets["segments"],
        history=sheets["demand_history"],
        inventory=sheets["inventory"],
        receipts=sheets["receipts"],
    )


def test_closing_a_month_holds_actuals_against_the_plan_of_record(
    planned: Database, tmp_path: Path
) -> None:
    position = pd.DataFrame({"product_id": ["TN-100"], "on_hand": [1.0], "backlog": [0.0]})
    write_workbook(tmp_path / "early.xlsx", {"inventory": position})
    with pytest.raises(Conflict, match="no plan of record"):
        cycle.close(planned, tmp_path / "early.xlsx", actor="dana")
    published = cycle.publish(planned, actor="exec")
    actuals = _actuals(planned, "2026-11")
    bad = {k: v.copy() for k, v in actuals.items()}
    bad["demand_history"].loc[0, "period"] = "2026-12"
    write_workbook(tmp_path / "bad.xlsx", bad)
    with pytest.raises(InvalidInput) as error:
        cycle.close(planned, tmp_path / "bad.xlsx", actor="dana")
    issue = error.value.issues[0]
    assert (issue.sheet, issue.row, issue.column) == ("demand_history", 2, "period")
    assert cycle.status(planned).period == "2026-11"  # nothing closed, nothing imported
    write_workbook(tmp_path / "good.xlsx", actuals)
    closed = cycle.close_month(planned, tmp_path / "good.xlsx", actor="dana", replan=False)
    assert closed.replanned is None and closed.to_dict()["replanned"] is None
    report = closed.closed
    assert (report.period, report.next_period) == ("2026-11", "2026-12")
    plan = supply.stored_plan(planned, version_id=published.plan_version_id).tables["products"]
    plan = plan[plan["period"] == "2026-11"].set_index("product_id")["production"]
    made = actuals["production"].set_index("product_id")["quantity"].reindex(plan.index).fillna(0)
    expected = 1 - (made - plan).abs().sum() / plan.sum()
    assert report.review["plan_adherence"] == pytest.approx(expected, abs=1e-4)
    orders = actuals["demand_history"]
    assert report.review["orders"] == pytest.approx(orders["ordered"].sum())
    assert report.review["fill_rate"] == pytest.approx(
        orders["shipped"].sum() / orders["ordered"].sum(), abs=1e-4
    )
    status = cycle.status(planned)
    assert status.period == "2026-12" and status.plan_version_id is None
    assert status.closed[0].period == "2026-11"
    assert status.to_dict()["closed"][0]["period"] == "2026-11"
    lines = cycle.review_sentences(report.review)
    assert any("kept to plan" in line for line in lines)


def test_versions_diff_names_the_demand_change(planned: Database) -> None:
    first = supply.stored_plan(planned).version["id"]
    scenarios.create(
        planned,
        "spares-up",
        [
            scenarios.change_from_text(
                'demand pct=50 family="Spares & Accessories" from=2027-01 to=2027-01'
            )
        ],
        actor="exec",
    )
    later = scenarios.run(planned, "spares-up", actor="exec").version_id
    result = versions.diff(planned, first, later)
    family = result.by_family_period
    row = family[(family["family"] == "Spares & Accessories") & (family["period"] == "2027-01")]
    assert row["d_demand"].iloc[0] > 0
    assert "demand changed" in row["causes"].iloc[0]
    assert any("spares-up" in c for c in result.causes["detail"])
    assert result.sentences
    listed = versions.list_versions(planned)
    assert {"plan"} <= set(listed["kind"])


def test_two_people_publishing_at_once_cannot_both_win(monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL, two publishes racing on the open cycle: one wins, one is refused.

    Each publish waits (up to 2 s) for the other after reading the cycle and before writing,
    so without the row lock both would read "not published" and both would write.
    """
    if pg_server_url() is None:
        pytest.skip(f"{PG_ENV} is not set")
    url = create_pg_database("snop_race")
    try:
        database = open_database(url, create=True)
        sheets = small_company()
        sheets["demand_plan"] = _demand_plan()
        import_frames(database, sheets, source="test", actor="test")
        first = supply.run_plan(database, actor="sam").version_id
        second = supply.run_plan(database, actor="sam").version_id
        cycle.status(database)  # opens the cycle row both will compete for
        outcomes: list[str] = []
        both_read = threading.Barrier(2)
        read_plan = cycle._plan_to_publish

        def slow_read(s: Any, version_id: int | None) -> Any:
            try:
                both_read.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass  # the other one is held by the lock: as it should be
            return read_plan(s, version_id)

        monkeypatch.setattr(cycle, "_plan_to_publish", slow_read)

        def publish(version: int | None) -> None:
            try:
                cycle.publish(open_database(url), actor=f"exec{version}", version_id=version)
                outcomes.append("published")
            except Conflict:
                outcomes.append("refused")

        threads = [threading.Thread(target=publish, args=(v,)) for v in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["published", "refused"]
        assert cycle.status(database).plan_version_id in (first, second)
        database.close()
    finally:
        drop_pg_database(url)
