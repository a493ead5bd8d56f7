"""The cycle page: stages and sign-offs, health, conversation, decisions and publishing.

Also the executive meeting pack, as `snop report` writes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from snop.services import collab, cycle, report, scenarios, supply
from snop.services.database import Database
from snop.web import deps, forms

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]


@router.get("/cycle")
def cycle_page(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """Stages, sign-off, health, conversation and decisions of the open cycle."""
    return deps.page(request, "cycle/page.html", who, "cycle", **_context(db))


def _context(db: Database, **extra: Any) -> dict[str, Any]:
    view = cycle.status(db)
    names = [s.name for s in scenarios.list_scenarios(db)]
    versions = supply.plan_versions(db).head(10).to_dict("records")
    context: dict[str, Any] = dict(
        comments=collab.list_comments(db)[-50:][::-1],
        assumptions=collab.list_assumptions(db),
        decisions=collab.list_decisions(db, cycle_period=view.period),
        closed=view.closed,
        scenario_names=names,
        plan_versions=versions,
        entities=collab.ENTITIES,
        levels=collab.LEVELS,
        decision_statuses=collab.DECISION_STATUSES,
        signed_off=[s for s in view.stages if s.status == "signed_off"],
        health=None,
    )
    return context | extra


@router.post("/cycle/health")
def health(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """The data-health report (looking at it lets data gathering be signed off)."""
    found = cycle.data_health(db, actor=who)
    if deps.is_htmx(request):
        return deps.page(request, "", who, "cycle", partial="cycle/_health.html", health=found)
    return deps.page(request, "cycle/page.html", who, "cycle", **_context(db, health=found))


@router.post("/cycle/advance")
def advance(request: Request, who: deps.User, db: deps.Db, note: Optional = "") -> Response:
    """Sign off the open stage."""
    done = cycle.advance(db, actor=who, note=note.strip() or None)
    return deps.done(request, "/cycle", f"Signed off; the cycle is now in {_title(done.stage)}.")


@router.post("/cycle/reopen")
def reopen(request: Request, who: deps.User, db: deps.Db, stage: Text, reason: Text) -> Response:
    """Reopen a signed-off stage with a reason."""
    cycle.reopen(db, actor=who, stage=stage, reason=reason)
    return deps.done(request, "/cycle", f"Reopened the {_title(stage)}.")


@router.post("/cycle/publish")
def publish(
    request: Request, who: deps.User, db: deps.Db, version: Optional = "", replace: Optional = ""
) -> Response:
    """Publish a plan version as the cycle's plan of record."""
    version_id = forms.whole(version, "version")
    view = cycle.publish(db, actor=who, version_id=version_id, replace=bool(replace))
    return deps.done(
        request, "/cycle", f"Published plan version {view.plan_version_id} as the plan of record."
    )


@router.post("/cycle/comments")
def comment(
    request: Request,
    who: deps.User,
    db: deps.Db,
    entity: Text,
    key: Text,
    body: Text,
    period: Optional = "",
) -> Response:
    """Comment on a family, product, period, scenario, stage or plan number."""
    collab.add_comment(
        db, actor=who, entity=entity, key=key.strip(), body=body, period=period.strip() or None
    )
    return deps.done(request, "/cycle#comments", "Comment added.")


@router.post("/cycle/assumptions")
def assumption(
    request: Request,
    who: deps.User,
    db: deps.Db,
    text: Text,
    owner: Text,
    level: Text,
    period_from: Text,
    period_to: Text,
    key: Optional = "all",
    expected: Optional = "",
    inputs: Optional = "",
) -> Response:
    """Put an assumption on the register."""
    collab.add_assumption(
        db,
        actor=who,
        text=text,
        owner=owner.strip(),
        level=level,
        key=key.strip() or "all",
        period_from=period_from.strip(),
        period_to=period_to.strip(),
        expected=forms.number(expected, "expected"),
        inputs=forms.names(inputs),
    )
    return deps.done(request, "/cycle#assumptions", "Assumption recorded.")


@router.post("/cycle/decisions")
def decide(
    request: Request,
    who: deps.User,
    db: deps.Db,
    title: Text,
    owner: Text,
    due_date: Optional = "",
    scenario: Optional = "",
    plan_version: Optional = "",
    notes: Optional = "",
) -> Response:
    """Log a decision of the executive review."""
    collab.record_decision(
        db,
        actor=who,
        title=title,
        owner=owner.strip(),
        due_date=forms.day(due_date, "due_date"),
        scenario=scenario.strip() or None,
        plan_version_id=forms.whole(plan_version, "plan_version"),
        notes=notes.strip() or None,
    )
    return deps.done(request, "/cycle#decisions", "Decision recorded.")


@router.post("/cycle/decisions/{decision_id}")
def update_decision(
    request: Request,
    who: deps.User,
    db: deps.Db,
    decision_id: int,
    status: Text,
    version: Text,
    notes: Optional = "",
) -> Response:
    """Change a decision's status from the version the user saw (a newer one is refused)."""
    expected = forms.whole(version, "version")
    collab.update_decision(
        db,
        actor=who,
        decision_id=decision_id,
        expected_version=expected or 0,
        status=status,
        notes=notes.strip() or None,
    )
    return deps.done(request, "/cycle#decisions", f"Decision {decision_id} is now {status}.")


@router.get("/cycle/report")
def meeting_pack(who: deps.User, db: deps.Db) -> HTMLResponse:
    """The executive meeting pack (self-contained HTML, as `snop report` writes it)."""
    return HTMLResponse(report.meeting_pack_html(db))


def _title(stage: str) -> str:
    return stage.replace("_", " ").replace("pre sop", "pre-S&OP")
