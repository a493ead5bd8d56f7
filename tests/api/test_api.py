"""The REST API on real databases (SQLite file and PostgreSQL): the cycle as a team.

Users of every role drive a whole cycle through HTTP; every action is tried by every role
(a table test) and refused exactly for the roles that may not take it; concurrent
conflicting edits lose nothing; the audit trail says who did what.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from dbtools import PG_ENV, create_pg_database, drop_pg_database, pg_server_url
from service.test_demand import FAST, small_company
from service.test_supply import _demand_plan
from snop.api.app import create_app
from snop.api.plain import plain
from snop.services import demand, reconcile, scenarios, supply
from snop.services.database import open_database
from snop.services.imports import import_frames
from snop.services.users import create_demo_users
from snop.store import cycles as cycle_store
from snop.team.roles import DEMO_USERS, PERMISSIONS, Action, Role


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def planned_company(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The small company planned, with one demo user per role: built once per backend."""
    if request.param == "sqlite":
        address = f"sqlite:///{tmp_path_factory.mktemp('api') / 'snop.db'}"
    else:
        if pg_server_url() is None:
            pytest.skip(f"{PG_ENV} is not set")
        address = create_pg_database("snop_api_built")
    db = open_database(address, create=True)
    sheets = small_company()
    sheets["demand_plan"] = _demand_plan()
    import_frames(db, sheets, source="test", actor="setup")
    supply.run_plan(db, actor="setup")
    with db.sessions.begin() as s:
        create_demo_users(s)
    db.close()
    yield address
    if request.param == "postgresql":
        drop_pg_database(address)


@pytest.fixture
def url(planned_company: str, tmp_path: Path) -> Iterator[str]:
    """This test's own copy of the planned company, which it may change."""
    if planned_company.startswith("sqlite"):
        copy = tmp_path / "snop.db"
        shutil.copy(make_url(planned_company).database or "", copy)
        yield f"sqlite:///{copy}"
        return
    address = create_pg_database("snop_api", copy_of=planned_company)
    yield address
    drop_pg_database(address)


@pytest.fixture
def client(url: str) -> Iterator[TestClient]:
    with TestClient(create_app(url)) as test_client:
        yield test_client


def _token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/session", json={"username": username, "password": "demo"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _stage(url: str, stage: str) -> None:
    """Put the open cycle in a stage (test set-up, as if the stages before were signed off)."""
    db = open_database(url)
    with db.sessions.begin() as s:
        from snop.services.cycle import current

        current(s).stage = stage
    db.close()


def test_signing_in_and_errors_are_json(client: TestClient) -> None:
    assert client.get("/api/status").status_code == 401
    wrong = client.post("/api/session", json={"username": "exec", "password": "nope"})
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.json()["error"]
    headers = _token(client, "viewer")
    assert client.get("/api/me", headers=headers).json()["roles"] == ["viewer"]
    bad = client.post(
        "/api/overrides",
        headers=_token(client, "sales"),
        json={
            "level": "family",
            "key": "Nope",
            "period_from": "2027-01",
            "period_to": "2027-01",
            "reason_code": "promotion",
            "change_pct": 5,
        },
    )
    assert bad.status_code in (403, 422)
    assert "error" in bad.json()
    spec = client.get("/openapi.json").json()
    assert "/api/scorecard" in spec["paths"] and "/api/cycle/advance" in spec["paths"]


# Each action: the stage it is tried in, the request, and the statuses that mean "not refused
# for lack of a role" (the request itself may be a conflict or a validation error).
ACTIONS: dict[Action, tuple[str, str, str, dict[str, Any]]] = {
    Action.OVERRIDE: (
        "demand_review",
        "POST",
        "/api/overrides",
        {
            "level": "family",
            "key": "Tents",
            "period_from": "2027-01",
            "period_to": "2027-01",
            "reason_code": "promotion",
            "change_pct": 5,
        },
    ),
    Action.PLAN_SUPPLY: ("supply_review", "POST", "/api/plans", {}),
    Action.SCENARIO: (
        "supply_review",
        "POST",
        "/api/scenarios",
        {"name": "x", "changes": [{"kind": "strategy", "strategy": "level"}]},
    ),
    Action.PUBLISH: ("executive_review", "POST", "/api/cycle/publish", {"replace": True}),
    Action.MANAGE_USERS: (
        "data_gathering",
        "POST",
        "/api/users",
        {"username": "newbie", "password": "long enough", "roles": ["viewer"]},
    ),
    Action.REOPEN: (
        "supply_review",
        "POST",
        "/api/cycle/reopen",
        {"stage": "demand_review", "reason": "a late order"},
    ),
}


def _scenario_run(url: str) -> None:
    db = open_database(url)
    scenarios.create(db, "lvl", [{"kind": "strategy", "strategy": "level"}], actor="setup")
    scenarios.run(db, "lvl", actor="setup")
    db.close()


def _override(url: str) -> None:
    db = open_database(url)
    demand.add_override(
        db,
        actor="setup",
        level="family",
        key="Tents",
        period_from="2027-01",
        period_to="2027-01",
        reason_code="promotion",
        change_pct=5,
    )
    db.close()


ACTIONS.update(
    {
        Action.FORECAST: ("data_gathering", "POST", "/api/forecast", {"horizon": 3}),
        Action.PROMOTE: ("executive_review", "POST", "/api/scenarios/lvl/promote", {}),
        Action.DECIDE: (
            "executive_review",
            "POST",
            "/api/decisions",
            {"title": "Add a shift", "owner": "supply"},
        ),
        Action.RESOLVE_CONFLICT: (
            "demand_review",
            "POST",
            "/api/overrides/1/withdraw",
            {"reason": "duplicate"},
        ),
    }
)
SETUP = {Action.PROMOTE: _scenario_run, Action.RESOLVE_CONFLICT: _override}


@pytest.mark.parametrize("action", list(ACTIONS), ids=lambda a: a.name.lower())
def test_every_role_may_do_exactly_what_it_is_allowed(
    url: str, client: TestClient, action: Action
) -> None:
    stage, method, path, body = ACTIONS[action]
    if action in SETUP:
        SETUP[action](url)
    results = {}
    for username, role in DEMO_USERS.items():
        _stage(url, stage)
        response = client.request(method, path, json=body, headers=_token(client, username))
        results[role] = response.status_code
        assert response.status_code < 500, response.text
    refused = {role for role, code in results.items() if code == 403}
    expected = {role for role in Role if action not in PERMISSIONS[role]}
    assert refused == expected, results


def test_a_stage_refuses_changes_it_does_not_allow(url: str, client: TestClient) -> None:
    _stage(url, "data_gathering")
    response = client.post("/api/plans", json={}, headers=_token(client, "supply"))
    assert response.status_code == 403
    assert "Supply review" in response.json()["error"]


def test_a_whole_cycle_through_the_api(url: str, client: TestClient) -> None:
    """Sales overrides with a reason; demand signs off; supply plans and signs off; finance
    reads the scorecard and signs off; the executive compares, promotes and publishes."""
    demand, sales, supply_, finance, executive = (
        _token(client, name) for name in ("demand", "sales", "supply", "finance", "exec")
    )
    early = client.post("/api/cycle/advance", json={}, headers=demand)
    assert early.status_code == 409 and "data-health" in early.json()["error"]
    assert client.get("/api/cycle/health", headers=demand).status_code == 200
    assert client.post("/api/cycle/advance", json={}, headers=demand).json()["stage"] == (
        "demand_review"
    )
    override = ACTIONS[Action.OVERRIDE][3]
    assert client.post("/api/overrides", json=override, headers=sales).status_code == 201
    assert client.post("/api/cycle/advance", json={}, headers=sales).status_code == 403
    assert client.post("/api/cycle/advance", json={}, headers=demand).json()["stage"] == (
        "supply_review"
    )
    plan = client.post("/api/plans", json={}, headers=supply_)
    assert plan.status_code == 201 and plan.json()["status"] == "optimal"
    scenario = {"name": "level", "changes": [{"kind": "strategy", "strategy": "level"}]}
    assert client.post("/api/scenarios", json=scenario, headers=supply_).status_code == 201
    assert client.post("/api/scenarios/level/run", headers=supply_).status_code == 200
    assert client.post("/api/cycle/advance", json={}, headers=supply_).json()["stage"] == "pre_sop"
    card = client.get("/api/scorecard", headers=finance)
    assert card.status_code == 200 and card.json()["rows"]
    assert client.post("/api/cycle/advance", json={}, headers=finance).json()["stage"] == (
        "executive_review"
    )
    compared = client.get(
        "/api/scenarios/compare", params={"names": ["base", "level"]}, headers=executive
    )
    assert compared.status_code == 200
    assert any(m["measure"] == "plan cost" for m in compared.json()["measures"])
    promoted = client.post("/api/scenarios/level/promote", headers=executive)
    assert promoted.status_code == 200, promoted.text
    status = client.get("/api/cycle", headers=executive).json()
    assert status["stage"] == "published" and status["plan_of_record"] is not None
    late = client.post("/api/overrides", json=override, headers=sales)
    assert late.status_code == 403 and "published" in late.json()["error"]
    trail = client.get("/api/audit", headers=executive).json()["rows"]
    done = {(row["actor"], row["action"]) for row in trail}
    assert {
        ("demand", "cycle.sign_off"),
        ("sales", "demand.override_added"),
        ("supply", "supply.plan_run"),
        ("supply", "scenario.run"),
        ("finance", "cycle.sign_off"),
        ("exec", "scenario.promote"),
        ("exec", "cycle.publish"),
    } <= done
    only_sales = client.get("/api/audit", params={"actor": "sales"}, headers=executive).json()
    assert {row["actor"] for row in only_sales["rows"]} == {"sales"}


def test_two_people_creating_the_same_scenario_lose_nothing(url: str, client: TestClient) -> None:
    _stage(url, "supply_review")
    headers = [_token(client, "supply"), _token(client, "finance")]
    codes: list[int] = []

    def create(i: int) -> None:
        body = {"name": "same", "changes": [{"kind": "strategy", "strategy": "chase"}]}
        codes.append(client.post("/api/scenarios", json=body, headers=headers[i]).status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [201, 409]
    db = open_database(url)
    with db.sessions.begin() as s:
        assert [sc.name for sc in cycle_store.scenarios(s)] == ["same"]
    db.close()


def test_comments_mentions_decisions_and_stale_edits(client: TestClient) -> None:
    sales, demand, executive = (_token(client, name) for name in ("sales", "demand", "exec"))
    said = client.post(
        "/api/comments",
        json={"entity": "family", "key": "Tents", "body": "@demand the fair adds 5% in March"},
        headers=sales,
    )
    assert said.status_code == 201, said.text
    comment = said.json()
    inbox = client.get("/api/inbox", headers=demand).json()["items"]
    assert any(item.get("kind") == "mention" for item in inbox)
    unknown = client.post(
        "/api/comments",
        json={"entity": "family", "key": "Tents", "body": "@nobody look"},
        headers=sales,
    )
    assert unknown.status_code == 422 and "nobody" in unknown.json()["error"]
    first = client.put(
        f"/api/comments/{comment['id']}",
        json={"version": comment["version"], "body": "the fair adds 6% in March"},
        headers=sales,
    )
    assert first.status_code == 200
    stale = client.put(
        f"/api/comments/{comment['id']}",
        json={"version": comment["version"], "body": "the fair adds 4% in March"},
        headers=sales,
    )
    assert stale.status_code == 409
    message = stale.json()["error"]
    assert "6%" in message and "4%" in message
    decided = client.post(
        "/api/decisions",
        json={"title": "Add a Saturday shift in packing", "owner": "supply"},
        headers=executive,
    )
    assert decided.status_code == 201, decided.text
    refused = client.post(
        "/api/decisions", json={"title": "Cut prices", "owner": "sales"}, headers=sales
    )
    assert refused.status_code == 403
    owner_inbox = client.get("/api/inbox", headers=_token(client, "supply")).json()["items"]
    assert any("Saturday" in str(item) for item in owner_inbox)


@pytest.mark.slow
def test_slow_reads_are_kept_until_the_data_changes(url: str, client: TestClient) -> None:
    """The forecast, KPIs and scorecard are computed once per revision and shared, and
    the next change (an override, a plan) makes the next read show it."""
    _stage(url, "demand_review")
    planner = _token(client, "demand")
    body = dict(ACTIONS[Action.OVERRIDE][3])
    db = open_database(url)
    demand.run_forecast(db, actor="demand", settings=FAST)
    db.close()

    def consensus() -> float:
        params = {"level": body["level"], "key": body["key"]}
        reply = client.get("/api/forecast", params=params, headers=planner)
        assert reply.status_code == 200, reply.text
        rows = reply.json()["rows"]
        return float(next(r["consensus"] for r in rows if r["period"] == body["period_from"]))

    before = consensus()
    assert consensus() == before
    assert client.post("/api/overrides", json=body, headers=planner).status_code == 201
    assert consensus() == pytest.approx(before * 1.05, rel=1e-6)

    kpis = client.get("/api/kpis", headers=planner).json()["rows"]
    assert client.get("/api/kpis", headers=planner).json()["rows"] == kpis
    _stage(url, "supply_review")
    replanned = client.post("/api/plans", json={}, headers=_token(client, "supply"))
    assert replanned.status_code == 201
    latest = replanned.json()["version"]
    card = client.get("/api/scorecard", headers=planner).json()
    assert client.get("/api/scorecard", params={"version": latest}, headers=planner).json() == card
    now = client.get("/api/kpis", headers=planner).json()["rows"]
    db = open_database(url)
    assert now == plain(reconcile.evaluate(db).kpis) != kpis
    db.close()


def test_conflicting_overrides_go_to_the_demand_planner(url: str, client: TestClient) -> None:
    _stage(url, "demand_review")
    body = dict(ACTIONS[Action.OVERRIDE][3])
    first = client.post("/api/overrides", json=body, headers=_token(client, "sales"))
    second = client.post(
        "/api/overrides", json={**body, "change_pct": -10}, headers=_token(client, "demand")
    )
    assert first.status_code == second.status_code == 201
    demand = _token(client, "demand")
    conflicts = client.get("/api/overrides/conflicts", headers=demand).json()["rows"]
    assert [(c["first"], c["second"]) for c in conflicts] == [
        (first.json()["id"], second.json()["id"])
    ]
    assert conflicts[0]["first_change"] == "+5%" and conflicts[0]["second_change"] == "-10%"
    by_sales = client.post(
        f"/api/overrides/{first.json()['id']}/withdraw",
        json={"reason": "mine"},
        headers=_token(client, "sales"),
    )
    assert by_sales.status_code == 403
    kept = client.post(
        f"/api/overrides/{first.json()['id']}/withdraw",
        json={"reason": "the fair is confirmed smaller"},
        headers=demand,
    )
    assert kept.status_code == 200
    assert client.get("/api/overrides/conflicts", headers=demand).json()["rows"] == []
    active = client.get("/api/overrides", headers=demand).json()["rows"]
    assert [o["override_id"] for o in active] == [second.json()["id"]]


def test_wrong_passwords_are_throttled_per_user_and_recorded(client: TestClient) -> None:
    def attempt(password: str, username: str = "admin") -> int:
        body = {"username": username, "password": password}
        return int(client.post("/api/session", json=body).status_code)

    assert [attempt(f"guess-{n}") for n in range(10)] == [401] * 10
    # From the 11th on, even the right password is refused for a while, with 429.
    assert [attempt(f"guess-{n}") for n in range(20)] == [429] * 20
    refused = client.post("/api/session", json={"username": "admin", "password": "demo"})
    assert refused.status_code == 429 and "too many wrong passwords" in refused.json()["error"]
    assert attempt("demo", username="finance") == 200  # other users are not locked out
    db = open_database(str(client.app.state.database.url))  # type: ignore[attr-defined]
    with db.sessions.begin() as s:
        events = s.execute(
            text("select action, count(*) from audit_event where entity_key = 'admin' group by 1")
        ).all()
    assert dict(events) == {"user.sign_in_failed": 10, "user.sign_in_refused": 21}
    # Once the failures are older than the window, the right password works again.
    with db.sessions.begin() as s:
        s.execute(
            text("update audit_event set at = :old where action like 'user.sign_in_%'"),
            {"old": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)},
        )
    db.close()
    assert attempt("demo") == 200
    assert attempt("wrong") == 401  # and the count starts again from that sign-in


def test_one_address_guessing_many_users_is_throttled(client: TestClient) -> None:
    codes = [
        client.post("/api/session", json={"username": f"u{n}", "password": "x"}).status_code
        for n in range(31)
    ]
    assert codes == [401] * 30 + [429]
