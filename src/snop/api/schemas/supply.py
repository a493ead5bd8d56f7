"""Step 2: supply plans, rough-cut capacity and the service-inventory curve."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from snop.api.schemas.common import Number, Read
from snop.supply.problem import Strategy


class PlanIn(BaseModel):
    """Choices for a supply plan run."""

    strategy: Strategy = Strategy.COST
    frozen_periods: int | None = Field(default=None, ge=0, le=24)
    service_measure: Literal["fill_rate", "cycle_service"] | None = None


class BottleneckRead(Read):
    """A resource that works all its hours, and what one more hour there is worth."""

    resource_id: str
    name: str | None
    site: str | None
    first: str
    last: str
    months: int
    worth_per_hour: Number
    overtime_hours: Number
    full: bool | None = None


class LateRead(Read):
    """A product, segment and month with demand still owed at its end, and why."""

    product_id: str
    segment: str
    period: str
    family: str | None
    backlog: Number
    cause: str
    detail: str


class ExplainedLateRead(Read):
    """`LateRead` as a plan run's explanation lists it (the family before the segment)."""

    product_id: str
    family: str | None
    segment: str
    period: str
    backlog: Number
    cause: str
    detail: str


class ExplanationRead(Read):
    """Why the plan is what it is: sentences, bottlenecks, late demand."""

    sentences: list[str] = []
    reasons: list[str] = []
    """For a plan that could not be made: the promises that cannot be kept."""
    notes: list[str] = []
    bottlenecks: list[BottleneckRead] = []
    late: list[ExplainedLateRead] = []


class SolverStatsRead(Read):
    """The size of the LP and how long building and solving it took."""

    rows: int | None = None
    columns: int | None = None
    nonzeros: int | None = None
    build_seconds: Number = None
    solve_seconds: Number = None
    solver: str | None = None
    iterations: int | None = None
    blocks: int | None = None


class PlanRunRead(Read):
    """A new plan version: status, months, costs and the explanation."""

    version: int | None
    """None when the optimiser found no plan to store."""
    status: str
    strategy: str
    first_period: str | None
    last_period: str | None
    demand_source: str
    service_measure: str
    frozen_periods: int
    total_cost: Number
    costs: dict[str, Number]
    explanation: ExplanationRead
    notes: list[str]
    solver: SolverStatsRead


class LoadRead(Read):
    """The load of demand on one resource and month against its capacity."""

    resource_id: str
    name: str | None
    site: str | None
    period: str
    load: Number
    regular_capacity: Number
    overtime_capacity: Number
    utilisation: Number
    overtime_needed: Number
    shortfall_hours: Number
    cumulative_shortfall_hours: Number
    status: str


class TooLateRead(Read):
    """Demand due before it can be made (lead time)."""

    product_id: str
    period: str
    units: Number


class CapacityRead(Read):
    """Rough-cut capacity: the load on every resource and month, and what is too late."""

    load: list[LoadRead]
    too_late: list[TooLateRead]


class TradeoffRowRead(Read):
    """One service level: its safety stock, holding and plan cost."""

    service_level: float
    safety_stock_units: Number
    safety_stock_value: Number
    holding_cost_per_year: Number
    plan_cost: Number
    feasible: bool
    value_per_point: Number
    plan_cost_change: Number


class TradeoffRead(Read):
    """The service-inventory curve."""

    rows: list[TradeoffRowRead]


class PlanVersionRowRead(Read):
    """A plan version in the list."""

    id: int
    created_at: str | None
    actor: str
    strategy: str
    status: str
    first_period: str
    horizon: int
    demand_source: str
    frozen_periods: int | None
    total_cost: Number
    published_at: str | None
    scenario_id: int | None


class PlanVersionsRead(Read):
    """Every plan version, newest first."""

    versions: list[PlanVersionRowRead]


class PlanHeaderRead(Read):
    """A stored plan version's header: how it was made, its costs and explanation."""

    id: int
    created_at: str | None
    actor: str
    strategy: str
    status: str
    first_period: str
    horizon: int
    demand_source: str
    forecast_version_id: int | None
    frozen_periods: int | None
    service_measure: str | None
    total_cost: Number
    costs: dict[str, Number]
    explanation: ExplanationRead
    stats: SolverStatsRead
    settings: dict[str, Any]
    published_at: str | None
    scenario_id: int | None
    seconds: Number


class GridRowRead(Read):
    """One key and month of a plan."""

    key: str
    period: str
    demand: Number
    production: Number
    receipts: Number
    subcontract: Number
    shipped: Number
    inventory: Number
    backlog: Number
    projected_balance: Number
    safety_stock: Number
    below_safety_stock: Number


class PlanVersionRead(Read):
    """One plan version: its header and its grid by month."""

    version: PlanHeaderRead
    grid: list[GridRowRead]


class LateRowsRead(Read):
    """Every late product, segment and month of a plan."""

    rows: list[LateRead]
