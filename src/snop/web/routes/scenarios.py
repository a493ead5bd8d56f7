"""Scenarios: the list with each one's headline, a form to create one, run, compare, promote.

A scenario stores only its changes; the form offers the common kinds as fields (demand up
or down for a family or segment over some months, a resource's capacity changed or lost,
a new product launched like an existing one, the plan's strategy) and takes any other
change as a line of text, written as on the command line (`snop scenario create`).
Comparing re-reads each scenario's plan (about half a second each), so comparisons and
the service-inventory curve are kept until the data changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from snop.errors import NotFound
from snop.report import format as fmt
from snop.services import cycle, memo, reconcile, scenarios
from snop.services.auth import Caller
from snop.services.database import Database
from snop.team.roles import Action, roles_allowed
from snop.team.stages import STAGES, allowed_in, stage_allowing
from snop.web import deps
from snop.web.charts import money as charts

router = APIRouter(include_in_schema=False)

BASE_DESCRIPTION = "The cycle's plan of record (else its latest feasible plan)."
STRATEGIES = ("cost", "level", "chase")
CHANGE_KINDS_HELP = (
    "demand pct=20 family=Tents segment=Online from=2027-05 to=2027-07",
    "demand qty=-50 product_id=TN-200",
    "demand_bound bound=lo_80",
    "capacity resource_id=N-SEW2 pct=-100 from=2027-01 to=2027-02",
    "capacity resource_id=S-PCK hours=2400 from=2027-06",
    "new_product product_id=TN-250 like=TN-200 launch_period=2027-02 share=0.6 price=259",
    "cost field=price pct=5 family=Backpacks",
    "resource_cost field=overtime_cost pct=10",
    "service_target service_target=0.97 segment=Retail",
    "strategy strategy=level",
)
"""Examples shown under the free-text changes box, one per change kind."""


class ScenarioForm(BaseModel):
    """The create form's fields (all text: empty means 'not used')."""

    name: str = ""
    description: str = ""
    demand_pct: str = ""
    demand_family: str = ""
    demand_segment: str = ""
    demand_from: str = ""
    demand_to: str = ""
    capacity_resource: str = ""
    capacity_pct: str = ""
    capacity_from: str = ""
    capacity_to: str = ""
    product_id: str = ""
    product_name: str = ""
    product_like: str = ""
    product_launch: str = ""
    product_share: str = ""
    product_price: str = ""
    product_cannibalisation: str = ""
    strategy: str = ""
    changes_text: str = ""


@router.get("/scenarios")
def scenario_list(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """Every scenario with its headline, the create form, compare and the tradeoff."""
    return _page(request, who, db)


@router.get("/scenarios/compare")
def scenario_compare(
    request: Request,
    who: deps.User,
    db: deps.Db,
    names: Annotated[list[str] | None, Query()] = None,
) -> HTMLResponse:
    """Scenarios side by side (``base`` is the plan of record), with their differences."""
    chosen = [n for n in dict.fromkeys(names or []) if n.strip()]
    comparison = memo.kept(
        db, ("scenario-compare", tuple(chosen)), lambda: compare_view(scenarios.compare(db, chosen))
    )
    return _page(
        request,
        who,
        db,
        partial="scenarios/_comparison.html",
        comparison=comparison,
        chosen=chosen,
    )


@router.get("/scenarios/tradeoff")
def scenario_tradeoff(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """The service-inventory curve (a few seconds the first time; kept afterwards)."""
    tradeoff = memo.kept(db, ("scenario-tradeoff",), lambda: tradeoff_view(scenarios.tradeoff(db)))
    return _page(request, who, db, partial="scenarios/_tradeoff.html", tradeoff=tradeoff)


@router.post("/scenarios")
def scenario_create(
    request: Request, who: deps.User, db: deps.Db, form: Annotated[ScenarioForm, Form()]
) -> Response:
    """Create a scenario from the form's fields and lines of text."""
    view = scenarios.create(
        db, form.name, form_changes(form), actor=who, description=form.description.strip()
    )
    return deps.done(
        request,
        "/scenarios",
        f"Scenario '{view.name}' created with {len(view.changes)} change(s): run it to "
        "see its plan.",
    )


@router.post("/scenarios/{name:path}/run")
def scenario_run(request: Request, who: deps.User, db: deps.Db, name: str) -> Response:
    """Re-plan and score a scenario."""
    result = scenarios.run(db, name, actor=who)
    return deps.done(
        request,
        "/scenarios",
        f"Scenario '{name}' run: plan version {result.version_id}, {result.status}, "
        f"{result.seconds:.1f} s.",
    )


@router.post("/scenarios/{name:path}/promote")
def scenario_promote(request: Request, who: deps.User, db: deps.Db, name: str) -> Response:
    """Make a scenario's plan the cycle's plan of record."""
    promoted = scenarios.promote(db, name, actor=who)
    return deps.done(
        request,
        "/scenarios",
        f"Scenario '{name}' promoted: plan version {promoted.cycle.plan_version_id} is the "
        f"plan of record of cycle {promoted.cycle.period}.",
    )


@router.post("/scenarios/{name:path}/delete")
def scenario_delete(request: Request, who: deps.User, db: deps.Db, name: str) -> Response:
    """Remove a scenario (its changes stay in the audit trail)."""
    scenarios.delete(db, name, actor=who)
    return deps.done(request, "/scenarios", f"Scenario '{name}' deleted.")


def _page(
    request: Request,
    who: Caller,
    db: Database,
    *,
    partial: str | None = None,
    comparison: dict[str, Any] | None = None,
    chosen: Sequence[str] = (),
    tradeoff: dict[str, Any] | None = None,
) -> HTMLResponse:
    if partial is not None and deps.is_htmx(request):
        return deps.page(
            request,
            "scenarios/page.html",
            who,
            "scenarios",
            partial=partial,
            comparison=comparison,
            tradeoff=tradeoff,
        )
    rows = memo.kept(db, ("scenario-rows",), lambda: scenario_rows(db))
    if tradeoff is None:
        tradeoff = kept_only(db, ("scenario-tradeoff",))
    stage = cycle.status(db).stage
    comparable = [r["name"] for r in rows if r["comparable"]]
    return deps.page(
        request,
        "scenarios/page.html",
        who,
        "scenarios",
        partial=partial,
        rows=rows,
        choices=memo.kept(db, ("scenario-choices",), lambda: scenarios.choices(db)),
        strategies=STRATEGIES,
        examples=CHANGE_KINDS_HELP,
        comparison=comparison,
        comparable=comparable,
        chosen=list(chosen) or comparable[:2],
        tradeoff=tradeoff,
        may_change=deps.may(who, Action.SCENARIO),
        may_promote=deps.may(who, Action.PROMOTE),
        change_stage=_stage_note(stage, Action.SCENARIO),
        promote_stage=_stage_note(stage, Action.PROMOTE),
        change_roles=", ".join(r.value for r in roles_allowed(Action.SCENARIO)),
    )


def _stage_note(stage: str, action: Action) -> str:
    """'' when the stage allows the action, else which stages do."""
    if allowed_in(stage, action):
        return ""
    titles = {s.name: s.title for s in STAGES}
    allowed = [titles[s] for s in stage_allowing(action)]
    where = " or ".join([", ".join(allowed[:-1]), allowed[-1]] if len(allowed) > 1 else allowed)
    return f"the cycle is in {titles.get(stage, stage)}; this is done in {where}"


class _NotKept(Exception):
    """Raised instead of computing: the caller only wanted a kept result."""


def kept_only(db: Database, key: tuple[str, ...]) -> dict[str, Any] | None:
    """A result kept by `memo.kept` at the current revision, without computing it."""

    def refuse() -> dict[str, Any]:
        raise _NotKept

    try:
        return memo.kept(db, key, refuse)
    except _NotKept:
        return None


def scenario_rows(db: Database) -> list[dict[str, Any]]:
    """The base plan and every scenario with its last run's headline, formatted."""
    rows = []
    try:
        base = reconcile.evaluate_kept(db).headline()
    except NotFound:
        base = None
    if base is not None:
        rows.append(
            _row(
                name=scenarios.BASE,
                description=BASE_DESCRIPTION,
                changes=[],
                summary={"status": "optimal", **base},
                plan_version=base.get("version"),
                run_at=None,
                promoted=False,
                base=True,
            )
        )
    for s in scenarios.list_scenarios(db):
        rows.append(
            _row(
                name=s.name,
                description=s.description,
                changes=s.changes,
                summary=s.summary,
                plan_version=s.plan_version_id,
                run_at=None if s.run_at is None else s.run_at.isoformat(),
                promoted=s.promoted_at is not None,
                base=False,
                created_by=s.created_by,
            )
        )
    return rows


def _row(
    *,
    name: str,
    description: str,
    changes: list[str],
    summary: dict[str, Any],
    plan_version: Any,
    run_at: str | None,
    promoted: bool,
    base: bool,
    created_by: str = "",
) -> dict[str, Any]:
    status = str(summary.get("status") or "not run")
    money = summary.get("money") or {}
    kpis = summary.get("kpis") or {}
    card = summary.get("scorecard") or {}
    ran = base or run_at is not None
    return {
        "name": name,
        "description": description,
        "changes": changes,
        "created_by": created_by,
        "base": base,
        "status": status if ran else "not run",
        "css": {"optimal": "green", "not run": "grey"}.get(status if ran else "not run", "red"),
        "promoted": promoted,
        "plan_version": plan_version,
        "run_at": (run_at or "")[:16].replace("T", " "),
        "revenue": fmt.money(money.get("revenue")) or "–",
        "gross_margin": fmt.money(money.get("gross_margin")) or "–",
        "plan_cost": fmt.money(summary.get("total_cost")) or "–",
        "fill_rate": fmt.percent(kpis.get("fill_rate:all")) or "–",
        "targets": {k: int(card.get(k, 0)) for k in ("green", "amber", "red")} if card else None,
        "at_stake": fmt.money(summary.get("money_at_stake")) or "–",
        "explanation": list(summary.get("explanation") or []),
        "comparable": ran and status == "optimal",
    }


def _number(text: str) -> float | str:
    """A form's number, or the text as typed (the services name the field that is wrong)."""
    value = text.strip().replace("\u2212", "-").rstrip("%").strip()
    try:
        return float(value)
    except ValueError:
        return text.strip()


def _fraction(text: str) -> float | str:
    """A percentage typed in the form as the fraction the change wants (60 -> 0.6)."""
    value = _number(text)
    return value / 100 if isinstance(value, float) else value


def _given(change: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in change.items() if v not in ("", None)}


def form_changes(form: ScenarioForm) -> list[dict[str, Any]]:
    """The changes the form's filled-in fields and text lines describe, in that order."""
    changes: list[dict[str, Any]] = []
    if form.demand_pct.strip():
        changes.append(
            _given(
                {
                    "kind": "demand",
                    "pct": _number(form.demand_pct),
                    "family": form.demand_family,
                    "segment": form.demand_segment,
                    "period_from": form.demand_from,
                    "period_to": form.demand_to,
                }
            )
        )
    if form.capacity_resource or form.capacity_pct.strip():
        changes.append(
            _given(
                {
                    "kind": "capacity",
                    "resource_id": form.capacity_resource,
                    "pct": _number(form.capacity_pct) if form.capacity_pct.strip() else None,
                    "period_from": form.capacity_from,
                    "period_to": form.capacity_to,
                }
            )
        )
    if form.product_id.strip() or form.product_like:
        changes.append(
            _given(
                {
                    "kind": "new_product",
                    "product_id": form.product_id.strip(),
                    "name": form.product_name.strip(),
                    "like_product_id": form.product_like,
                    "launch_period": form.product_launch,
                    "share": _fraction(form.product_share) if form.product_share.strip() else None,
                    "price": _number(form.product_price) if form.product_price.strip() else None,
                    "cannibalisation": _fraction(form.product_cannibalisation)
                    if form.product_cannibalisation.strip()
                    else None,
                }
            )
        )
    if form.strategy:
        changes.append({"kind": "strategy", "strategy": form.strategy})
    for line in form.changes_text.splitlines():
        if line.strip():
            changes.append(scenarios.change_from_text(line.strip()))
    return changes


MONEY_MEASURES = {
    "revenue": "higher",
    "gross margin": "higher",
    "plan cost": "lower",
    "inventory value (mean)": "lower",
    "overtime cost": "lower",
    "subcontract cost": "lower",
}
"""Money measures of `scenarios.compare` and which way is better."""
OTHER_MEASURES = {
    "production (units)": "",
    "late units (month-end backlog)": "lower",
    "targets green": "higher",
    "targets amber": "lower",
    "targets red": "lower",
}


def _measure_kind(measure: str) -> tuple[str, str]:
    """(unit, better) of a compare measure: money/units/share/count, higher/lower/''."""
    if measure in MONEY_MEASURES:
        return "money", MONEY_MEASURES[measure]
    if measure.startswith("fill rate"):
        return "share", "higher"
    if measure.startswith("targets"):
        return "count", OTHER_MEASURES.get(measure, "")
    return "units", OTHER_MEASURES.get(measure, "")


def _value(value: Any, unit: str) -> str:
    if unit == "money":
        return fmt.money(value) or "–"
    if unit == "share":
        return fmt.percent(value) or "–"
    return fmt.units(value) or "–"


def _delta(value: Any, unit: str, better: str) -> dict[str, str]:
    v = fmt.number(value)
    if v is None:
        return {"text": "–", "css": ""}
    if unit == "money":
        text = fmt.money(v, sign=True)
    elif unit == "share":
        text = fmt.points(v)
    else:
        text = fmt.units(v, sign=True)
    zero = text in ("$0", "0", "0.0 pts", "")
    css = ""
    if better and not zero:
        css = "better" if (v > 0) == (better == "higher") else "worse"
    return {"text": text or "0", "css": css}


def compare_view(result: scenarios.Comparison) -> dict[str, Any]:
    """`scenarios.compare` formatted: measures with deltas, families, two charts."""
    names: list[str] = list(result.scenarios)
    measures = result.measures
    first = names[0]
    others = names[1:]
    rows = []
    for measure in measures.index:
        unit, better = _measure_kind(str(measure))
        rows.append(
            {
                "measure": str(measure),
                "label": str(measure).capitalize(),
                "values": [_value(measures.at[measure, n], unit) for n in names],
                "deltas": [
                    _delta(measures.at[measure, f"{n} - {first}"], unit, better) for n in others
                ],
            }
        )
    families = result.families
    family_rows = []
    for r in families.to_dict("records"):
        family_rows.append(
            {
                "family": str(r["family"]),
                "cells": [
                    {
                        "demand": fmt.units(r.get(f"{n} demand"), sign=True) or "–",
                        "production": fmt.units(r.get(f"{n} production"), sign=True) or "–",
                        "late": fmt.units(r.get(f"{n} late"), sign=True) or "–",
                    }
                    for n in others
                ],
            }
        )
    return {
        "names": names,
        "first": first,
        "others": others,
        "versions": {str(k): int(v) for k, v in result.plan_versions.items()},
        "rows": rows,
        "families": family_rows,
        "money_figure": charts.compare_figure(measures, names),
        "service_figure": charts.service_figure(measures, names),
    }


def tradeoff_view(table: pd.DataFrame) -> dict[str, Any]:
    """`scenarios.tradeoff` formatted, with its chart."""
    rows = [
        {
            "level": fmt.percent(r["service_level"]),
            "units": fmt.units(r["safety_stock_units"]),
            "value": fmt.money(r["safety_stock_value"]),
            "holding": fmt.money(r["holding_cost_per_year"]),
            "per_point": fmt.money(r["value_per_point"]) or "–",
            "plan_cost": fmt.money(r["plan_cost"]),
            "plan_cost_change": fmt.money(r["plan_cost_change"], sign=True) or "–",
            "feasible": bool(r["feasible"]),
        }
        for r in table.to_dict("records")
    ]
    return {"rows": rows, "figure": charts.tradeoff_figure(table)}
