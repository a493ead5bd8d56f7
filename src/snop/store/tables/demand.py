"""Forecast versions (one per run, never overwritten), their values, and people's overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from snop.store.tables.base import CODE, PERIOD, Base, Versioned


class ForecastVersion(Base):
    """One run of the demand forecast: a frozen snapshot, kept to measure accuracy later."""

    __tablename__ = "forecast_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    actor: Mapped[str] = mapped_column(String(200))
    cutoff: Mapped[str] = mapped_column(PERIOD, index=True)
    first_period: Mapped[str] = mapped_column(PERIOD)
    horizon: Mapped[int] = mapped_column(Integer)
    reconciliation: Mapped[str] = mapped_column(String(50))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class ForecastValue(Base):
    """A stream's quantity for a product, segment and month in one forecast version."""

    __tablename__ = "forecast_value"
    version_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_version.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(ForeignKey("product.product_id"), primary_key=True)
    segment: Mapped[str] = mapped_column(ForeignKey("segment.segment"), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    stream: Mapped[str] = mapped_column(String(250), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)
    lo_80: Mapped[float | None] = mapped_column(Float)
    hi_80: Mapped[float | None] = mapped_column(Float)
    lo_95: Mapped[float | None] = mapped_column(Float)
    hi_95: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_forecast_value_version_stream", "version_id", "stream"),)


class ForecastModel(Base):
    """Which model each series of the hierarchy got in a version, and why."""

    __tablename__ = "forecast_model"
    version_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_version.id", ondelete="CASCADE"), primary_key=True
    )
    node: Mapped[str] = mapped_column(String(300), primary_key=True)
    level: Mapped[str] = mapped_column(String(30))
    family: Mapped[str | None] = mapped_column(String(200))
    product_id: Mapped[str | None] = mapped_column(CODE)
    segment: Mapped[str | None] = mapped_column(CODE)
    pool: Mapped[str] = mapped_column(String(30))
    model: Mapped[str] = mapped_column(String(100))
    n_obs: Mapped[int] = mapped_column(Integer)
    backtested: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)


class ForecastOutlier(Base):
    """A month of history cleansed before fitting, in one version (the raw history stays)."""

    __tablename__ = "forecast_outlier"
    version_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_version.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    segment: Mapped[str] = mapped_column(CODE, primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    raw: Mapped[float] = mapped_column(Float)
    cleansed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)


class ForecastError(Base):
    """Backtest error of the statistical forecast per product, segment and months ahead.

    The supply side sets safety stocks from it (error per horizon, not a guess).
    """

    __tablename__ = "forecast_error"
    version_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_version.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    segment: Mapped[str] = mapped_column(CODE, primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    mae: Mapped[float | None] = mapped_column(Float)
    rmse: Mapped[float | None] = mapped_column(Float)
    bias: Mapped[float | None] = mapped_column(Float)
    error_std: Mapped[float | None] = mapped_column(Float)


class DemandOverride(Versioned, Base):
    """A person's change to the forecast: level and key, months, percent or units, and why."""

    __tablename__ = "demand_override"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    author: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str | None] = mapped_column(String(40))
    """The role the author entered it in (sales, demand planner, ...)."""
    reason_code: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[str] = mapped_column(PERIOD)
    period_to: Mapped[str] = mapped_column(PERIOD)
    change_pct: Mapped[float | None] = mapped_column(Float)
    change_qty: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
