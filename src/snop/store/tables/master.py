"""Master and transactional data of the planning workbook: one table per contract sheet.

Column names equal the contract's, so frames move between the workbook and the store
without renaming. Business codes are the primary keys.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from snop.store.tables.base import CODE, PERIOD, Base, Versioned


def _fk(target: str, **kw: object) -> ForeignKey:
    return ForeignKey(target, **kw)  # type: ignore[arg-type]


class Segment(Versioned, Base):
    """A customer segment with its service target and its priority when supply is short."""

    __tablename__ = "segment"
    segment: Mapped[str] = mapped_column(CODE, primary_key=True)
    service_target: Mapped[float] = mapped_column(Float)
    priority: Mapped[int] = mapped_column(Integer)


class Customer(Versioned, Base):
    """A customer and its segment."""

    __tablename__ = "customer"
    customer_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    segment: Mapped[str] = mapped_column(_fk("segment.segment"), index=True)


class Product(Versioned, Base):
    """A product (SKU): its family, money, lead time and life cycle."""

    __tablename__ = "product"
    product_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    family: Mapped[str] = mapped_column(String(200), index=True)
    price: Mapped[float] = mapped_column(Float)
    unit_cost: Mapped[float] = mapped_column(Float)
    holding_cost: Mapped[float] = mapped_column(Float)
    backorder_cost: Mapped[float] = mapped_column(Float)
    lead_time: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="active")
    launch_period: Mapped[str | None] = mapped_column(PERIOD)
    end_period: Mapped[str | None] = mapped_column(PERIOD)
    # Deferred so a new product and its like-item can arrive in the same import, any order.
    like_product_id: Mapped[str | None] = mapped_column(
        _fk("product.product_id", deferrable=True, initially="DEFERRED")
    )
    subcontract_cost: Mapped[float | None] = mapped_column(Float)
    max_subcontract: Mapped[float | None] = mapped_column(Float)
    end_inventory: Mapped[float] = mapped_column(Float, default=0.0)
    end_backlog: Mapped[float | None] = mapped_column(Float)


class Resource(Versioned, Base):
    """A production resource with its regular and overtime hours per month."""

    __tablename__ = "resource"
    resource_id: Mapped[str] = mapped_column(CODE, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(200), index=True)
    capacity: Mapped[float] = mapped_column(Float)
    overtime_capacity: Mapped[float] = mapped_column(Float, default=0.0)
    regular_cost: Mapped[float] = mapped_column(Float, default=0.0)
    overtime_cost: Mapped[float] = mapped_column(Float, default=0.0)


class ResourceCapacity(Versioned, Base):
    """A month where a resource's capacity differs from its usual one."""

    __tablename__ = "resource_capacity"
    resource_id: Mapped[str] = mapped_column(_fk("resource.resource_id"), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    capacity: Mapped[float | None] = mapped_column(Float)
    overtime_capacity: Mapped[float | None] = mapped_column(Float)


class ResourceLabour(Versioned, Base):
    """The workforce of a people-driven resource."""

    __tablename__ = "resource_labour"
    resource_id: Mapped[str] = mapped_column(_fk("resource.resource_id"), primary_key=True)
    workers: Mapped[float] = mapped_column(Float)
    hours_per_worker: Mapped[float] = mapped_column(Float)
    cost_per_worker: Mapped[float] = mapped_column(Float)
    hire_cost: Mapped[float] = mapped_column(Float)
    layoff_cost: Mapped[float] = mapped_column(Float)
    overtime_hours_per_worker: Mapped[float] = mapped_column(Float, default=0.0)


class Routing(Versioned, Base):
    """Hours of a resource that one unit of a product takes."""

    __tablename__ = "routing"
    product_id: Mapped[str] = mapped_column(_fk("product.product_id"), primary_key=True)
    resource_id: Mapped[str] = mapped_column(
        _fk("resource.resource_id"), primary_key=True, index=True
    )
    hours_per_unit: Mapped[float] = mapped_column(Float)


class DemandHistory(Versioned, Base):
    """Units a customer ordered of a product in a month, and the units shipped."""

    __tablename__ = "demand_history"
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    product_id: Mapped[str] = mapped_column(_fk("product.product_id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(_fk("customer.customer_id"), primary_key=True)
    ordered: Mapped[float] = mapped_column(Float)
    shipped: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_demand_history_product_period", "product_id", "period"),
        Index("ix_demand_history_customer_id", "customer_id"),
    )


class InventoryPosition(Versioned, Base):
    """Stock and backlog of a product at the start of the first planning month."""

    __tablename__ = "inventory_position"
    product_id: Mapped[str] = mapped_column(_fk("product.product_id"), primary_key=True)
    on_hand: Mapped[float] = mapped_column(Float)
    backlog: Mapped[float] = mapped_column(Float, default=0.0)


class ScheduledReceipt(Versioned, Base):
    """Units already started (made or bought) that arrive in a given month."""

    __tablename__ = "scheduled_receipt"
    product_id: Mapped[str] = mapped_column(_fk("product.product_id"), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class ActualProduction(Versioned, Base):
    """Units a product actually produced (completed) in a month: the plan's adherence."""

    __tablename__ = "actual_production"
    product_id: Mapped[str] = mapped_column(_fk("product.product_id"), primary_key=True)
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class StrategyTarget(Versioned, Base):
    """A strategy target: a metric's value for a month or year and a scope."""

    __tablename__ = "strategy_target"
    period: Mapped[str] = mapped_column(PERIOD, primary_key=True)
    metric: Mapped[str] = mapped_column(String(100), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class MarketEvent(Versioned, Base):
    """Market intelligence on a product or family over a period range."""

    __tablename__ = "market_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str | None] = mapped_column(_fk("product.product_id"), index=True)
    family: Mapped[str | None] = mapped_column(String(200))
    period_from: Mapped[str] = mapped_column(PERIOD)
    period_to: Mapped[str] = mapped_column(PERIOD)
    change_pct: Mapped[float | None] = mapped_column(Float)
    change_qty: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)


class DemandPlanLine(Versioned, Base):
    """A given demand to plan against instead of the forecast."""

    __tablename__ = "demand_plan_line"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    product_id: Mapped[str] = mapped_column(_fk("product.product_id"))
    period: Mapped[str] = mapped_column(PERIOD)
    quantity: Mapped[float] = mapped_column(Float)
    segment: Mapped[str | None] = mapped_column(_fk("segment.segment"))

    __table_args__ = (Index("ix_demand_plan_line_product_period", "product_id", "period"),)
