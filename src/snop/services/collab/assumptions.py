"""The assumptions register: what the plan rests on and, once months close, whether it held."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.errors import InvalidInput, Issue, NotFound
from snop.frames import period_range
from snop.services import audit
from snop.services.auth import Actor, has_users, require
from snop.services.collab.shared import StaleEdit, check_period, check_user, iso, utc_now
from snop.services.database import Database
from snop.store import cycles as cycle_store
from snop.store import frames as store_frames
from snop.store.tables import Assumption, DemandOverride, Product, Segment
from snop.team.roles import Action

LEVELS = ("total", "family", "product", "segment")
"""What an assumption's expected units are for."""

ASSUMPTION_STATUSES = ("open", "held", "missed", "dropped")

TOLERANCE = 0.10
"""An assumption held when its actual units are within 10% of the expected."""

_INPUT = re.compile(r"^[a-z_]+:\S.*$")


def _assumption_view(row: Assumption) -> dict[str, Any]:
    return {
        "id": row.id,
        "text": row.text,
        "owner": row.owner,
        "level": row.level,
        "key": row.key,
        "period_from": row.period_from,
        "period_to": row.period_to,
        "expected": row.expected,
        "inputs": list(row.inputs or []),
        "status": row.status,
        "score": dict(row.score or {}),
        "created_at": iso(row.created_at),
        "version": row.version,
    }


def _check_assumption(
    s: Session,
    *,
    text: str,
    owner: str,
    level: str,
    key: str,
    period_from: str,
    period_to: str,
    expected: float | None,
    inputs: Sequence[str],
    check_owner: bool = True,
) -> list[Issue]:
    issues: list[Issue] = []
    if not text.strip():
        issues.append(Issue("empty", "an assumption needs its text", column="text"))
    # Alone on a local database there are no users to name: any owner's name will do.
    if check_owner and has_users(s) and (bad := check_user(s, owner, "owner")) is not None:
        issues.append(bad)
    issues += [i for i in (check_period(period_from, "period_from"),) if i]
    issues += [i for i in (check_period(period_to, "period_to"),) if i]
    if not issues and period_from > period_to:
        issues.append(
            Issue("bad_range", f"{period_from} is after {period_to}", column="period_from")
        )
    if expected is not None and expected < 0:
        issues.append(Issue("negative", "expected units cannot be negative", column="expected"))
    if level not in LEVELS:
        issues.append(
            Issue("bad_level", f"'{level}' is not a level ({', '.join(LEVELS)})", column="level")
        )
    elif level == "product" and s.get(Product, key) is None:
        issues.append(Issue("unknown_product", f"there is no product '{key}'", column="key"))
    elif (
        level == "family"
        and s.scalars(select(Product.family).where(Product.family == key)).first() is None
    ):
        issues.append(Issue("unknown_family", f"there is no family '{key}'", column="key"))
    elif level == "segment" and s.get(Segment, key) is None:
        issues.append(Issue("unknown_segment", f"there is no segment '{key}'", column="key"))
    issues += _check_inputs(s, inputs)
    return issues


def _check_inputs(s: Session, inputs: Sequence[str]) -> list[Issue]:
    issues = []
    for value in inputs:
        if not _INPUT.match(value):
            issues.append(
                Issue(
                    "bad_input",
                    f"'{value}' is not written kind:reference (override:12, scenario:peak)",
                    column="inputs",
                )
            )
            continue
        kind, ref = value.split(":", 1)
        if kind == "scenario" and cycle_store.scenario_named(s, ref) is None:
            issues.append(
                Issue("unknown_scenario", f"there is no scenario '{ref}'", column="inputs")
            )
        if kind == "override" and (not ref.isdigit() or s.get(DemandOverride, int(ref)) is None):
            issues.append(
                Issue("unknown_override", f"there is no override '{ref}'", column="inputs")
            )
    return issues


def add_assumption(
    db: Database,
    *,
    actor: Actor,
    text: str,
    owner: str,
    level: str,
    key: str = "all",
    period_from: str,
    period_to: str,
    expected: float | None = None,
    inputs: Sequence[str] = (),
) -> dict[str, Any]:
    """Put an assumption on the register: what is expected, for what, when, and what rests on it.

    ``level`` is total (key ``all``), family, product or segment; ``expected`` is the units
    of orders expected over the months (scored by :func:`score_assumptions`); ``inputs`` name
    what rests on it, as ``override:12`` or ``scenario:peak-surge``.
    """
    if level == "total":
        key = "all"
    with db.sessions.begin() as s:
        who = require(s, actor, Action.ASSUMPTION, stage_rule=False)
        issues = _check_assumption(
            s,
            text=text,
            owner=owner,
            level=level,
            key=key,
            period_from=period_from,
            period_to=period_to,
            expected=expected,
            inputs=inputs,
        )
        if issues:
            raise InvalidInput(issues)
        row = Assumption(
            text=text.strip(),
            owner=owner,
            level=level,
            key=key,
            period_from=period_from,
            period_to=period_to,
            expected=None if expected is None else float(expected),
            inputs=list(inputs),
            status="open",
            score={},
        )
        s.add(row)
        s.flush()
        view = _assumption_view(row)
        audit.record(
            s,
            who,
            "assumption.add",
            entity="assumption",
            entity_key=str(row.id),
            details={"old": None, "new": _editable(view)},
        )
        return view


_ASSUMPTION_FIELDS = ("text", "owner", "expected", "period_from", "period_to", "inputs", "status")


def _editable(view: dict[str, Any]) -> dict[str, Any]:
    return {k: view[k] for k in ("level", "key", *_ASSUMPTION_FIELDS)}


def list_assumptions(
    db: Database, *, status: str | None = None, owner: str | None = None
) -> list[dict[str, Any]]:
    """The register, oldest first (optionally of one status or owner)."""
    with db.sessions.begin() as s:
        query = select(Assumption).order_by(Assumption.id)
        if status is not None:
            query = query.where(Assumption.status == status)
        if owner is not None:
            query = query.where(Assumption.owner == owner)
        return [_assumption_view(a) for a in s.scalars(query)]


def update_assumption(
    db: Database,
    *,
    actor: Actor,
    assumption_id: int,
    expected_version: int,
    text: str | None = None,
    owner: str | None = None,
    expected: float | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    inputs: Sequence[str] | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Change an assumption from the version the editor read (``None`` keeps a field).

    Refused with the stored and the submitted values when it changed since. ``status``
    may be set to open or dropped; held and missed come from scoring.
    """
    with db.sessions.begin() as s:
        who = require(s, actor, Action.ASSUMPTION, stage_rule=False)
        row = s.get(Assumption, assumption_id)
        if row is None:
            raise NotFound(f"there is no assumption {assumption_id}")
        before = _assumption_view(row)
        asked = {
            "text": text,
            "owner": owner,
            "expected": expected,
            "period_from": period_from,
            "period_to": period_to,
            "inputs": None if inputs is None else list(inputs),
            "status": status,
        }
        submitted = {k: v for k, v in asked.items() if v is not None}
        if row.version != expected_version:
            stored = {k: before[k] for k in submitted}
            raise StaleEdit(f"assumption {assumption_id}", row.version, stored, submitted)
        if status is not None and status not in ("open", "dropped"):
            raise InvalidInput(
                [
                    Issue(
                        "bad_status",
                        f"'{status}' cannot be set by hand (open or dropped; held and missed "
                        "come from scoring)",
                        column="status",
                    )
                ]
            )
        after = before | submitted
        issues = _check_assumption(
            s,
            text=after["text"],
            owner=after["owner"],
            level=row.level,
            key=row.key,
            period_from=after["period_from"],
            period_to=after["period_to"],
            expected=after["expected"],
            inputs=after["inputs"] if inputs is not None else [],
            check_owner=owner is not None,
        )
        if issues:
            raise InvalidInput(issues)
        row.text = after["text"].strip()
        row.owner = after["owner"]
        row.expected = after["expected"]
        row.period_from = after["period_from"]
        row.period_to = after["period_to"]
        row.inputs = list(after["inputs"])
        row.status = after["status"]
        if status == "open":
            row.score = {}
        row.version += 1
        row.updated_at = utc_now()
        changed = [k for k in submitted if before[k] != after[k]]
        audit.record(
            s,
            who,
            "assumption.edit",
            entity="assumption",
            entity_key=str(assumption_id),
            details={
                "old": {k: before[k] for k in changed} | {"version": expected_version},
                "new": {k: after[k] for k in changed} | {"version": row.version},
            },
        )
        return _assumption_view(row)


def score_assumptions(db: Database, *, actor: Actor) -> dict[str, Any]:
    """Score each open assumption whose months all have actual orders.

    Actual units are the orders (``demand_history.ordered``) of its months for its level
    and key (a family through the products, a segment through the customers). ``error`` is
    actual - expected and ``error_pct`` the error over the expected; the assumption *held*
    when abs(error) <= 10% of the expected, else it was *missed*. Assumptions without
    expected units, or with a month still without orders, wait.
    """
    with db.sessions.begin() as s:
        who = require(s, actor, Action.ASSUMPTION, stage_rule=False)
        rows = list(
            s.scalars(select(Assumption).where(Assumption.status == "open").order_by(Assumption.id))
        )
        history = store_frames.read_sheet(s, "demand_history")
        months = set(history["period"].astype(str))
        family = store_frames.read_sheet(s, "products").set_index("product_id")["family"]
        segment = store_frames.read_sheet(s, "customers").set_index("customer_id")["segment"]
        history = history.assign(
            family=history["product_id"].map(family), segment=history["customer_id"].map(segment)
        )
        scored: list[dict[str, Any]] = []
        waiting: list[dict[str, Any]] = []
        now = iso(utc_now())
        for row in rows:
            span = period_range(row.period_from, row.period_to)
            missing = [m for m in span if m not in months]
            if row.expected is None or missing:
                why = "no expected units" if row.expected is None else "no orders yet for"
                waiting.append({"id": row.id, "reason": why, "months": missing})
                continue
            inside = history[history["period"].isin(span)]
            if row.level != "total":
                column = "product_id" if row.level == "product" else row.level
                inside = inside[inside[column] == row.key]
            actual = float(inside["ordered"].sum())
            expected = float(row.expected)
            error = actual - expected
            held = abs(error) <= TOLERANCE * expected
            score = {
                "actual": actual,
                "expected": expected,
                "error": error,
                "error_pct": round(error / expected, 4) if expected else None,
                "scored_at": now,
            }
            old = {"status": row.status, "score": dict(row.score or {})}
            row.status = "held" if held else "missed"
            row.score = score
            row.version += 1
            row.updated_at = utc_now()
            audit.record(
                s,
                who,
                "assumption.score",
                entity="assumption",
                entity_key=str(row.id),
                details={"old": old, "new": {"status": row.status, "score": score}},
            )
            scored.append(_assumption_view(row))
        return {"scored": scored, "waiting": waiting}
