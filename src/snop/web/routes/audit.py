"""The audit trail: every change with who, when, and the old and new values, filtered."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from snop.errors import InvalidInput, Issue
from snop.services import audit
from snop.web import deps

router = APIRouter(include_in_schema=False)
Filter = Annotated[str, Query(max_length=100)]


@router.get("/audit")
def audit_page(
    request: Request,
    who: deps.User,
    db: deps.Db,
    actor: Filter = "",
    action: Filter = "",
    entity: Filter = "",
    since: Filter = "",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> HTMLResponse:
    """The trail, newest first; the filters narrow it (action is a prefix: 'cycle.')."""
    trail = audit.log(
        db,
        actor=actor.strip() or None,
        action=action.strip() or None,
        entity=entity.strip() or None,
        since=_since(since),
        limit=limit,
    )
    rows = [_row({str(k): v for k, v in r.items()}) for r in trail.to_dict("records")]
    filters = {"actor": actor, "action": action, "entity": entity, "since": since, "limit": limit}
    return deps.page(
        request,
        "audit/page.html",
        who,
        "audit",
        partial="audit/_table.html",
        rows=rows,
        filters=filters,
    )


def _since(text: str) -> dt.datetime | None:
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput(
            [Issue("bad_date", f"'since' is a date (YYYY-MM-DD), not {text!r}", column="since")]
        ) from error
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _row(event: dict[str, Any]) -> dict[str, Any]:
    details = dict(event.get("details") or {})
    old, new = details.pop("old", None), details.pop("new", None)
    return {
        **event,
        "old": _text(old),
        "new": _text(new),
        "details": _text(details) if details else "",
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, ensure_ascii=False)[:400]
