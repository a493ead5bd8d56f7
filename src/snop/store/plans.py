"""Supply plan versions in and out of the store (no commits here)."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from snop.store.forecasts import write_rows
from snop.store.tables import (
    PlanCost,
    PlanLate,
    PlanProduct,
    PlanResource,
    PlanSegment,
    PlanVersion,
)

PLAN_TABLES: dict[str, type[PlanProduct | PlanSegment | PlanResource | PlanLate | PlanCost]] = {
    "products": PlanProduct,
    "segments": PlanSegment,
    "resources": PlanResource,
    "late": PlanLate,
    "costs": PlanCost,
}


def add_version(s: Session, **fields: Any) -> int:
    """Insert a plan version row; return its id."""
    version = PlanVersion(**fields)
    s.add(version)
    s.flush()
    return int(version.id)


def write_plan(s: Session, version_id: int, frames: dict[str, pd.DataFrame]) -> None:
    """Store a plan's tables (keys of `PLAN_TABLES`) under its version."""
    for name, table in PLAN_TABLES.items():
        frame = frames.get(name)
        if frame is not None and not frame.empty:
            write_rows(s, table, frame, version_id)


def latest_version(
    s: Session, *, published: bool = False, feasible: bool = False
) -> PlanVersion | None:
    """The newest plan run (scenarios' plans aside); only published or feasible ones if asked.

    A promoted scenario's plan counts once it is published.
    """
    query = select(PlanVersion).order_by(PlanVersion.id.desc()).limit(1)
    if not published:
        query = query.where(PlanVersion.scenario_id.is_(None))
    if published:
        query = query.where(PlanVersion.published_at.is_not(None))
    if feasible:
        query = query.where(PlanVersion.status == "optimal")
    return s.scalars(query).first()


def read_table(s: Session, name: str, version_id: int) -> pd.DataFrame:
    """One of a version's tables (see `PLAN_TABLES`), without the version column."""
    target = cast(Table, PLAN_TABLES[name].__table__)
    rows = s.execute(select(target).where(target.c.version_id == version_id)).mappings().all()
    columns = [c.name for c in target.c if c.name != "version_id"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def versions(s: Session) -> pd.DataFrame:
    """Every plan version, newest first."""
    columns = [
        "id",
        "created_at",
        "actor",
        "strategy",
        "status",
        "first_period",
        "horizon",
        "demand_source",
        "frozen_periods",
        "total_cost",
        "published_at",
        "scenario_id",
    ]
    rows = s.execute(
        select(*[getattr(PlanVersion, c) for c in columns]).order_by(PlanVersion.id.desc())
    ).all()
    return pd.DataFrame(rows, columns=columns)
