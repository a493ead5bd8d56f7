"""Money & strategy: the plan against every target, revenue and margin, KPIs, exceptions.

Everything on the page comes from one evaluation of the plan (`reconcile.evaluate_kept`):
the scorecard (year targets first, then the monthly targets as a month grid), revenue and
margin against target as a chart, the KPIs of the last twelve months next to the plan's,
and the exceptions ranked by the money at stake. ``?version=N`` shows another plan version.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from snop.errors import NotFound
from snop.report import format as fmt
from snop.services import memo, reconcile, scenarios, supply
from snop.services.database import Database
from snop.services.reconcile import Evaluation
from snop.web import deps
from snop.web import format as wfmt
from snop.web.charts import money as charts

router = APIRouter(include_in_schema=False)
EXCEPTIONS_SHOWN = 50
"""Exceptions listed at first, largest first; the page offers the next ones."""

ACTUAL_MONTHS = 12
"""Months of actual revenue drawn before the plan."""
METRIC_ORDER = ("revenue", "gross_margin", "budget")
"""Monthly target rows: revenue first, spend last; any other metric in between."""
KPI_LABELS = {
    "revenue": "Revenue",
    "cost_of_goods": "Cost of goods",
    "gross_margin": "Gross margin",
    "gross_margin_pct": "Gross margin %",
    "demand": "Demand (units)",
    "fill_rate": "Fill rate",
    "otif": "OTIF",
    "days_of_supply": "Days of supply",
    "inventory_turns": "Inventory turns",
    "inventory_value": "Inventory value (a month)",
    "utilisation": "Utilisation",
    "overtime_hours": "Overtime hours",
    "spend": "Spend",
    "backlog_units": "Late units (backlog)",
    "forecast_wape_lag1": "Forecast error (WAPE, lag 1)",
    "forecast_bias_lag1": "Forecast bias (lag 1)",
    "plan_adherence": "Plan adherence",
    "plan_change": "Plan change in the fence",
}
SCOPE_KPIS = ("revenue", "gross_margin_pct", "fill_rate", "otif")
"""KPIs shown per segment and per family."""


@router.get("/money")
def money_page(
    request: Request,
    who: deps.User,
    db: deps.Db,
    version: int | None = None,
    owner: str | None = None,
    shown: Annotated[int, Query(ge=1, le=100_000)] = EXCEPTIONS_SHOWN,
) -> HTMLResponse:
    """The plan against the strategy: scorecard, revenue chart, KPIs, exceptions.

    The exceptions list shows the ``shown`` largest (a large company has thousands); the
    page offers the next ones.
    """
    key: Hashable = ("money-page", version)
    try:
        kept = memo.kept(db, key, lambda: _page_data(db, version))
    except NotFound:
        if version is not None:
            raise
        return deps.page(request, "money/page.html", who, "money", view=None, versions=[])
    view, versions = kept["view"], kept["versions"]
    exceptions = view["exceptions"]
    if owner:
        exceptions = [row for row in exceptions if row["owner"] == owner]
    return deps.page(
        request,
        "money/page.html",
        who,
        "money",
        partial="money/_exceptions.html",
        view=view,
        versions=versions,
        version=version,
        owner=owner or "",
        exceptions=exceptions[:shown],
        matching=len(exceptions),
        more=shown + EXCEPTIONS_SHOWN,
    )


def _page_data(db: Database, version: int | None) -> dict[str, Any]:
    """The page's view of a plan version and the versions to choose from."""
    evaluation = reconcile.evaluate_kept(db, version_id=version)
    return {"view": money_view(evaluation), "versions": version_choices(db)}


def version_choices(db: Database) -> list[dict[str, Any]]:
    """Feasible plan versions, newest first, named by their scenario when they have one."""
    table = supply.plan_versions(db)
    names = {
        s.plan_version_id: s.name
        for s in scenarios.list_scenarios(db)
        if s.plan_version_id is not None
    }
    out = []
    for row in table[table["status"] == "optimal"].to_dict("records"):
        vid = int(row["id"])
        source = f"scenario {names[vid]}" if vid in names else "cycle plan"
        published = " · published" if pd.notna(row["published_at"]) else ""
        created = deps_when(row["created_at"])
        out.append({"id": vid, "label": f"Version {vid}: {source}, {created}{published}"})
    return out


def deps_when(value: Any) -> str:
    """A timestamp to the minute."""
    return str(value)[:16]


def money_view(evaluation: Evaluation) -> dict[str, Any]:
    """Everything the page shows, formatted (kept until the data changes)."""
    card = evaluation.scorecard
    header = evaluation.version
    monthly = monthly_money(evaluation)
    counts = card["status"].value_counts()
    return {
        "version": {
            "id": header.get("id"),
            "strategy": header.get("strategy"),
            "first_period": header.get("first_period"),
            "horizon": header.get("horizon"),
            "published": header.get("published_at") is not None,
            "scenario": header.get("scenario_id") is not None,
        },
        "counts": [
            {"status": s, "count": int(counts.get(s, 0)), "css": _status_class(s)}
            for s in ("green", "amber", "red", "not measured")
            if s != "not measured" or counts.get(s, 0)
        ],
        "sentences": list(evaluation.sentences),
        "tolerance": evaluation.tolerance,
        "years": [score_row(r) for r in card[card["months"] != 1].to_dict("records")],
        "grid": month_grid(card[card["months"] == 1]),
        "monthly_rows": [score_row(r) for r in card[card["months"] == 1].to_dict("records")],
        "scorecard_size": len(card),
        "revenue_figure": charts.revenue_figure(monthly),
        "revenue_rows": revenue_rows(monthly),
        "kpis": kpi_rows(evaluation.kpis),
        "kpi_windows": kpi_windows(evaluation.kpis),
        "scope_kpis": scope_kpi_rows(evaluation.kpis),
        "scope_kpi_labels": [KPI_LABELS[k] for k in SCOPE_KPIS],
        "exceptions": exception_rows(evaluation.exceptions),
        "owners": owner_counts(evaluation.exceptions),
        "at_stake": fmt.money(evaluation.exceptions["money"].sum())
        if not evaluation.exceptions.empty
        else fmt.money(0),
    }


def _status_class(status: Any) -> str:
    text = str(status)
    return text if text in ("green", "amber", "red") else "grey"


def gap_text(value: Any, unit: str) -> str:
    """The gap in the metric's unit with its sign ('–' when not measured)."""
    if fmt.number(value) is None:
        return "–"
    if unit == "turns":
        return f"{fmt.days(value, sign=True)} turns"
    return fmt.by_unit(value, unit, sign=True) or "–"


def score_row(row: dict[Any, Any]) -> dict[str, Any]:
    """One target against the plan, formatted."""
    unit = str(row["unit"])
    hours = str(row["metric"]).startswith("utilisation")
    gap_units = fmt.units(row["gap_units"], sign=True)
    return {
        "key": f"{row['period']}|{row['metric']}|{row['scope']}",
        "period": str(row["period"]),
        "metric": str(row["metric"]),
        "scope": str(row["scope"]),
        "label": wfmt.label(str(row["metric"]), str(row["scope"])),
        "months": int(row["months"]),
        "direction": {"min": "at least", "max": "at most", "near": "near"}.get(
            str(row["direction"]), str(row["direction"])
        ),
        "target": wfmt.measure(row["target"], unit),
        "value": wfmt.measure(row["value"], unit),
        "gap": gap_text(row["gap"], unit),
        "gap_units": f"{gap_units} h" if gap_units and hours else (gap_units or "–"),
        "gap_money": fmt.money(row["gap_money"], sign=True) or "–",
        "status": str(row["status"]),
        "css": _status_class(row["status"]),
    }


def short_money(value: Any, *, sign: bool = False) -> str:
    """$1.02M, $286k, $950 (for a dense grid; the full figure is in the cell's title)."""
    v = fmt.number(value)
    if v is None:
        return "–"
    size = abs(v)
    if size >= 999_500:
        text = f"${size / 1e6:.2f}M"
    elif size >= 1e3:
        text = f"${size / 1e3:.0f}k"
    else:
        text = f"${size:.0f}"
    if v < 0 and text not in ("$0", "$0k"):
        return fmt.MINUS + text
    return ("+" + text) if sign and text not in ("$0", "$0k") else text


def month_grid(rows: pd.DataFrame) -> dict[str, Any]:
    """Monthly targets as a grid: a row per metric and scope, a column per month."""
    months = sorted(rows["period"].astype(str).unique())
    order = {m: i for i, m in enumerate(METRIC_ORDER)}
    keys = rows[["metric", "scope", "scope_kind"]].drop_duplicates()
    keys = keys.assign(
        m=keys["metric"].map(lambda m: order.get(m, len(METRIC_ORDER) - 0.5)),
        s=(keys["scope_kind"] != "all").astype(int),
    ).sort_values(["m", "s", "scope"])
    by_key = {(r["metric"], r["scope"], str(r["period"])): r for r in rows.to_dict("records")}
    lines = []
    for metric, scope, kind in keys[["metric", "scope", "scope_kind"]].itertuples(index=False):
        cells = []
        for month in months:
            r = by_key.get((metric, scope, month))
            cells.append(None if r is None else grid_cell(r))
        label = wfmt.label(metric, scope)
        lines.append(
            {"label": label, "key": f"{metric}|{scope}", "total": kind == "all", "cells": cells}
        )
    return {"months": months, "rows": lines}


def grid_cell(row: dict[Any, Any]) -> dict[str, str]:
    """One month's target: the plan's value, its gap, and the whole story in the title."""
    unit = str(row["unit"])
    money = unit == "money"
    value = short_money(row["value"]) if money else wfmt.measure(row["value"], unit)
    gap = short_money(row["gap"], sign=True) if money else gap_text(row["gap"], unit)
    units = fmt.units(row["gap_units"], sign=True)
    title = (
        f"{wfmt.label(str(row['metric']), str(row['scope']))}, {row['period']}: plan "
        f"{wfmt.measure(row['value'], unit)}, target {wfmt.measure(row['target'], unit)}, "
        f"gap {gap_text(row['gap'], unit)}{f' ({units} units)' if units else ''}; {row['status']}"
    )
    return {"value": value, "gap": gap, "css": _status_class(row["status"]), "title": title}


def monthly_money(evaluation: Evaluation) -> pd.DataFrame:
    """Revenue, margin and their targets a month: the last actual months, then the plan."""
    plan = evaluation.money_table(["period"])[["period", "revenue", "gross_margin"]]
    plan = plan.assign(basis="plan")
    first = str(plan["period"].min()) if not plan.empty else None
    ledger = evaluation.ledger
    total = ledger[
        (ledger["scope_kind"] == "all") & ledger["component"].isin(["revenue", "gross_margin"])
    ]
    if first is not None:
        total = total[total["period"] < first]
    actual = (
        total.pivot_table(index="period", columns="component", values="amount", aggfunc="sum")
        .reindex(columns=["revenue", "gross_margin"])
        .reset_index()
        .tail(ACTUAL_MONTHS)
        .assign(basis="actual")
    )
    frame = pd.concat([actual, plan], ignore_index=True)
    frame["period"] = frame["period"].astype(str)
    frame["margin_pct"] = frame["gross_margin"] / frame["revenue"].where(frame["revenue"] != 0)
    card = evaluation.scorecard
    revenue = card[
        (card["metric"] == "revenue") & (card["scope_kind"] == "all") & (card["months"] == 1)
    ]
    targets = dict(zip(revenue["period"].astype(str), revenue["target"], strict=True))
    frame["revenue_target"] = frame["period"].map(targets)
    margin = card[
        (card["metric"] == "gross_margin") & (card["scope_kind"] == "all") & (card["target"] <= 1)
    ]
    years = {str(p)[:4]: t for p, t in zip(margin["period"], margin["target"], strict=True)}
    frame["margin_pct_target"] = frame["period"].str[:4].map(years)
    return frame[list(charts.MONTHLY_COLUMNS)]


def revenue_rows(monthly: pd.DataFrame) -> list[dict[str, str]]:
    """The chart's numbers as a table (for reading and for screen readers)."""
    rows = []
    for r in monthly.to_dict("records"):
        gap = r["revenue"] - r["revenue_target"] if pd.notna(r["revenue_target"]) else None
        rows.append(
            {
                "period": r["period"],
                "basis": r["basis"],
                "revenue": fmt.money(r["revenue"]) or "–",
                "target": fmt.money(r["revenue_target"]) or "–",
                "gap": fmt.money(gap, sign=True) or "–",
                "margin": fmt.money(r["gross_margin"]) or "–",
                "margin_pct": fmt.percent(r["margin_pct"]) or "–",
            }
        )
    return rows


def _kpi_value(value: Any, unit: str) -> str:
    if fmt.number(value) is None:
        return "–"
    if unit == "turns":
        return f"{fmt.days(value)} turns"
    if unit == "hours":
        return f"{fmt.units(value)} h"
    return fmt.by_unit(value, unit) or "–"


def _kpi_change(actual: Any, plan: Any, unit: str) -> str:
    a, p = fmt.number(actual), fmt.number(plan)
    if a is None or p is None:
        return ""
    if unit == "share":
        return fmt.points(p - a)
    if unit in ("days", "turns"):
        return fmt.days(p - a, sign=True)
    if a == 0:
        return ""
    return fmt.percent(p / a - 1, sign=True)


def kpi_rows(kpis: pd.DataFrame) -> list[dict[str, str]]:
    """The business's KPIs: last twelve months against the plan's next twelve."""
    total = kpis[kpis["scope_kind"] == "all"]
    rows = []
    for kpi in dict.fromkeys(total["kpi"]):
        part = total[total["kpi"] == kpi]
        values = dict(zip(part["basis"], part["value"], strict=False))
        unit = str(part["unit"].iloc[0])
        rows.append(
            {
                "kpi": str(kpi),
                "label": KPI_LABELS.get(str(kpi), str(kpi).replace("_", " ").capitalize()),
                "actual": _kpi_value(values.get("actual"), unit),
                "plan": _kpi_value(values.get("plan"), unit),
                "change": _kpi_change(values.get("actual"), values.get("plan"), unit),
            }
        )
    return rows


def kpi_windows(kpis: pd.DataFrame) -> dict[str, str]:
    """'2025-11 to 2026-10' for each basis."""
    out = {}
    for basis in ("actual", "plan"):
        part = kpis[(kpis["basis"] == basis) & (kpis["scope_kind"] == "all")]
        if not part.empty:
            out[basis] = f"{part['period_from'].iloc[0]} to {part['period_to'].iloc[0]}"
    return out


def scope_kpi_rows(kpis: pd.DataFrame) -> list[dict[str, Any]]:
    """Per segment, then per family: a few KPIs, last twelve months and plan."""
    chosen = kpis[kpis["scope_kind"].isin(["segment", "family"]) & kpis["kpi"].isin(SCOPE_KPIS)]
    rows = []
    for kind in ("segment", "family"):
        part = chosen[chosen["scope_kind"] == kind]
        for scope in sorted(part["scope"].astype(str).unique()):
            mine = part[part["scope"] == scope]
            cells = []
            for kpi in SCOPE_KPIS:
                one = mine[mine["kpi"] == kpi]
                values = dict(zip(one["basis"], one["value"], strict=False))
                unit = str(one["unit"].iloc[0]) if not one.empty else ""
                cells.append(
                    {
                        "actual": _kpi_value(values.get("actual"), unit),
                        "plan": _kpi_value(values.get("plan"), unit),
                    }
                )
            rows.append({"kind": kind, "scope": scope, "cells": cells})
    return rows


def exception_rows(exceptions: pd.DataFrame) -> list[dict[str, Any]]:
    """The exceptions in rank order: what, where, how much, who, what to do."""
    rows = []
    for r in exceptions.to_dict("records"):
        start, end = r.get("period_from"), r.get("period_to")
        when = "" if not start else (str(start) if start == end or not end else f"{start} to {end}")
        kind = str(r["scope_kind"])
        units = fmt.units(r["units"])
        rows.append(
            {
                "rank": int(r["rank"]),
                "kind": str(r["kind"]).replace("_", " "),
                "what": str(r["what"]),
                "where": str(r["scope"]) if kind == "all" else f"{kind} {r['scope']}",
                "when": when,
                "units": (f"{units} h" if kind == "resource" else units) if units else "–",
                "money": fmt.money(r["money"]) or "–",
                "owner": str(r["owner"]),
                "action": str(r["action"]),
            }
        )
    return rows


def owner_counts(exceptions: pd.DataFrame) -> list[dict[str, Any]]:
    """Each owner with their number of exceptions, most first."""
    if exceptions.empty:
        return []
    counts = exceptions["owner"].value_counts()
    return [{"owner": str(o), "count": int(n)} for o, n in counts.items()]
