"""Step 2, the supply review: plan runs, stored plans, capacity and the service curve."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query

from snop.api.deps import Db, Id, Who
from snop.api.plain import obj, plain
from snop.api.routes import router as make_router
from snop.api.schemas.supply import (
    CapacityRead,
    LateRowsRead,
    PlanIn,
    PlanRunRead,
    PlanVersionRead,
    PlanVersionsRead,
    TradeoffRead,
)
from snop.services import memo, scenarios, supply

router = make_router("supply")


@router.post("/api/plans", status_code=201, response_model=PlanRunRead)
def plan(body: PlanIn, who: Who, db: Db) -> dict[str, Any]:
    """Plan supply (supply planners, in the supply review); stored as a version."""
    run = supply.run_plan(
        db,
        actor=who,
        strategy=body.strategy,
        frozen_periods=body.frozen_periods,
        service_measure=body.service_measure,
    )
    return obj(run.to_dict(detail=False))


@router.get("/api/capacity", response_model=CapacityRead)
def capacity(who: Who, db: Db) -> dict[str, Any]:
    """Rough-cut capacity: the load of demand on every resource and month."""

    def read() -> dict[str, Any]:
        check = supply.capacity_check(db)
        return {"load": plain(check.load), "too_late": plain(check.too_late)}

    return memo.kept(
        db,
        ("api", "capacity"),
        read,
    )


@router.get("/api/tradeoff", response_model=TradeoffRead)
def tradeoff(
    who: Who,
    db: Db,
    levels: Annotated[list[float] | None, Query(max_length=12)] = None,
) -> dict[str, Any]:
    """The service-inventory curve: stock and cost of each service level."""
    chosen = tuple(levels) if levels else None

    def read() -> dict[str, Any]:
        table = scenarios.tradeoff(db, levels=chosen) if chosen else scenarios.tradeoff(db)
        return {"rows": plain(table)}

    return memo.kept(db, ("api", "tradeoff", chosen), read)


@router.get("/api/plans", response_model=PlanVersionsRead)
def plans(who: Who, db: Db) -> dict[str, Any]:
    """Every plan version, newest first."""
    return {"versions": plain(supply.plan_versions(db))}


@router.get("/api/plans/{version}", response_model=PlanVersionRead)
def plan_version(
    version: Id,
    who: Who,
    db: Db,
    level: Literal["total", "family", "product"] = "family",
    key: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """One plan version: its header and its grid by month."""
    stored = supply.stored_plan(db, version_id=version)
    grid = supply.plan_grid(stored, level=level, key=key)
    return {"version": plain(stored.version), "grid": plain(grid)}


@router.get("/api/plans/{version}/late", response_model=LateRowsRead)
def late(version: Id, who: Who, db: Db) -> dict[str, Any]:
    """Every late product, segment and month of a plan, and why."""
    stored = supply.stored_plan(db, version_id=version)
    return {"rows": plain(stored.tables["late"])}
