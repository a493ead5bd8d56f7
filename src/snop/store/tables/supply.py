"""Supply plan versions (one per run, never overwritten) and what each planned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from snop.store.tables.base import CODE, PERIOD, Base


def _version_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"), primary_key=True)


class PlanVersion(Base):
    """One run of the supply plan: its inputs, outcome, cost and explanation."""

    __tablename__ = "plan_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(String(200))
    strategy: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    first_period: Mapped[str] = mapped_column(PERIOD)
    horizon: Mapped[int] = mapped_column(Integer)
    demand_source: Mapped[str] = mapped_column(String(50))
    forecast_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("forecast_version.id", ondelete="SET NULL")
    )
    frozen_periods: Mapped[int] = mapped_column(Integer, default=0)
    service_measure: Mapped[str] = mapped_column(String(20))
    total_cost: Mapped[float | None] = mapped_column(Float)
    costs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    scenario_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The scenario the plan was made for; None for the cycle's own plan runs. (No foreign
    key: a scenario points at its last plan, and a cycle of keys would tangle deletes.)"""
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class PlanProduct(Base):
    """A product's planned month: demand, production, stock, backlog, safety stock."""

    __tablename__ = "plan_product"
    version_id: Mapped[int] = _version_fk()
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    family: Mapped[str] = mapped_column(String(200))
    demand: Mapped[float] = mapped_column(Float)
    production: Mapped[float] = mapped_column(Float)
    receipts: Mapped[float] = mapped_column(Float)
    subcontract: Mapped[float] = mapped_column(Float)
    shipped: Mapped[float] = mapped_column(Float)
    inventory: Mapped[float] = mapped_column(Float)
    backlog: Mapped[float] = mapped_column(Float)
    projected_balance: Mapped[float] = mapped_column(Float)
    safety_stock: Mapped[float] = mapped_column(Float)
    below_safety_stock: Mapped[float] = mapped_column(Float)
    days_of_supply: Mapped[float | None] = mapped_column(Float)
    min_units: Mapped[float | None] = mapped_column(Float)
    max_units: Mapped[float | None] = mapped_column(Float)


class PlanSegment(Base):
    """A product's planned month for one segment: demand, shipped, owed."""

    __tablename__ = "plan_segment"
    version_id: Mapped[int] = _version_fk()
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    segment: Mapped[str] = mapped_column(CODE, primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    family: Mapped[str] = mapped_column(String(200))
    demand: Mapped[float] = mapped_column(Float)
    shipped: Mapped[float] = mapped_column(Float)
    backlog: Mapped[float] = mapped_column(Float)
    safety_stock: Mapped[float | None] = mapped_column(Float)
    sigma: Mapped[float | None] = mapped_column(Float)


class PlanResource(Base):
    """A resource's planned month: load, capacity, overtime, worth of one more hour."""

    __tablename__ = "plan_resource"
    version_id: Mapped[int] = _version_fk()
    resource_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(Text)
    load: Mapped[float] = mapped_column(Float)
    regular_capacity: Mapped[float] = mapped_column(Float)
    overtime: Mapped[float] = mapped_column(Float)
    overtime_capacity: Mapped[float] = mapped_column(Float)
    utilisation: Mapped[float | None] = mapped_column(Float)
    shadow_price: Mapped[float] = mapped_column(Float)
    full: Mapped[bool] = mapped_column(Boolean)
    workers: Mapped[float | None] = mapped_column(Float)
    hired: Mapped[float | None] = mapped_column(Float)
    laid_off: Mapped[float | None] = mapped_column(Float)


class PlanLate(Base):
    """Demand owed at the end of a month in a plan, and why it is late."""

    __tablename__ = "plan_late"
    version_id: Mapped[int] = _version_fk()
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    segment: Mapped[str] = mapped_column(CODE, primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    family: Mapped[str] = mapped_column(String(200))
    backlog: Mapped[float] = mapped_column(Float)
    cause: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text)


class PlanCost(Base):
    """A plan's cost by component and month."""

    __tablename__ = "plan_cost"
    version_id: Mapped[int] = _version_fk()
    component: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    amount: Mapped[float] = mapped_column(Float)
