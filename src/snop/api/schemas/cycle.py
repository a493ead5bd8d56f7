"""The monthly cycle: its stages, sign-offs, the plan of record and closing the month."""

from __future__ import annotations

from pydantic import BaseModel, Field

from snop.api.deps import MAX_ID
from snop.api.schemas.common import Number, Read
from snop.api.schemas.data import ImportRead


class StageIn(BaseModel):
    """A sign-off note."""

    note: str | None = Field(default=None, max_length=2000)


class ReopenIn(BaseModel):
    """The stage to reopen and why."""

    stage: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=2000)


class PublishIn(BaseModel):
    """Which plan version to publish."""

    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    replace: bool = False


class StageRead(Read):
    """One stage of the cycle, its owner, due date and sign-off."""

    stage: str
    title: str
    owner: str
    due: str | None
    status: str
    signed_off_by: str | None
    signed_off_at: str | None
    note: str | None
    version: int


class MonthFiguresRead(Read):
    """A closed month's figures against its plan of record (fractions 0-1; units)."""

    plan_adherence: Number = None
    orders: Number = None
    planned_demand: Number = None
    demand_wape_lag1: Number = None
    demand_bias_lag1: Number = None
    fill_rate: Number = None
    planned_fill_rate: Number = None


class ReviewRead(MonthFiguresRead):
    """A closed month against its plan of record (fractions 0-1; units)."""

    plan_version: int | None = None


class ClosedMonthRead(MonthFiguresRead):
    """A month closed before: its plan of record and its review."""

    period: str
    plan_of_record: int | None


class CycleRead(Read):
    """The open cycle: its stage, stages, plan of record and the months closed before."""

    period: str
    stage: str
    stages: list[StageRead]
    plan_of_record: int | None
    published_at: str | None
    published_by: str | None
    closed: list[ClosedMonthRead]


class FindingRead(Read):
    """One data-health check that found something."""

    check: str
    count: int
    examples: list[str]
    advice: str


class HealthRead(Read):
    """The data-health report of the open cycle."""

    period: str
    findings: list[FindingRead]
    problems: int


class AdvanceRead(Read):
    """The stage signed off and the stage the cycle is now in."""

    period: str
    signed_off: str
    stage: str


class ReopenRead(Read):
    """The stage reopened, and the plan of record withdrawn by it (if any)."""

    period: str
    stage: str
    withdrawn_plan: int | None


class ReplannedRead(Read):
    """The forecast and plan made for the new cycle."""

    forecast_version: int
    plan_version: int | None
    status: str


class MonthClosedRead(Read):
    """A closed month: its import, its review and, with ``replan``, the new versions."""

    period: str
    next_period: str
    imported: ImportRead
    review: ReviewRead
    replanned: ReplannedRead | None = None
    """Only there when the request asked to replan."""
