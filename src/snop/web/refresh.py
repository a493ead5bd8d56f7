"""Background refresh: the slow views are computed as soon as the data changes.

On a large company the demand profile, forecast accuracy and the plan's evaluation each
take seconds to compute (about 10 s each at 2,000 products on 2 cores). Instead of making
the first person who opens a page after a change wait for them, the server watches the
database's revision (`snop.services.memo.revision`, four indexed ``max(id)`` reads) and,
when it moves — an import, a forecast, a plan, an override, from the web, the API or the
CLI in another process — computes those views in one background thread and keeps them
(`memo.kept`). A page that asks for one while it is being computed waits for that result
rather than computing it twice; the demand page does not wait at all and fetches the two
sections it lacks with their own requests.

``SNOP_REFRESH_SECONDS`` sets how often the revision is read (default 2; 0 turns the
refresh off, and each view is then computed on its first request, as before).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from snop.errors import NotFound
from snop.services import memo, reconcile, report, status, supply
from snop.services.database import Database
from snop.web.routes import demand, demand_analysis

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 2.0


def _evaluation(db: Database) -> None:
    try:
        report.family_sheets(db)  # reads, and so keeps, the plan of record's evaluation
    except NotFound:
        pass
    try:
        reconcile.evaluate_kept(db)
    except NotFound:
        pass


def _plan(db: Database) -> None:
    try:
        supply.stored_plan_kept(db)
    except NotFound:
        pass


def _status(db: Database) -> None:
    status.describe_kept(db)


VIEWS: tuple[Callable[[Database], None], ...] = (
    _status,
    demand.keep_total_view,
    demand_analysis.keep_views,
    _evaluation,
    _plan,
)
"""What is computed after each change: the views whose first request was slow."""


def interval_from_environment() -> float:
    """``SNOP_REFRESH_SECONDS``, or the default; 0 or less turns the refresh off."""
    raw = os.environ.get("SNOP_REFRESH_SECONDS", "")
    try:
        return float(raw) if raw.strip() else DEFAULT_INTERVAL
    except ValueError:
        log.warning("SNOP_REFRESH_SECONDS=%r is not a number; using %s", raw, DEFAULT_INTERVAL)
        return DEFAULT_INTERVAL


@dataclass
class Refresher:
    """A daemon thread that keeps the slow views computed for the current revision."""

    db: Database
    interval: float = DEFAULT_INTERVAL
    views: tuple[Callable[[Database], None], ...] = VIEWS
    refreshed: int = 0
    """How many times every view was computed for a new revision (for tests and logs)."""
    last_seconds: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _done: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None
    _seen: tuple[int, ...] | None = None

    def start(self) -> None:
        """Start the thread (a daemon: it never holds the process open)."""
        self._thread = threading.Thread(target=self._run, name="snop-refresh", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop and wait for the view it is computing to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def wait(self, timeout: float) -> bool:
        """Block until the views are computed for the current revision (True) or timeout."""
        deadline = time.monotonic() + timeout
        with self._done:
            while self._seen != memo.revision(self.db):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._done.wait(min(left, self.interval))
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh_once()
            except Exception:  # e.g. the database is unreachable for a moment
                log.exception("the background refresh failed; it will try again")
            self._stop.wait(self.interval)

    def refresh_once(self) -> bool:
        """Compute every view if the revision moved since the last time; True if it did."""
        now = memo.revision(self.db)
        if now == self._seen:
            return False
        started = time.perf_counter()
        for view in self.views:
            if self._stop.is_set():
                return False
            try:
                view(self.db)
            except Exception:  # one failing view must not hold back the others
                log.exception("the background refresh of %s failed", view.__name__)
        self.last_seconds = time.perf_counter() - started
        self.refreshed += 1
        log.info("views refreshed for revision %s in %.1f s", now, self.last_seconds)
        with self._done:
            self._seen = now
            self._done.notify_all()
        return True
