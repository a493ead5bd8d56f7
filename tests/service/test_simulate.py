"""The simulation on real databases: a replay is stored, audited, and refused when it should be."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from service.test_demand import company, small_company  # noqa: F401 - the fixture
from snop.demand.forecast import ForecastSettings
from snop.errors import Forbidden, InvalidInput, NotFound
from snop.services import simulate
from snop.services.auth import Caller
from snop.services.database import Database
from snop.simulate.policies import PolicyContext
from snop.store.tables import AuditEvent
from snop.team.roles import Role

QUICK = ForecastSettings(
    n_jobs=1,
    backtest_windows=1,
    backtest_horizon=3,
    models={"continuous": ["AutoETS"], "intermittent": ["CrostonOptimized"]},
    method="select",
)


def make_nothing(context: PolicyContext) -> pd.DataFrame:
    """An analyst's policy: never make anything."""
    return pd.DataFrame(columns=["product_id", "period", "quantity"])


@pytest.mark.slow
def test_a_replay_is_stored_with_its_report_and_audited(company: Database) -> None:  # noqa: F811
    options = simulate.SimulationOptions(
        months=2, warm_up=1, horizon=4, forecast=QUICK, custom={"nothing": make_nothing}
    )
    summary = simulate.run_simulation(company, actor="dana", options=options)
    report = summary.report
    assert list(report.headline["policy"]) == ["snop", "naive", "minmax", "nothing"]
    assert (report.first_month, report.last_month) == ("2026-09", "2026-10")
    head = report.headline.set_index("policy")
    assert head.loc["nothing", "fill_rate"] < head.loc["snop", "fill_rate"]
    stored = simulate.latest_simulation(company)
    assert stored["run"] == summary.run_id and stored["created_by"] == "dana"
    assert stored["settings"]["policies"] == ["snop", "naive", "minmax", "nothing"]
    assert [row["policy"] for row in stored["headline"]] == ["snop", "naive", "minmax", "nothing"]
    assert stored["sentences"] == report.sentences
    listing = simulate.list_simulations(company)
    assert list(listing["id"]) == [summary.run_id]
    with company.sessions.begin() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "simulate.run")).all()
        assert [e.entity_key for e in events] == [str(summary.run_id)]


def test_bad_options_name_what_is_wrong_and_store_nothing(company: Database) -> None:  # noqa: F811
    bad = simulate.SimulationOptions(first_month="2026/09", policies=("snop", "oracle"))
    with pytest.raises(InvalidInput) as error:
        simulate.run_simulation(company, actor="dana", options=bad)
    columns = {(i.column, i.code) for i in error.value.issues}
    assert columns == {("from", "bad_period"), ("policy", "unknown_policy")}
    too_early = simulate.SimulationOptions(first_month="2024-03", months=3)
    with pytest.raises(InvalidInput) as error:
        simulate.run_simulation(company, actor="dana", options=too_early)
    assert error.value.issues[0].code == "too_little_history"
    unknown = simulate.SimulationOptions(policies=("oracle",))
    with pytest.raises(InvalidInput) as error:
        simulate.run_simulation(company, actor="dana", options=unknown)
    assert "no built-in policy 'oracle'" in error.value.issues[0].message
    with pytest.raises(NotFound):
        simulate.latest_simulation(company)


def test_a_viewer_may_not_run_a_replay(company: Database) -> None:  # noqa: F811
    with pytest.raises(Forbidden):
        simulate.run_simulation(company, actor=Caller("vic", (Role.VIEWER,)))


def test_an_empty_database_has_nothing_to_replay(db: Database) -> None:
    with pytest.raises(NotFound, match="no demand history"):
        simulate.run_simulation(db, actor="dana")


def test_policies_load_from_a_file_or_a_module(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "mine.py"  # type: ignore[operator]
    path.write_text("def lazy(context):\n    return None\n")
    name, policy = simulate.load_policy(f"{path}:lazy")
    assert name == "lazy" and callable(policy)
    name, policy = simulate.load_policy("service.test_simulate:make_nothing")
    assert name == "make_nothing"
    for spec, fragment in (
        ("no-colon", "module:function"),
        (f"{path}:missing", "has no function missing"),
        ("snop.nowhere:f", "cannot import"),
    ):
        with pytest.raises(InvalidInput) as error:
            simulate.load_policy(spec)
        assert fragment in error.value.issues[0].message
