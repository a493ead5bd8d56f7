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
from sqlalchemy.orm import Session

from snop.demo.actuals import month_actuals
from snop.errors import Conflict, InvalidInput, Issue, NotFound
from snop.frames import shift_period
from snop.reconcile.kpis import plan_adherence
from snop.services import audit
from snop.services import demand as demand_service
from snop.services import supply as supply_service
from snop.services.database import Database
from snop.services.imports import ImportReport, import_into
from snop.store import cycles as cycle_store
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.store.tables import PlanCycle, PlanVersion
from snop.workbook.read import RawWorkbook, read_workbook
from snop.workbook.write import write_workbook

ACTUALS_SHEETS = frozenset({"demand_history", "inventory"})
"""What closing a month needs; production and receipts are welcome too."""
_MONTHLY_SHEETS = ("demand_history", "production")


@dataclass(frozen=True, slots=True)
class CycleView:
    """The open cycle and the ones closed before it."""

    period: str
    plan_version_id: int | None
    published_at: dt.datetime | None
    published_by: str | None
    closed: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "period": self.period,
            "plan_of_record": self.plan_version_id,
            "published_at": None if self.published_at is None else self.published_at.isoformat(),
            "published_by": self.published_by,
            "closed": self.closed,
        }


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
    return cycle


def status(db: Database) -> CycleView:
    """Where the cycle stands: its month, plan of record, and what earlier closes found."""
    with db.sessions.begin() as s:
        cycle = current(s)
        closed = [
            {"period": c.period, "plan_of_record": c.plan_version_id}
            | {k: v for k, v in c.review.items() if k != "plan_version"}
            for c in cycle_store.cycles(s)
            if c.closed_at is not None
        ]
        return CycleView(
            cycle.period, cycle.plan_version_id, cycle.published_at, cycle.published_by, closed
        )


def publish(
    db: Database, *, actor: str, version_id: int | None = None, replace: bool = False
) -> CycleView:
    """Make a feasible plan version the cycle's plan of record and freeze it.

    Refused when the plan is not feasible, when it plans another month than the cycle's, or
    when the cycle already has a plan of record and ``replace`` is not set (the executive
    review promoting a scenario replaces it; the replaced version stays, unpublished).
    """
    with db.sessions.begin() as s:
        cycle = current(s, lock=True)
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
        cycle.plan_version_id = version.id
        cycle.published_at = now
        cycle.published_by = actor
        cycle.version += 1
        audit.record(
            s,
            actor,
            "cycle.publish",
            entity="plan_cycle",
            entity_key=cycle.period,
            details={
                "plan_version": version.id,
                "scenario": version.scenario_id,
                "replaced": previous if previous != version.id else None,
            },
        )
        return CycleView(cycle.period, version.id, now, actor)


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


def close(db: Database, actuals: Path, *, actor: str) -> CloseReport:
    """Import the month's actuals, hold them against the plan of record, open the next cycle.

    All of it is one transaction: bad actuals (a row of another month, an unknown product)
    change nothing. Re-forecasting and re-planning are the caller's next steps.
    """
    raw = read_workbook(actuals)
    with db.sessions.begin() as s:
        cycle = current(s, lock=True)
        if cycle.plan_version_id is None:
            raise Conflict(
                f"cycle {cycle.period} has no plan of record: publish one (`snop publish`) "
                "before closing the month, so its actuals have a plan to be held against"
            )
        _check_month(raw, cycle.period)
        report = import_into(s, raw, source=str(actuals), actor=actor, required=ACTUALS_SHEETS)
        position = store_frames.read_sheet(s, "inventory")
        cycle_store.write_snapshot(s, cycle.period, position)
        review = _review(s, cycle)
        cycle.closed_at = dt.datetime.now(dt.UTC)
        cycle.closed_by = actor
        cycle.review = review
        cycle.version += 1
        following = shift_period(cycle.period, 1)
        s.add(PlanCycle(period=following, review={}))
        audit.record(
            s,
            actor,
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
    review["demand_wape_lag1"] = _round(np.abs(error).sum() / ordered) if ordered else None
    review["demand_bias_lag1"] = _round((planned - ordered) / ordered) if ordered else None
    shipped = float(history["shipped"].sum())
    review["fill_rate"] = _round(shipped / ordered) if ordered else None
    review["planned_fill_rate"] = _planned_fill(plan)
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


def replan(db: Database, *, actor: str) -> dict[str, Any]:
    """Forecast from the history now closed and plan the new cycle (not published)."""
    summary = demand_service.run_forecast(db, actor=actor)
    run = supply_service.run_plan(db, actor=actor)
    return {
        "forecast_version": summary.version_id,
        "plan_version": run.version_id,
        "status": str(run.plan.status),
    }


def _planned_fill(plan: pd.DataFrame) -> float | None:
    demand = float(plan["demand"].sum())
    if demand <= 0:
        return None
    late = float(np.minimum(plan["backlog"], plan["demand"]).sum())
    return _round(1.0 - late / demand)


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


def closed_reviews(db: Database) -> list[dict[str, Any]]:
    """Every closed month's review, newest first."""
    with db.sessions.begin() as s:
        return [
            {"period": c.period, **c.review}
            for c in cycle_store.cycles(s)
            if c.closed_at is not None
        ]
