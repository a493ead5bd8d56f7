"""The conversation around the plan: comments, the inbox, decisions and assumptions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from snop.api.deps import MAX_ID, PERIOD
from snop.api.schemas.common import Number, Read


class CommentIn(BaseModel):
    """A comment; @name mentions put it in those users' inboxes."""

    entity: Literal["family", "product", "period", "scenario", "stage", "plan"]
    key: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    period: str | None = Field(default=None, pattern=PERIOD)
    parent_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class EditIn(BaseModel):
    """A new text for something read at ``version`` (refused if it changed since)."""

    version: int = Field(ge=1, le=MAX_ID)
    body: str = Field(min_length=1, max_length=5000)


class DecisionIn(BaseModel):
    """A decision of the executive review."""

    title: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=100)
    due_date: dt.date | None = None
    scenario: str | None = Field(default=None, max_length=200)
    plan_version_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    notes: str | None = Field(default=None, max_length=5000)


class DecisionUpdate(BaseModel):
    """A decision's new status or notes, as of ``version``."""

    version: int = Field(ge=1, le=MAX_ID)
    status: Literal["open", "done", "dropped"] | None = None
    notes: str | None = Field(default=None, max_length=5000)


class AssumptionIn(BaseModel):
    """An assumption the plan rests on, scored against actual orders later."""

    text: str = Field(min_length=1, max_length=5000)
    owner: str = Field(min_length=1, max_length=100)
    level: Literal["total", "family", "product", "segment"]
    key: str = Field(default="all", min_length=1, max_length=200)
    period_from: str = Field(pattern=PERIOD)
    period_to: str = Field(pattern=PERIOD)
    expected: float | None = Field(default=None, ge=0, le=1e12)
    inputs: list[str] = Field(default_factory=list, max_length=50)


class CommentRead(Read):
    """A comment on a family, product, period, scenario, stage or plan number."""

    id: int
    entity: str
    key: str
    period: str | None
    author: str
    created_at: str | None
    body: str
    mentions: list[str]
    parent_id: int | None
    hidden_at: str | None
    version: int


class CommentsRead(Read):
    """Comments, oldest first."""

    comments: list[CommentRead]


class InboxItemRead(Read):
    """Something for the user to act on: a sign-off due (``stage``), a mention, a decision."""

    id: int | None
    kind: str
    ref: str | None
    text: str
    stage: str | None
    title: str | None
    due: str | None
    overdue: bool
    created_at: str | None


class InboxRead(Read):
    """What needs the user's action."""

    items: list[InboxItemRead]


class DecisionRead(Read):
    """A decision, its owner and status."""

    id: int
    cycle: str | None
    title: str
    owner: str
    due_date: str | None
    status: str
    scenario: str | None
    plan_version: int | None
    notes: str | None
    created_by: str
    created_at: str | None
    version: int


class DecisionsRead(Read):
    """The decisions log."""

    decisions: list[DecisionRead]


class ScoreRead(Read):
    """An assumption held against the actual orders (empty until scored)."""

    actual: Number = None
    expected: Number = None
    error: Number = None
    error_pct: Number = None
    scored_at: str | None = None


class AssumptionRead(Read):
    """An assumption, the inputs that rest on it, and its score."""

    id: int
    text: str
    owner: str
    level: str
    key: str
    period_from: str
    period_to: str
    expected: Number
    inputs: list[str]
    status: str
    score: ScoreRead
    created_at: str | None
    version: int


class AssumptionsRead(Read):
    """The assumptions register."""

    assumptions: list[AssumptionRead]


class WaitingRead(Read):
    """An assumption that cannot be scored yet, and why."""

    id: int
    reason: str
    months: list[str]


class ScoredRead(Read):
    """The assumptions scored now, and those still waiting."""

    scored: list[AssumptionRead]
    waiting: list[WaitingRead]
