"""Write audit events inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from snop.store.tables import AuditEvent


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
