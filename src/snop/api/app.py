"""The REST API: every service the command line has, over HTTP with token auth.

`snop serve` runs it. Each route is a thin adapter: it authenticates the caller (an API
token from `snop user token`, or a session from ``POST /api/session``), calls one service
with that caller — the services enforce roles, scopes and the cycle's stages — and returns
JSON. snop's errors become JSON bodies with a message that says what to fix.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import BackgroundTasks, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from snop import __version__
from snop.demand.forecast import ForecastSettings
from snop.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NotSignedIn,
    SnopError,
    TooManyAttempts,
)
from snop.frames import records
from snop.services import (
    audit,
    collab,
    cycle,
    demand,
    exports,
    imports,
    reconcile,
    scenarios,
    simulate,
    status,
    supply,
    users,
)
from snop.services import report as report_service
from snop.services import versions as versions_service
from snop.services.auth import Caller
from snop.services.database import Database, open_database
from snop.services.uploads import saved_upload
from snop.supply.problem import Strategy

Json = dict[str, Any]
_bearer = HTTPBearer(auto_error=False, description="An API token or a session token.")
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_ID = 2_147_483_647
"""Ids are 32-bit in PostgreSQL: larger numbers are refused at the door."""
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain, times ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return _plain(records(value))
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT:
        return None
    return value


def _obj(value: Any) -> Json:
    """A JSON-safe object (a dict) from a service's result."""
    plain = _plain(value)
    assert isinstance(plain, dict)
    return plain


class SignIn(BaseModel):
    """A user name and password."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class OverrideIn(BaseModel):
    """A person's change to the forecast."""

    level: Literal["product", "family", "segment"]
    key: str = Field(min_length=1, max_length=200)
    period_from: str = Field(pattern=PERIOD)
    period_to: str = Field(pattern=PERIOD)
    reason_code: str = Field(min_length=1, max_length=100)
    change_pct: float | None = Field(default=None, ge=-100, le=10_000)
    change_qty: float | None = Field(default=None, ge=-1e9, le=1e9)
    comment: str | None = Field(default=None, max_length=2000)


class ReasonIn(BaseModel):
    """Why."""

    reason: str = Field(min_length=1, max_length=2000)


class ForecastIn(BaseModel):
    """A forecast run."""

    horizon: int = Field(default=18, ge=1, le=36)
    cutoff: str | None = Field(default=None, pattern=PERIOD)


class PlanIn(BaseModel):
    """Choices for a supply plan run."""

    strategy: Strategy = Strategy.COST
    frozen_periods: int | None = Field(default=None, ge=0, le=24)
    service_measure: Literal["fill_rate", "cycle_service"] | None = None


class ScenarioIn(BaseModel):
    """A scenario: a name and its changes (see docs/reconcile.md for the change kinds)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    changes: list[dict[str, Any]] = Field(min_length=1, max_length=100)


class PublishIn(BaseModel):
    """Which plan version to publish."""

    version: int | None = Field(default=None, ge=1, le=MAX_ID)
    replace: bool = False


class StageIn(BaseModel):
    """A sign-off note."""

    note: str | None = Field(default=None, max_length=2000)


class ReopenIn(BaseModel):
    """The stage to reopen and why."""

    stage: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=2000)


class UserIn(BaseModel):
    """A new user."""

    username: str = Field(min_length=1, max_length=100, pattern=r"^\S+$")
    password: str = Field(min_length=4, max_length=200)
    roles: list[str] = Field(min_length=1, max_length=7)
    display_name: str | None = Field(default=None, max_length=200)
    families: list[str] = Field(default_factory=list, max_length=100)
    segments: list[str] = Field(default_factory=list, max_length=100)


class TokenIn(BaseModel):
    """What a new API token is for."""

    name: str = Field(default="script", min_length=1, max_length=200)


def _error(status_code: int, error: SnopError) -> JSONResponse:
    body: Json = {"error": str(error), "kind": type(error).__name__}
    if isinstance(error, InvalidInput):
        body["issues"] = [i.to_dict() for i in error.issues]
        body["error"] = "; ".join(str(i) for i in error.issues) or str(error)
    return JSONResponse(status_code=status_code, content=body)


_STATUS = {
    TooManyAttempts: 429,
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    NotSignedIn: 401,
}


def status_code(error: SnopError) -> int:
    """The HTTP status of one of snop's errors."""
    for kind, code in _STATUS.items():
        if isinstance(error, kind):
            return code
    return 400


def error_response(error: SnopError) -> JSONResponse:
    """The JSON body of one of snop's errors."""
    return _error(status_code(error), error)


def create_app(database: str | None = None) -> FastAPI:
    """The API over one database (a SQLite path or a URL; default as the CLI's)."""
    db = open_database(database)
    app = FastAPI(
        title="snop",
        version=__version__,
        description="Sales & Operations Planning: one plan of record every month.",
    )

    @app.exception_handler(SnopError)
    async def snop_error(request: Request, error: SnopError) -> JSONResponse:
        return error_response(error)

    app.state.database = db
    _routes(app, db)
    return app


def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The signed-in caller of a request (401 without a valid token)."""
    if credentials is None:
        raise NotSignedIn(
            "send `Authorization: Bearer TOKEN` (a token from `snop user token`, or from "
            "POST /api/session)"
        )
    database: Database = request.app.state.database
    return users.caller_from_token(database, credentials.credentials)


Who = Annotated[Caller, Depends(_caller)]
Version = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _routes(app: FastAPI, db: Database) -> None:
    """Every route; grouped as the CLI's commands are."""

    @app.post("/api/session", tags=["auth"])
    def sign_in(body: SignIn, request: Request) -> Json:
        """Sign in with a password; returns a session token to send as a Bearer token.

        After 10 wrong passwords for a user (or 30 from one address) within 15 minutes,
        sign-in is refused with 429 for a while.
        """
        address = request.client.host if request.client else None
        who, token = users.start_session(db, body.username, body.password, address=address)
        return {"token": token, "username": who.username, "roles": [r.value for r in who.roles]}

    @app.get("/api/me", tags=["auth"])
    def me(who: Who) -> Json:
        """Who the token belongs to."""
        return {"username": who.username, "roles": [r.value for r in who.roles]}

    @app.get("/api/status", tags=["data"])
    def status_(who: Who) -> Json:
        """What the database holds."""
        return _obj(status.describe(db).to_dict())

    _demand_routes(app, db)
    _supply_routes(app, db)
    _reconcile_routes(app, db)
    _cycle_routes(app, db)
    _team_routes(app, db)
    _collab_routes(app, db)
    _file_routes(app, db)


def _demand_routes(app: FastAPI, db: Database) -> None:
    @app.get("/api/forecast", tags=["demand"])
    def forecast(
        who: Who,
        level: Literal["total", "family", "segment", "product", "product_segment"] = "family",
        key: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Json:
        """The forecast streams by month beside recent actuals."""
        return {"rows": _plain(demand.forecast_table(db, level=level, key=key))}

    @app.get("/api/overrides", tags=["demand"])
    def overrides(who: Who) -> Json:
        """Active overrides, oldest first."""
        return {"rows": _plain(demand.list_overrides(db))}

    @app.post("/api/overrides", tags=["demand"], status_code=201)
    def add_override(body: OverrideIn, who: Who) -> Json:
        """Override the forecast (sales and demand planners, in the demand review)."""
        override_id = demand.add_override(db, actor=who, **body.model_dump())
        return {"id": override_id}

    @app.get("/api/overrides/conflicts", tags=["demand"])
    def conflicts(who: Who) -> Json:
        """Overrides by different people on the same key and months."""
        return {"rows": _plain(demand.override_conflicts(db))}

    @app.post("/api/overrides/{override_id}/withdraw", tags=["demand"])
    def withdraw(override_id: Id, body: ReasonIn, who: Who) -> Json:
        """Withdraw one override of a conflict (demand planners); the consensus is rebuilt."""
        demand.resolve_conflict(db, actor=who, drop=override_id, reason=body.reason)
        return {"withdrawn": override_id}

    @app.post("/api/forecast", tags=["demand"], status_code=201)
    def run_forecast(body: ForecastIn, who: Who) -> Json:
        """Run the statistical forecast (demand planners); stored as a new version."""
        settings = ForecastSettings(horizon=body.horizon, n_jobs=1)
        summary = demand.run_forecast(db, actor=who, settings=settings, cutoff=body.cutoff)
        return _obj(summary.to_dict())

    @app.get("/api/demand/profile", tags=["demand"])
    def profile(who: Who) -> Json:
        """ABC/XYZ, demand class, trend and seasonality of every product."""
        return {"products": _plain(demand.profile(db).by_product)}

    @app.get("/api/accuracy", tags=["demand"])
    def accuracy(who: Who) -> Json:
        """WAPE and bias by stream and lag, and forecast value added."""
        report = demand.accuracy(db)
        return {"headline": _plain(report.headline()), "summary": _plain(report.summary)}


def _supply_routes(app: FastAPI, db: Database) -> None:
    @app.post("/api/plans", tags=["supply"], status_code=201)
    def plan(body: PlanIn, who: Who) -> Json:
        """Plan supply (supply planners, in the supply review); stored as a version."""
        run = supply.run_plan(
            db,
            actor=who,
            strategy=body.strategy,
            frozen_periods=body.frozen_periods,
            service_measure=body.service_measure,
        )
        return _obj(run.to_dict(detail=False))

    @app.get("/api/capacity", tags=["supply"])
    def capacity(who: Who) -> Json:
        """Rough-cut capacity: the load of demand on every resource and month."""
        check = supply.capacity_check(db)
        return {"load": _plain(check.load), "too_late": _plain(check.too_late)}

    @app.get("/api/tradeoff", tags=["supply"])
    def tradeoff(
        who: Who,
        levels: Annotated[list[float] | None, Query(max_length=12)] = None,
    ) -> Json:
        """The service-inventory curve: stock and cost of each service level."""
        table = scenarios.tradeoff(db, levels=tuple(levels)) if levels else scenarios.tradeoff(db)
        return {"rows": _plain(table)}

    @app.get("/api/plans", tags=["supply"])
    def plans(who: Who) -> Json:
        """Every plan version, newest first."""
        return {"versions": _plain(supply.plan_versions(db))}

    @app.get("/api/plans/{version}", tags=["supply"])
    def plan_version(
        version: Id,
        who: Who,
        level: Literal["total", "family", "product"] = "family",
        key: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Json:
        """One plan version: its header and its grid by month."""
        stored = supply.stored_plan(db, version_id=version)
        grid = supply.plan_grid(stored, level=level, key=key)
        return {"version": _plain(stored.version), "grid": _plain(grid)}

    @app.get("/api/plans/{version}/late", tags=["supply"])
    def late(version: Id, who: Who) -> Json:
        """Every late product, segment and month of a plan, and why."""
        stored = supply.stored_plan(db, version_id=version)
        return {"rows": _plain(stored.tables["late"])}


def _reconcile_routes(app: FastAPI, db: Database) -> None:
    @app.get("/api/money", tags=["pre-S&OP"])
    def money(
        who: Who,
        by: Annotated[list[Literal["period", "family", "segment"]] | None, Query()] = None,
        version: Version = None,
    ) -> Json:
        """The plan in money by period, family and/or segment."""
        evaluation = reconcile.evaluate(db, version_id=version)
        return {"rows": _plain(evaluation.money_table(list(by or ["family"])))}

    @app.get("/api/scorecard", tags=["pre-S&OP"])
    def scorecard(who: Who, version: Version = None) -> Json:
        """Every strategy target against the plan."""
        evaluation = reconcile.evaluate(db, version_id=version)
        return {"sentences": evaluation.sentences, "rows": _plain(evaluation.scorecard)}

    @app.get("/api/kpis", tags=["pre-S&OP"])
    def kpis(who: Who, version: Version = None) -> Json:
        """KPIs of the last 12 months and of the plan."""
        return {"rows": _plain(reconcile.evaluate(db, version_id=version).kpis)}

    @app.get("/api/simulations", tags=["pre-S&OP"])
    def simulations(who: Who) -> Json:
        """Every stored closed-loop simulation (`snop simulate`), newest first."""
        return {"rows": _plain(simulate.list_simulations(db))}

    @app.get("/api/simulations/latest", tags=["pre-S&OP"])
    def latest_simulation(who: Who) -> Json:
        """The latest closed-loop simulation: every policy's service, stock, cost and capacity."""
        stored: Json = simulate.latest_simulation(db)
        return stored

    @app.get("/api/exceptions", tags=["pre-S&OP"])
    def exceptions(who: Who, version: Version = None) -> Json:
        """What needs attention, ranked by money at stake."""
        return {"rows": _plain(reconcile.evaluate(db, version_id=version).exceptions)}

    @app.get("/api/scenarios", tags=["scenarios"])
    def scenario_list(who: Who) -> Json:
        """Every scenario with its changes and last run."""
        return {"scenarios": _plain(scenarios.list_scenarios(db))}

    @app.post("/api/scenarios", tags=["scenarios"], status_code=201)
    def scenario_create(body: ScenarioIn, who: Who) -> Json:
        """Create a scenario (only its changes are stored)."""
        return _obj(
            scenarios.create(db, body.name, body.changes, actor=who, description=body.description)
        )

    @app.get("/api/scenarios/compare", tags=["scenarios"])
    def scenario_compare(
        who: Who,
        names: Annotated[list[str], Query(min_length=2, max_length=8)],
    ) -> Json:
        """Scenarios side by side ('base' is the plan of record)."""
        result = scenarios.compare(db, names)
        measures = result["measures"].rename_axis("measure").reset_index()
        return {"measures": _plain(measures), "families": _plain(result["families"])}

    @app.post("/api/scenarios/{name}/run", tags=["scenarios"])
    def scenario_run(name: str, who: Who) -> Json:
        """Re-plan and score a scenario."""
        return _obj(scenarios.run(db, name, actor=who).to_dict())

    @app.post("/api/scenarios/{name}/promote", tags=["scenarios"])
    def scenario_promote(name: str, who: Who) -> Json:
        """Make a scenario's plan the plan of record (executives)."""
        return _obj(scenarios.promote(db, name, actor=who))

    @app.delete("/api/scenarios/{name}", tags=["scenarios"])
    def scenario_delete(name: str, who: Who) -> Json:
        """Remove a scenario (kept in the audit trail)."""
        scenarios.delete(db, name, actor=who)
        return {"deleted": name}

    @app.get("/api/versions", tags=["versions"])
    def version_list(who: Who) -> Json:
        """Every forecast and plan run."""
        return {"versions": _plain(versions_service.list_versions(db))}

    @app.get("/api/versions/diff", tags=["versions"])
    def version_diff(
        who: Who,
        a: Annotated[int, Query(ge=1, le=MAX_ID)],
        b: Annotated[int, Query(ge=1, le=MAX_ID)],
    ) -> Json:
        """What changed between two plan versions and why."""
        return _obj(versions_service.diff_dict(versions_service.diff(db, a, b)))


def _cycle_routes(app: FastAPI, db: Database) -> None:
    @app.get("/api/cycle", tags=["cycle"])
    def cycle_status(who: Who) -> Json:
        """The open cycle: its stage, stages, plan of record."""
        return _obj(cycle.status(db).to_dict())

    @app.get("/api/cycle/health", tags=["cycle"])
    def health(who: Who) -> Json:
        """The data-health report (looking at it is recorded)."""
        return _obj(cycle.data_health(db, actor=who))

    @app.post("/api/cycle/advance", tags=["cycle"])
    def advance(body: StageIn, who: Who) -> Json:
        """Sign off the current stage (its owner)."""
        return _obj(cycle.advance(db, actor=who, note=body.note))

    @app.post("/api/cycle/reopen", tags=["cycle"])
    def reopen(body: ReopenIn, who: Who) -> Json:
        """Reopen a signed-off stage with a reason."""
        return _obj(cycle.reopen(db, actor=who, stage=body.stage, reason=body.reason))

    @app.post("/api/cycle/publish", tags=["cycle"])
    def publish(body: PublishIn, who: Who) -> Json:
        """Publish a plan as the plan of record (executives, in the executive review)."""
        view = cycle.publish(db, actor=who, version_id=body.version, replace=body.replace)
        return _obj(view.to_dict())


def _team_routes(app: FastAPI, db: Database) -> None:
    @app.get("/api/users", tags=["team"])
    def user_list(who: Who) -> Json:
        """Every user."""
        return {"users": _plain(users.list_users(db))}

    @app.post("/api/users", tags=["team"], status_code=201)
    def user_add(body: UserIn, who: Who) -> Json:
        """Add a user (admins)."""
        return _obj(users.add_user(db, actor=who, **body.model_dump()))

    @app.post("/api/users/{username}/disable", tags=["team"])
    def user_disable(username: str, who: Who) -> Json:
        """Stop a user signing in (admins)."""
        return _obj(users.disable_user(db, actor=who, username=username))

    @app.post("/api/users/{username}/tokens", tags=["team"], status_code=201)
    def user_token(username: str, body: TokenIn, who: Who) -> Json:
        """A new API token (admins, or the user for themself); shown once."""
        return {"token": users.create_token(db, actor=who, username=username, name=body.name)}

    @app.get("/api/audit", tags=["team"])
    def audit_log(
        who: Who,
        actor: Annotated[str | None, Query(max_length=100)] = None,
        action: Annotated[str | None, Query(max_length=100)] = None,
        entity: Annotated[str | None, Query(max_length=100)] = None,
        since: dt.datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
    ) -> Json:
        """The audit trail, newest first, filtered."""
        rows = audit.log(db, actor=actor, action=action, entity=entity, since=since, limit=limit)
        return {"rows": _plain(rows)}


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


def _collab_routes(app: FastAPI, db: Database) -> None:
    @app.get("/api/comments", tags=["conversation"])
    def comments(
        who: Who,
        entity: Annotated[str | None, Query(max_length=40)] = None,
        key: Annotated[str | None, Query(max_length=200)] = None,
        period: Annotated[str | None, Query(pattern=PERIOD)] = None,
    ) -> Json:
        """Comments, oldest first (a plan number's stay with it from cycle to cycle)."""
        rows = collab.list_comments(db, entity=entity, key=key, period=period)
        return {"comments": _plain(rows)}

    @app.post("/api/comments", tags=["conversation"], status_code=201)
    def comment(body: CommentIn, who: Who) -> Json:
        """Comment on a family, product, period, scenario, stage or plan number."""
        return _obj(collab.add_comment(db, actor=who, **body.model_dump()))

    @app.put("/api/comments/{comment_id}", tags=["conversation"])
    def edit_comment(comment_id: Id, body: EditIn, who: Who) -> Json:
        """Edit your comment (409 with both texts if it changed since you read it)."""
        return _obj(
            collab.edit_comment(
                db,
                actor=who,
                comment_id=comment_id,
                expected_version=body.version,
                body=body.body,
            )
        )

    @app.get("/api/inbox", tags=["conversation"])
    def inbox(who: Who) -> Json:
        """What needs your action: sign-offs due, mentions, decisions."""
        return {"items": _plain(collab.inbox(db, who.username))}

    @app.get("/api/decisions", tags=["conversation"])
    def decisions(
        who: Who,
        status: Annotated[str | None, Query(max_length=20)] = None,
        owner: Annotated[str | None, Query(max_length=100)] = None,
    ) -> Json:
        """The decisions log."""
        return {"decisions": _plain(collab.list_decisions(db, status=status, owner=owner))}

    @app.post("/api/decisions", tags=["conversation"], status_code=201)
    def decide(body: DecisionIn, who: Who) -> Json:
        """Record a decision (executives), linked to the scenario and plan it chose."""
        return _obj(collab.record_decision(db, actor=who, **body.model_dump()))

    @app.put("/api/decisions/{decision_id}", tags=["conversation"])
    def update_decision(decision_id: Id, body: DecisionUpdate, who: Who) -> Json:
        """Report on a decision (409 with both values if it changed since you read it)."""
        return _obj(
            collab.update_decision(
                db,
                actor=who,
                decision_id=decision_id,
                expected_version=body.version,
                status=body.status,
                notes=body.notes,
            )
        )

    @app.get("/api/assumptions", tags=["conversation"])
    def assumptions(who: Who) -> Json:
        """The assumptions register."""
        return {"assumptions": _plain(collab.list_assumptions(db))}

    @app.post("/api/assumptions", tags=["conversation"], status_code=201)
    def assume(body: AssumptionIn, who: Who) -> Json:
        """Record an assumption and the inputs that rest on it."""
        return _obj(collab.add_assumption(db, actor=who, **body.model_dump()))

    @app.post("/api/assumptions/score", tags=["conversation"])
    def score(who: Who) -> Json:
        """Score open assumptions against the actual orders that have arrived."""
        return _obj(collab.score_assumptions(db, actor=who))


def _file_routes(app: FastAPI, db: Database) -> None:
    @app.post("/api/import", tags=["data"])
    def import_workbook(
        who: Who,
        workbook: Annotated[UploadFile, File(description="The planning workbook (.xlsx).")],
        dry_run: bool = False,
    ) -> Json:
        """Import a planning workbook: every error listed, nothing written unless all is well."""
        with saved_upload(workbook) as path:
            report = imports.import_workbook(db, path, actor=who, dry_run=dry_run)
        return _obj(report.to_dict())

    @app.get("/api/export", tags=["data"], response_class=FileResponse)
    def export(who: Who, background: BackgroundTasks) -> FileResponse:
        """The data as a planning workbook (.xlsx)."""
        folder = Path(tempfile.mkdtemp(prefix="snop-export-"))
        path = folder / "snop-export.xlsx"
        exports.export_workbook(db, path)
        background.add_task(shutil.rmtree, folder, True)
        return FileResponse(path, filename=path.name)

    @app.post("/api/cycle/close", tags=["cycle"])
    def close_month(
        who: Who,
        actuals: Annotated[UploadFile, File(description="The month's actuals workbook.")],
        replan: bool = False,
    ) -> Json:
        """Close the month with its actuals; optionally forecast and plan the next cycle."""
        with saved_upload(actuals) as path:
            result = cycle.close_month(db, path, actor=who, replan=replan)
        data = result.closed.to_dict()
        if result.replanned is not None:
            data["replanned"] = result.replanned.to_dict()
        return _obj(data)

    @app.get("/api/report", tags=["cycle"], response_class=HTMLResponse)
    def meeting_pack(who: Who, version: Version = None) -> HTMLResponse:
        """The executive meeting pack as one self-contained HTML page."""
        return HTMLResponse(report_service.meeting_pack_html(db, version_id=version))
