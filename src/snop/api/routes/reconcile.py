"""Step 3, pre-S&OP: the plan in money, against the targets, and what needs attention.

Slow reads here and in the other routers are kept per revision of the data (`memo.kept`):
recomputed per request, 20 readers at once queued behind each other's evaluations until
they timed out (bench/concurrency.py). The evaluation itself is the one the web pages keep
(`evaluate_kept`); each route also keeps its JSON-ready rows, whose conversion is the rest.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query

from snop.api.deps import Db, Version, Who
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
from snop.services import memo, reconcile, simulate

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

    return memo.kept(db, ("api", "money", columns, version), read)


@router.get("/api/scorecard", response_model=ScorecardRead)
def scorecard(who: Who, db: Db, version: Version = None) -> dict[str, Any]:
    """Every strategy target against the plan."""

    def read() -> dict[str, Any]:
        evaluation = reconcile.evaluate_kept(db, version_id=version)
        return {"sentences": evaluation.sentences, "rows": plain(evaluation.scorecard)}

    return memo.kept(db, ("api", "scorecard", version), read)


@router.get("/api/kpis", response_model=KpisRead)
def kpis(who: Who, db: Db, version: Version = None) -> dict[str, Any]:
    """KPIs of the last 12 months and of the plan."""
    return memo.kept(
        db,
        ("api", "kpis", version),
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
    return memo.kept(
        db,
        ("api", "exceptions", version),
        lambda: {"rows": plain(reconcile.evaluate_kept(db, version_id=version).exceptions)},
    )
