"""Supply review use cases: safety stocks, rough-cut capacity, plan runs and their versions."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from snop.contract.validate import PLANNING_SHEETS
from snop.demand.plan import CONSENSUS
from snop.errors import InvalidInput, Issue, NotFound
from snop.frames import period_range, records
from snop.progress import Progress, silent, within
from snop.reconcile.scenario import Change, PlanningData, apply_changes
from snop.services import audit, memo
from snop.services.auth import Actor, name_of, require
from snop.services.database import Database, open_database
from snop.services.imports import import_workbook
from snop.store import forecasts as forecast_store
from snop.store import frames as store_frames
from snop.store import plans as store
from snop.store.tables import ForecastError, PlanVersion, Setting
from snop.supply import allocation, policy
from snop.supply.capacity import RoughCut, rough_cut
from snop.supply.plan import PLAN_MEASURES, PLAN_STEPS, SupplyPlan, plan_supply
from snop.supply.problem import NO_SEGMENT, PlanSettings, Strategy, SupplyProblem
from snop.team.roles import Action

_BOUNDS = ["lo_80", "hi_80", "lo_95", "hi_95"]
"""The consensus forecast's interval columns: pessimistic and optimistic scenarios."""
ServiceMeasure = Literal["fill_rate", "cycle_service"]
RUN_PLAN_STEPS = 1 + PLAN_STEPS + 1
"""`run_plan`'s steps: reading the data, `plan_supply`'s steps, storing the version."""
FROZEN_SETTING = "supply.frozen_periods"
MEASURE_SETTING = "supply.service_measure"
_SHEETS = (
    "products",
    "segments",
    "resources",
    "capacity",
    "labour",
    "routings",
    "inventory",
    "receipts",
    "demand_plan",
)


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """Where a plan's demand, safety stocks and fence came from."""

    problem: SupplyProblem
    demand_source: str
    forecast_version_id: int | None
    service_measure: ServiceMeasure
    frozen_periods: int
    safety: pd.DataFrame
    """Safety stock per product x segment x month: sigma, target, k, safety_stock."""
    targets: pd.DataFrame
    """Min and max stock per product and month, in units and days."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlanRun:
    """A stored plan version and the plan itself."""

    version_id: int | None
    plan: SupplyPlan
    inputs: PlanInputs

    def to_dict(self, *, detail: bool = True) -> dict[str, Any]:
        """JSON-ready: status, total_cost, costs, explanation and, with ``detail``, the grids."""
        plan = self.plan
        data: dict[str, Any] = {
            "version": self.version_id,
            "status": str(plan.status),
            "strategy": plan.strategy,
            "first_period": plan.periods[0] if plan.periods else None,
            "last_period": plan.periods[-1] if plan.periods else None,
            "demand_source": self.inputs.demand_source,
            "service_measure": self.inputs.service_measure,
            "frozen_periods": self.inputs.frozen_periods,
            "total_cost": None if np.isnan(plan.total_cost) else round(plan.total_cost, 2),
            "costs": plan.cost_breakdown(),
            "explanation": plan.explanation.to_dict(),
            "notes": self.inputs.notes,
            "solver": plan.stats.to_dict(),
        }
        if detail:
            data["products"] = records(plan.products)
            data["segments"] = records(plan.segments)
            data["resources"] = records(plan.resources)
            data["workforce"] = records(plan.workforce)
        return data


def _settings(s: Session) -> dict[str, str]:
    return {row.key: row.value for row in s.query(Setting).all()}


def _save_setting(s: Session, key: str, value: str) -> None:
    s.merge(Setting(key=key, value=value))


def load_inputs(
    s: Session,
    *,
    settings: PlanSettings,
    frozen_periods: int | None = None,
    service_measure: ServiceMeasure | None = None,
    changes: Sequence[Change] = (),
) -> PlanInputs:
    """Gather a plan's problem from the store: master data, demand, safety stocks, fence.

    ``changes`` (a scenario's) are applied to the data before safety stocks are set, so a
    demand surge or a new service target carries through to the stock it needs.
    """
    sheets = {name: store_frames.read_sheet(s, name) for name in _SHEETS}
    stored = _settings(s)
    measure: ServiceMeasure = service_measure or (
        "cycle_service" if stored.get(MEASURE_SETTING) == "cycle_service" else "fill_rate"
    )
    frozen = frozen_periods if frozen_periods is not None else int(stored.get(FROZEN_SETTING, 0))
    notes: list[str] = []
    demand, source, forecast_id = _demand(s, sheets["demand_plan"])
    data = PlanningData(
        periods=period_range(demand["period"].min(), demand["period"].max()),
        demand=demand,
        products=sheets["products"],
        segments=sheets["segments"],
        resources=sheets["resources"],
        capacity=sheets["capacity"],
        routings=sheets["routings"],
        strategy=str(settings.strategy),
    )
    if changes:
        data = apply_changes(data, changes)
        settings = dataclasses.replace(settings, strategy=Strategy(data.strategy))
    demand = data.demand[["product_id", "segment", "period", "quantity"]]
    sheets = sheets | {
        "products": data.products,
        "segments": data.segments,
        "resources": data.resources,
        "capacity": data.capacity,
        "routings": data.routings,
    }
    safety, by_product = _safety_stocks(s, forecast_id, demand, sheets, measure, notes)
    monthly = demand.groupby(["product_id", "period"])["quantity"].sum().reset_index()
    targets = policy.inventory_targets(by_product, monthly)
    fence = _fence(s, data.periods, frozen, notes)
    if not fence.empty:  # a promoted scenario's new product may not be in the data (yet)
        fence = fence[fence["product_id"].isin(data.products["product_id"])]
    problem = SupplyProblem(
        periods=data.periods,
        products=data.products,
        segments=data.segments,
        demand=demand,
        resources=data.resources,
        routings=data.routings,
        inventory=sheets["inventory"],
        receipts=sheets["receipts"],
        capacity=data.capacity,
        labour=sheets["labour"],
        safety_stock=by_product,
        frozen=fence,
        settings=settings,
        demand_given=source == "demand_plan",
    )
    return PlanInputs(problem, source, forecast_id, measure, frozen, safety, targets, notes)


def _demand(s: Session, demand_plan: pd.DataFrame) -> tuple[pd.DataFrame, str, int | None]:
    """The given demand plan if there is one, else the latest forecast's consensus."""
    version = forecast_store.latest_version(s)
    forecast_id = None if version is None else int(version.id)
    if not demand_plan.empty:
        demand = demand_plan[["product_id", "segment", "period", "quantity"]].copy()
        demand["segment"] = demand["segment"].fillna(NO_SEGMENT)
        return demand, "demand_plan", forecast_id
    if version is None:
        raise NotFound("nothing to plan against: run `snop forecast` or import a demand_plan sheet")
    values = forecast_store.read_values(s, [version.id], streams=[CONSENSUS])
    demand = values[["product_id", "segment", "period", "quantity", *_BOUNDS]]
    return demand, f"forecast {version.id}", forecast_id


def _safety_stocks(
    s: Session,
    forecast_id: int | None,
    demand: pd.DataFrame,
    sheets: dict[str, pd.DataFrame],
    measure: ServiceMeasure,
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety stock from the segments' targets and the forecast's backtest error."""
    empty = pd.DataFrame(columns=["product_id", "period", "safety_stock"])
    segments = sheets["segments"]
    if forecast_id is None or segments.empty:
        notes.append("No forecast backtest to measure error from: safety stocks are 0.")
        return pd.DataFrame(), empty
    errors = forecast_store.read_table(s, ForecastError, forecast_id)
    if errors.empty:
        notes.append("The forecast has no backtest errors: safety stocks are 0.")
        return pd.DataFrame(), empty
    products = sheets["products"]
    lead = products.set_index("product_id")["lead_time"].fillna(0).astype(int)
    by_segment, by_product = allocation.plan_safety_stocks(
        errors, demand, lead, segments, products, measure
    )
    missing = by_segment.loc[by_segment["sigma"].isna(), "product_id"].nunique()
    if missing:
        who = "1 product has" if missing == 1 else f"{missing} products have"
        notes.append(
            f"{who} no measured forecast error (too little history): safety stock 0 for them."
        )
    return by_segment, by_product


def _fence(s: Session, periods: list[str], frozen: int, notes: list[str]) -> pd.DataFrame:
    """Production of the fence's months as the last published (else last) plan had it."""
    if frozen <= 0:
        return pd.DataFrame()
    base = store.latest_version(s, published=True) or store.latest_version(s, feasible=True)
    if base is None:
        notes.append(
            f"The frozen fence of {frozen} months has no earlier plan to hold: nothing frozen."
        )
        return pd.DataFrame()
    fenced = periods[:frozen]
    production = store.read_table(s, "products", base.id)
    production = production[production["period"].isin(fenced)]
    notes.append(
        f"Production in {fenced[0]} to {fenced[-1]} is frozen as plan version {base.id} has it."
    )
    return production[["product_id", "period"]].assign(quantity=production["production"])


def run_plan(
    db: Database,
    *,
    actor: Actor,
    strategy: Strategy = Strategy.COST,
    frozen_periods: int | None = None,
    service_measure: ServiceMeasure | None = None,
    solver: str = "choose",
    store_version: bool = True,
    progress: Progress | None = None,
) -> PlanRun:
    """Plan supply for the current cycle and store it as a new plan version.

    ``frozen_periods`` and ``service_measure``, when given, become the cycle's settings.
    An infeasible plan is stored too, with the promises that cannot be kept.
    ``progress`` hears each of the `RUN_PLAN_STEPS` steps start (reading the data,
    building the LP, solving it, explaining the plan, storing it), then ``done`` reaching
    the total.
    """
    if frozen_periods is not None and frozen_periods < 0:
        raise InvalidInput([Issue("bad_fence", "the frozen fence is a number of months >= 0")])
    report = progress or silent
    settings = PlanSettings(strategy=strategy, solver=solver)
    report("reading the demand, capacities and safety stocks", 0, RUN_PLAN_STEPS)
    with db.sessions.begin() as s:
        name = require(s, actor, Action.PLAN_SUPPLY) if store_version else name_of(actor)
        if frozen_periods is not None and frozen_periods < int(_settings(s).get(FROZEN_SETTING, 0)):
            # Shortening the fence frees production the team agreed to hold.
            require(s, actor, Action.CHANGE_FROZEN, stage_rule=False)
        inputs = load_inputs(
            s, settings=settings, frozen_periods=frozen_periods, service_measure=service_measure
        )
    started = time.perf_counter()
    plan = plan_supply(inputs.problem, progress=within(progress, 1, RUN_PLAN_STEPS))
    seconds = time.perf_counter() - started
    if not store_version:
        report("plan ready (not stored)", RUN_PLAN_STEPS, RUN_PLAN_STEPS)
        return PlanRun(None, plan, inputs)
    report("storing the plan as a new version", RUN_PLAN_STEPS - 1, RUN_PLAN_STEPS)
    with db.sessions.begin() as s:
        if frozen_periods is not None:
            _save_setting(s, FROZEN_SETTING, str(frozen_periods))
        if service_measure is not None:
            _save_setting(s, MEASURE_SETTING, service_measure)
        version_id = store_run(s, name, plan, inputs, solver=solver, seconds=seconds)
    report(f"plan version {version_id} stored", RUN_PLAN_STEPS, RUN_PLAN_STEPS)
    return PlanRun(version_id, plan, inputs)


def store_run(
    s: Session,
    actor: str,
    plan: SupplyPlan,
    inputs: PlanInputs,
    *,
    solver: str,
    seconds: float,
    scenario_id: int | None = None,
) -> int:
    """Store a plan run as a new version (with its tables when feasible); audit it."""
    version_id = store.add_version(
        s,
        actor=actor,
        strategy=plan.strategy,
        status=str(plan.status),
        first_period=inputs.problem.periods[0],
        horizon=len(inputs.problem.periods),
        demand_source=inputs.demand_source,
        forecast_version_id=inputs.forecast_version_id,
        frozen_periods=inputs.frozen_periods,
        service_measure=inputs.service_measure,
        total_cost=None if np.isnan(plan.total_cost) else plan.total_cost,
        costs=plan.cost_breakdown(),
        explanation={
            "sentences": plan.explanation.sentences,
            "reasons": plan.explanation.reasons,
            "notes": inputs.notes,
            "bottlenecks": records(plan.explanation.bottlenecks),
        },
        stats=plan.stats.to_dict(),
        settings={"solver": solver},
        seconds=seconds,
        scenario_id=scenario_id,
    )
    if plan.feasible:
        store.write_plan(s, version_id, _plan_frames(plan, inputs))
    audit.record(
        s,
        actor,
        "supply.plan_run",
        entity="plan_version",
        entity_key=str(version_id),
        details={"status": str(plan.status), "strategy": plan.strategy, "scenario": scenario_id},
    )
    return version_id


def _plan_frames(plan: SupplyPlan, inputs: PlanInputs) -> dict[str, pd.DataFrame]:
    products = plan.products.merge(
        inputs.targets[["product_id", "period", "min_units", "max_units"]],
        on=["product_id", "period"],
        how="left",
    )
    segments = plan.segments
    if not inputs.safety.empty:
        segments = segments.merge(
            inputs.safety[["product_id", "segment", "period", "sigma", "safety_stock"]],
            on=["product_id", "segment", "period"],
            how="left",
        )
    return {
        "products": products,
        "segments": segments,
        "resources": _with_workforce(plan),
        "late": plan.explanation.late,
        "costs": plan.costs,
    }


def _with_workforce(plan: SupplyPlan) -> pd.DataFrame:
    if plan.workforce.empty:
        return plan.resources
    return plan.resources.merge(plan.workforce, on=["resource_id", "period"], how="left")


def plan_workbook(
    path: Path,
    *,
    actor: Actor,
    strategy: Strategy = Strategy.COST,
    progress: Progress | None = None,
) -> PlanRun:
    """Plan a workbook on its own, in a throwaway SQLite store (the file is the problem).

    The workbook needs only products, resources, routings, inventory and demand_plan
    (plus labour, capacity and segments when used); the plan is not kept anywhere.
    ``progress`` hears the import (uncounted), then `run_plan`'s steps.
    """
    report = progress or silent
    with tempfile.TemporaryDirectory(prefix="snop-plan-") as folder:
        db = open_database(str(Path(folder) / "plan.db"), create=True)
        try:
            report(f"reading and checking {path.name}", 0, None)
            import_workbook(db, path, actor=name_of(actor), required=PLANNING_SHEETS)
            return run_plan(
                db,
                actor=name_of(actor),
                strategy=strategy,
                store_version=False,
                progress=progress,
            )
        finally:
            db.close()


def capacity_check(db: Database, *, service_measure: ServiceMeasure | None = None) -> RoughCut:
    """The rough-cut check of the current demand against every resource."""
    with db.sessions.begin() as s:
        inputs = load_inputs(s, settings=PlanSettings(), service_measure=service_measure)
    return rough_cut(inputs.problem)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    """A stored plan version's header and tables."""

    version: dict[str, Any]
    tables: dict[str, pd.DataFrame]


def stored_plan(db: Database, *, version_id: int | None = None) -> StoredPlan:
    """A stored plan version (the latest by default) with its tables."""
    with db.sessions.begin() as s:
        if version_id is None:
            version = store.latest_version(s)
            if version is None:
                raise NotFound("no supply plan yet: run `snop plan`")
        else:
            version = s.get(PlanVersion, version_id)
            if version is None:
                raise NotFound(f"there is no plan version {version_id}")
        header = {c.name: getattr(version, c.name) for c in PlanVersion.__table__.columns}
        tables = {name: store.read_table(s, name, version.id) for name in store.PLAN_TABLES}
    return StoredPlan(header, tables)


def stored_plan_kept(db: Database, *, version_id: int | None = None) -> StoredPlan:
    """`stored_plan`, kept between calls until the data changes (for the web pages).

    The frames are shared between callers: read them, never change them in place.
    """
    return memo.kept(
        db, ("supply.stored_plan", version_id), lambda: stored_plan(db, version_id=version_id)
    )


def plan_versions(db: Database) -> pd.DataFrame:
    """Every plan version, newest first."""
    with db.sessions.begin() as s:
        return store.versions(s)


def plan_grid(
    plan: StoredPlan,
    *,
    level: Literal["total", "family", "product"] = "family",
    key: str | None = None,
) -> pd.DataFrame:
    """Demand, production, stock, backlog and safety stock by month for a level and key."""
    products = plan.tables["products"]
    if products.empty:
        raise NotFound(f"plan version {plan.version['id']} has no plan ({plan.version['status']})")
    column = {"total": None, "family": "family", "product": "product_id"}[level]
    frame = products.assign(key="all" if column is None else products[column])
    if key is not None:
        frame = frame[frame["key"] == key]
        if frame.empty:
            raise NotFound(f"no {level} {key} in plan version {plan.version['id']}")
    grid = frame.groupby(["key", "period"], as_index=False)[list(PLAN_MEASURES)].sum()
    return grid.sort_values(["key", "period"]).reset_index(drop=True)
