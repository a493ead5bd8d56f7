"""ORM tables, one module per part of the plan; importing this registers them all."""

from snop.store.tables.audit import AuditEvent, DataImport, Setting
from snop.store.tables.base import Base
from snop.store.tables.cycle import InventorySnapshot, PlanCycle, Scenario
from snop.store.tables.demand import (
    DemandOverride,
    ForecastError,
    ForecastModel,
    ForecastOutlier,
    ForecastValue,
    ForecastVersion,
)
from snop.store.tables.master import (
    ActualProduction,
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
    ScheduledReceipt,
    Segment,
    StrategyTarget,
)
from snop.store.tables.supply import (
    PlanCost,
    PlanLate,
    PlanProduct,
    PlanResource,
    PlanSegment,
    PlanVersion,
)

__all__ = [
    "ActualProduction",
    "InventorySnapshot",
    "PlanCycle",
    "Scenario",
    "PlanCost",
    "PlanLate",
    "PlanProduct",
    "PlanResource",
    "PlanSegment",
    "PlanVersion",
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
    "ScheduledReceipt",
    "Segment",
    "Setting",
    "StrategyTarget",
]
