"""Prove the plans: replay held-out months under snop's cycle and the policies it must beat.

Reads the company from the store, replays its last months (``snop.simulate``) with the
built-in policies and any the analyst adds, scores them and keeps the report, so the
meeting pack and the web app can show it. The replay changes no plan and no data.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from snop.demand.forecast import ForecastSettings
from snop.errors import InvalidInput, Issue, NotFound
from snop.frames import PERIOD_PATTERN, shift_period
from snop.progress import Progress
from snop.services import audit
from snop.services.auth import Actor, require
from snop.services.database import Database
from snop.services.supply import FROZEN_SETTING
from snop.simulate.engine import SimulationSettings, simulate
from snop.simulate.frontier import trace
from snop.simulate.policies import BUILT_IN, Policy, SnopPolicy
from snop.simulate.report import SimulationReport, score
from snop.simulate.world import Company, company
from snop.store import frames as store_frames
from snop.store.tables import Setting, SimulationRun
from snop.team.roles import Action

DEFAULT_POLICIES = ("snop", "naive", "minmax")
_SHEETS = (
    "products",
    "segments",
    "customers",
    "resources",
    "capacity",
    "labour",
    "routings",
    "demand_history",
)


@dataclass(frozen=True, slots=True)
class SimulationOptions:
    """What to replay: the months, the rules and the policies.

    ``first_month`` defaults to the ``months`` months that end with the last month of
    history; ``frozen_months`` to the cycle's frozen fence.
    """

    months: int = 12
    first_month: str | None = None
    warm_up: int = 3
    frozen_months: int | None = None
    opening_cover: float = 1.0
    horizon: int = 12
    policies: Sequence[str] = DEFAULT_POLICIES
    custom: Mapping[str, Policy] = field(default_factory=dict)
    """Policies of the analyst's own, by name (Python functions)."""
    forecast: ForecastSettings = field(default_factory=lambda: ForecastSettings(n_jobs=-1))
    frontier: bool = True
    """Also replay the simple rules with more cover, to compare at equal service."""


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """A stored simulation run."""

    run_id: int | None
    report: SimulationReport
    settings: dict[str, Any]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the run, its settings, notes and the whole report."""
        return {
            "run": self.run_id,
            "settings": self.settings,
            "notes": self.notes,
            **self.report.to_dict(),
        }


def _replaying(progress: Progress) -> Callable[[str, int, int], None]:
    """The engine's (policy, months done, months) as a stage a planner reads."""

    def said(name: str, done: int, total: int) -> None:
        rule, _, cover = name.rpartition("+")  # the frontier's runs: naive+0.5
        traced = bool(rule) and cover.replace(".", "", 1).isdigit()
        label = f"{rule} with {cover} more months of cover" if traced else f"policy {name}"
        progress(f"replaying {label}", done, total)

    return said


def run_simulation(
    db: Database,
    *,
    actor: Actor,
    options: SimulationOptions | None = None,
    progress: Progress | None = None,
) -> SimulationSummary:
    """Replay held-out months under each policy, score them and store the report.

    Raises `InvalidInput` naming the option at fault (an unknown policy, a month that is
    not YYYY-MM, too little history, ...) before anything runs. ``progress`` hears
    "replaying <policy>" with the months done out of the months replayed, per policy.
    """
    options = options or SimulationOptions()
    issues = _option_issues(options)
    if issues:
        raise InvalidInput(issues)
    with db.sessions.begin() as s:
        name = require(s, actor, Action.SCENARIO, stage_rule=False)
        sheets = {sheet: store_frames.read_sheet(s, sheet) for sheet in _SHEETS}
        fence = options.frozen_months
        if fence is None:
            setting = s.get(Setting, FROZEN_SETTING)
            fence = int(setting.value) if setting is not None else 0
    world, notes = company_from_sheets(sheets)
    settings = _settings(world, options, fence)
    policies = _policies(options)
    started = time.perf_counter()
    replaying = None if progress is None else _replaying(progress)
    result = simulate(world, policies, settings, progress=replaying)
    traced = (
        trace(world, settings, list(policies), progress=replaying)
        if options.frontier and "snop" in policies
        else {}
    )
    report = score(result, world, traced=traced)
    seconds = time.perf_counter() - started
    recorded = _recorded_settings(options, settings)
    with db.sessions.begin() as s:
        row = SimulationRun(
            created_by=name,
            first_month=report.first_month,
            last_month=report.last_month,
            policies=list(policies),
            settings=recorded,
            report={**report.to_dict(), "company_notes": notes},
            seconds=seconds,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            name,
            "simulate.run",
            entity="simulation_run",
            entity_key=str(row.id),
            details={"months": f"{report.first_month}..{report.last_month}", **recorded},
        )
        run_id = int(row.id)
    return SimulationSummary(run_id, report, recorded, notes)


def company_from_sheets(sheets: dict[str, pd.DataFrame]) -> tuple[Company, list[str]]:
    """The simulated company; people-driven resources keep their starting crew."""
    if sheets["demand_history"].empty:
        raise NotFound("there is no demand history to replay: import a workbook or run `snop demo`")
    resources = sheets["resources"].copy()
    notes = []
    labour = sheets["labour"]
    if not labour.empty:
        crew = labour.set_index("resource_id")
        has = resources["resource_id"].isin(crew.index)
        workers = resources.loc[has, "resource_id"].map(crew["workers"]).astype(float)
        resources.loc[has, "capacity"] = workers * resources.loc[has, "resource_id"].map(
            crew["hours_per_worker"]
        ).astype(float)
        resources.loc[has, "overtime_capacity"] = workers * resources.loc[has, "resource_id"].map(
            crew["overtime_hours_per_worker"].fillna(0.0)
        ).astype(float)
        notes.append(
            f"{int(has.sum())} people-driven resources are replayed with their starting crew "
            "(no hiring or layoffs)."
        )
    world = company(
        products=sheets["products"],
        segments=sheets["segments"],
        customers=sheets["customers"],
        resources=resources,
        routings=sheets["routings"],
        history=sheets["demand_history"],
        capacity=sheets["capacity"],
    )
    return world, notes


def _option_issues(options: SimulationOptions) -> list[Issue]:
    """Every wrong option at once, before anything is read or run."""
    issues = []
    if options.first_month is not None and not PERIOD_PATTERN.match(options.first_month):
        issues.append(
            Issue(
                "bad_period",
                f"'{options.first_month}' is not a month written YYYY-MM",
                column="from",
                value=options.first_month,
            )
        )
    if options.horizon < 1:
        issues.append(
            Issue("out_of_range", "the planning horizon is 1 month or more", column="horizon")
        )
    issues += [
        Issue(
            "unknown_policy",
            f"there is no built-in policy {name!r} (built in: {', '.join(BUILT_IN)}); add your "
            "own as module:function",
            column="policy",
            value=name,
        )
        for name in options.policies
        if name not in BUILT_IN
    ]
    issues += [
        Issue("duplicate_key", f"two policies are named {name!r}", column="policy", value=name)
        for name in options.custom
        if name in options.policies
    ]
    return issues


def _settings(world: Company, options: SimulationOptions, fence: int) -> SimulationSettings:
    first = options.first_month or shift_period(world.months[-1], -(options.months - 1))
    return SimulationSettings(
        first_month=first,
        months=options.months,
        warm_up=options.warm_up,
        frozen_months=fence,
        opening_cover=options.opening_cover,
    )


def _policies(options: SimulationOptions) -> dict[str, Policy]:
    policies: dict[str, Policy] = {}
    for name in options.policies:
        if name == "snop":
            policies[name] = SnopPolicy(horizon=options.horizon, forecast=options.forecast)
        else:
            policies[name] = BUILT_IN[name]()
    return policies | dict(options.custom)


def _recorded_settings(options: SimulationOptions, settings: SimulationSettings) -> dict[str, Any]:
    return {
        "first_month": settings.first_month,
        "months": settings.months,
        "warm_up": settings.warm_up,
        "frozen_months": settings.frozen_months,
        "opening_cover": settings.opening_cover,
        "horizon": options.horizon,
        "policies": [*options.policies, *options.custom],
        "frontier": options.frontier,
        "forecast_models": (
            {pool: list(names) for pool, names in options.forecast.models.items()}
            if options.forecast.models
            else "default"
        ),
    }


def load_policy(spec: str) -> tuple[str, Policy]:
    """An analyst's policy from ``module:function`` or ``path/to/file.py:function``.

    The policy is named after its function. Raises `InvalidInput` when the module or the
    function cannot be found or is not callable.
    """
    where, _, attribute = spec.rpartition(":")
    if not where or not attribute:
        raise InvalidInput(
            [
                Issue(
                    "bad_policy",
                    f"'{spec}' is not module:function or file.py:function",
                    column="policy",
                )
            ]
        )
    try:
        module = _import(where)
    except (ImportError, OSError) as error:
        raise InvalidInput(
            [Issue("bad_policy", f"cannot import {where}: {error}", column="policy", value=spec)]
        ) from error
    policy = getattr(module, attribute, None)
    if not callable(policy):
        raise InvalidInput(
            [
                Issue(
                    "bad_policy",
                    f"{where} has no function {attribute}",
                    column="policy",
                    value=spec,
                )
            ]
        )
    return attribute, policy


def _import(where: str) -> Any:
    if where.endswith(".py"):
        path = Path(where)
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"no Python file at {where}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
        return module
    return importlib.import_module(where)


def latest_simulation(db: Database) -> dict[str, Any]:
    """The newest stored simulation: run id, who, when, settings and the report."""
    with db.sessions.begin() as s:
        row = s.scalars(select(SimulationRun).order_by(SimulationRun.id.desc()).limit(1)).first()
        if row is None:
            raise NotFound("no simulation has run yet: run `snop simulate`")
        return _as_dict(row)


def list_simulations(db: Database) -> pd.DataFrame:
    """Every stored simulation, newest first: id, created_by, created_at, months, policies."""
    with db.sessions.begin() as s:
        rows = s.scalars(select(SimulationRun).order_by(SimulationRun.id.desc())).all()
        return pd.DataFrame(
            [
                {
                    "id": row.id,
                    "created_by": row.created_by,
                    "created_at": row.created_at,
                    "first_month": row.first_month,
                    "last_month": row.last_month,
                    "policies": ", ".join(row.policies),
                    "seconds": round(row.seconds, 1),
                }
                for row in rows
            ],
            columns=[
                "id",
                "created_by",
                "created_at",
                "first_month",
                "last_month",
                "policies",
                "seconds",
            ],
        )


def _as_dict(row: SimulationRun) -> dict[str, Any]:
    return {
        "run": row.id,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "settings": row.settings,
        "seconds": row.seconds,
        **row.report,
    }
