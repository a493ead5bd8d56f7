"""Data: what the database holds, bringing a workbook in and out, closing the month.

The upload shows every validation error and writes nothing unless all is well; the export
and the empty template download as workbooks.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from snop.services import cycle, exports, imports, status
from snop.services.uploads import saved_upload
from snop.web import deps

router = APIRouter(include_in_schema=False)
Upload = Annotated[UploadFile, File()]


@router.get("/data")
def data_page(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """What the database holds, and the forms to bring data in and out."""
    return deps.page(request, "data/page.html", who, "data", summary=status.describe_kept(db))


@router.post("/data/import")
def import_workbook(
    request: Request,
    who: deps.User,
    db: deps.Db,
    workbook: Upload,
    dry_run: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Check (dry run) or import a planning workbook; all or nothing."""
    with saved_upload(workbook) as path:
        report = imports.import_workbook(db, path, actor=who, dry_run=bool(dry_run))
    return deps.page(
        request,
        "data/page.html",
        who,
        "data",
        partial="data/_import_result.html",
        summary=status.describe_kept(db),
        report=report,
        filename=workbook.filename,
    )


@router.post("/data/close")
def close_month(
    request: Request,
    who: deps.User,
    db: deps.Db,
    actuals: Upload,
    replan: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Close the month with its actuals; optionally forecast and plan the next cycle."""
    with saved_upload(actuals) as path:
        result = cycle.close_month(db, path, actor=who, replan=bool(replan))
    return deps.page(
        request,
        "data/page.html",
        who,
        "data",
        partial="data/_close_result.html",
        summary=status.describe_kept(db),
        closed=result.closed,
        review=cycle.review_sentences(result.closed.review),
        replanned=result.replanned,
    )


@router.get("/data/export")
def export(who: deps.User, db: deps.Db, background: BackgroundTasks) -> FileResponse:
    """The data as a planning workbook."""
    return _download(background, "snop-export.xlsx", lambda p: exports.export_workbook(db, p))


@router.get("/data/template")
def template(who: deps.User, background: BackgroundTasks) -> FileResponse:
    """The empty planning workbook, every column explained."""
    return _download(background, "snop-template.xlsx", exports.export_template)


@router.get("/data/demo-actuals")
def demo_actuals(who: deps.User, db: deps.Db, background: BackgroundTasks) -> FileResponse:
    """The demo company's simulated actuals of the open month (to try closing a month)."""
    return _download(background, "demo-actuals.xlsx", lambda p: cycle.demo_actuals(db, p))


def _download(
    background: BackgroundTasks, name: str, write: Callable[[Path], object]
) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="snop-download-"))
    path = folder / name
    write(path)
    background.add_task(shutil.rmtree, folder, True)
    return FileResponse(
        path,
        filename=name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
