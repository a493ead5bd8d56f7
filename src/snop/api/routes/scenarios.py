"""Scenarios: created as changes, re-planned, compared, promoted to the plan of record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from snop.api.deps import Db, Who
from snop.api.plain import obj, plain
from snop.api.routes import router as make_router
from snop.api.schemas.scenarios import (
    CompareRead,
    DeletedRead,
    PromotedRead,
    ScenarioIn,
    ScenarioRead,
    ScenarioRunRead,
    ScenariosRead,
)
from snop.services import scenarios

router = make_router("scenarios")


@router.get("/api/scenarios", response_model=ScenariosRead)
def scenario_list(who: Who, db: Db) -> dict[str, Any]:
    """Every scenario with its changes and last run."""
    return {"scenarios": plain([v.to_dict() for v in scenarios.list_scenarios(db)])}


@router.post("/api/scenarios", status_code=201, response_model=ScenarioRead)
def scenario_create(body: ScenarioIn, who: Who, db: Db) -> dict[str, Any]:
    """Create a scenario (only its changes are stored)."""
    return obj(
        scenarios.create(
            db, body.name, body.changes, actor=who, description=body.description
        ).to_dict()
    )


@router.get("/api/scenarios/compare", response_model=CompareRead)
def scenario_compare(
    who: Who,
    db: Db,
    names: Annotated[list[str], Query(min_length=2, max_length=8)],
) -> dict[str, Any]:
    """Scenarios side by side ('base' is the plan of record)."""
    result = scenarios.compare(db, names)
    measures = result.measures.rename_axis("measure").reset_index()
    return {"measures": plain(measures), "families": plain(result.families)}


@router.post("/api/scenarios/{name}/run", response_model=ScenarioRunRead)
def scenario_run(name: str, who: Who, db: Db) -> dict[str, Any]:
    """Re-plan and score a scenario."""
    return obj(scenarios.run(db, name, actor=who).to_dict())


@router.post("/api/scenarios/{name}/promote", response_model=PromotedRead)
def scenario_promote(name: str, who: Who, db: Db) -> dict[str, Any]:
    """Make a scenario's plan the plan of record (executives)."""
    return obj(scenarios.promote(db, name, actor=who).to_dict())


@router.delete("/api/scenarios/{name}", response_model=DeletedRead)
def scenario_delete(name: str, who: Who, db: Db) -> dict[str, Any]:
    """Remove a scenario (kept in the audit trail)."""
    scenarios.delete(db, name, actor=who)
    return {"deleted": name}
