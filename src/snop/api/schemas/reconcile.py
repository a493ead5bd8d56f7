"""Step 3, pre-S&OP: the plan in money, the scorecard, KPIs, exceptions, simulations."""

from __future__ import annotations

from typing import Any

from snop.api.schemas.common import Number, Read


class MoneyRowRead(Read):
    """Money measures of one group (the columns asked for in ``by``, then the measures)."""

    period: str | None = None
    family: str | None = None
    segment: str | None = None
    revenue: Number
    cost_of_goods: Number
    gross_margin: Number
    inventory_value: Number
    holding_cost: Number
    overtime_cost: Number
    subcontract_cost: Number
    backlog_value: Number


class MoneyRead(Read):
    """The plan in money."""

    rows: list[MoneyRowRead]


class ScorecardRowRead(Read):
    """One strategy target against the plan."""

    period: str
    metric: str
    scope: str
    scope_kind: str | None
    kpi: str | None
    months: int | None
    target: Number
    value: Number
    gap: Number
    gap_units: Number
    gap_money: Number
    status: str
    direction: str | None
    unit: str | None


class ScorecardRead(Read):
    """Every strategy target against the plan, and what it says."""

    sentences: list[str]
    rows: list[ScorecardRowRead]


class KpiRowRead(Read):
    """One KPI of a scope, actual (the last 12 months) or planned."""

    kpi: str
    scope_kind: str
    scope: str
    basis: str
    period_from: str | None
    period_to: str | None
    value: Number
    unit: str | None


class KpisRead(Read):
    """KPIs of the last 12 months and of the plan."""

    rows: list[KpiRowRead]


class ExceptionRowRead(Read):
    """Something that needs attention, with its owner and the action to take."""

    rank: int
    kind: str
    what: str
    scope_kind: str | None
    scope: str | None
    period_from: str | None
    period_to: str | None
    units: Number
    money: Number
    owner: str | None
    action: str | None


class ExceptionsRead(Read):
    """What needs attention, ranked by money at stake."""

    rows: list[ExceptionRowRead]


class SimulationRowRead(Read):
    """A stored closed-loop simulation."""

    id: int
    created_by: str
    created_at: str | None
    first_month: str | None
    last_month: str | None
    policies: str
    seconds: Number


class SimulationsRead(Read):
    """Every stored simulation, newest first."""

    rows: list[SimulationRowRead]


class MeasureRead(Read):
    """A measure the simulation report scores."""

    key: str
    label: str
    kind: str


class SimulationRead(Read):
    """The latest closed-loop simulation: every policy's service, stock, cost and capacity.

    The tables (``headline``, ``service``, ``costs``, ``capacity``, ``monthly``,
    ``frontier``, ``equal_service``) hold one row per policy (and month); their columns
    are the measures listed in ``measures``.
    """

    run: int
    created_by: str
    created_at: str | None
    settings: dict[str, Any]
    seconds: Number
    first_month: str | None = None
    last_month: str | None = None
    baseline: str | None = None
    measures: list[MeasureRead] | None = None
    headline: list[dict[str, Any]] | None = None
    service: list[dict[str, Any]] | None = None
    costs: list[dict[str, Any]] | None = None
    capacity: list[dict[str, Any]] | None = None
    monthly: list[dict[str, Any]] | None = None
    sentences: list[str] | None = None
    notes: dict[str, list[str]] | None = None
    wins: dict[str, Any] | None = None
    frontier: list[dict[str, Any]] | None = None
    equal_service: list[dict[str, Any]] | None = None
    wins_at_equal_service: dict[str, Any] | None = None
    company_notes: list[str] | None = None
