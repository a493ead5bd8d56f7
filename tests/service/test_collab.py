"""The conversation on real databases: comments, mentions, inbox, assumptions, decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from service.test_demand import small_company
from service.test_supply import _demand_plan
from snop.errors import Conflict, Forbidden, InvalidInput, NotFound
from snop.services import collab, cycle, scenarios, supply
from snop.services.auth import Caller, hash_password
from snop.services.database import Database
from snop.services.imports import import_frames
from snop.store.tables import AppUser, AuditEvent
from snop.team.roles import Role
from snop.team.stages import due_date, stage_named

USERS = {
    "dana": Role.DEMAND,
    "sam": Role.SALES,
    "erin": Role.EXECUTIVE,
    "ada": Role.ADMIN,
    "vic": Role.VIEWER,
}


def _caller(name: str) -> Caller:
    return Caller(name, (USERS[name],))


@pytest.fixture
def team(db: Database) -> Database:
    """The small company, its open cycle, and one user per role we need."""
    import_frames(db, small_company(), source="test", actor="test")
    with db.sessions.begin() as s:
        for name, role in USERS.items():
            s.add(
                AppUser(
                    username=name,
                    display_name=name.title(),
                    password_hash=hash_password("secret-pass"),
                    roles=[role.value],
                    families=[],
                    segments=[],
                )
            )
        cycle.current(s)
    return db


def _audit(db: Database, action: str) -> list[dict[str, Any]]:
    with db.sessions.begin() as s:
        rows = s.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [{"actor": r.actor, "key": r.entity_key, **r.details} for r in rows]


def test_mentions_reach_the_inbox_and_unknown_names_are_refused(team: Database) -> None:
    view = collab.add_comment(
        team,
        actor=_caller("sam"),
        entity="plan",
        key="Tents",
        period="2026-12",
        body="Big order from Alpine for December, @dana please check; cc @erin. (sam@corp.com)",
    )
    assert view["mentions"] == ["dana", "erin"] and view["author"] == "sam"
    items = [i for i in collab.inbox(team, "dana") if i["kind"] == "mention"]
    assert len(items) == 1 and items[0]["ref"] == f"comment:{view['id']}"
    assert "sam mentioned you on plan Tents 2026-12" in items[0]["text"]
    assert [i["kind"] for i in collab.inbox(team, "erin")].count("mention") == 1

    with pytest.raises(InvalidInput) as error:
        collab.add_comment(
            team, actor="sam", entity="family", key="Tents", body="ask @nobody and @dana"
        )
    assert [i.value for i in error.value.issues] == ["nobody"]
    assert "@nobody is not a user" in error.value.issues[0].message
    assert len(collab.list_comments(team)) == 1  # nothing stored

    with pytest.raises(InvalidInput, match="error"):
        collab.add_comment(team, actor="sam", entity="product", key="NO-SUCH", body="hi")
    with pytest.raises(InvalidInput):
        collab.add_comment(team, actor="sam", entity="plan", key="Tents", body="no month")
    with pytest.raises(Forbidden):
        collab.add_comment(team, actor=_caller("vic"), entity="family", key="Tents", body="hi")


def test_replies_stay_in_their_thread_and_tell_the_author(team: Database) -> None:
    first = collab.add_comment(team, actor="dana", entity="period", key="2026-12", body="Peak?")
    reply = collab.add_comment(
        team, actor="sam", entity="period", key="2026-12", body="Yes.", parent_id=first["id"]
    )
    assert reply["parent_id"] == first["id"]
    kinds = [(i["kind"], i["ref"]) for i in collab.inbox(team, "dana")]
    assert ("reply", f"comment:{reply['id']}") in kinds
    with pytest.raises(InvalidInput, match="error"):
        collab.add_comment(
            team, actor="sam", entity="family", key="Tents", body="x", parent_id=first["id"]
        )
    with pytest.raises(NotFound):
        collab.add_comment(
            team, actor="sam", entity="period", key="2026-12", body="x", parent_id=99999
        )


def test_inbox_shows_sign_offs_due_and_items_can_be_read(team: Database) -> None:
    status = cycle.status(team)
    stage = stage_named(status.stage)
    assert stage.owner is Role.DEMAND  # the first stage: data gathering
    inbox = collab.inbox(team, "dana")
    sign_offs = [i for i in inbox if i["kind"] == "sign_off"]
    assert len(sign_offs) == 1
    assert sign_offs[0]["title"] == stage.title
    assert sign_offs[0]["due"] == due_date(status.period, stage).isoformat()
    assert not [i for i in collab.inbox(team, "sam") if i["kind"] == "sign_off"]

    collab.add_comment(team, actor="erin", entity="family", key="Tents", body="@dana see this")
    mention = next(i for i in collab.inbox(team, "dana") if i["kind"] == "mention")
    with pytest.raises(Forbidden):
        collab.mark_read(team, "dana", mention["id"], actor=_caller("sam"))
    with pytest.raises(NotFound):
        collab.mark_read(team, "sam", mention["id"], actor=_caller("sam"))
    collab.mark_read(team, "dana", mention["id"], actor=_caller("dana"))
    assert not [i for i in collab.inbox(team, "dana") if i["kind"] == "mention"]
    assert _audit(team, "inbox.read")[0]["old"] == {"read_at": None}
    with pytest.raises(NotFound):
        collab.inbox(team, "nobody")


def test_an_edit_of_a_stale_version_is_refused_showing_both_texts(team: Database) -> None:
    sam = _caller("sam")
    view = collab.add_comment(team, actor=sam, entity="product", key="TN-100", body="Hold 40.")
    edited = collab.edit_comment(
        team, actor=sam, comment_id=view["id"], expected_version=1, body="Hold 50, @dana."
    )
    assert edited["version"] == 2 and edited["mentions"] == ["dana"]
    with pytest.raises(Conflict) as error:
        collab.edit_comment(
            team, actor=sam, comment_id=view["id"], expected_version=1, body="Hold 60."
        )
    assert "'Hold 50, @dana.'" in str(error.value) and "'Hold 60.'" in str(error.value)
    assert isinstance(error.value, collab.StaleEdit)
    assert (error.value.stored, error.value.submitted) == ("Hold 50, @dana.", "Hold 60.")
    assert collab.list_comments(team, entity="product", key="TN-100")[0]["body"] == (
        "Hold 50, @dana."
    )
    # Only the author or an admin edits or hides.
    with pytest.raises(Forbidden, match="only sam"):
        collab.edit_comment(
            team, actor=_caller("dana"), comment_id=view["id"], expected_version=2, body="No."
        )
    with pytest.raises(Forbidden):
        collab.hide_comment(team, actor=_caller("erin"), comment_id=view["id"])
    hidden = collab.hide_comment(team, actor=_caller("ada"), comment_id=view["id"])
    assert hidden["hidden_at"] is not None and hidden["version"] == 3
    assert collab.list_comments(team, entity="product", key="TN-100") == []
    kept = collab.list_comments(team, entity="product", key="TN-100", include_hidden=True)
    assert [c["body"] for c in kept] == ["Hold 50, @dana."]
    with pytest.raises(Conflict, match="hidden"):
        collab.edit_comment(team, actor="ada", comment_id=view["id"], expected_version=3, body="x")
    # The audit trail has the old and the new values.
    edit = _audit(team, "comment.edit")
    assert edit[0]["old"]["body"] == "Hold 40." and edit[0]["new"]["body"] == "Hold 50, @dana."
    assert edit[0]["actor"] == "sam" and edit[0]["key"] == str(view["id"])
    hide = _audit(team, "comment.hide")
    assert hide[0]["actor"] == "ada" and hide[0]["old"]["hidden_at"] is None
    assert hide[0]["new"]["hidden_at"] is not None
    assert _audit(team, "comment.add")[0]["new"]["body"] == "Hold 40."


def _hand_actuals(level: str, key: str, months: list[str]) -> float:
    sheets = small_company()
    history = sheets["demand_history"]
    history = history[history["period"].isin(months)]
    if level == "family":
        products = sheets["products"]
        ids = set(products.loc[products["family"] == key, "product_id"])
        history = history[history["product_id"].isin(ids)]
    elif level == "segment":
        customers = sheets["customers"]
        ids = set(customers.loc[customers["segment"] == key, "customer_id"])
        history = history[history["customer_id"].isin(ids)]
    elif level == "product":
        history = history[history["product_id"] == key]
    return float(history["ordered"].sum())


def test_assumptions_are_scored_against_actual_orders(team: Database) -> None:
    segment = str(small_company()["segments"]["segment"].iloc[0])
    months = ["2026-01", "2026-02", "2026-03"]
    tents = _hand_actuals("family", "Tents", months)
    by_segment = _hand_actuals("segment", segment, months)
    total = _hand_actuals("total", "all", ["2026-10"])
    assert tents > 0 and by_segment > 0 and total > 0
    held = collab.add_assumption(
        team,
        actor=_caller("sam"),
        text="Tents stay on last year's run rate in Q1",
        owner="sam",
        level="family",
        key="Tents",
        period_from="2026-01",
        period_to="2026-03",
        expected=round(tents * 1.08, 1),
    )
    missed = collab.add_assumption(
        team,
        actor="dana",
        text=f"{segment} halves in Q1",
        owner="dana",
        level="segment",
        key=segment,
        period_from="2026-01",
        period_to="2026-03",
        expected=round(by_segment * 0.5, 1),
    )
    exact = collab.add_assumption(
        team,
        actor="dana",
        text="October as planned",
        owner="dana",
        level="total",
        key="ignored",
        period_from="2026-10",
        period_to="2026-10",
        expected=total,
    )
    waiting = collab.add_assumption(
        team,
        actor="dana",
        text="Winter into the next months",
        owner="dana",
        level="total",
        period_from="2026-10",
        period_to="2026-11",
        expected=100.0,
    )
    result = collab.score_assumptions(team, actor="dana")
    scored = {a["id"]: a for a in result["scored"]}
    assert set(scored) == {held["id"], missed["id"], exact["id"]}
    assert [w["id"] for w in result["waiting"]] == [waiting["id"]]
    assert result["waiting"][0]["months"] == ["2026-11"]

    one = scored[held["id"]]
    assert one["status"] == "held"
    assert one["score"]["actual"] == pytest.approx(tents)
    assert one["score"]["error"] == pytest.approx(tents - held["expected"])
    assert one["score"]["error_pct"] == pytest.approx(
        (tents - held["expected"]) / held["expected"], abs=1e-4
    )
    assert set(one["score"]) == {"actual", "expected", "error", "error_pct", "scored_at"}
    assert scored[missed["id"]]["status"] == "missed"
    assert scored[missed["id"]]["score"]["actual"] == pytest.approx(by_segment)
    assert scored[exact["id"]]["key"] == "all"
    assert scored[exact["id"]]["score"]["error"] == pytest.approx(0.0)
    # Scoring is kept: a second run scores nothing new.
    assert collab.score_assumptions(team, actor="dana")["scored"] == []
    statuses = {a["id"]: a["status"] for a in collab.list_assumptions(team)}
    assert statuses[waiting["id"]] == "open" and statuses[held["id"]] == "held"
    trail = [e for e in _audit(team, "assumption.score") if e["key"] == str(held["id"])]
    assert trail[0]["old"] == {"status": "open", "score": {}}
    assert trail[0]["new"]["status"] == "held"


def test_assumptions_are_checked_and_edited_from_the_version_read(team: Database) -> None:
    with pytest.raises(InvalidInput) as error:
        collab.add_assumption(
            team,
            actor="dana",
            text="",
            owner="nobody",
            level="region",
            key="x",
            period_from="2027-13",
            period_to="2027-01",
            expected=-1,
            inputs=["scenario:missing", "just words"],
        )
    codes = {i.code for i in error.value.issues}
    assert {"empty", "unknown_user", "bad_level", "bad_period", "negative"} <= codes
    assert {"unknown_scenario", "bad_input"} <= codes
    scenarios.create(
        team, "peak-surge", [scenarios.change_from_text("demand pct=20")], actor="erin"
    )
    view = collab.add_assumption(
        team,
        actor="dana",
        text="Peak surge is real",
        owner="dana",
        level="product",
        key="TN-100",
        period_from="2027-01",
        period_to="2027-02",
        expected=120,
        inputs=["scenario:peak-surge"],
    )
    changed = collab.update_assumption(
        team, actor="sam", assumption_id=view["id"], expected_version=1, expected=150
    )
    assert changed["expected"] == 150 and changed["version"] == 2
    with pytest.raises(Conflict) as stale:
        collab.update_assumption(
            team, actor="dana", assumption_id=view["id"], expected_version=1, expected=90
        )
    assert "expected=150" in str(stale.value) and "expected=90" in str(stale.value)
    with pytest.raises(InvalidInput):
        collab.update_assumption(
            team, actor="dana", assumption_id=view["id"], expected_version=2, status="held"
        )
    dropped = collab.update_assumption(
        team, actor="dana", assumption_id=view["id"], expected_version=2, status="dropped"
    )
    assert dropped["status"] == "dropped"
    trail = _audit(team, "assumption.edit")
    assert trail[0]["old"] == {"expected": 120.0, "version": 1}
    assert trail[0]["new"] == {"expected": 150, "version": 2}


def test_decisions_go_to_their_owner_and_refuse_stale_updates(team: Database) -> None:
    period = cycle.status(team).period
    scenarios.create(
        team, "peak-surge", [scenarios.change_from_text("demand pct=20")], actor="erin"
    )
    erin = _caller("erin")
    with pytest.raises(InvalidInput) as error:
        collab.record_decision(
            team, actor=erin, title="Add a shift", owner="nobody", scenario="no-such"
        )
    assert {i.code for i in error.value.issues} == {"unknown_user", "unknown_scenario"}
    with pytest.raises(Forbidden):
        collab.record_decision(team, actor=_caller("sam"), title="x", owner="dana")
    view = collab.record_decision(
        team,
        actor=erin,
        title="Add a second shift on the tent line from January",
        owner="dana",
        due_date=dt.date(2026, 12, 15),
        scenario="peak-surge",
    )
    assert view["cycle"] == period and view["status"] == "open" and view["created_by"] == "erin"
    item = next(i for i in collab.inbox(team, "dana") if i["kind"] == "decision")
    assert item["ref"] == f"decision:{view['id']}" and "2026-12-15" in item["text"]
    assert [d["id"] for d in collab.list_decisions(team, owner="dana", status="open")] == [
        view["id"]
    ]
    assert collab.list_decisions(team, cycle_period="2001-01") == []

    updated = collab.update_decision(
        team, actor=erin, decision_id=view["id"], expected_version=1, notes="Union agreed."
    )
    assert updated["version"] == 2
    with pytest.raises(Conflict) as stale:
        collab.update_decision(
            team, actor=erin, decision_id=view["id"], expected_version=1, notes="Union said no."
        )
    assert "'Union agreed.'" in str(stale.value) and "'Union said no.'" in str(stale.value)
    # The owner reports it done; their inbox item about it is then read.
    done = collab.update_decision(
        team, actor=_caller("dana"), decision_id=view["id"], expected_version=2, status="done"
    )
    assert done["status"] == "done"
    assert not [i for i in collab.inbox(team, "dana") if i["kind"] == "decision"]
    with pytest.raises(Forbidden):
        collab.update_decision(
            team, actor=_caller("sam"), decision_id=view["id"], expected_version=3, notes="x"
        )
    trail = _audit(team, "decision.update")
    assert trail[0]["old"] == {"notes": None, "version": 1}
    assert trail[0]["new"] == {"notes": "Union agreed.", "version": 2}
    assert trail[1]["old"]["status"] == "open" and trail[1]["new"]["status"] == "done"


def test_a_comment_on_a_plan_number_stays_with_it_across_plan_versions(db: Database) -> None:
    sheets = small_company()
    sheets["demand_plan"] = _demand_plan()
    import_frames(db, sheets, source="test", actor="test")
    first = supply.run_plan(db, actor="sam")
    cycle.publish(db, actor="erin", version_id=first.version_id)
    note = collab.add_comment(
        db, actor="sam", entity="plan", key="TN-100", period="2027-01", body="Promo in January."
    )
    second = supply.run_plan(db, actor="sam")
    cycle.publish(db, actor="erin", version_id=second.version_id, replace=True)
    assert cycle.status(db).plan_version_id == second.version_id != first.version_id
    found = collab.list_comments(db, entity="plan", key="TN-100", period="2027-01")
    assert [c["id"] for c in found] == [note["id"]]
    assert collab.list_comments(db, entity="plan", key="TN-100", period="2027-02") == []
    frame = pd.DataFrame(found)
    assert list(frame["body"]) == ["Promo in January."]
