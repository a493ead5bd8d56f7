"""The rolling monthly cycle: publish the plan of record, close the month, open the next.

A cycle is named by its first plan month. Publishing freezes one feasible plan version as
the cycle's plan of record (the frozen fence of later plans holds to it). Closing imports
the month's actuals, compares them with the plan of record — production against plan
(adherence), orders against the plan's demand (accuracy at lag 1), shipments against the
planned service — and opens the next month's cycle, by default re-forecasting and
re-planning from the new position.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.demand import accuracy as accuracy_core
from snop.demo.actuals import month_actuals
from snop.errors import Conflict, Forbidden, InvalidInput, Issue, NotFound
from snop.frames import period_range, shift_period
from snop.reconcile.kpis import plan_adherence
from snop.services import audit
from snop.services import demand as demand_service
from snop.services import supply as supply_service
from snop.services.auth import Actor, Caller, name_of, require
from snop.services.database import Database
from snop.services.imports import ImportReport, import_into
from snop.store import cycles as cycle_store
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.store.tables import CycleStage, PlanCycle, PlanVersion
from snop.supply.service_level import planned_on_time
from snop.team.roles import Action, Role
from snop.team.stages import STAGE_NAMES, STAGES, due_date, stage_named
from snop.workbook.read import RawWorkbook, read_workbook
from snop.workbook.write import write_workbook

ACTUALS_SHEETS = frozenset({"demand_history", "inventory"})
"""What closing a month needs; production and receipts are welcome too."""
_MONTHLY_SHEETS = ("demand_history", "production")


@dataclass(frozen=True, slots=True)
class StageView:
    """One stage of a cycle: its owner, due date and sign-off."""

    stage: str
    title: str
    owner: str
    """The owner role's name."""
    due: dt.date | None
    status: str
    """``waiting``, ``open`` or ``signed_off``."""
    signed_off_by: str | None
    signed_off_at: dt.datetime | None
    note: str | None
    version: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "stage": self.stage,
            "title": self.title,
            "owner": self.owner,
            "due": _iso(self.due),
            "status": self.status,
            "signed_off_by": self.signed_off_by,
            "signed_off_at": _iso(self.signed_off_at),
            "note": self.note,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class ClosedMonth:
    """A closed month: its plan of record and what closing it found (`close`'s review)."""

    period: str
    plan_version_id: int | None
    review: dict[str, Any]
    """The review's figures (plan_adherence, orders, planned_demand, demand_wape_lag1,
    demand_bias_lag1, fill_rate, planned_fill_rate), without its plan version."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: period, plan_of_record, then the review's figures."""
        return {"period": self.period, "plan_of_record": self.plan_version_id} | self.review

    @property
    def sentences(self) -> list[str]:
        """The review as a planner reads it (`review_sentences`)."""
        return review_sentences(self.review)


@dataclass(frozen=True, slots=True)
class CycleView:
    """The open cycle and the ones closed before it."""

    period: str
    plan_version_id: int | None
    published_at: dt.datetime | None
    published_by: str | None
    closed: list[ClosedMonth] = field(default_factory=list)
    stage: str = "data_gathering"
    stages: list[StageView] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "period": self.period,
            "stage": self.stage,
            "stages": [s.to_dict() for s in self.stages],
            "plan_of_record": self.plan_version_id,
            "published_at": _iso(self.published_at),
            "published_by": self.published_by,
            "closed": [c.to_dict() for c in self.closed],
        }


def _iso(moment: dt.date | None) -> str | None:
    return None if moment is None else moment.isoformat()


def current(s: Session, *, lock: bool = False) -> PlanCycle:
    """The open cycle; the first one opens on the month after the last history month."""
    cycle = cycle_store.open_cycle(s, lock=lock)
    if cycle is not None:
        return cycle
    history = store_frames.read_sheet(s, "demand_history")
    if history.empty:
        raise NotFound("there is no demand history yet: import a workbook or run `snop demo`")
    cycle = PlanCycle(period=shift_period(str(history["period"].max()), 1), review={})
    s.add(cycle)
    s.flush()
    ensure_stages(s, cycle)
    return cycle


def ensure_stages(s: Session, cycle: PlanCycle) -> list[CycleStage]:
    """The cycle's stages, created with owners and due dates the first time they are asked."""
    rows = list(
        s.scalars(
            select(CycleStage)
            .where(CycleStage.cycle_period == cycle.period)
            .order_by(CycleStage.position)
        )
    )
    if rows:
        return rows
    current_position = STAGE_NAMES.index(cycle.stage) if cycle.stage in STAGE_NAMES else 0
    for position, stage in enumerate(STAGES):
        status = "signed_off" if position < current_position else "waiting"
        status = "open" if position == current_position else status
        row = CycleStage(
            cycle_period=cycle.period,
            stage=stage.name,
            position=position,
            owner_role=stage.owner.value,
            due_date=due_date(cycle.period, stage),
            status=status,
        )
        s.add(row)
        rows.append(row)
    s.flush()
    return rows


def _stage_view(row: CycleStage) -> StageView:
    return StageView(
        stage=row.stage,
        title=stage_named(row.stage).title,
        owner=row.owner_role,
        due=row.due_date,
        status=row.status,
        signed_off_by=row.signed_off_by,
        signed_off_at=row.signed_off_at,
        note=row.note,
        version=row.version,
    )


@dataclass(frozen=True, slots=True)
class SignedOff:
    """A stage signed off (`advance`) and the stage the cycle is now in."""

    period: str
    signed_off: str
    stage: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"period": self.period, "signed_off": self.signed_off, "stage": self.stage}


def advance(db: Database, *, actor: Actor, note: str | None = None) -> SignedOff:
    """Sign off the cycle's current stage (its owner role, or an admin) and open the next.

    Data gathering is signed off only once someone has looked at the data-health report.
    Publishing is done by `publish`, which signs off the executive review.
    """
    with db.sessions.begin() as s:
        cycle = current(s, lock=True)
        name = require(s, actor, Action.SIGN_OFF)
        rows = ensure_stages(s, cycle)
        row = next(r for r in rows if r.stage == cycle.stage)
        stage = stage_named(row.stage)
        if isinstance(actor, Caller) and not (
            stage.owner in actor.roles or Role.ADMIN in actor.roles
        ):
            raise Forbidden(
                f"the {stage.title.lower()} is signed off by the {stage.owner.value}, not by {name}"
            )
        if stage.name == "executive_review":
            raise Conflict("the executive review ends by publishing the plan: `snop publish`")
        if stage.name == "published":
            raise Conflict("the cycle is published: close the month to start the next one")
        if stage.name == "data_gathering" and not (row.note or "").startswith(HEALTH_SEEN):
            raise Conflict(
                "look at the data-health report first (`snop cycle health`): data gathering "
                "is signed off once it has been seen"
            )
        following = rows[row.position + 1]
        _sign_off(row, name, note)
        following.status = "open"
        following.version += 1
        cycle.stage = following.stage
        cycle.version += 1
        audit.record(
            s,
            name,
            "cycle.sign_off",
            entity="cycle_stage",
            entity_key=f"{cycle.period}/{row.stage}",
            details={"old": stage.name, "new": following.stage, "note": note},
        )
        return SignedOff(cycle.period, row.stage, following.stage)


HEALTH_SEEN = "data-health report seen"


@dataclass(frozen=True, slots=True)
class Finding:
    """One data-health check that found something."""

    check: str
    count: int
    """How many items the check found."""
    examples: list[str]
    """The first ten of them."""
    advice: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "check": self.check,
            "count": self.count,
            "examples": self.examples,
            "advice": self.advice,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The data-health report of the open cycle (`data_health`)."""

    period: str
    findings: list[Finding]

    @property
    def problems(self) -> int:
        """How many checks found something."""
        return len(self.findings)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "period": self.period,
            "findings": [f.to_dict() for f in self.findings],
            "problems": self.problems,
        }


def data_health(db: Database, *, actor: Actor) -> HealthReport:
    """What is missing or odd in the data, looked at before the demand review.

    Products without a price or a routing, resources without capacity, customers without
    a segment, products with months missing inside their history, months with no orders
    at all. Looking at it (any role) is recorded on the data-gathering stage, whose sign-off
    waits for it.
    """
    with db.sessions.begin() as s:
        name = require(s, actor, Action.READ)
        sheets = {
            n: store_frames.read_sheet(s, n)
            for n in ("products", "routings", "resources", "customers", "demand_history")
        }
        findings = _health_findings(sheets)
        cycle = current(s)
        for row in ensure_stages(s, cycle):
            if row.stage == "data_gathering" and row.status == "open":
                row.note = f"{HEALTH_SEEN} by {name} at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
                row.version += 1
        return HealthReport(cycle.period, findings)


def _health_findings(sheets: dict[str, pd.DataFrame]) -> list[Finding]:
    products, history = sheets["products"], sheets["demand_history"]
    found: list[Finding] = []

    def add(check: str, items: list[str], advice: str) -> None:
        if items:
            found.append(Finding(check, len(items), items[:10], advice))

    no_price = products[products["price"].isna() | (products["price"] <= 0)]
    add("products without a price", list(no_price["product_id"]), "add a price: no revenue")
    active = products[products["status"].fillna("active") != "phase_out"]
    routed = set(sheets["routings"]["product_id"])
    add(
        "products without a routing",
        sorted(set(active["product_id"]) - routed),
        "add routings, or the plan makes them on no resource",
    )
    resources = sheets["resources"]
    add(
        "resources without capacity",
        list(resources[resources["capacity"].fillna(0) <= 0]["resource_id"]),
        "give the resource hours",
    )
    customers = sheets["customers"]
    add(
        "customers without a segment",
        list(customers[customers["segment"].isna()]["customer_id"]),
        "put each customer in a segment for its service target",
    )
    if not history.empty:
        months = history.groupby("product_id")["period"].agg(["min", "max", "nunique"])
        spans = months.apply(lambda r: len(period_range(str(r["min"]), str(r["max"]))), axis=1)
        gaps = months[spans > months["nunique"]]
        add(
            "products with months missing inside their history",
            list(gaps.index.astype(str)),
            "a month without orders reads as zero demand: check it is real",
        )
        every = period_range(str(history["period"].min()), str(history["period"].max()))
        add(
            "months with no orders at all",
            sorted(set(every) - set(history["period"])),
            "import the missing months",
        )
    return found


def _sign_off(row: CycleStage, name: str, note: str | None) -> None:
    row.status = "signed_off"
    row.signed_off_by = name
    row.signed_off_at = dt.datetime.now(dt.UTC)
    if note:
        row.note = f"{row.note}; {note}" if row.note else note
    row.version += 1


@dataclass(frozen=True, slots=True)
class Reopened:
    """A stage reopened (`reopen`), and the plan of record it withdrew (if any)."""

    period: str
    stage: str
    withdrawn_plan: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"period": self.period, "stage": self.stage, "withdrawn_plan": self.withdrawn_plan}


def reopen(db: Database, *, actor: Actor, stage: str, reason: str) -> Reopened:
    """Reopen a signed-off stage with a reason; the stages after it wait again.

    Reopening a stage before publishing withdraws the plan of record (it stays a version).
    """
    if not reason.strip():
        raise InvalidInput(
            [Issue("no_reason", "reopening a stage needs a reason", column="reason")]
        )
    try:
        target = stage_named(stage)
    except ValueError as error:
        raise InvalidInput([Issue("bad_stage", str(error), column="stage")]) from error
    with db.sessions.begin() as s:
        cycle = current(s, lock=True)
        name = require(s, actor, Action.REOPEN)
        rows = ensure_stages(s, cycle)
        index = STAGE_NAMES.index(target.name)
        if index >= STAGE_NAMES.index(cycle.stage):
            raise Conflict(f"the {target.title.lower()} is not signed off yet: nothing to reopen")
        old = cycle.stage
        for row in rows[index:]:
            row.status = "open" if row.position == index else "waiting"
            row.version += 1
        rows[index].note = f"reopened by {name}: {reason}"
        withdrawn = None
        if old == "published" and cycle.plan_version_id is not None:
            version = s.get(PlanVersion, cycle.plan_version_id)
            if version is not None:
                version.published_at = None
            withdrawn, cycle.plan_version_id = cycle.plan_version_id, None
            cycle.published_at = None
        cycle.stage = target.name
        cycle.version += 1
        audit.record(
            s,
            name,
            "cycle.reopen",
            entity="cycle_stage",
            entity_key=f"{cycle.period}/{target.name}",
            details={"old": old, "new": target.name, "reason": reason, "withdrawn": withdrawn},
        )
        return Reopened(cycle.period, target.name, withdrawn)


def status(db: Database) -> CycleView:
    """Where the cycle stands: its month, plan of record, and what earlier closes found."""
    with db.sessions.begin() as s:
        cycle = current(s)
        closed = [_closed(c) for c in cycle_store.cycles(s) if c.closed_at is not None]
        stages = [_stage_view(row) for row in ensure_stages(s, cycle)]
        return CycleView(
            cycle.period,
            cycle.plan_version_id,
            cycle.published_at,
            cycle.published_by,
            closed,
            cycle.stage,
            stages,
        )


def publish(
    db: Database, *, actor: Actor, version_id: int | None = None, replace: bool = False
) -> CycleView:
    """Make a feasible plan version the cycle's plan of record and freeze it.

    Refused when the plan is not feasible, when it plans another month than the cycle's, or
    when the cycle already has a plan of record and ``replace`` is not set (the executive
    review promoting a scenario replaces it; the replaced version stays, unpublished).
    """
    with db.sessions.begin() as s:
        cycle = current(s, lock=True)
        name = require(s, actor, Action.PUBLISH)
        version = _plan_to_publish(s, version_id)
        previous = cycle.plan_version_id
        if previous is not None and replace and previous != version.id:
            old = s.get(PlanVersion, previous)
            if old is not None:
                old.published_at = None
        elif previous is not None and not replace:
            raise Conflict(
                f"cycle {cycle.period} is already published (plan version "
                f"{cycle.plan_version_id} by {cycle.published_by}); the plan of record stays "
                "frozen until the month is closed with `snop cycle close`"
            )
        if version.first_period != cycle.period:
            raise InvalidInput(
                [
                    Issue(
                        "wrong_cycle",
                        f"plan version {version.id} starts in {version.first_period}, but the "
                        f"cycle is {cycle.period}: plan the cycle's months first",
                    )
                ]
            )
        now = dt.datetime.now(dt.UTC)
        version.published_at = now
        rows = ensure_stages(s, cycle)
        for row in rows:
            if row.stage == "executive_review" and row.status != "signed_off":
                _sign_off(row, name, "published")
            if row.stage == "published":
                row.status = "open"
                row.version += 1
            elif row.status != "signed_off":
                _sign_off(row, name, "skipped: published")
        cycle.stage = "published"
        cycle.plan_version_id = version.id
        cycle.published_at = now
        cycle.published_by = name
        cycle.version += 1
        audit.record(
            s,
            name,
            "cycle.publish",
            entity="plan_cycle",
            entity_key=cycle.period,
            details={
                "plan_version": version.id,
                "scenario": version.scenario_id,
                "replaced": previous if previous != version.id else None,
            },
        )
        return CycleView(cycle.period, version.id, now, name)


def _plan_to_publish(s: Session, version_id: int | None) -> PlanVersion:
    version = (
        plan_store.latest_version(s, feasible=True)
        if version_id is None
        else s.get(PlanVersion, version_id)
    )
    if version is None:
        what = "no feasible plan" if version_id is None else f"no plan version {version_id}"
        raise NotFound(f"there is {what} to publish: run `snop plan`")
    if version.status != "optimal":
        raise InvalidInput(
            [Issue("infeasible_plan", f"plan version {version.id} is {version.status}")]
        )
    return version


@dataclass(frozen=True, slots=True)
class CloseReport:
    """What closing a month found and did."""

    period: str
    next_period: str
    imported: ImportReport
    review: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "period": self.period,
            "next_period": self.next_period,
            "imported": self.imported.to_dict(),
            "review": self.review,
        }


def close(db: Database, actuals: Path, *, actor: Actor) -> CloseReport:
    """Import the month's actuals, hold them against the plan of record, open the next cycle.

    All of it is one transaction: bad actuals (a row of another month, an unknown product)
    change nothing. Re-forecasting and re-planning are the caller's next steps.
    """
    raw = read_workbook(actuals)
    with db.sessions.begin() as s:
        cycle = current(s, lock=True)
        name = require(s, actor, Action.CLOSE_MONTH)
        if cycle.plan_version_id is None:
            raise Conflict(
                f"cycle {cycle.period} has no plan of record: publish one (`snop publish`) "
                "before closing the month, so its actuals have a plan to be held against"
            )
        _check_month(raw, cycle.period)
        report = import_into(s, raw, source=str(actuals), actor=name, required=ACTUALS_SHEETS)
        position = store_frames.read_sheet(s, "inventory")
        cycle_store.write_snapshot(s, cycle.period, position)
        review = _review(s, cycle)
        cycle.closed_at = dt.datetime.now(dt.UTC)
        cycle.closed_by = name
        cycle.review = review
        cycle.version += 1
        following = shift_period(cycle.period, 1)
        s.add(PlanCycle(period=following, review={}))
        audit.record(
            s,
            name,
            "cycle.close",
            entity="plan_cycle",
            entity_key=cycle.period,
            details={"review": review, "next": following},
        )
    return CloseReport(cycle.period, following, report, review)


def _check_month(raw: RawWorkbook, period: str) -> None:
    """Monthly sheets of the actuals must be of the closing month, and nothing else."""
    issues: list[Issue] = []
    for name in _MONTHLY_SHEETS:
        sheet = raw.sheets.get(name)
        if sheet is None or "period" not in sheet:
            continue
        wrong = sheet[sheet["period"].astype(str) != period]
        issues.extend(
            Issue(
                "wrong_month",
                f"the month being closed is {period}; this row is for {value}",
                sheet=name,
                row=int(row),
                column="period",
                value=value,
            )
            for row, value in zip(wrong["_row"], wrong["period"], strict=True)
        )
    if issues:
        raise InvalidInput(issues)


def _review(s: Session, cycle: PlanCycle) -> dict[str, Any]:
    """The month against its plan of record: adherence, demand accuracy, service."""
    assert cycle.plan_version_id is not None
    month = cycle.period
    plan = plan_store.read_table(s, "products", cycle.plan_version_id)
    plan = plan[plan["period"] == month]
    history = store_frames.read_sheet(s, "demand_history")
    history = history[history["period"] == month]
    production = store_frames.read_sheet(s, "production")
    production = production[production["period"] == month]
    review: dict[str, Any] = {"plan_version": cycle.plan_version_id}
    if not production.empty:
        adherence = plan_adherence(production, plan[["product_id", "period", "production"]])
        total = adherence[adherence["product_id"] == "all"]
        review["plan_adherence"] = _round(total["adherence"].iloc[0]) if len(total) else None
    ordered = float(history["ordered"].sum())
    planned = float(plan["demand"].sum())
    review["orders"] = ordered
    review["planned_demand"] = round(planned, 1)
    by_product = history.groupby("product_id")["ordered"].sum()
    error = plan.set_index("product_id")["demand"].reindex(by_product.index).fillna(0.0)
    error = error.sub(by_product, fill_value=0.0)
    wape = accuracy_core.wape(float(np.abs(error).sum()), ordered)
    bias = accuracy_core.bias(planned - ordered, ordered)
    review["demand_wape_lag1"] = None if np.isnan(wape) else _round(wape)
    review["demand_bias_lag1"] = None if np.isnan(bias) else _round(bias)
    shipped = float(history["shipped"].sum())
    review["fill_rate"] = _round(shipped / ordered) if ordered else None
    segments = plan_store.read_table(s, "segments", cycle.plan_version_id)
    review["planned_fill_rate"] = _planned_fill(segments, month)
    return review


def review_sentences(review: dict[str, Any]) -> list[str]:
    """A closed month's review as a planner reads it."""
    lines = []
    if review.get("plan_adherence") is not None:
        lines.append(
            f"Production kept to plan at {review['plan_adherence']:.1%} "
            "(1 - the units off plan over the units planned)."
        )
    if review.get("demand_wape_lag1") is not None:
        bias = review["demand_bias_lag1"]
        side = "over" if bias > 0 else "under"
        lines.append(
            f"Customers ordered {review['orders']:,.0f} units against "
            f"{review['planned_demand']:,.0f} planned: error "
            f"{review['demand_wape_lag1']:.1%} of orders, "
            f"{abs(bias):.1%} {side}-forecast."
        )
    if review.get("fill_rate") is not None:
        planned = review.get("planned_fill_rate")
        against = "" if planned is None else f" against {planned:.1%} planned"
        lines.append(
            f"{review['fill_rate']:.1%} of the units ordered shipped in the month{against}."
        )
    return lines


@dataclass(frozen=True, slots=True)
class Replanned:
    """The forecast and plan made for the cycle a closed month opened."""

    forecast_version: int
    plan_version: int | None
    """None when the plan was not stored (the optimiser found none)."""
    status: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "forecast_version": self.forecast_version,
            "plan_version": self.plan_version,
            "status": self.status,
        }


def replan(db: Database, *, actor: Actor) -> Replanned:
    """Forecast from the history now closed and plan the new cycle (not published)."""
    return _forecast_and_plan(db, actor=actor)


def _forecast_and_plan(db: Database, *, actor: Actor) -> Replanned:
    # Part of closing the month the caller was allowed to close: the system's own step.
    name = name_of(actor)
    summary = demand_service.run_forecast(db, actor=name)
    run = supply_service.run_plan(db, actor=name)
    return Replanned(summary.version_id, run.version_id, str(run.plan.status))


@dataclass(frozen=True, slots=True)
class MonthClosed:
    """A closed month and, when asked for, the forecast and plan of the next cycle."""

    closed: CloseReport
    replanned: Replanned | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the close report with ``replanned`` (null when not asked for)."""
        replanned = None if self.replanned is None else self.replanned.to_dict()
        return self.closed.to_dict() | {"replanned": replanned}


def close_month(db: Database, actuals: Path, *, actor: Actor, replan: bool) -> MonthClosed:
    """Close the month with its actuals (`close`), then with ``replan`` forecast and plan.

    The close is one transaction; the forecast and the plan run after it, each stored as
    its own version, so a failing re-plan leaves the month closed (run it again by hand).
    """
    closed = close(db, actuals, actor=actor)
    return MonthClosed(closed, _forecast_and_plan(db, actor=actor) if replan else None)


def _planned_fill(plan_segments: pd.DataFrame, month: str) -> float | None:
    """The plan's fill rate of the month: the KPI's own rule (on time over demand)."""
    on_time = planned_on_time(plan_segments)  # needs the months before for what was owed
    in_month = plan_segments["period"] == month
    demand = float(plan_segments.loc[in_month, "demand"].sum())
    if demand <= 0:
        return None
    return _round(float(on_time[in_month].sum()) / demand)


def _round(value: float) -> float:
    return round(float(value), 4)


def demo_actuals(db: Database, out: Path, *, seed: int = 7) -> Path:
    """Write the demo company's actuals of the open cycle's month, against its plan."""
    with db.sessions.begin() as s:
        cycle = current(s)
        if cycle.plan_version_id is None:
            raise Conflict(f"cycle {cycle.period} has no plan of record: `snop publish` first")
        sheets = {
            name: store_frames.read_sheet(s, name)
            for name in (
                "products",
                "customers",
                "segments",
                "demand_history",
                "inventory",
                "receipts",
            )
        }
        plan = plan_store.read_table(s, "products", cycle.plan_version_id)
        month = cycle.period
    actuals = month_actuals(
        month,
        plan_products=plan,
        products=sheets["products"],
        customers=sheets["customers"],
        segments=sheets["segments"],
        history=sheets["demand_history"],
        inventory=sheets["inventory"],
        receipts=sheets["receipts"],
        seed=seed,
    )
    write_workbook(out, actuals)
    return out


def closed_reviews(db: Database) -> list[ClosedMonth]:
    """Every closed month's review, newest first."""
    with db.sessions.begin() as s:
        return [_closed(c) for c in cycle_store.cycles(s) if c.closed_at is not None]


def _closed(cycle: PlanCycle) -> ClosedMonth:
    review = {k: v for k, v in cycle.review.items() if k != "plan_version"}
    return ClosedMonth(cycle.period, cycle.plan_version_id, review)
