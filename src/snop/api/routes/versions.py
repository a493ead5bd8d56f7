"""The versions log: every forecast and plan run, and what changed between two plans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from snop.api.deps import MAX_ID, Db, Who
from snop.api.plain import obj, plain
from snop.api.routes import router as make_router
from snop.api.schemas.scenarios import DiffRead, VersionsRead
from snop.services import versions

router = make_router("versions")


@router.get("/api/versions", response_model=VersionsRead)
def version_list(who: Who, db: Db) -> dict[str, Any]:
    """Every forecast and plan run."""
    return {"versions": plain(versions.list_versions(db))}


@router.get("/api/versions/diff", response_model=DiffRead)
def version_diff(
    who: Who,
    db: Db,
    a: Annotated[int, Query(ge=1, le=MAX_ID)],
    b: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> dict[str, Any]:
    """What changed between two plan versions and why."""
    return obj(versions.diff_dict(versions.diff(db, a, b)))
