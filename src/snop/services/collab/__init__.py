"""The conversation around the plan: comments, the inbox, assumptions and decisions.

Comments sit on a family, product, period, scenario, stage or a plan number (a product or
family in a month); a comment on a plan number is keyed by what and when, not by a plan
version, so it stays with the number from cycle to cycle. ``@name`` mentions reach the
named user's inbox. The assumptions register holds what the plan rests on and, once the
months have actual orders, whether each assumption held. The decisions log records the
executive review's decisions, their owners and due dates.

Edits state the version they read: when the row moved on since, the edit is refused with
both the stored and the submitted values, so nobody overwrites someone else's words
unknowingly. Nothing is deleted: a hidden comment keeps its row, and every change is in
the audit trail with its old and new values.
"""

from __future__ import annotations

from snop.services.collab.assumptions import (
    ASSUMPTION_STATUSES,
    LEVELS,
    TOLERANCE,
    add_assumption,
    list_assumptions,
    score_assumptions,
    update_assumption,
)
from snop.services.collab.comments import (
    ENTITIES,
    add_comment,
    edit_comment,
    hide_comment,
    list_comments,
    mentions_in,
)
from snop.services.collab.decisions import (
    DECISION_STATUSES,
    list_decisions,
    record_decision,
    update_decision,
)
from snop.services.collab.inbox import inbox, mark_read
from snop.services.collab.shared import StaleEdit

__all__ = [
    "ASSUMPTION_STATUSES",
    "DECISION_STATUSES",
    "ENTITIES",
    "LEVELS",
    "TOLERANCE",
    "StaleEdit",
    "add_assumption",
    "add_comment",
    "edit_comment",
    "hide_comment",
    "inbox",
    "list_assumptions",
    "list_comments",
    "list_decisions",
    "mark_read",
    "mentions_in",
    "record_decision",
    "score_assumptions",
    "update_assumption",
    "update_decision",
]
