"""The S&OP family sheet: per family, closed months beside the plan ahead.

The layout is the executive meeting pack's: sales, operations, inventory, backlog,
capacity and money.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from snop.errors import NotFound
from snop.services import report
from snop.services.database import Database
from snop.web import deps
from snop.web.charts import supply as charts

router = APIRouter(include_in_schema=False)


@router.get("/family")
def families(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """The families, each linking to its sheet."""
    sheets = _sheets(db)
    return deps.page(
        request,
        "family/index.html",
        who,
        "family",
        sheets=sheets,
        families=[] if sheets is None else sheets.families,
        version=None if sheets is None else sheets.version,
    )


@router.get("/family/{name}")
def family_sheet(request: Request, who: deps.User, db: deps.Db, name: str) -> HTMLResponse:
    """One family's S&OP sheet and its chart."""
    sheets = _sheets(db)
    if sheets is None:
        raise NotFound("no family sheets yet: there is no feasible supply plan (run the plan)")
    sheet = sheets.sheet(name)
    return deps.page(
        request,
        "family/sheet.html",
        who,
        "family",
        sheet=sheet,
        names=[f["name"] for f in sheets.families],
        months=_months(sheets.months),
        version=sheets.version,
        plan_of_record=sheets.plan_of_record,
        figure=charts.family_figure(sheets.series, name),
    )


def _sheets(db: Database) -> report.FamilySheets | None:
    """The plan of record's sheets (else the latest feasible plan's); None without a plan."""
    try:
        return report.family_sheets(db)
    except NotFound:
        return None


def _months(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sheet's columns: closed months shaded, the first plan month marked."""
    out = []
    for i, month in enumerate(months):
        past = bool(month["past"])
        first_future = not past and (i == 0 or bool(months[i - 1]["past"]))
        out.append(
            {
                "period": month["period"],
                "past": past,
                "cls": "past" if past else ("first-future" if first_future else ""),
                "tag": "actual" if past and i == 0 else ("plan" if first_future else ""),
            }
        )
    return out
