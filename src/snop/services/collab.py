"""The conversation around the plan: comments, the inbox, assumptions and decisions.

Comments sit on a family, product, period, scenario, stage or a plan number (a product or
family in a month); a comment on a plan number is keyed by what and when, not by a plan
version, so it stays with the number from cycle to cycle. ``@name`` mentions reach the
named user's inbox. The assumptions register holds what the plan rests on and, once the
months have actual orders, whether each assumption held. The decisions log records the
executive review's decisions, their owners and due dates.

Edits state the version they read: when the row moved on since, the edit is refused with
both the stored and the submitted values, so nobody overwrites someone else's words
unknowingly. Nothing is deleted: a hidden comment keeps its row, and every change is in
the audit trail with its old and new values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.errors import Conflict, Forbidden, InvalidInput, Issue, NotFound
from snop.frames import PERIOD_PATTERN, period_range
from snop.services import audit
from snop.services import cycle as cycle_service
from snop.services.auth import Actor, Caller, has_users, name_of, require
from snop.services.database import Database
from snop.store import cycles as cycle_store
from snop.store import frames as store_frames
from snop.store.tables import (
    AppUser,
    Assumption,
    Comment,
    CycleStage,
    Decision,
    DemandOverride,
    InboxItem,
    PlanCycle,
    PlanVersion,
    Product,
    Segment,
)
from snop.team.roles import Action, Role
from snop.team.stages import STAGE_NAMES, stage_named

ENTITIES = ("family", "product", "period", "scenario", "stage", "plan")
"""What a comment can be on; 'plan' is a plan number: a product or family in a month."""
LEVELS = ("total", "family", "product", "segment")
"""What an assumption's expected units are for."""
ASSUMPTION_STATUSES = ("open", "held", "missed", "dropped")
DECISION_STATUSES = ("open", "done", "dropped")
TOLERANCE = 0.10
"""An assumption held when its actual units are within 10% of the expected."""

_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)")
_INPUT = re.compile(r"^[a-z_]+:\S.*$")
_PREVIEW = 120


class StaleEdit(Conflict):
    """An edit of a version that is no longer the stored one; carries both values."""

    def __init__(self, what: str, version: int, stored: Any, submitted: Any):
        self.version = version
        self.stored = stored
        self.submitted = submitted
        super().__init__(
            f"{what} was changed since you read it (it is now version {version}); "
            f"stored: {_show(stored)}; yours: {_show(submitted)}. "
            "Read it again and redo your change on top of it."
        )


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.items())
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[: _PREVIEW - 1] + "…"


def _is_admin(actor: Actor) -> bool:
    # A local owner working alone (a plain name) may do anything, as in `require`.
    return not isinstance(actor, Caller) or Role.ADMIN in actor.roles


def _user(s: Session, username: str) -> AppUser | None:
    return s.scalars(select(AppUser).where(AppUser.username == username)).first()


def _known_users(s: Session) -> list[str]:
    return list(s.scalars(select(AppUser.username).order_by(AppUser.username)).all())


def _check_user(
    s: Session, username: str, column: str, *, shown: str | None = None
) -> Issue | None:
    user = _user(s, username)
    if user is not None and user.active:
        return None
    known = ", ".join(_known_users(s)) or "none yet"
    what = "is not an active user" if user is not None else "is not a user"
    return Issue(
        "unknown_user",
        f"{shown or repr(username)} {what} (users: {known})",
        column=column,
        value=username,
    )


def _check_period(value: str | None, column: str) -> Issue | None:
    if value is None or PERIOD_PATTERN.match(value):
        return None
    return Issue("bad_period", f"'{value}' is not a month written YYYY-MM", column=column)


def _notify(s: Session, username: str, kind: str, ref: str, text: str) -> None:
    s.add(InboxItem(username=username, kind=kind, ref=ref, text=text))


# --- comments ---------------------------------------------------------------------------


def mentions_in(body: str) -> list[str]:
    """The user names mentioned as ``@name`` in a text, in order, each once.

    E-mail addresses are not mentions; a name's trailing full stop or dash is punctuation.
    """
    names: list[str] = []
    for match in _MENTION.finditer(body):
        name = match.group(1).rstrip(".-")
        if name and name not in names:
            names.append(name)
    return names


def _check_mentions(s: Session, names: Sequence[str]) -> None:
    issues = [i for n in names if (i := _check_user(s, n, "body", shown=f"@{n}")) is not None]
    if issues:
        raise InvalidInput(issues)


def _check_target(s: Session, entity: str, key: str, period: str | None) -> list[Issue]:
    if entity not in ENTITIES:
        known = ", ".join(ENTITIES)
        return [Issue("bad_entity", f"'{entity}' is not something to comment on ({known})")]
    issues = [i for i in [_check_period(period, "period")] if i is not None]
    if entity == "plan" and period is None:
        issues.append(
            Issue("no_period", "a comment on a plan number needs its month", column="period")
        )
    if entity == "period":
        bad = _check_period(key, "key")
        return issues + ([bad] if bad else [])
    if entity == "stage":
        if key not in STAGE_NAMES:
            known = ", ".join(STAGE_NAMES)
            issues.append(Issue("unknown_stage", f"'{key}' is not a stage ({known})", column="key"))
        return issues
    if entity == "scenario":
        if cycle_store.scenario_named(s, key) is None:
            issues.append(Issue("unknown_scenario", f"there is no scenario '{key}'", column="key"))
        return issues
    products = s.get(Product, key) is not None
    families = s.scalars(select(Product.family).where(Product.family == key)).first() is not None
    exists = {"product": products, "family": families, "plan": products or families}[entity]
    if not exists:
        what = "product or family" if entity == "plan" else entity
        issues.append(Issue(f"unknown_{entity}", f"there is no {what} '{key}'", column="key"))
    return issues


def _comment_view(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "entity": comment.entity,
        "key": comment.entity_key,
        "period": comment.period,
        "author": comment.author,
        "created_at": _iso(comment.created_at),
        "body": comment.body,
        "mentions": list(comment.mentions or []),
        "parent_id": comment.parent_id,
        "hidden_at": _iso(comment.hidden_at),
        "version": comment.version,
    }


def _where(comment: Comment) -> str:
    when = f" {comment.period}" if comment.period else ""
    return f"{comment.entity} {comment.entity_key}{when}"


def add_comment(
    db: Database,
    *,
    actor: Actor,
    entity: str,
    key: str,
    body: str,
    period: str | None = None,
    parent_id: int | None = None,
) -> dict[str, Any]:
    """Comment on a family, product, period, scenario, stage or plan number (``plan``).

    ``@name`` mentions must name users; each mentioned user gets an inbox item, and the
    author of the comment replied to (``parent_id``) gets one too. A reply is on the same
    thing as the comment it answers.
    """
    body = body.strip()
    if not body:
        raise InvalidInput([Issue("empty", "a comment needs some text", column="body")])
    with db.sessions.begin() as s:
        who = require(s, actor, Action.COMMENT, stage_rule=False)
        parent = None
        if parent_id is not None:
            parent = s.get(Comment, parent_id)
            if parent is None:
                raise NotFound(f"there is no comment {parent_id} to reply to")
            if (parent.entity, parent.entity_key, parent.period) != (entity, key, period):
                raise InvalidInput(
                    [
                        Issue(
                            "wrong_thread",
                            f"comment {parent_id} is on {_where(parent)}: a reply goes there too",
                            column="reply_to",
                        )
                    ]
                )
        issues = _check_target(s, entity, key, period)
        if issues:
            raise InvalidInput(issues)
        names = mentions_in(body)
        _check_mentions(s, names)
        comment = Comment(
            author=who,
            entity=entity,
            entity_key=key,
            period=period,
            body=body,
            mentions=names,
            parent_id=parent_id,
        )
        s.add(comment)
        s.flush()
        for name in names:
            if name != who:
                _notify(
                    s,
                    name,
                    "mention",
                    f"comment:{comment.id}",
                    f"{who} mentioned you on {_where(comment)}: {_preview(body)}",
                )
        if parent is not None and parent.author != who and parent.author not in names:
            _notify(
                s,
                parent.author,
                "reply",
                f"comment:{comment.id}",
                f"{who} replied on {_where(comment)}: {_preview(body)}",
            )
        view = _comment_view(comment)
        audit.record(
            s,
            who,
            "comment.add",
            entity="comment",
            entity_key=str(comment.id),
            details={"old": None, "new": {k: view[k] for k in ("entity", "key", "period", "body")}}
            | {"mentions": names, "parent_id": parent_id},
        )
        return view


def list_comments(
    db: Database,
    *,
    entity: str | None = None,
    key: str | None = None,
    period: str | None = None,
    include_hidden: bool = False,
) -> list[dict[str, Any]]:
    """Comments, oldest first, on what is named (all of them when nothing is).

    The comments on a plan number (``entity='plan'``, a product or family, a month) are the
    same whichever plan version is current: they are kept by what and when.
    """
    with db.sessions.begin() as s:
        query = select(Comment).order_by(Comment.created_at, Comment.id)
        if entity is not None:
            query = query.where(Comment.entity == entity)
        if key is not None:
            query = query.where(Comment.entity_key == key)
        if period is not None:
            query = query.where(Comment.period == period)
        if not include_hidden:
            query = query.where(Comment.hidden_at.is_(None))
        return [_comment_view(c) for c in s.scalars(query)]


def _own_comment(s: Session, actor: Actor, comment_id: int, doing: str) -> Comment:
    comment = s.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"there is no comment {comment_id}")
    if not _is_admin(actor) and name_of(actor) != comment.author:
        raise Forbidden(
            f"only {comment.author} (the author) or an admin may {doing} comment {comment_id}"
        )
    return comment


def edit_comment(
    db: Database, *, actor: Actor, comment_id: int, expected_version: int, body: str
) -> dict[str, Any]:
    """Change a comment's text (its author or an admin), from the version the editor read.

    Refused with both texts when the comment changed since that version. Users newly
    mentioned get an inbox item.
    """
    body = body.strip()
    if not body:
        raise InvalidInput([Issue("empty", "a comment needs some text", column="body")])
    with db.sessions.begin() as s:
        who = require(s, actor, Action.COMMENT, stage_rule=False)
        comment = _own_comment(s, actor, comment_id, "edit")
        if comment.version != expected_version:
            raise StaleEdit(f"comment {comment_id}", comment.version, comment.body, body)
        if comment.hidden_at is not None:
            raise Conflict(f"comment {comment_id} is hidden: it is kept as it was")
        names = mentions_in(body)
        _check_mentions(s, names)
        old, old_mentions = comment.body, list(comment.mentions or [])
        comment.body = body
        comment.mentions = names
        comment.version += 1
        comment.updated_at = _now()
        for name in names:
            if name not in old_mentions and name != who:
                _notify(
                    s,
                    name,
                    "mention",
                    f"comment:{comment.id}",
                    f"{who} mentioned you on {_where(comment)}: {_preview(body)}",
                )
        audit.record(
            s,
            who,
            "comment.edit",
            entity="comment",
            entity_key=str(comment_id),
            details={
                "old": {"body": old, "mentions": old_mentions, "version": expected_version},
                "new": {"body": body, "mentions": names, "version": comment.version},
            },
        )
        return _comment_view(comment)


def hide_comment(
    db: Database, *, actor: Actor, comment_id: int, expected_version: int | None = None
) -> dict[str, Any]:
    """Hide a comment (its author or an admin): the row and its history are kept."""
    with db.sessions.begin() as s:
        who = require(s, actor, Action.COMMENT, stage_rule=False)
        comment = _own_comment(s, actor, comment_id, "hide")
        if expected_version is not None and comment.version != expected_version:
            raise StaleEdit(
                f"comment {comment_id}",
                comment.version,
                comment.body,
                "(hide it)",
            )
        if comment.hidden_at is not None:
            raise Conflict(f"comment {comment_id} is hidden already")
        comment.hidden_at = _now()
        comment.version += 1
        comment.updated_at = comment.hidden_at
        audit.record(
            s,
            who,
            "comment.hide",
            entity="comment",
            entity_key=str(comment_id),
            details={
                "old": {"hidden_at": None, "version": comment.version - 1},
                "new": {"hidden_at": _iso(comment.hidden_at), "version": comment.version},
                "body": comment.body,
            },
        )
        return _comment_view(comment)


# --- inbox ------------------------------------------------------------------------------


def inbox(db: Database, username: str, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """What needs the user's action: the open cycle's stages they sign off, then unread items.

    Sign-offs due are the open cycle's open stages owned by one of the user's roles, with
    their title and due date (``overdue`` against ``today``); items are mentions, replies
    and decisions assigned to them, newest first.
    """
    today = today or dt.date.today()
    with db.sessions.begin() as s:
        user = _user(s, username)
        if user is None:
            raise NotFound(f"there is no user '{username}'")
        found: list[dict[str, Any]] = []
        # The first cycle opens when first asked for: a new user's inbox already has it.
        try:
            cycle: PlanCycle | None = cycle_service.current(s)
        except NotFound:
            cycle = None
        if cycle is not None:
            cycle_service.ensure_stages(s, cycle)
            stages = s.scalars(
                select(CycleStage)
                .where(CycleStage.cycle_period == cycle.period, CycleStage.status == "open")
                .order_by(CycleStage.position)
            )
            for row in stages:
                if row.owner_role not in (user.roles or []) or row.stage == "published":
                    continue
                title = stage_named(row.stage).title
                due = _iso(row.due_date)
                found.append(
                    {
                        "id": None,
                        "kind": "sign_off",
                        "ref": f"stage:{cycle.period}/{row.stage}",
                        "text": f"Sign off the {title.lower()} of cycle {cycle.period}"
                        + (f" (due {due})" if due else ""),
                        "stage": row.stage,
                        "title": title,
                        "due": due,
                        "overdue": row.due_date is not None and row.due_date < today,
                        "created_at": None,
                    }
                )
        items = s.scalars(
            select(InboxItem)
            .where(InboxItem.username == username, InboxItem.read_at.is_(None))
            .order_by(InboxItem.created_at.desc(), InboxItem.id.desc())
        )
        found.extend(
            {
                "id": item.id,
                "kind": item.kind,
                "ref": item.ref,
                "text": item.text,
                "stage": None,
                "title": None,
                "due": None,
                "overdue": False,
                "created_at": _iso(item.created_at),
            }
            for item in items
        )
        return found


def mark_read(db: Database, username: str, item_id: int, *, actor: Actor) -> dict[str, Any]:
    """Mark one of the user's inbox items read (the user, or an admin, may)."""
    with db.sessions.begin() as s:
        who = require(s, actor, Action.READ, stage_rule=False)
        if not _is_admin(actor) and who != username:
            raise Forbidden(f"{who} may not mark {username}'s inbox items read")
        item = s.get(InboxItem, item_id)
        if item is None or item.username != username:
            raise NotFound(f"{username} has no inbox item {item_id}")
        if item.read_at is None:
            item.read_at = _now()
            audit.record(
                s,
                who,
                "inbox.read",
                entity="inbox_item",
                entity_key=str(item_id),
                details={"old": {"read_at": None}, "new": {"read_at": _iso(item.read_at)}},
            )
        return {"id": item.id, "kind": item.kind, "ref": item.ref, "read_at": _iso(item.read_at)}


# --- assumptions ------------------------------------------------------------------------


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
        "created_at": _iso(row.created_at),
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
    if check_owner and has_users(s) and (bad := _check_user(s, owner, "owner")) is not None:
        issues.append(bad)
    issues += [i for i in (_check_period(period_from, "period_from"),) if i]
    issues += [i for i in (_check_period(period_to, "period_to"),) if i]
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
        row.updated_at = _now()
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
        now = _iso(_now())
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
            row.updated_at = _now()
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


# --- decisions --------------------------------------------------------------------------


def _decision_view(row: Decision) -> dict[str, Any]:
    return {
        "id": row.id,
        "cycle": row.cycle_period,
        "title": row.title,
        "owner": row.owner,
        "due_date": _iso(row.due_date),
        "status": row.status,
        "scenario": row.scenario,
        "plan_version": row.plan_version_id,
        "notes": row.notes,
        "created_by": row.created_by,
        "created_at": _iso(row.created_at),
        "version": row.version,
    }


def _assign(s: Session, row: Decision, who: str) -> None:
    due = f" (due {row.due_date.isoformat()})" if row.due_date else ""
    _notify(
        s,
        row.owner,
        "decision",
        f"decision:{row.id}",
        f"{who} made you the owner of a decision of cycle {row.cycle_period}: "
        f"{_preview(row.title)}{due}",
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
        issues = [i for i in (_check_user(s, owner, "owner"),) if i]
        if not title.strip():
            issues.append(Issue("empty", "a decision needs a title", column="title"))
        if (bad := _check_period(cycle_period, "cycle")) is not None:
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
        asked = {"status": status, "notes": notes, "owner": owner, "due_date": _iso(due_date)}
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
        if owner is not None and (bad := _check_user(s, owner, "owner")) is not None:
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
                item.read_at = _now()
        row.version += 1
        row.updated_at = _now()
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
