"""Scenarios: named what-ifs on top of the cycle's data, run, compared and promoted.

A scenario stores only its changes. Running one reads the cycle's current data, applies
the changes, re-sets safety stocks, re-plans supply and scores the plan (money, KPIs,
scorecard, exceptions), so it stays right when the base data is corrected. Any number of
scenarios can exist; each run is kept as a plan version of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from snop.errors import Conflict, InvalidInput, Issue, NotFound
from snop.frames import period_range, records, shift_period
from snop.progress import Progress, silent, within
from snop.reconcile.money import standard_costs
from snop.reconcile.scenario import (
    CHANGE_KINDS,
    BoundName,
    DemandBound,
    ServiceTargetChange,
    describe,
    parse_change,
    parse_changes,
)
from snop.services import audit
from snop.services import cycle as cycle_service
from snop.services.auth import Actor, require
from snop.services.database import Database
from snop.services.reconcile import Evaluation, evaluate_book, load_book, plan_of_record_id
from snop.services.supply import load_inputs, store_run
from snop.store import cycles as cycle_store
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.store.tables import Scenario
from snop.supply.plan import PLAN_STEPS, plan_supply
from snop.supply.problem import PlanSettings
from snop.supply.service_level import planned_service
from snop.team.roles import Action

BASE = "base"
"""Compare's name for the cycle's plan of record."""
RUN_STEPS = 1 + PLAN_STEPS + 1
"""`run`'s steps: reading the data with the changes, `plan_supply`'s steps, scoring."""
READY_MADE = {
    "pessimistic": ("Demand at the low end of the forecast's 80% interval.", "lo_80"),
    "optimistic": ("Demand at the high end of the forecast's 80% interval.", "hi_80"),
}


def change_from_text(text: str) -> dict[str, Any]:
    """A change written on a command line: ``demand pct=20 family=Tents from=2027-05``.

    The first word is the kind; ``from``/``to`` stand for period_from/period_to; numbers
    are read as numbers where the change's field is a number; quote values with spaces
    (``family="Sleeping Bags"``).
    """
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise InvalidInput([Issue("bad_change", f"'{text}': {error}")]) from error
    if not words:
        raise InvalidInput([Issue("bad_change", "an empty change: start with its kind")])
    kind, pairs = words[0], words[1:]
    cls = CHANGE_KINDS.get(kind)
    if cls is None:
        known = ", ".join(CHANGE_KINDS)
        raise InvalidInput([Issue("unknown_kind", f"'{kind}' is not a change kind ({known})")])
    types = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    change: dict[str, Any] = {"kind": kind}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput(
                [Issue("bad_change", f"'{pair}' in '{text}' is not written field=value")]
            )
        key = _ALIASES.get(key, key)
        change[key] = _number(value) if types.get(key, "").startswith(("float", "int")) else value
    return change


_ALIASES = {"from": "period_from", "to": "period_to", "like": "like_product_id"}


def _number(value: str) -> float | str:
    try:
        return float(value.rstrip("%"))
    except ValueError:
        return value  # parse_change names the field that is not a number


def create(
    db: Database,
    name: str,
    changes: Sequence[dict[str, Any]],
    *,
    actor: Actor,
    description: str = "",
) -> ScenarioView:
    """Store a new scenario (its changes only); names are unique, ``base`` is reserved."""
    name = name.strip()
    if not name or name == BASE:
        raise InvalidInput([Issue("bad_name", f"a scenario needs a name other than '{BASE}'")])
    parsed = parse_changes(list(changes))
    if not parsed:
        raise InvalidInput([Issue("no_changes", "a scenario needs at least one change")])
    with db.sessions.begin() as s:
        who = require(s, actor, Action.SCENARIO)
        taken = Conflict(f"there is already a scenario named '{name}'")
        if cycle_store.scenario_named(s, name) is not None:
            raise taken
        scenario = Scenario(
            name=name,
            description=description,
            changes=[c.to_dict() for c in parsed],
            created_by=who,
            summary={},
        )
        s.add(scenario)
        try:
            s.flush()
        except IntegrityError as error:  # someone created it at the same moment
            raise taken from error
        audit.record(
            s,
            who,
            "scenario.create",
            entity="scenario",
            entity_key=name,
            details={"changes": scenario.changes},
        )
        return _view(scenario)


def create_ready_made(db: Database, *, actor: Actor) -> list[ScenarioView]:
    """The pessimistic and optimistic scenarios from the forecast's intervals (if missing)."""
    made = []
    with db.sessions.begin() as s:
        missing = [n for n in READY_MADE if cycle_store.scenario_named(s, n) is None]
    for name in missing:
        description, bound = READY_MADE[name]
        made.append(
            create(
                db,
                name,
                [DemandBound(cast(BoundName, bound)).to_dict()],
                actor=actor,
                description=description,
            )
        )
    return made


@dataclass(frozen=True, slots=True)
class ScenarioView:
    """A scenario: its changes in words and its last run's headline."""

    name: str
    description: str
    changes: list[str]
    """Each change in words (`describe`)."""
    created_by: str
    created_at: dt.datetime | None
    run_at: dt.datetime | None
    """None before the scenario has run."""
    plan_version_id: int | None
    """The plan version of its last run."""
    promoted_at: dt.datetime | None
    summary: dict[str, Any]
    """The last run's status, first sentences and headline, as stored; empty before a run."""
    version: int

    @property
    def status(self) -> str | None:
        """The last run's plan status (``optimal``, ...); None before a run."""
        value = self.summary.get("status")
        return None if value is None else str(value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "description": self.description,
            "changes": self.changes,
            "created_by": self.created_by,
            "created_at": _iso(self.created_at),
            "run_at": _iso(self.run_at),
            "plan_version": self.plan_version_id,
            "promoted_at": _iso(self.promoted_at),
            "summary": self.summary,
            "version": self.version,
        }


def _view(scenario: Scenario) -> ScenarioView:
    return ScenarioView(
        name=scenario.name,
        description=scenario.description,
        changes=[describe(parse_change(c)) for c in scenario.changes],
        created_by=scenario.created_by,
        created_at=scenario.created_at,
        run_at=scenario.run_at,
        plan_version_id=scenario.plan_version_id,
        promoted_at=scenario.promoted_at,
        summary=dict(scenario.summary),
        version=scenario.version,
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def choices(db: Database) -> dict[str, list[Any]]:
    """What a scenario's changes can name, for a form's pick lists.

    families, segments: names; products and resources: (id, name) pairs; periods: the
    months of the latest plan's horizon (else 18 months from the open cycle's month).
    """
    with db.sessions.begin() as s:
        products = store_frames.read_sheet(s, "products")
        segments = store_frames.read_sheet(s, "segments")
        resources = store_frames.read_sheet(s, "resources")
        latest = plan_store.latest_version(s)
        cycle = cycle_store.open_cycle(s)
        if latest is not None:
            first, horizon = str(latest.first_period), int(latest.horizon)
        elif cycle is not None:
            first, horizon = str(cycle.period), DEFAULT_FORM_HORIZON
        else:
            first, horizon = "", 0
    periods = period_range(first, shift_period(first, horizon - 1)) if horizon > 0 else []
    return {
        "families": sorted(products["family"].dropna().astype(str).unique().tolist()),
        "segments": segments["segment"].astype(str).tolist(),
        "products": [
            (str(p), str(n)) for p, n in zip(products["product_id"], products["name"], strict=True)
        ],
        "resources": [
            (str(r), str(n))
            for r, n in zip(resources["resource_id"], resources["name"], strict=True)
        ],
        "periods": periods,
    }


DEFAULT_FORM_HORIZON = 18
"""Months offered by `choices` when no plan has been run yet."""


def list_scenarios(db: Database) -> list[ScenarioView]:
    """Every scenario with its changes in words and its last run's headline."""
    with db.sessions.begin() as s:
        return [_view(sc) for sc in cycle_store.scenarios(s)]


def show(db: Database, name: str) -> ScenarioView:
    """One scenario."""
    with db.sessions.begin() as s:
        return _view(_scenario(s, name))


def _scenario(s: Session, name: str) -> Scenario:
    scenario = cycle_store.scenario_named(s, name)
    if scenario is None:
        known = ", ".join(sc.name for sc in cycle_store.scenarios(s)) or "none yet"
        raise NotFound(f"there is no scenario '{name}' (scenarios: {known})")
    return scenario


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """A scenario's plan and its evaluation."""

    name: str
    version_id: int
    status: str
    seconds: float
    evaluation: Evaluation | None
    explanation: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "plan_version": self.version_id,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "headline": None if self.evaluation is None else self.evaluation.headline(),
            "scorecard": [] if self.evaluation is None else records(self.evaluation.scorecard),
            "explanation": self.explanation,
        }


def run(db: Database, name: str, *, actor: Actor, progress: Progress | None = None) -> ScenarioRun:
    """Re-derive the scenario's plan from today's data and its changes; score it.

    ``progress`` hears each of the `RUN_STEPS` steps start (reading the data with the
    changes, building the LP, solving it, explaining the plan, scoring it), then ``done``
    reaching the total.
    """
    report = progress or silent
    started = time.perf_counter()
    report(f"reading today's data with the changes of '{name}'", 0, RUN_STEPS)
    with db.sessions.begin() as s:
        who = require(s, actor, Action.SCENARIO)
        scenario = _scenario(s, name)
        changes = parse_changes(scenario.changes)
        inputs = load_inputs(s, settings=PlanSettings(), changes=changes)
        plan = plan_supply(inputs.problem, progress=within(progress, 1, RUN_STEPS))
        report("storing and scoring the plan (money, KPIs, scorecard)", RUN_STEPS - 1, RUN_STEPS)
        version_id = store_run(
            s,
            who,
            plan,
            inputs,
            solver="choose",
            seconds=plan.stats.solve_seconds,
            scenario_id=scenario.id,
        )
        evaluation = None
        if plan.feasible:
            s.flush()
            evaluation = evaluate_book(load_book(s, version_id))
        scenario.plan_version_id = version_id
        scenario.run_at = dt.datetime.now(dt.UTC)
        scenario.summary = _summary(evaluation, plan.status, plan.explanation.sentences)
        scenario.version += 1
        audit.record(
            s,
            who,
            "scenario.run",
            entity="scenario",
            entity_key=name,
            details={"plan_version": version_id, "status": str(plan.status)},
        )
    seconds = time.perf_counter() - started
    report(f"scenario '{name}' planned: {plan.status}", RUN_STEPS, RUN_STEPS)
    return ScenarioRun(
        name, version_id, str(plan.status), seconds, evaluation, plan.explanation.sentences
    )


def run_many(
    db: Database, names: Sequence[str], *, actor: Actor, progress: Progress | None = None
) -> list[ScenarioRun]:
    """`run` each of ``names`` in turn (each in a transaction of its own).

    ``progress`` hears "scenario k of n 'name': <step>", counted in steps over them all
    (`RUN_STEPS` per scenario), ending at the total.
    """
    report = progress or silent
    total = RUN_STEPS * len(names)
    runs = []
    for k, name in enumerate(names):
        first = RUN_STEPS * k

        def step(stage: str, done: int, _: int | None, k: int = k, first: int = first) -> None:
            label = f"scenario {k + 1} of {len(names)}: {stage}" if len(names) > 1 else stage
            report(label, first + done, total)

        runs.append(run(db, name, actor=actor, progress=step))
    return runs


def _summary(evaluation: Evaluation | None, status: object, sentences: list[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {"status": str(status), "explanation": sentences[:6]}
    if evaluation is not None:
        summary |= evaluation.headline()
    return summary


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two or more scenarios side by side (`compare`)."""

    scenarios: list[str]
    """The names compared, the first being the one the others are held against."""
    plan_versions: dict[str, int]
    """Each name's plan version."""
    measures: pd.DataFrame
    """Index: measure (revenue, gross margin, ..., fill rate <segment>, targets <status>);
    columns: each scenario, then ``<name> - <first>`` for each other one."""
    families: pd.DataFrame
    """Columns: family, then ``<name> demand``, ``<name> production``, ``<name> late``
    (units over the horizon, against the first); the families differing most first."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: the frames as records, the measures' index as ``measure``."""
        return {
            "scenarios": self.scenarios,
            "plan_versions": self.plan_versions,
            "measures": records(self.measures.rename_axis("measure").reset_index()),
            "families": records(self.families),
        }


def compare(db: Database, names: Sequence[str]) -> Comparison:
    """Two or more scenarios (``base`` = the plan of record) side by side.

    Returns the headline measures per scenario with their difference from the first, and
    the families whose revenue, production and late units differ most.
    """
    if len(names) < 2:
        raise InvalidInput([Issue("too_few", "compare needs two scenarios or more")])
    with db.sessions.begin() as s:
        versions = {name: _version_of(s, name) for name in names}
        books = {name: load_book(s, v) for name, v in versions.items()}
    evaluations = {name: evaluate_book(book) for name, book in books.items()}
    measures = pd.DataFrame(
        {name: _measures(ev, books[name].plan) for name, ev in evaluations.items()}
    )
    first = names[0]
    for name in names[1:]:
        measures[f"{name} - {first}"] = measures[name] - measures[first]
    families = _family_differences(books, names)
    return Comparison(list(names), versions, measures, families)


def _version_of(s: Session, name: str) -> int:
    if name == BASE:
        return plan_of_record_id(s)
    scenario = _scenario(s, name)
    if scenario.plan_version_id is None:
        raise Conflict(f"scenario '{name}' has not been run yet: `snop scenario run {name}`")
    if scenario.summary.get("status") != "optimal":
        raise Conflict(f"scenario '{name}' has no feasible plan to compare")
    return int(scenario.plan_version_id)


def _measures(evaluation: Evaluation, plan: dict[str, pd.DataFrame]) -> pd.Series:
    money = evaluation.money_table([]).iloc[0]
    products = plan["products"]
    values: dict[str, float] = {
        "revenue": float(money.get("revenue", np.nan)),
        "gross margin": float(money.get("gross_margin", np.nan)),
        "plan cost": float(evaluation.version.get("total_cost") or np.nan),
        "inventory value (mean)": float(money.get("inventory_value", np.nan))
        / max(products["period"].nunique(), 1),
        "overtime cost": float(money.get("overtime_cost", np.nan)),
        "subcontract cost": float(money.get("subcontract_cost", np.nan)),
        "production (units)": float(products["production"].sum()),
        "late units (month-end backlog)": float(products["backlog"].sum()),
    }
    service = planned_service(plan["segments"])
    for row in service.to_dict("records"):
        values[f"fill rate {row['segment']}"] = float(row["fill_rate"])
    counts = evaluation.scorecard["status"].value_counts()
    for status in ("green", "amber", "red"):
        values[f"targets {status}"] = float(counts.get(status, 0))
    return pd.Series(values)


def _family_differences(books: dict[str, Any], names: Sequence[str], top: int = 5) -> pd.DataFrame:
    """Per family, each scenario's demand, production and late units against the first's.

    Columns: family, then "<name> demand", "<name> production", "<name> late" as
    differences from the first scenario (units over the horizon); the families whose
    production and demand differ most come first.
    """
    measures = {"demand": "demand", "production": "production", "late": "backlog"}
    sums = {
        name: books[name].plan["products"].groupby("family")[list(measures.values())].sum()
        for name in names
    }
    first = sums[names[0]]
    table = pd.DataFrame(index=sorted(set().union(*[set(f.index) for f in sums.values()])))
    spread = pd.Series(0.0, index=table.index)
    for name in names[1:]:
        delta = sums[name].reindex(table.index).fillna(0.0) - first.reindex(table.index).fillna(0.0)
        for label, column in measures.items():
            table[f"{name} {label}"] = delta[column]
        spread += delta["production"].abs() + delta["demand"].abs()
    order = spread.sort_values(ascending=False).index[:top]
    return table.loc[order].rename_axis("family").reset_index()


def delete(db: Database, name: str, *, actor: Actor) -> None:
    """Remove a scenario; its changes go to the audit trail and its plans stay as versions."""
    with db.sessions.begin() as s:
        who = require(s, actor, Action.SCENARIO, stage_rule=False)
        scenario = _scenario(s, name)
        if scenario.promoted_at is not None:
            cycle = cycle_store.open_cycle(s)
            if cycle is not None and cycle.plan_version_id == scenario.plan_version_id:
                raise Conflict(
                    f"scenario '{name}' is the open cycle's plan of record: close the month "
                    "before deleting it"
                )
        audit.record(
            s,
            who,
            "scenario.delete",
            entity="scenario",
            entity_key=name,
            details={"changes": scenario.changes, "plan_version": scenario.plan_version_id},
        )
        s.delete(scenario)


@dataclass(frozen=True, slots=True)
class Promotion:
    """A scenario promoted, and the cycle with its plan as the plan of record."""

    scenario: str
    cycle: cycle_service.CycleView

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``scenario`` and the cycle's fields (`CycleView.to_dict`)."""
        return {"scenario": self.scenario, **self.cycle.to_dict()}


def promote(db: Database, name: str, *, actor: Actor) -> Promotion:
    """Make the scenario's last plan the cycle's plan of record (replacing any before it)."""
    with db.sessions.begin() as s:
        who = require(s, actor, Action.PROMOTE)
        scenario = _scenario(s, name)
        version = _version_of(s, name)
        scenario.promoted_at = dt.datetime.now(dt.UTC)
        scenario.version += 1
        audit.record(
            s,
            who,
            "scenario.promote",
            entity="scenario",
            entity_key=name,
            details={"plan_version": version},
        )
    view = cycle_service.publish(db, actor=actor, version_id=version, replace=True)
    return Promotion(name, view)


def tradeoff(
    db: Database,
    *,
    levels: Sequence[float] = (0.80, 0.85, 0.90, 0.95, 0.97, 0.98, 0.99, 0.995),
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The service-inventory curve: what each service level costs in stock and in money.

    For each level (the same target for every segment) safety stocks are set from the
    measured forecast error and the plan re-optimised: the safety stock (mean over the
    horizon, units and value at standard cost), its yearly holding cost, the value of one
    more point of service, and the plan's cost over the horizon and its change from the
    lowest level.

    ``progress`` hears "re-planning at <level> service" for each level (the point's
    number as ``done``, the number of levels as ``total``), then ``done`` reaching it.
    """
    bad = [level for level in levels if not 0 < level < 1]
    if bad:
        raise InvalidInput([Issue("bad_level", f"service levels are fractions in (0, 1): {bad}")])
    report = progress or silent
    points = sorted(levels)
    rows = []
    with db.sessions.begin() as s:
        for done, level in enumerate(points):
            report(f"re-planning at {level:.1%} service", done, len(points))
            inputs = load_inputs(
                s, settings=PlanSettings(), changes=[ServiceTargetChange(service_target=level)]
            )
            plan = plan_supply(inputs.problem)
            rows.append(_tradeoff_row(level, inputs, plan))
    report(f"{len(points)} service levels priced", len(points), len(points))
    table = pd.DataFrame(rows)
    step = table["safety_stock_value"].diff() / (table["service_level"].diff() * 100)
    table["value_per_point"] = step
    table["plan_cost_change"] = table["plan_cost"] - table["plan_cost"].iloc[0]
    return table


def _tradeoff_row(level: float, inputs: Any, plan: Any) -> dict[str, float]:
    problem = inputs.problem
    products = problem.products.set_index("product_id")
    safety = problem.safety_stock
    months = max(len(problem.periods), 1)
    standard = standard_costs(problem.products, problem.routings, problem.resources)
    units = (
        safety.groupby("product_id")["safety_stock"].sum() / months if not safety.empty else None
    )
    if units is None:
        value = holding = stock = 0.0
    else:
        stock = float(units.sum())
        value = float((units * standard.reindex(units.index).fillna(0.0)).sum())
        holding = float((units * products["holding_cost"].reindex(units.index).fillna(0.0)).sum())
    return {
        "service_level": level,
        "safety_stock_units": stock,
        "safety_stock_value": value,
        "holding_cost_per_year": holding * 12,
        "plan_cost": float(plan.total_cost),
        "feasible": bool(plan.feasible),
    }
