"""Each user's home: the cycle's stage and due dates, their inbox, the plan against target."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from snop.errors import NotFound
from snop.reconcile import scorecard as score_core
from snop.services import collab, reconcile
from snop.services.auth import Caller
from snop.web import deps
from snop.web import format as wfmt

router = APIRouter(include_in_schema=False)
HEADLINE_MONTHS = 12
MAX_EXCEPTIONS = 5


@router.get("/")
def home(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """The home page."""
    try:
        evaluation = reconcile.evaluate_kept(db)
    except NotFound:
        evaluation = None
    inbox = collab.inbox(db, who.username)
    headline: list[dict[str, str]] = []
    if evaluation is not None:
        headline = headline_tiles(evaluation.scorecard, evaluation.tolerance)
        inbox += exceptions_for(who, evaluation.exceptions)
    return deps.page(request, "home/page.html", who, "home", inbox=inbox, headline=headline)


def headline_tiles(scorecard: pd.DataFrame, tolerance: float) -> list[dict[str, str]]:
    """Year targets for the business and its segments, and the next months' revenue.

    Each tile is coloured by the scorecard's own rule (`scorecard.status_of`), so a tile
    and the scorecard row of the same figure never disagree.
    """
    tiles: list[dict[str, str]] = []
    monthly = scorecard[(scorecard["scope_kind"] == "all") & (scorecard["months"] == 1)]
    for metric in ("revenue", "budget"):
        rows = monthly[monthly["metric"] == metric].head(HEADLINE_MONTHS)
        if rows.empty:
            continue
        value, target = float(rows["value"].sum()), float(rows["target"].sum())
        colour = score_core.status_of(metric, value, target, tolerance)
        tiles.append(
            {
                "label": f"{wfmt.label(metric, 'all')}, next {len(rows)} months",
                "value": wfmt.measure(value, "money"),
                "target": wfmt.measure(target, "money"),
                "status": colour.replace("not measured", "grey"),
            }
        )
    yearly = scorecard[(scorecard["months"] > 1) & scorecard["scope_kind"].isin(["all", "segment"])]
    for row in yearly.head(8).to_dict("records"):
        tiles.append(
            {
                "label": f"{wfmt.label(row['metric'], row['scope'])} ({row['period']})",
                "value": wfmt.measure(row["value"], row["unit"]),
                "target": wfmt.measure(row["target"], row["unit"]),
                "status": str(row["status"]).replace("not measured", "grey"),
            }
        )
    return tiles


def exceptions_for(who: Caller, exceptions: pd.DataFrame) -> list[dict[str, Any]]:
    """The biggest exceptions whose owner is one of the user's roles (sales: in scope)."""
    if exceptions.empty:
        return []
    roles = {role.value for role in who.roles}
    mine = exceptions[exceptions["owner"].isin(roles)]
    if who.families:
        in_scope = (mine["scope_kind"] != "family") | mine["scope"].isin(who.families)
        mine = mine[in_scope]
    return [
        {
            "kind": "exception",
            "text": f"{row['what']} ({deps_money(row['money'])} at stake)",
            "href": "/money#exceptions",
            "created_at": None,
            "overdue": False,
        }
        for row in mine.head(MAX_EXCEPTIONS).to_dict("records")
    ]


def deps_money(value: Any) -> str:
    """Money at stake, or 'no money figure'."""
    return wfmt.measure(value, "money")
