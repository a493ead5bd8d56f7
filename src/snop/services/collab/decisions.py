"""The decisions log: the executive review's decisions, their owners and due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.errors import InvalidInput, Issue, NotFound
from snop.services import audit
from snop.services import cycle as cycle_service
from snop.services.auth import Actor, name_of, require
from snop.services.collab.shared import (
    StaleEdit,
    check_period,
    check_user,
    iso,
    notify,
    preview,
    utc_now,
)
from snop.services.database import Database
from snop.store import cycles as cycle_store
from snop.store.tables import Decision, InboxItem, PlanCycle, PlanVersion
from snop.team.roles import Action

DECISION_STATUSES = ("open", "done", "dropped")


def _decision_view(row: Decision) -> dict[str, Any]:
    return {
        "id": row.id,
        "cycle": row.cycle_period,
        "title": row.title,
        "owner": row.owner,
        "due_date": iso(row.due_date),
        "status": row.status,
        "scenario": row.scenario,
        "plan_version": row.plan_version_id,
        "notes": row.notes,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "version": row.version,
    }


def _assign(s: Session, row: Decision, who: str) -> None:
    due = f" (due {row.due_date.isoformat()})" if row.due_date else ""
    notify(
        s,
        row.owner,
        "decision",
        f"decision:{row.id}",
        f"{who} made you the owner of a decision of cycle {row.cycle_period}: "
        f"{preview(row.title)}{due}",
    )


def record_decision(
    db: Database,
    *,
    actor: Actor,
    title: str,
    owner: str,
    cycle_period: str | None = None,
    due_date: dt.date | None = None,
    scenario: str | None = None,
    plan_version_id: int | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """Log a decision of a cycle (the open one by default); its owner gets an inbox item.

    The owner must be a user; a named scenario and plan version must exist.
    """
    with db.sessions.begin() as s:
        who = require(s, actor, Action.DECIDE, stage_rule=False)
        if cycle_period is None:
            cycle_period = cycle_service.current(s).period
        issues = [i for i in (check_user(s, owner, "owner"),) if i]
        if not title.strip():
            issues.append(Issue("empty", "a decision needs a title", column="title"))
        if (bad := check_period(cycle_period, "cycle")) is not None:
            issues.append(bad)
        elif s.get(PlanCycle, cycle_period) is None:
            issues.append(
                Issue("unknown_cycle", f"there is no cycle {cycle_period}", column="cycle")
            )
        if scenario is not None and cycle_store.scenario_named(s, scenario) is None:
            issues.append(
                Issue("unknown_scenario", f"there is no scenario '{scenario}'", column="scenario")
            )
        if plan_version_id is not None and s.get(PlanVersion, plan_version_id) is None:
            issues.append(
                Issue(
                    "unknown_plan_version",
                    f"there is no plan version {plan_version_id}",
                    column="plan_version",
                )
            )
        if issues:
            raise InvalidInput(issues)
        row = Decision(
            cycle_period=cycle_period,
            title=title.strip(),
            owner=owner,
            due_date=due_date,
            status="open",
            scenario=scenario,
            plan_version_id=plan_version_id,
            created_by=who,
            notes=notes,
        )
        s.add(row)
        s.flush()
        _assign(s, row, who)
        view = _decision_view(row)
        audit.record(
            s,
            who,
            "decision.record",
            entity="decision",
            entity_key=str(row.id),
            details={"old": None, "new": {k: view[k] for k in _DECISION_FIELDS}},
        )
        return view


_DECISION_FIELDS = ("cycle", "title", "owner", "due_date", "status", "scenario", "notes")


def list_decisions(
    db: Database,
    *,
    cycle_period: str | None = None,
    status: str | None = None,
    owner: str | None = None,
) -> list[dict[str, Any]]:
    """The decisions log, oldest first, filtered by cycle, status and owner."""
    with db.sessions.begin() as s:
        query = select(Decision).order_by(Decision.id)
        if cycle_period is not None:
            query = query.where(Decision.cycle_period == cycle_period)
        if status is not None:
            query = query.where(Decision.status == status)
        if owner is not None:
            query = query.where(Decision.owner == owner)
        return [_decision_view(d) for d in s.scalars(query)]


def update_decision(
    db: Database,
    *,
    actor: Actor,
    decision_id: int,
    expected_version: int,
    status: str | None = None,
    notes: str | None = None,
    owner: str | None = None,
    due_date: dt.date | None = None,
) -> dict[str, Any]:
    """Change a decision's status, notes, owner or due date from the version read.

    Refused with the stored and the submitted values when it changed since. Its owner may
    report on it (status and notes) without the right to decide; a new owner gets an inbox
    item; once done or dropped, the owner's inbox item about it is read.
    """
    with db.sessions.begin() as s:
        row = s.get(Decision, decision_id)
        if row is None:
            raise NotFound(f"there is no decision {decision_id}")
        reporting = owner is None and due_date is None and name_of(actor) == row.owner
        action = Action.COMMENT if reporting else Action.DECIDE
        who = require(s, actor, action, stage_rule=False)
        before = _decision_view(row)
        asked = {"status": status, "notes": notes, "owner": owner, "due_date": iso(due_date)}
        submitted = {k: v for k, v in asked.items() if v is not None}
        if row.version != expected_version:
            stored = {k: before[k] for k in submitted}
            raise StaleEdit(f"decision {decision_id}", row.version, stored, submitted)
        issues = []
        if status is not None and status not in DECISION_STATUSES:
            issues.append(
                Issue(
                    "bad_status",
                    f"'{status}' is not a status ({', '.join(DECISION_STATUSES)})",
                    column="status",
                )
            )
        if owner is not None and (bad := check_user(s, owner, "owner")) is not None:
            issues.append(bad)
        if issues:
            raise InvalidInput(issues)
        changed = [k for k in submitted if before[k] != submitted[k]]
        if status is not None:
            row.status = status
        if notes is not None:
            row.notes = notes
        if due_date is not None:
            row.due_date = due_date
        if owner is not None and owner != row.owner:
            row.owner = owner
            _assign(s, row, who)
        if row.status != "open":
            for item in s.scalars(
                select(InboxItem).where(
                    InboxItem.ref == f"decision:{row.id}", InboxItem.read_at.is_(None)
                )
            ):
                item.read_at = utc_now()
        row.version += 1
        row.updated_at = utc_now()
        audit.record(
            s,
            who,
            "decision.update",
            entity="decision",
            entity_key=str(decision_id),
            details={
                "old": {k: before[k] for k in changed} | {"version": expected_version},
                "new": {k: submitted[k] for k in changed} | {"version": row.version},
            },
        )
        return _decision_view(row)
