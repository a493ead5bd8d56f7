"""Step 1, the demand review: forecasts, overrides and their conflicts, accuracy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query

from snop.api.deps import Db, Id, Who
from snop.api.plain import obj, plain
from snop.api.routes import router as make_router
from snop.api.schemas.demand import (
    AccuracyRead,
    ConflictsRead,
    CreatedRead,
    ForecastIn,
    ForecastRunRead,
    ForecastTableRead,
    OverrideIn,
    OverridesRead,
    ProfileRead,
    ReasonIn,
    WithdrawnRead,
)
from snop.demand.forecast import ForecastSettings
from snop.services import demand, memo

router = make_router("demand")


@router.get("/api/forecast", response_model=ForecastTableRead)
def forecast(
    who: Who,
    db: Db,
    level: Literal["total", "family", "segment", "product", "product_segment"] = "family",
    key: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """The forecast streams by month beside recent actuals."""
    return memo.kept(
        db,
        ("api", "forecast", level, key),
        lambda: {"rows": plain(demand.forecast_table(db, level=level, key=key))},
    )


@router.get("/api/overrides", response_model=OverridesRead)
def overrides(who: Who, db: Db) -> dict[str, Any]:
    """Active overrides, oldest first."""
    return {"rows": plain(demand.list_overrides(db))}


@router.post("/api/overrides", status_code=201, response_model=CreatedRead)
def add_override(body: OverrideIn, who: Who, db: Db) -> dict[str, Any]:
    """Override the forecast (sales and demand planners, in the demand review)."""
    return {"id": demand.add_override(db, actor=who, **body.model_dump())}


@router.get("/api/overrides/conflicts", response_model=ConflictsRead)
def conflicts(who: Who, db: Db) -> dict[str, Any]:
    """Overrides by different people on the same key and months."""
    return {"rows": plain(demand.override_conflicts(db))}


@router.post("/api/overrides/{override_id}/withdraw", response_model=WithdrawnRead)
def withdraw(override_id: Id, body: ReasonIn, who: Who, db: Db) -> dict[str, Any]:
    """Withdraw one override of a conflict (demand planners); the consensus is rebuilt."""
    demand.resolve_conflict(db, actor=who, drop=override_id, reason=body.reason)
    return {"withdrawn": override_id}


@router.post("/api/forecast", status_code=201, response_model=ForecastRunRead)
def run_forecast(body: ForecastIn, who: Who, db: Db) -> dict[str, Any]:
    """Run the statistical forecast (demand planners); stored as a new version."""
    settings = ForecastSettings(horizon=body.horizon, n_jobs=1)
    summary = demand.run_forecast(db, actor=who, settings=settings, cutoff=body.cutoff)
    return obj(summary.to_dict())


@router.get("/api/demand/profile", response_model=ProfileRead)
def profile(who: Who, db: Db) -> dict[str, Any]:
    """ABC/XYZ, demand class, trend and seasonality of every product."""
    return memo.kept(
        db,
        ("api", "profile"),
        lambda: {"products": plain(demand.profile(db).by_product)},
    )


@router.get("/api/accuracy", response_model=AccuracyRead)
def accuracy(who: Who, db: Db) -> dict[str, Any]:
    """WAPE and bias by stream and lag, and forecast value added."""

    def read() -> dict[str, Any]:
        report = demand.accuracy(db)
        return {"headline": plain(report.headline()), "summary": plain(report.summary)}

    return memo.kept(
        db,
        ("api", "accuracy"),
        read,
    )
