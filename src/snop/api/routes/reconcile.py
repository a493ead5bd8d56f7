"""Step 3, pre-S&OP: the plan in money, against the targets, and what needs attention."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query

from snop.api.deps import Db, Version, Who
from snop.api.kept import kept_read
from snop.api.plain import plain
from snop.api.routes import router as make_router
from snop.api.schemas.reconcile import (
    ExceptionsRead,
    KpisRead,
    MoneyRead,
    ScorecardRead,
    SimulationRead,
    SimulationsRead,
)
from snop.services import reconcile, simulate

router = make_router("pre-S&OP")


@router.get("/api/money", response_model=MoneyRead)
def money(
    who: Who,
    db: Db,
    by: Annotated[list[Literal["period", "family", "segment"]] | None, Query()] = None,
    version: Version = None,
) -> dict[str, Any]:
    """The plan in money by period, family and/or segment."""
    columns = tuple(by or ["family"])

    def read() -> dict[str, Any]:
        evaluation = reconcile.evaluate_kept(db, version_id=version)
        return {"rows": plain(evaluation.money_table(list(columns)))}

    return kept_read(db, ("money", columns, version), read)


@router.get("/api/scorecard", response_model=ScorecardRead)
def scorecard(who: Who, db: Db, version: Version = None) -> dict[str, Any]:
    """Every strategy target against the plan."""

    def read() -> dict[str, Any]:
        evaluation = reconcile.evaluate_kept(db, version_id=version)
        return {"sentences": evaluation.sentences, "rows": plain(evaluation.scorecard)}

    return kept_read(db, ("scorecard", version), read)


@router.get("/api/kpis", response_model=KpisRead)
def kpis(who: Who, db: Db, version: Version = None) -> dict[str, Any]:
    """KPIs of the last 12 months and of the plan."""
    return kept_read(
        db,
        ("kpis", version),
        lambda: {"rows": plain(reconcile.evaluate_kept(db, version_id=version).kpis)},
    )


@router.get("/api/simulations", response_model=SimulationsRead)
def simulations(who: Who, db: Db) -> dict[str, Any]:
    """Every stored closed-loop simulation (`snop simulate`), newest first."""
    return {"rows": plain(simulate.list_simulations(db))}


@router.get("/api/simulations/latest", response_model=SimulationRead)
def latest_simulation(who: Who, db: Db) -> dict[str, Any]:
    """The latest closed-loop simulation: every policy's service, stock, cost and capacity."""
    return simulate.latest_simulation(db)


@router.get("/api/exceptions", response_model=ExceptionsRead)
def exceptions(who: Who, db: Db, version: Version = None) -> dict[str, Any]:
    """What needs attention, ranked by money at stake."""
    return kept_read(
        db,
        ("exceptions", version),
        lambda: {"rows": plain(reconcile.evaluate_kept(db, version_id=version).exceptions)},
    )
