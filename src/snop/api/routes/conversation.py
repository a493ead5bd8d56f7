"""The conversation: comments with mentions, the inbox, decisions and assumptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from snop.api.deps import PERIOD, Db, Id, Who
from snop.api.plain import obj, plain
from snop.api.routes import router as make_router
from snop.api.schemas.conversation import (
    AssumptionIn,
    AssumptionRead,
    AssumptionsRead,
    CommentIn,
    CommentRead,
    CommentsRead,
    DecisionIn,
    DecisionRead,
    DecisionsRead,
    DecisionUpdate,
    EditIn,
    InboxRead,
    ScoredRead,
)
from snop.services import collab

router = make_router("conversation")


@router.get("/api/comments", response_model=CommentsRead)
def comments(
    who: Who,
    db: Db,
    entity: Annotated[str | None, Query(max_length=40)] = None,
    key: Annotated[str | None, Query(max_length=200)] = None,
    period: Annotated[str | None, Query(pattern=PERIOD)] = None,
) -> dict[str, Any]:
    """Comments, oldest first (a plan number's stay with it from cycle to cycle)."""
    rows = collab.list_comments(db, entity=entity, key=key, period=period)
    return {"comments": plain(rows)}


@router.post("/api/comments", status_code=201, response_model=CommentRead)
def comment(body: CommentIn, who: Who, db: Db) -> dict[str, Any]:
    """Comment on a family, product, period, scenario, stage or plan number."""
    return obj(collab.add_comment(db, actor=who, **body.model_dump()))


@router.put("/api/comments/{comment_id}", response_model=CommentRead)
def edit_comment(comment_id: Id, body: EditIn, who: Who, db: Db) -> dict[str, Any]:
    """Edit your comment (409 with both texts if it changed since you read it)."""
    edited = collab.edit_comment(
        db, actor=who, comment_id=comment_id, expected_version=body.version, body=body.body
    )
    return obj(edited)


@router.get("/api/inbox", response_model=InboxRead)
def inbox(who: Who, db: Db) -> dict[str, Any]:
    """What needs your action: sign-offs due, mentions, decisions."""
    return {"items": plain(collab.inbox(db, who.username))}


@router.get("/api/decisions", response_model=DecisionsRead)
def decisions(
    who: Who,
    db: Db,
    status: Annotated[str | None, Query(max_length=20)] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """The decisions log."""
    return {"decisions": plain(collab.list_decisions(db, status=status, owner=owner))}


@router.post("/api/decisions", status_code=201, response_model=DecisionRead)
def decide(body: DecisionIn, who: Who, db: Db) -> dict[str, Any]:
    """Record a decision (executives), linked to the scenario and plan it chose."""
    return obj(collab.record_decision(db, actor=who, **body.model_dump()))


@router.put("/api/decisions/{decision_id}", response_model=DecisionRead)
def update_decision(decision_id: Id, body: DecisionUpdate, who: Who, db: Db) -> dict[str, Any]:
    """Report on a decision (409 with both values if it changed since you read it)."""
    updated = collab.update_decision(
        db,
        actor=who,
        decision_id=decision_id,
        expected_version=body.version,
        status=body.status,
        notes=body.notes,
    )
    return obj(updated)


@router.get("/api/assumptions", response_model=AssumptionsRead)
def assumptions(who: Who, db: Db) -> dict[str, Any]:
    """The assumptions register."""
    return {"assumptions": plain(collab.list_assumptions(db))}


@router.post("/api/assumptions", status_code=201, response_model=AssumptionRead)
def assume(body: AssumptionIn, who: Who, db: Db) -> dict[str, Any]:
    """Record an assumption and the inputs that rest on it."""
    return obj(collab.add_assumption(db, actor=who, **body.model_dump()))


@router.post("/api/assumptions/score", response_model=ScoredRead)
def score(who: Who, db: Db) -> dict[str, Any]:
    """Score open assumptions against the actual orders that have arrived."""
    return obj(collab.score_assumptions(db, actor=who))
