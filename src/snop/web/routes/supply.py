"""The supply review: the plan grid, capacity, inventory, bottlenecks; running the plan.

Capacity load against capacity by resource and month, projected inventory against safety
stock, and what the plan says about its bottlenecks, for the plan version picked.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from snop.errors import InvalidInput, Issue, NotFound
from snop.report import format as fmt
from snop.services import memo, supply
from snop.services.database import Database
from snop.supply.problem import Strategy
from snop.web import deps, forms
from snop.web.charts import supply as charts

router = APIRouter(include_in_schema=False)

MEASURES: tuple[tuple[str, str], ...] = (
    ("demand", "Demand"),
    ("production", "Production"),
    ("subcontract", "Subcontract"),
    ("inventory", "Inventory"),
    ("safety_stock", "Safety stock"),
    ("backlog", "Backlog"),
)
"""The plan grid's rows per family or product, in reading order."""
MAX_PRODUCTS = 40
"""Products of a family shown in the grid (the largest by demand)."""
MAX_PANELS = 12
"""Panels of the inventory chart at most (the family and its largest products)."""
LATE_ROWS = 10
STRATEGIES: tuple[tuple[str, str], ...] = (
    ("cost", "Cost: the cheapest plan"),
    ("level", "Level: steady production"),
    ("chase", "Chase: production follows demand, little stock"),
)
PART = "supply-body"
"""The id of the part of the page the version and family pickers swap."""


@router.get("/supply")
def supply_page(
    request: Request, who: deps.User, db: deps.Db, version: str = "", family: str = ""
) -> HTMLResponse:
    """The supply plan: grid, capacity, inventory, bottlenecks, and the run-plan form."""
    version_id = forms.whole(version, "version")
    chosen = family.strip() or None
    try:
        view = memo.kept(
            db, ("web.supply", version_id, chosen), lambda: _view(db, version_id, chosen)
        )
    except NotFound:
        if version_id is not None or chosen is not None:
            raise
        view = None  # no plan yet: the page offers to run one
    partial = "supply/_body.html" if request.headers.get("HX-Target") == PART else None
    return deps.page(
        request,
        "supply/page.html",
        who,
        "supply",
        partial=partial,
        view=view,
        family=chosen,
        strategies=STRATEGIES,
    )


@router.post("/supply/plan")
def run_plan(
    request: Request, who: deps.User, db: deps.Db, strategy: Annotated[str, Form()] = "cost"
) -> Response:
    """Plan supply for the cycle (supply planners, in the supply review or pre-S&OP)."""
    try:
        chosen = Strategy(strategy)
    except ValueError as error:
        names = ", ".join(s.value for s in Strategy)
        raise InvalidInput(
            [Issue("bad_strategy", f"the strategy is one of {names}, not {strategy!r}")]
        ) from error
    run = supply.run_plan(db, actor=who, strategy=chosen)
    plan = run.plan
    if plan.feasible:
        message = (
            f"Plan version {run.version_id}: {plan.strategy} strategy, {plan.status}, "
            f"costs {fmt.money(plan.total_cost)}."
        )
    else:
        message = f"Plan version {run.version_id} is {plan.status}: what the plan says tells why."
    return deps.done(request, f"/supply?version={run.version_id}", message)


def _view(db: Database, version_id: int | None, family: str | None) -> dict[str, Any]:
    """Everything the page shows for a plan version and, optionally, one family."""
    stored = supply.stored_plan_kept(db, version_id=version_id)
    version = stored.version
    explanation = version.get("explanation") or {}
    products = stored.tables["products"]
    families = sorted(products["family"].astype(str).unique()) if not products.empty else []
    if family is not None and family not in families:
        raise NotFound(f"there is no family {family!r} in plan version {version['id']}")
    view: dict[str, Any] = {
        "version": _header(version),
        "versions": _versions(db),
        "families": families,
        "sentences": [str(s) for s in explanation.get("sentences", [])],
        "reasons": [str(s) for s in explanation.get("reasons", [])],
        "notes": [str(s) for s in explanation.get("notes", [])],
        "bottlenecks": _bottlenecks(explanation.get("bottlenecks", [])),
        "costs": _costs(version),
        "feasible": not products.empty,
        "periods": [],
        "blocks": [],
        "hidden_products": 0,
        "capacity": None,
        "capacity_rows": [],
        "inventory": None,
        "late": [],
        "late_count": 0,
    }
    if products.empty:
        return view
    frozen = int(version.get("frozen_periods") or 0)
    periods = sorted(products["period"].astype(str).unique())
    view["periods"] = [{"period": p, "frozen": i < frozen} for i, p in enumerate(periods)]
    if family is None:
        total = supply.plan_grid(stored, level="total")
        by_family = supply.plan_grid(stored, level="family")
        view["blocks"] = [_block(total, "all", "All families", None)] + [
            _block(by_family, f, f, f"/supply?version={version['id']}&family={quote(f, safe='')}")
            for f in families
        ]
        keys = families
        chart_grid = by_family
    else:
        mine = supply.plan_grid(stored, level="family", key=family)
        part = products[products["family"] == family]
        ranked = part.groupby("product_id")["demand"].sum().sort_values(ascending=False)
        shown = sorted(ranked.index[:MAX_PRODUCTS].astype(str))
        by_product = supply.plan_grid(stored, level="product")
        by_product = by_product[by_product["key"].isin(shown)]
        view["blocks"] = [_block(mine, family, family, None)] + [
            _block(by_product, p, p, None) for p in shown
        ]
        view["hidden_products"] = len(ranked) - len(shown)
        keys = [family, *[str(p) for p in ranked.index[: MAX_PANELS - 1]]]
        chart_grid = pd.concat([mine, by_product], ignore_index=True)
    view["inventory"] = charts.inventory_figure(chart_grid, keys)
    resources = stored.tables["resources"]
    view["capacity"] = charts.capacity_figure(resources)
    view["capacity_rows"] = _capacity_rows(resources, periods)
    late = stored.tables["late"]
    if family is not None and not late.empty:
        late = late[late["family"] == family]
    view["late_count"] = len(late)
    view["late"] = (
        late.sort_values("backlog", ascending=False).head(LATE_ROWS).to_dict("records")
        if not late.empty
        else []
    )
    return view


def _header(version: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "created_at",
        "actor",
        "strategy",
        "status",
        "first_period",
        "horizon",
        "demand_source",
        "frozen_periods",
        "service_measure",
        "total_cost",
        "published_at",
        "scenario_id",
    )
    return {k: version.get(k) for k in keys}


def _versions(db: Database) -> list[dict[str, Any]]:
    frame = supply.plan_versions(db)
    out = []
    for row in frame.to_dict("records"):
        scenario = row.get("scenario_id")
        kind = "scenario" if scenario is not None and not pd.isna(scenario) else row["strategy"]
        label = f"Version {row['id']} · {kind} · {row['status']} · {row['first_period']}"
        if row.get("published_at") is not None and not pd.isna(row["published_at"]):
            label += " · published"
        out.append({"id": int(row["id"]), "label": label})
    return out


def _costs(version: dict[str, Any]) -> list[dict[str, Any]]:
    costs = version.get("costs") or {}
    total = sum(float(v) for v in costs.values() if v)
    return [
        {
            "label": str(name).replace("_", " "),
            "amount": float(amount),
            "share": float(amount) / total if total else None,
        }
        for name, amount in sorted(costs.items(), key=lambda kv: -float(kv[1] or 0))
        if amount and abs(float(amount)) >= 0.5
    ]


def _bottlenecks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "resource": f"{r.get('name')} ({r.get('resource_id')})",
            "site": r.get("site"),
            "months": r.get("first")
            if r.get("first") == r.get("last")
            else f"{r.get('first')} to {r.get('last')}",
            "worth": _cents(r.get("worth_per_hour")),
            "overtime": r.get("overtime_hours"),
            "full": bool(r.get("full")),
        }
        for r in sorted(rows, key=lambda r: -float(r.get("worth_per_hour") or 0))
    ]


def _block(grid: pd.DataFrame, key: str, label: str, href: str | None) -> dict[str, Any]:
    """One family's or product's rows of the grid: a row per measure, a cell per month."""
    rows = grid[grid["key"] == key].sort_values("period")
    inventory = rows["inventory"].to_numpy()
    safety = rows["safety_stock"].to_numpy()
    lines = []
    for measure, name in MEASURES:
        numbers = rows[measure].astype(float).tolist()
        if measure == "inventory":
            classes = ["neg" if i < s - 0.5 else "" for i, s in zip(inventory, safety, strict=True)]
        elif measure == "backlog":
            classes = ["neg" if v > 0.5 else "" for v in numbers]
        else:
            classes = ["" for _ in numbers]
        lines.append(
            {
                "measure": measure,
                "label": name,
                "cls": "key" if measure in ("production", "inventory") else "",
                "cells": [
                    {"value": v, "text": fmt.units(v), "cls": c}
                    for v, c in zip(numbers, classes, strict=True)
                ],
            }
        )
    return {"key": key, "label": label, "href": href, "rows": lines}


def _capacity_rows(resources: pd.DataFrame, periods: list[str]) -> list[dict[str, Any]]:
    """Per resource: utilisation (coloured), load, regular and overtime hours, worth of an hour."""
    out: list[dict[str, Any]] = []
    if resources.empty:
        return out
    for resource, rows in resources.sort_values(["site", "resource_id"]).groupby(
        "resource_id", sort=False
    ):
        rows = rows.set_index(rows["period"].astype(str)).reindex(periods)
        first = rows.dropna(subset=["name"]).iloc[0]
        use = charts.values(rows["utilisation"])
        worth = charts.values(rows["shadow_price"].abs())

        lines = [
            {
                "label": "Utilisation",
                "cls": "key",
                "cells": [
                    {"value": u, "text": _whole_percent(u), "cls": _utilisation_class(u)}
                    for u in use
                ],
            },
            {"label": "Load (h)", "cls": "", "cells": _hours(rows, "load")},
            {
                "label": "Regular capacity (h)",
                "cls": "sub",
                "cells": _hours(rows, "regular_capacity"),
            },
            {"label": "Overtime used (h)", "cls": "sub", "cells": _hours(rows, "overtime")},
            {
                "label": "Overtime capacity (h)",
                "cls": "sub",
                "cells": _hours(rows, "overtime_capacity"),
            },
        ]
        if any(w is not None and w > 0.005 for w in worth):
            lines.append(
                {
                    "label": "One more hour is worth",
                    "cls": "sub",
                    "cells": [
                        {"value": w, "text": f"${w:,.2f}", "cls": ""}
                        if w is not None and w > 0.005
                        else {"value": None, "text": "", "cls": ""}
                        for w in worth
                    ],
                }
            )
        out.append(
            {
                "resource": str(resource),
                "label": f"{first['name']} ({resource}) · {first['site']}",
                "rows": lines,
            }
        )
    return out


def _utilisation_class(value: float | None) -> str:
    if value is None:
        return ""
    if value > charts.OVER:
        return "over"
    if value >= charts.FULL:
        return "full"
    return ""


def _whole_percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _cents(value: Any) -> str:
    number = fmt.number(value)
    return "" if number is None else f"${number:,.2f}"


def _hours(rows: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    return [{"value": v, "text": fmt.units(v), "cls": ""} for v in charts.values(rows[column])]
