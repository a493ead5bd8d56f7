"""Closed-loop simulations: each run's settings and its report, kept for the meeting pack."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from snop.store.tables.base import PERIOD, Base


class SimulationRun(Base):
    """One replay of held-out months under several policies, and how each one did.

    The report (service by segment, stock, cost, capacity, the sentences) is stored whole:
    it is read as one piece and never queried by its parts.
    """

    __tablename__ = "simulation_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    first_month: Mapped[str] = mapped_column(PERIOD)
    last_month: Mapped[str] = mapped_column(PERIOD)
    policies: Mapped[list[str]] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
