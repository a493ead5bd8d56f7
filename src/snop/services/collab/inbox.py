"""The inbox: what needs someone's action, and marking it read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from snop.errors import Forbidden, NotFound
from snop.services import audit
from snop.services import cycle as cycle_service
from snop.services.auth import Actor, require
from snop.services.collab.shared import find_user, is_admin, iso, utc_now
from snop.services.database import Database
from snop.store.tables import CycleStage, InboxItem, PlanCycle
from snop.team.roles import Action
from snop.team.stages import stage_named


def inbox(db: Database, username: str, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """What needs the user's action: the open cycle's stages they sign off, then unread items.

    Sign-offs due are the open cycle's open stages owned by one of the user's roles, with
    their title and due date (``overdue`` against ``today``); items are mentions, replies
    and decisions assigned to them, newest first.
    """
    today = today or dt.date.today()
    with db.sessions.begin() as s:
        user = find_user(s, username)
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
                due = iso(row.due_date)
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
                "created_at": iso(item.created_at),
            }
            for item in items
        )
        return found


def mark_read(db: Database, username: str, item_id: int, *, actor: Actor) -> dict[str, Any]:
    """Mark one of the user's inbox items read (the user, or an admin, may)."""
    with db.sessions.begin() as s:
        who = require(s, actor, Action.READ, stage_rule=False)
        if not is_admin(actor) and who != username:
            raise Forbidden(f"{who} may not mark {username}'s inbox items read")
        item = s.get(InboxItem, item_id)
        if item is None or item.username != username:
            raise NotFound(f"{username} has no inbox item {item_id}")
        if item.read_at is None:
            item.read_at = utc_now()
            audit.record(
                s,
                who,
                "inbox.read",
                entity="inbox_item",
                entity_key=str(item_id),
                details={"old": {"read_at": None}, "new": {"read_at": iso(item.read_at)}},
            )
        return {"id": item.id, "kind": item.kind, "ref": item.ref, "read_at": iso(item.read_at)}
