"""Results worth keeping between requests, dropped as soon as the data changes.

Evaluating a plan (money, scorecard, KPIs, exceptions) takes about half a second on the
demo company; the web pages read it on almost every view. A result is kept against the
database's *revision* — the newest audit event, forecast, plan and import — so any change
recorded through the services makes the next read recompute it. Nothing is ever served
from before a change. A result that depends on the imported data only (the demand profile)
is kept against the imports alone, so a comment or an override does not throw it away.

Only one thread computes a result at a time: a request that arrives while another (or the
web app's background refresh, `snop.web.refresh`) is computing it waits for that result
instead of computing it a second time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Literal, TypeVar

from sqlalchemy import func, select

from snop.services.database import Database
from snop.store.tables import AuditEvent, DataImport, ForecastVersion, PlanVersion

T = TypeVar("T")
_LOCK = threading.Lock()
_KEPT: dict[tuple[str, Hashable], tuple[tuple[int, ...], Any]] = {}
_COMPUTING: dict[tuple[str, Hashable], threading.Lock] = {}
Since = Literal["any change", "imports"]
SESSION_EVENTS = ("user.sign_in", "user.sign_out", "user.sign_in_failed", "user.sign_in_refused")
MAX_KEPT = 64
"""Results kept at most (oldest dropped first): a handful of pages' worth."""


def revision(db: Database, since: Since = "any change") -> tuple[int, ...]:
    """A number that grows with every recorded change: the newest id of each log.

    ``since="imports"``: the newest import only, for results of the imported data alone.
    """
    with db.sessions.begin() as s:
        if since == "imports":
            return (int(s.scalar(select(func.coalesce(func.max(DataImport.id), 0))) or 0),)
        # Signing in and out changes no data: it must not throw away what is kept.
        changes = select(func.coalesce(func.max(AuditEvent.id), 0)).where(
            AuditEvent.action.not_in(SESSION_EVENTS)
        )
        logs = [int(s.scalar(changes) or 0)]
        logs += [
            int(s.scalar(select(func.coalesce(func.max(table.id), 0))) or 0)
            for table in (ForecastVersion, PlanVersion, DataImport)
        ]
        return tuple(logs)


def kept(
    db: Database, key: Hashable, compute: Callable[[], T], *, since: Since = "any change"
) -> T:
    """``compute()``, or its result from an earlier call at the same revision.

    ``since`` says which changes make the result stale (`revision`).
    """
    slot = (f"{db.url}#{id(db)}", key)
    now = revision(db, since)
    with _LOCK:
        computing = _COMPUTING.setdefault(slot, threading.Lock())
    with computing:
        with _LOCK:
            hit = _KEPT.get(slot)
        if hit is not None and hit[0] == now:
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        with _LOCK:
            _KEPT.pop(slot, None)
            _KEPT[slot] = (now, value)
            while len(_KEPT) > MAX_KEPT:
                _COMPUTING.pop(next(iter(_KEPT)), None)
                _KEPT.pop(next(iter(_KEPT)))
    return value


def peek(db: Database, key: Hashable, *, since: Since = "any change") -> Any | None:
    """The result kept for the current revision, or None; never computes nor waits."""
    slot = (f"{db.url}#{id(db)}", key)
    with _LOCK:
        hit = _KEPT.get(slot)
    return hit[1] if hit is not None and hit[0] == revision(db, since) else None
