"""Demand review on real databases: forecast versions, overrides, accuracy, profile."""

from __future__ import annotations

import pandas as pd
import pytest

from snop.demand.forecast import ForecastSettings
from snop.demand.plan import build_streams, streams_from_values
from snop.demo.company import build_demo_company
from snop.errors import InvalidInput, NotFound
from snop.services import demand
from snop.services.database import Database
from snop.services.imports import import_frames
from snop.store import forecasts as forecast_store
from snop.store.frames import read_sheet

FAST = ForecastSettings(horizon=6, backtest_windows=1, backtest_horizon=3)
KEEP = {"TN-100", "TN-200", "TN-700", "BP-100", "BP-650", "SP-100", "SP-200"}


def small_company() -> dict[str, pd.DataFrame]:
    """Part of the demo company: a family, a launch and its like-item, a phase-out, spares."""
    sheets = build_demo_company(last_history_month="2026-10")
    keep = sheets["products"]["product_id"].isin(KEEP)
    sheets["products"] = sheets["products"][keep]
    for name in ("routings", "demand_history", "inventory", "receipts"):
        sheets[name] = sheets[name][sheets[name]["product_id"].isin(KEEP)]
    events = sheets["events"]
    sheets["events"] = events[events["product_id"].isin(KEEP) | (events["family"] == "Tents")]
    sheets["targets"] = sheets["targets"][
        sheets["targets"]["scope"].isin(["all", "Tents", *sheets["segments"]["segment"]])
    ]
    return sheets


@pytest.fixture
def company(db: Database) -> Database:
    import_frames(db, small_company(), source="test", actor="test")
    return db


@pytest.mark.slow
def test_a_forecast_run_is_stored_as_a_version_and_adds_up(company: Database) -> None:
    summary = demand.run_forecast(company, actor="dana", settings=FAST)
    assert (summary.cutoff, summary.first_period, summary.last_period) == (
        "2026-10",
        "2026-11",
        "2027-04",
    )
    by_product = demand.forecast_table(company, level="product")
    by_family = demand.forecast_table(company, level="family")
    total = demand.forecast_table(company, level="total")
    for stream in ("statistical", "consensus", "naive"):
        future = by_product[by_product["period"] >= "2026-11"]
        assert future[stream].sum() == pytest.approx(by_family[stream].sum())
        assert total[stream].sum() == pytest.approx(future[stream].sum())
    products = by_product.set_index(["key", "period"])
    # The phase-out product (end 2027-02) sells nothing after its end; the launch sells.
    assert products.loc[("TN-700", "2027-03"), "statistical"] == pytest.approx(0.0)
    assert products.loc[("BP-650", "2026-11"), "statistical"] > 0
    details = demand.forecast_details(company)
    assert not details["models"].empty and set(details["errors"]["step"]) == {1, 2, 3}


@pytest.mark.slow
def test_an_override_changes_the_consensus_at_once(company: Database) -> None:
    demand.run_forecast(company, actor="dana", settings=FAST)
    before = demand.forecast_table(company, level="family", key="Tents")
    demand.add_override(
        company,
        actor="sales.sam",
        level="family",
        key="Tents",
        period_from="2027-01",
        period_to="2027-02",
        change_qty=100.0,
        reason_code="customer_plan",
    )
    after = demand.forecast_table(company, level="family", key="Tents").set_index("period")
    assert after.loc["2027-01", "override:sales.sam"] == pytest.approx(100.0)
    assert after.loc["2027-01", "consensus"] == pytest.approx(
        before.set_index("period").loc["2027-01", "consensus"] + 100.0
    )
    assert after.loc["2026-12", "override:sales.sam"] == pytest.approx(0.0)
    listed = demand.list_overrides(company)
    assert listed[["author", "reason_code"]].values.tolist() == [["sales.sam", "customer_plan"]]


def test_a_bad_override_is_refused_with_every_reason(company: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        demand.add_override(
            company,
            actor="x",
            level="family",
            key="Kayaks",
            period_from="2027-13",
            period_to="2027-01",
            reason_code=" ",
            change_pct=5.0,
            change_qty=3.0,
        )
    codes = {i.code for i in caught.value.issues}
    assert codes == {"unknown_reference", "bad_period", "ambiguous_change", "missing_value"}
    assert demand.list_overrides(company).empty


def test_accuracy_measures_earlier_versions_against_actuals(company: Database) -> None:
    demand.run_forecast(company, actor="dana", settings=FAST, cutoff="2026-07")
    demand.run_forecast(company, actor="dana", settings=FAST, cutoff="2026-08")
    report = demand.accuracy(company)
    total = report.summary[report.summary["level"] == "total"].set_index(["stream", "lag"])
    assert set(total.index.get_level_values("lag")) == {1, 3}
    assert 0 <= total.loc[("statistical", 1), "wape"] < 1
    fva = report.fva[(report.fva["level"] == "total") & (report.fva["stream"] == "statistical")]
    assert set(fva["compared_to"]) == {"naive"}
    headline = report.headline("product").set_index("stream")
    assert list(headline.columns[:4]) == ["wape_lag1", "wape_lag3", "fva_lag1", "fva_lag3"]
    assert headline.loc["statistical", "fva_lag1"] == pytest.approx(
        headline.loc["naive", "wape_lag1"] - headline.loc["statistical", "wape_lag1"]
    )


def test_profile_and_empty_database(company: Database, db: Database) -> None:
    profile = demand.profile(company)
    assert set(profile.by_product["product_id"]) == KEEP
    assert profile.by_product["revenue_share"].sum() == pytest.approx(1.0)


def test_no_history_no_forecast(db: Database) -> None:
    with pytest.raises(NotFound, match="no demand history"):
        demand.run_forecast(db, actor="dana", settings=FAST)
    with pytest.raises(NotFound, match="no forecast"):
        demand.forecast_table(db)


@pytest.mark.slow
def test_a_grid_of_months_is_saved_whole_or_not_at_all(company: Database) -> None:
    demand.run_forecast(company, actor="dana", settings=FAST)
    good = [demand.MonthChange("2027-01", change_qty=10.0), demand.MonthChange("2027-02", 5.0)]
    with pytest.raises(InvalidInput):
        demand.add_overrides(
            company,
            actor="sales.sam",
            level="family",
            key="Tents",
            changes=[*good, demand.MonthChange("2027-13", 5.0)],  # the last month is wrong
            reason_code="customer_plan",
        )
    assert demand.list_overrides(company).empty  # none of the good months landed either
    ids = demand.add_overrides(
        company,
        actor="sales.sam",
        level="family",
        key="Tents",
        changes=good,
        reason_code="customer_plan",
    )
    after = demand.forecast_table(company, level="family", key="Tents").set_index("period")
    assert len(ids) == 2 and after.loc["2027-01", "override:sales.sam"] == pytest.approx(10.0)
    assert list(demand.list_overrides(company)["period_from"]) == ["2027-01", "2027-02"]
    _only_changed_rows_are_rewritten_and_the_result_is_whole(company)


@pytest.mark.slow
def test_a_save_rebuilds_its_family_only_and_agrees_with_a_whole_rebuild(
    company: Database,
) -> None:
    demand.run_forecast(company, actor="dana", settings=FAST)
    segment = str(small_company()["segments"]["segment"].iloc[0])
    saves: list[tuple[str, str, demand.MonthChange]] = [
        ("product", "TN-100", demand.MonthChange("2027-01", change_qty=40.0)),
        ("family", "Backpacks", demand.MonthChange("2026-12", change_pct=-20.0)),
        ("family", "Tents", demand.MonthChange("2027-01", change_qty=-15.0)),
        # A segment's quantity is shared across families: every save after it rebuilds all.
        ("segment", segment, demand.MonthChange("2027-02", change_qty=90.0)),
        ("product", "BP-100", demand.MonthChange("2027-02", change_qty=12.0)),
    ]
    for level, key, change in saves:
        demand.add_overrides(
            company,
            actor="sales.sam",
            level=level,
            key=key,
            changes=[change],
            reason_code="customer_plan",
        )
        stored, rebuilt = _stored_and_rebuilt_streams(company)
        pd.testing.assert_frame_equal(stored, rebuilt, rtol=1e-9)


def _stored_and_rebuilt_streams(company: Database) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The version's consensus, events and override rows as stored, and as built afresh."""
    key = ["product_id", "segment", "period", "stream"]
    with company.sessions.begin() as s:
        version_id = forecast_store.latest_version(s).id  # type: ignore[union-attr]
        values = forecast_store.read_values(s, [version_id])
        events = read_sheet(s, "events")
        overrides = forecast_store.read_overrides(s)
    statistical, naive = streams_from_values(values)
    rebuilt = build_streams(statistical, naive, events, overrides)
    derived = [st for st in rebuilt["stream"].unique() if st not in ("statistical", "naive")]
    columns = [c for c in forecast_store.VALUE_COLUMNS if c in rebuilt.columns]

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        mine = frame[frame["stream"].isin(derived)][columns]
        return mine.sort_values(key).reset_index(drop=True)

    return rows(values), rows(rebuilt)


def _only_changed_rows_are_rewritten_and_the_result_is_whole(company: Database) -> None:
    """replace_streams with the stored rows: what is read back is exactly the new frame."""
    key = ["product_id", "segment", "period", "stream"]
    with company.sessions.begin() as s:
        version_id = forecast_store.latest_version(s).id  # type: ignore[union-attr]
        stored = forecast_store.read_values(s, [version_id])
    new = stored.copy()
    consensus = new.index[new["stream"] == "consensus"]
    new.loc[consensus[0], "quantity"] += 7.0  # changed
    new = new.drop(index=consensus[1])  # gone
    added = new.loc[[consensus[2]]].assign(stream="override:tester", quantity=3.0)
    new = pd.concat([new, added], ignore_index=True)  # new
    with company.sessions.begin() as s:
        forecast_store.replace_streams(
            s, version_id, new, ["consensus", "override:tester"], stored=stored
        )
        after = forecast_store.read_values(s, [version_id])
    columns = forecast_store.VALUE_COLUMNS
    expected = new[columns].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(after[columns].sort_values(key).reset_index(drop=True), expected)
