"""The proof page: the latest closed-loop simulation, every policy on the same months."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from snop.errors import NotFound
from snop.report.format import by_kind
from snop.services import simulate
from snop.simulate.report import COST_COMPONENTS, MEASURES
from snop.web import deps
from snop.web.charts.simulate import monthly_figure, position_figure

router = APIRouter(include_in_schema=False)


@router.get("/proof")
def proof_page(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """The latest simulation's policies, segments, costs and charts (or how to run one)."""
    try:
        stored = simulate.latest_simulation(db)
    except NotFound:
        return deps.page(request, "proof/page.html", who, "proof", view=None)
    return deps.page(request, "proof/page.html", who, "proof", view=proof_view(stored))


def proof_view(stored: dict[str, Any]) -> dict[str, Any]:
    """What the page shows, every number written out."""
    head = stored["headline"]
    policies = [str(row["policy"]) for row in head]
    measures = [
        {"label": label, "cells": [by_kind(row.get(key), kind) for row in head]}
        for key, label, kind in MEASURES
    ]
    measures.append(
        {
            "label": "Segments at target (within a point)",
            "cells": [f"{row['segments_met']} of {row['segments']}" for row in head],
        }
    )
    segments: dict[str, dict[str, Any]] = {}
    for row in stored["service"]:
        entry = segments.setdefault(
            str(row["segment"]),
            {
                "segment": row["segment"],
                "priority": row["priority"],
                "target": by_kind(row["target"], "percent"),
                "cells": [],
            },
        )
        entry["cells"].append(
            {"text": by_kind(row["fill_rate"], "percent"), "css": "green" if row["met"] else "red"}
        )
    costs: dict[str, list[str]] = {c: [] for c in COST_COMPONENTS}
    for row in stored["costs"]:
        costs.setdefault(str(row["component"]), []).append(by_kind(row["amount"], "money"))
    settings = stored["settings"]
    return {
        "run": stored.get("run"),
        "created_by": stored.get("created_by"),
        "created_at": (stored.get("created_at") or "")[:16].replace("T", " "),
        "first_month": stored["first_month"],
        "last_month": stored["last_month"],
        "settings": settings,
        "policies": policies,
        "measures": measures,
        "segments": sorted(segments.values(), key=lambda s: s["priority"]),
        "costs": [{"component": c.replace("_", " "), "cells": v} for c, v in costs.items() if v],
        "sentences": stored["sentences"],
        "position_figure": position_figure(stored),
        "fill_figure": monthly_figure(stored, "fill_rate"),
        "stock_figure": monthly_figure(stored, "inventory_value"),
    }
