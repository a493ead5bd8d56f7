"""Versions of every forecast and plan run, and what changed between two plans and why."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from snop.errors import NotFound
from snop.frames import records
from snop.reconcile.diff import DiffContext, PlanDiff, diff_plans
from snop.reconcile.scenario import describe, parse_change
from snop.services.database import Database
from snop.store import forecasts as forecast_store
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.store.tables import PlanVersion, Scenario

_HEADER = (
    "id",
    "created_at",
    "actor",
    "strategy",
    "status",
    "first_period",
    "horizon",
    "demand_source",
    "forecast_version_id",
    "frozen_periods",
    "service_measure",
    "total_cost",
    "published_at",
    "scenario_id",
    "settings",
)


def list_versions(db: Database) -> pd.DataFrame:
    """Forecast and plan runs, newest first: kind, id, when, who, and what went in."""
    with db.sessions.begin() as s:
        forecasts = forecast_store.versions(s)
        plans = plan_store.versions(s)
        names = {sc.id: sc.name for sc in s.query(Scenario).all()}
    rows = [
        {
            "kind": "forecast",
            "id": int(f["id"]),
            "created_at": f["created_at"],
            "actor": f["actor"],
            "inputs": f"history to {f['cutoff']}, {f['horizon']} months, {f['reconciliation']}",
            "published": None,
        }
        for f in forecasts.to_dict("records")
    ]
    for p in plans.to_dict("records"):
        scenario = p.get("scenario_id")
        source = f"scenario '{names.get(scenario, scenario)}'" if pd.notna(scenario) else "cycle"
        rows.append(
            {
                "kind": "plan",
                "id": int(p["id"]),
                "created_at": p["created_at"],
                "actor": p["actor"],
                "inputs": (
                    f"{p['demand_source']}, {p['strategy']} strategy, "
                    f"{p['frozen_periods']} frozen months, {source}; {p['status']}"
                ),
                "published": p["published_at"],
            }
        )
    table = pd.DataFrame(rows, columns=["kind", "id", "created_at", "actor", "inputs", "published"])
    return table.sort_values("created_at", ascending=False, kind="stable").reset_index(drop=True)


def diff(db: Database, earlier: int, later: int) -> PlanDiff:
    """What changed from plan version ``earlier`` to ``later``, by family and month, and why."""
    with db.sessions.begin() as s:
        headers = [_header(s, v) for v in (earlier, later)]
        tables = [
            {name: plan_store.read_table(s, name, v) for name in plan_store.PLAN_TABLES}
            for v in (earlier, later)
        ]
        # A people-driven resource's hours are the plan's own choice (its workforce), not an
        # input that changed: leave them out of the capacity comparison.
        crewed = set(store_frames.read_sheet(s, "labour")["resource_id"])
        for table in tables:
            table["resources"] = table["resources"][~table["resources"]["resource_id"].isin(crewed)]
        overrides = forecast_store.read_overrides(s, active_only=False)
        first, second = sorted(h["created_at"] for h in headers)
        made = pd.to_datetime(overrides["created_at"], utc=True)
        between = (
            overrides[
                (made > pd.Timestamp(first).tz_convert("UTC"))
                & (made <= pd.Timestamp(second).tz_convert("UTC"))
            ]
            if not overrides.empty
            else overrides
        )
        context = DiffContext(
            earlier=headers[0],
            later=headers[1],
            overrides=between,
            scenario_changes=_scenario_changes(s, headers),
            routings=store_frames.read_sheet(s, "routings"),
        )
    return diff_plans(tables[0], tables[1], context)


def diff_dict(result: PlanDiff) -> dict[str, Any]:
    """A plan diff as JSON-ready plain values."""
    return {
        "sentences": result.sentences,
        "cost_change": result.cost_change,
        "added_periods": result.added_periods,
        "dropped_periods": result.dropped_periods,
        "by_family": records(result.by_family),
        "by_family_period": records(result.by_family_period),
        "causes": records(result.causes),
    }


def _header(s: Session, version_id: int) -> dict[str, Any]:
    version = s.get(PlanVersion, version_id)
    if version is None:
        raise NotFound(f"there is no plan version {version_id}")
    header = {name: getattr(version, name) for name in _HEADER}
    if header["created_at"] is not None and header["created_at"].tzinfo is None:
        header["created_at"] = pd.Timestamp(header["created_at"]).tz_localize("UTC")
    return header


def _scenario_changes(s: Session, headers: list[dict[str, Any]]) -> list[str]:
    """The changes of the scenarios either plan was made for, in words."""
    sentences = []
    for header in headers:
        scenario = s.get(Scenario, header["scenario_id"]) if header["scenario_id"] else None
        if scenario is not None:
            sentences += [
                f"plan {header['id']} is scenario '{scenario.name}': {describe(parse_change(c))}"
                for c in scenario.changes
            ]
    return sentences
