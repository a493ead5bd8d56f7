"""The monthly cycle's stages: their order, owners, default due dates and what may change.

data gathering -> demand review -> supply review -> pre-S&OP -> executive review ->
published. Each stage is owned by a role that signs it off; signing off opens the next.
What may change depends on the stage: overrides in the demand review, the supply plan in
the supply review, scenarios from the supply review to the executive review, nothing after
publishing. A stage can be reopened with a reason (later stages go back to waiting).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from snop.team.roles import Action, Role


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of the cycle."""

    name: str
    title: str
    owner: Role
    due_day: int
    """Working day of the cycle's month the stage is due by (calendar day, simple)."""
    allows: frozenset[Action]
    """Changes allowed while the stage is open (reading and commenting always are)."""


STAGES: tuple[Stage, ...] = (
    Stage(
        "data_gathering",
        "Data gathering",
        Role.DEMAND,
        3,
        frozenset({Action.IMPORT_DATA, Action.FORECAST, Action.CLOSE_MONTH}),
    ),
    Stage(
        "demand_review",
        "Demand review",
        Role.DEMAND,
        8,
        frozenset({Action.OVERRIDE, Action.RESOLVE_CONFLICT, Action.FORECAST}),
    ),
    Stage(
        "supply_review",
        "Supply review",
        Role.SUPPLY,
        12,
        frozenset({Action.PLAN_SUPPLY, Action.SCENARIO}),
    ),
    Stage(
        "pre_sop",
        "Pre-S&OP",
        Role.FINANCE,
        16,
        frozenset({Action.SCENARIO, Action.EDIT_TARGETS, Action.PLAN_SUPPLY}),
    ),
    Stage(
        "executive_review",
        "Executive review",
        Role.EXECUTIVE,
        20,
        frozenset({Action.SCENARIO, Action.PROMOTE, Action.DECIDE, Action.PUBLISH}),
    ),
    Stage("published", "Published", Role.EXECUTIVE, 31, frozenset({Action.CLOSE_MONTH})),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)
ALWAYS = frozenset(
    {
        Action.READ,
        Action.COMMENT,
        Action.ASSUMPTION,
        Action.SIGN_OFF,
        Action.REOPEN,
        Action.MANAGE_USERS,
        Action.DECIDE,
    }
)
"""Actions no stage forbids."""


def stage_named(name: str) -> Stage:
    """The stage of that name; ValueError lists the names."""
    for stage in STAGES:
        if stage.name == name:
            return stage
    raise ValueError(f"'{name}' is not a stage ({', '.join(STAGE_NAMES)})")


def allowed_in(stage: str, action: Action) -> bool:
    """True when the action may change the plan while the cycle is in ``stage``."""
    return action in ALWAYS or action in stage_named(stage).allows


def stage_allowing(action: Action) -> list[str]:
    """The stages in which an action is allowed (for messages)."""
    return [s.name for s in STAGES if action in s.allows]


def due_date(period: str, stage: Stage) -> dt.date:
    """The stage's due date in the cycle's month (its ``due_day``, capped at month end)."""
    year, month = int(period[:4]), int(period[5:7])
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (following - dt.timedelta(days=1)).day
    return dt.date(year, month, min(stage.due_day, last))
