"""Scenarios (changes to today's data, re-planned and scored) and the versions log."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from snop.api.schemas.common import Number, Read, WideRow
from snop.api.schemas.cycle import ClosedMonthRead, StageRead
from snop.api.schemas.reconcile import ScorecardRowRead


class ScenarioIn(BaseModel):
    """A scenario: a name and its changes (see docs/reconcile.md for the change kinds)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    changes: list[dict[str, Any]] = Field(min_length=1, max_length=100)


class HeadlineRead(Read):
    """A plan's figures for comparing: money totals, plan KPIs, scorecard, exceptions."""

    version: int | None
    total_cost: Number
    money: dict[str, Number]
    """Money measures of the whole plan (revenue, cost_of_goods, gross_margin, ...)."""
    kpis: dict[str, Number]
    """Plan KPIs as ``<kpi>:<scope>`` (the business and each segment)."""
    scorecard: dict[str, int]
    """How many targets are green, amber, red or not measured."""
    exceptions: int
    money_at_stake: Number


class ScenarioSummaryRead(Read):
    """A scenario's last run: its status and first sentences, then its headline (`HeadlineRead`).

    Empty before the scenario has run.
    """

    status: str | None = None
    explanation: list[str] = []
    version: int | None = None
    total_cost: Number = None
    money: dict[str, Number] = {}
    kpis: dict[str, Number] = {}
    scorecard: dict[str, int] = {}
    exceptions: int = 0
    money_at_stake: Number = None


class ScenarioRead(Read):
    """A scenario, its changes in words and its last run (an empty summary before one)."""

    name: str
    description: str
    changes: list[str]
    created_by: str
    created_at: str | None
    run_at: str | None
    plan_version: int | None
    promoted_at: str | None
    summary: ScenarioSummaryRead
    version: int


class ScenariosRead(Read):
    """Every scenario."""

    scenarios: list[ScenarioRead]


class ScenarioRunRead(Read):
    """A scenario re-planned and scored."""

    name: str
    plan_version: int | None
    status: str
    seconds: float
    headline: HeadlineRead | None
    scorecard: list[ScorecardRowRead]
    explanation: list[str]


class MeasureRow(WideRow):
    """One measure: a column per scenario compared and one ``<name> - base`` per change."""

    measure: str


class FamilyRow(WideRow):
    """One family: ``<scenario> demand``, ``<scenario> production``, ``<scenario> late``."""

    family: str


class CompareRead(Read):
    """Scenarios side by side."""

    measures: list[MeasureRow]
    families: list[FamilyRow]


class DeletedRead(Read):
    """The scenario removed."""

    deleted: str


class PromotedRead(Read):
    """The scenario promoted, and the cycle with its plan as the plan of record."""

    scenario: str
    period: str
    stage: str
    stages: list[StageRead]
    plan_of_record: int | None
    published_at: str | None
    published_by: str | None
    closed: list[ClosedMonthRead]


class VersionRowRead(Read):
    """A forecast or plan run."""

    kind: str
    id: int
    created_at: str | None
    actor: str
    inputs: str
    published: str | None


class VersionsRead(Read):
    """Every forecast and plan run, newest first."""

    versions: list[VersionRowRead]


class FamilyChangeRead(Read):
    """What changed for one family (and month) between two plans, in units."""

    family: str
    period: str | None = None
    d_demand: Number
    d_production: Number
    d_subcontract: Number
    d_inventory: Number
    d_backlog: Number
    d_safety_stock: Number
    causes: str | None


class CauseRead(Read):
    """A change of input that explains part of the difference."""

    cause: str
    detail: str
    family: str | None
    period_from: str | None
    period_to: str | None
    units: Number


class DiffRead(Read):
    """What changed between two plan versions and why."""

    sentences: list[str]
    cost_change: dict[str, Number]
    added_periods: list[str]
    dropped_periods: list[str]
    by_family: list[FamilyChangeRead]
    by_family_period: list[FamilyChangeRead]
    causes: list[CauseRead]
