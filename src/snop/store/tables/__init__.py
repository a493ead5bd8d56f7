"""ORM tables, one module per part of the plan; importing this registers them all."""

from snop.store.tables.audit import AuditEvent, DataImport, Setting
from snop.store.tables.base import Base
from snop.store.tables.demand import (
    DemandOverride,
    ForecastError,
    ForecastModel,
    ForecastOutlier,
    ForecastValue,
    ForecastVersion,
)
from snop.store.tables.master import (
    Customer,
    DemandHistory,
    DemandPlanLine,
    InventoryPosition,
    MarketEvent,
    Product,
    Resource,
    ResourceCapacity,
    ResourceLabour,
    Routing,
    Segment,
    StrategyTarget,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Customer",
    "DataImport",
    "DemandHistory",
    "DemandOverride",
    "ForecastError",
    "ForecastModel",
    "ForecastOutlier",
    "ForecastValue",
    "ForecastVersion",
    "DemandPlanLine",
    "InventoryPosition",
    "MarketEvent",
    "Product",
    "Resource",
    "ResourceCapacity",
    "ResourceLabour",
    "Routing",
    "Segment",
    "Setting",
    "StrategyTarget",
]
