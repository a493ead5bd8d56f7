"""Data: what the database holds, and planning workbooks in and out."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import BackgroundTasks, File, UploadFile
from fastapi.responses import FileResponse

from snop.api.deps import Db, Who
from snop.api.plain import obj
from snop.api.routes import router as make_router
from snop.api.schemas.data import ImportRead, StatusRead
from snop.services import exports, imports, status
from snop.services.uploads import saved_upload

router = make_router("data")


@router.get("/api/status", response_model=StatusRead)
def status_(who: Who, db: Db) -> dict[str, Any]:
    """What the database holds."""
    return obj(status.describe(db).to_dict())


@router.post("/api/import", response_model=ImportRead)
def import_workbook(
    who: Who,
    db: Db,
    workbook: Annotated[UploadFile, File(description="The planning workbook (.xlsx).")],
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import a planning workbook: every error listed, nothing written unless all is well."""
    with saved_upload(workbook) as path:
        report = imports.import_workbook(db, path, actor=who, dry_run=dry_run)
    return obj(report.to_dict())


@router.get("/api/export", response_class=FileResponse)
def export(who: Who, db: Db, background: BackgroundTasks) -> FileResponse:
    """The data as a planning workbook (.xlsx)."""
    folder = Path(tempfile.mkdtemp(prefix="snop-export-"))
    path = folder / "snop-export.xlsx"
    exports.export_workbook(db, path)
    background.add_task(shutil.rmtree, folder, True)
    return FileResponse(path, filename=path.name)
