"""The monthly cycle: its plan of record, the month-end positions, and the scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from snop.store.tables.base import CODE, PERIOD, Base, Versioned


class PlanCycle(Versioned, Base):
    """One monthly S&OP cycle, named by its first plan month.

    Publishing sets the plan of record (frozen from then on); closing the cycle compares the
    month's actuals with it and opens the next cycle.
    """

    __tablename__ = "plan_cycle"
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    opened_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_version.id", ondelete="SET NULL")
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(
        String(40), default="data_gathering", server_default="data_gathering"
    )
    """The stage the cycle is in (see `snop.team.STAGES`); published once published."""
    review: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What closing found: plan adherence, forecast accuracy at lag, service, notes."""


class InventorySnapshot(Base):
    """A product's stock and backlog at the end of a closed month (the actual position)."""

    __tablename__ = "inventory_snapshot"
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    on_hand: Mapped[float] = mapped_column(Float)
    backlog: Mapped[float] = mapped_column(Float, default=0.0)


class Scenario(Versioned, Base):
    """A named what-if: only its changes, applied on top of the cycle's current data.

    Nothing of the base is copied, so a scenario stays right when the base is corrected;
    running it re-derives the plan, money, scorecard and KPIs.
    """

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_version.id", ondelete="SET NULL")
    )
    """The plan of the scenario's last run."""
    run_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Money, KPIs and scorecard of the last run, for comparing without re-running."""
    promoted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
