"""The monthly cycle: stages and sign-offs, publishing, closing the month, the meeting pack."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, UploadFile
from fastapi.responses import HTMLResponse

from snop.api.deps import Db, Version, Who
from snop.api.plain import obj
from snop.api.routes import router as make_router
from snop.api.schemas.cycle import (
    AdvanceRead,
    CycleRead,
    HealthRead,
    MonthClosedRead,
    PublishIn,
    ReopenIn,
    ReopenRead,
    StageIn,
)
from snop.services import cycle, memo, report
from snop.services.uploads import saved_upload

router = make_router("cycle")


@router.get("/api/cycle", response_model=CycleRead)
def cycle_status(who: Who, db: Db) -> dict[str, Any]:
    """The open cycle: its stage, stages, plan of record."""
    return obj(cycle.status(db).to_dict())


@router.get("/api/cycle/health", response_model=HealthRead)
def health(who: Who, db: Db) -> dict[str, Any]:
    """The data-health report (looking at it is recorded)."""
    return obj(cycle.data_health(db, actor=who).to_dict())


@router.post("/api/cycle/advance", response_model=AdvanceRead)
def advance(body: StageIn, who: Who, db: Db) -> dict[str, Any]:
    """Sign off the current stage (its owner)."""
    return obj(cycle.advance(db, actor=who, note=body.note).to_dict())


@router.post("/api/cycle/reopen", response_model=ReopenRead)
def reopen(body: ReopenIn, who: Who, db: Db) -> dict[str, Any]:
    """Reopen a signed-off stage with a reason."""
    return obj(cycle.reopen(db, actor=who, stage=body.stage, reason=body.reason).to_dict())


@router.post("/api/cycle/publish", response_model=CycleRead)
def publish(body: PublishIn, who: Who, db: Db) -> dict[str, Any]:
    """Publish a plan as the plan of record (executives, in the executive review)."""
    view = cycle.publish(db, actor=who, version_id=body.version, replace=body.replace)
    return obj(view.to_dict())


@router.post("/api/cycle/close", response_model=MonthClosedRead)
def close_month(
    who: Who,
    db: Db,
    actuals: Annotated[UploadFile, File(description="The month's actuals workbook.")],
    replan: bool = False,
) -> dict[str, Any]:
    """Close the month with its actuals; optionally forecast and plan the next cycle."""
    with saved_upload(actuals) as path:
        result = cycle.close_month(db, path, actor=who, replan=replan)
    data = result.closed.to_dict()
    if result.replanned is not None:
        data["replanned"] = result.replanned.to_dict()
    return obj(data)


@router.get("/api/report", response_class=HTMLResponse)
def meeting_pack(who: Who, db: Db, version: Version = None) -> HTMLResponse:
    """The executive meeting pack as one self-contained HTML page."""
    page = memo.kept(
        db,
        ("api", "meeting pack", version),
        lambda: report.meeting_pack_html(db, version_id=version),
    )
    return HTMLResponse(page)
