"""Write audit events inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.store.tables import AuditEvent

if TYPE_CHECKING:
    from snop.services.database import Database


def record(
    s: Session,
    actor: str,
    action: str,
    *,
    entity: str | None = None,
    entity_key: str | None = None,
    details: dict[str, Any] | None = None,
    data_import_id: int | None = None,
) -> None:
    """Add one audit event to the open transaction (it commits or rolls back with it)."""
    s.add(
        AuditEvent(
            actor=actor,
            action=action,
            entity=entity,
            entity_key=entity_key,
            details=details or {},
            data_import_id=data_import_id,
        )
    )


def log(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """The audit trail, newest first, filtered by who, what (a prefix: 'cycle.'), entity, when.

    Columns: id, at, actor, action, entity, entity_key, details (old and new values).
    """
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(max(1, min(limit, 10_000)))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with db.sessions.begin() as s:
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_key": e.entity_key,
                "details": e.details,
            }
            for e in s.scalars(query)
        ]
    columns = ["id", "at", "actor", "action", "entity", "entity_key", "details"]
    return pd.DataFrame(rows, columns=columns)
