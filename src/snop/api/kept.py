"""Slow reads kept between requests until the data changes (`snop.services.memo`).

Evaluating the plan, the service curve or the meeting pack takes seconds on the demo
company. Recomputed per request, 20 readers at once queued behind each other's
evaluations until their replies timed out (bench/concurrency.py). A read here is computed
once per revision of the database and shared: a request that arrives while another is
computing it waits for that result. Any recorded change makes the next read recompute.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from snop.services import memo
from snop.services.database import Database

T = TypeVar("T")


def kept_read(db: Database, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per revision of the data, for every caller of the API."""
    return memo.kept(db, ("api", *key), compute)
