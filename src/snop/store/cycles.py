"""Cycles, scenarios and month-end positions in and out of the store (no commits here)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.store.tables import InventorySnapshot, PlanCycle, Scenario


def open_cycle(s: Session, *, lock: bool = False) -> PlanCycle | None:
    """The cycle not closed yet (there is at most one).

    ``lock`` holds its row until commit, so two people publishing or closing at once cannot
    both succeed (a PostgreSQL row lock; SQLite lets one writer at a time anyway).
    """
    query = select(PlanCycle).where(PlanCycle.closed_at.is_(None))
    if lock:
        query = query.with_for_update()
    return s.scalars(query.order_by(PlanCycle.period.desc()).limit(1)).first()


def cycles(s: Session) -> list[PlanCycle]:
    """Every cycle, newest first."""
    return list(s.scalars(select(PlanCycle).order_by(PlanCycle.period.desc())).all())


def scenario_named(s: Session, name: str) -> Scenario | None:
    """The scenario of that name, if any."""
    return s.scalars(select(Scenario).where(Scenario.name == name)).first()


def scenarios(s: Session) -> list[Scenario]:
    """Every scenario, oldest first."""
    return list(s.scalars(select(Scenario).order_by(Scenario.id)).all())


def write_snapshot(s: Session, period: str, positions: pd.DataFrame) -> None:
    """Store the month-end stock and backlog of every product (replacing that month's)."""
    columns = zip(
        positions["product_id"].astype(str),
        positions["on_hand"].to_numpy(dtype=float),
        positions["backlog"].fillna(0.0).to_numpy(dtype=float),
        strict=True,
    )
    for product_id, on_hand, backlog in columns:
        s.merge(
            InventorySnapshot(
                product_id=product_id, period=period, on_hand=float(on_hand), backlog=float(backlog)
            )
        )


def read_snapshots(s: Session) -> pd.DataFrame:
    """Month-end positions of closed months: product_id, period, on_hand, backlog."""
    rows = s.execute(
        select(
            InventorySnapshot.product_id,
            InventorySnapshot.period,
            InventorySnapshot.on_hand,
            InventorySnapshot.backlog,
        )
    ).all()
    return pd.DataFrame(rows, columns=["product_id", "period", "on_hand", "backlog"])


def clear(s: Session) -> int:
    """Delete every cycle, scenario and month-end position (a rebuilt demo company)."""
    count = 0
    for table in (InventorySnapshot, Scenario, PlanCycle):
        count += s.query(table).delete()
    return count
