"""The meeting pack's content: frames in, the template's context (a dict of text) out.

Pure: pandas only, no database, no clock (``today`` is passed in). Every number leaves
here already written for people (see :mod:`snop.report.format`), with a CSS class where
colour carries meaning (status, shortfalls, over-full resources).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from snop.frames import shift_period
from snop.report import format as fmt

HISTORY_MONTHS = 6
"""Closed months shown on each family sheet."""
PLAN_MONTHS = 12
"""Plan months shown on each family sheet."""
NEAR_MONTHS = 3
"""Months of monthly targets shown on the scorecard (year targets are always shown)."""
TOP_EXCEPTIONS = 15

METRIC_OWNERS = {
    "revenue": "sales",
    "budget": "finance",
    "gross_margin": "finance",
    "fill_rate": "supply planner",
    "days_of_supply": "supply planner",
    "utilisation_min": "supply planner",
    "utilisation_max": "supply planner",
}
"""Who answers for a red strategy target when no decision has been recorded yet."""

GOOD_WHEN_UP = ("revenue", "gross margin", "fill rate", "targets green")
BAD_WHEN_UP = (
    "plan cost",
    "inventory value",
    "overtime cost",
    "subcontract cost",
    "late units",
    "targets red",
    "targets amber",
)


@dataclass(frozen=True, slots=True)
class PackInputs:
    """Everything the pack shows, as frames and plain values.

    Frames (columns)
    ----------------
    scorecard: the scorecard (period, metric, scope, target, value, gap, gap_money,
        status, unit, ...).
    ledger: the evaluation's ledger (period, scope_kind, scope, component, amount), actual
        months and plan months.
    plan_products: the plan's product table (product_id, period, family, demand,
        production, subcontract, inventory, backlog, safety_stock, ...).
    products: product_id, family.  routings: product_id, resource_id, hours_per_unit.
    resources: resource_id, name, site.
    forecasts: consensus forecasts of every forecast version (version_id, cutoff, period,
        family, quantity).
    snapshots: month-end positions of closed months (product_id, period, on_hand, backlog).
    production: actual production (product_id, period, quantity).
    recorded: what each closed month's plan of record planned (product_id, period,
        production).
    targets: the strategy targets (period, metric, scope, value).
    measures: scenarios.compare's measures (index: measure; columns: each scenario, then
        "<name> - base") or None when no scenario has run.
    exceptions: the exceptions, ranked.
    """

    company: str
    cycle_period: str
    version: dict[str, Any]
    plan_of_record: bool
    today: dt.date
    sentences: list[str]
    scorecard: pd.DataFrame
    ledger: pd.DataFrame
    plan_products: pd.DataFrame
    products: pd.DataFrame
    routings: pd.DataFrame
    resources: pd.DataFrame
    forecasts: pd.DataFrame
    snapshots: pd.DataFrame
    production: pd.DataFrame
    recorded: pd.DataFrame
    targets: pd.DataFrame
    exceptions: pd.DataFrame
    measures: pd.DataFrame | None = None
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    """Scenario views (name, description, changes in words, plan_version)."""
    decisions: list[dict[str, Any]] = field(default_factory=list)
    """Open decisions of the cycle: title, owner, due_date, scenario, notes."""
    simulation: dict[str, Any] | None = None
    """The latest closed-loop simulation as stored (headline, service, sentences, ...)."""


Cell = dict[str, str]
Row = dict[str, Any]


def build(inputs: PackInputs) -> dict[str, Any]:
    """The template's context: cover, headline, scorecard, families, scenarios, ..."""
    first = str(inputs.version["first_period"])
    plan_periods = sorted(inputs.plan_products["period"].astype(str).unique())[:PLAN_MONTHS]
    past = [shift_period(first, -k) for k in range(HISTORY_MONTHS, 0, -1)]
    families = sorted(inputs.plan_products["family"].astype(str).unique())
    return {
        "cover": _cover(inputs, plan_periods),
        "headline": _headline(inputs, plan_periods),
        "scorecard": _scorecard(inputs.scorecard, first),
        "months": [{"period": p, "past": p < first} for p in [*past, *plan_periods]],
        "families": [
            _family_sheet(inputs, family, past, plan_periods, first) for family in families
        ],
        "scenarios": _scenarios(inputs),
        "exceptions": _exceptions(inputs.exceptions),
        "decisions": _decisions(inputs),
        "proof": _proof(inputs.simulation),
    }


# -- cover and headline ---------------------------------------------------------------------


def _cover(inputs: PackInputs, periods: list[str]) -> dict[str, Any]:
    version = inputs.version
    strategy = str(version.get("strategy") or "")
    span = f"{periods[0]} to {periods[-1]}" if periods else ""
    return {
        "company": inputs.company,
        "cycle": inputs.cycle_period,
        "cycle_name": _month_name(inputs.cycle_period),
        "version": version.get("id"),
        "plan_of_record": inputs.plan_of_record,
        "plan_status": (
            "the plan of record" if inputs.plan_of_record else "a draft: not yet the plan of record"
        ),
        "strategy": strategy,
        "first_period": version.get("first_period"),
        "horizon": version.get("horizon"),
        "span": span,
        "date": inputs.today.strftime("%d %B %Y").lstrip("0"),
        "iso_date": inputs.today.isoformat(),
    }


def _month_name(period: str) -> str:
    try:
        return dt.date(int(period[:4]), int(period[5:7]), 1).strftime("%B %Y")
    except ValueError:
        return period


def _headline(inputs: PackInputs, periods: list[str]) -> dict[str, Any]:
    explanation = inputs.version.get("explanation") or {}
    ledger = inputs.ledger
    total = ledger[(ledger["scope_kind"] == "all") & ledger["period"].isin(periods)]
    sums = total.groupby("component")["amount"].sum()
    revenue = float(sums.get("revenue", 0.0))
    margin = float(sums.get("gross_margin", 0.0))
    demand = float(sums.get("demand", 0.0))
    on_time = float(sums.get("on_time", 0.0))
    counts = inputs.scorecard["status"].value_counts()
    window = f"{periods[0]} to {periods[-1]}" if periods else ""
    tiles = [
        {"label": f"Revenue, {window}", "value": fmt.money(revenue), "note": ""},
        {
            "label": "Gross margin",
            "value": fmt.money(margin),
            "note": fmt.percent(margin / revenue) + " of revenue" if revenue else "",
        },
        {
            "label": "Demand served on time",
            "value": fmt.percent(on_time / demand) if demand else "",
            "note": fmt.units(demand) + " units demanded",
        },
        {
            "label": "Plan cost (whole horizon)",
            "value": fmt.money(inputs.version.get("total_cost")),
            "note": "",
        },
        {
            "label": "Strategy targets",
            "value": f"{int(counts.get('green', 0))} · {int(counts.get('amber', 0))} · "
            f"{int(counts.get('red', 0))}",
            "note": "green · amber · red",
        },
    ]
    return {
        "tiles": tiles,
        "scorecard": list(inputs.sentences),
        "plan": [str(s) for s in explanation.get("sentences", [])],
        "notes": [str(s) for s in explanation.get("notes", [])],
    }


# -- strategy scorecard ---------------------------------------------------------------------


def _scorecard(card: pd.DataFrame, first: str) -> dict[str, Any]:
    period = card["period"].astype(str)
    months = sorted(p for p in period.unique() if len(p) == 7 and p >= first)[:NEAR_MONTHS]
    years = card[period.str.len() == 4]
    near = card[period.isin(months)]
    rows = []
    for row in [*years.to_dict("records"), *near.to_dict("records")]:
        unit = str(row.get("unit") or "units")
        status = str(row.get("status") or "")
        rows.append(
            {
                "period": str(row["period"]),
                "metric": str(row["metric"]),
                "metric_label": _metric_label(str(row["metric"])),
                "scope": str(row["scope"]),
                "target": fmt.by_unit(row.get("target"), unit),
                "value": fmt.by_unit(row.get("value"), unit),
                "gap": fmt.by_unit(row.get("gap"), unit, sign=True),
                "gap_money": fmt.money(row.get("gap_money"), sign=True),
                "status": status,
                "status_class": status.replace(" ", "-") or "none",
            }
        )
    later = card[~period.str.len().eq(4) & ~period.isin(months)]
    return {
        "rows": rows,
        "months": months,
        "hidden": len(later),
        "hidden_red": int((later["status"] == "red").sum()),
    }


def _metric_label(metric: str) -> str:
    return {
        "utilisation_min": "utilisation (floor)",
        "utilisation_max": "utilisation (ceiling)",
        "budget": "spend vs budget",
    }.get(metric, metric.replace("_", " "))


# -- the S&OP family sheet ------------------------------------------------------------------


def _empty() -> pd.Series:
    return pd.Series(dtype=float, index=pd.Index([], dtype=object))


def _before(series: pd.Series, first: str) -> pd.Series:
    return series[series.index.astype(str) < first] if len(series) else series


def _by_period(frame: pd.DataFrame, column: str, family: str, families: pd.Series) -> pd.Series:
    """``column`` summed per period over the products of ``family``."""
    if frame.empty or column not in frame.columns:
        return _empty()
    fam = frame["product_id"].map(families)
    part = frame[fam == family]
    return part.groupby(part["period"].astype(str))[column].sum().astype(float)


def _cells(
    series: pd.Series | dict[str, float],
    months: Sequence[str],
    write: Callable[[Any], str],
    *,
    only: Sequence[str] | None = None,
    classify: Callable[[float], str] | None = None,
) -> list[Cell]:
    values = series if isinstance(series, dict) else series.to_dict()
    out = []
    for period in months:
        value = fmt.number(values.get(period)) if only is None or period in only else None
        text = write(value) if value is not None else ""
        cls = classify(value) if classify is not None and value is not None else ""
        out.append({"text": text, "cls": cls})
    return out


def _difference(a: pd.Series, b: pd.Series, months: Sequence[str]) -> dict[str, float]:
    return {p: float(a[p] - b[p]) for p in months if p in a.index and p in b.index}


def _cumulative(diff: dict[str, float], months: Sequence[str]) -> dict[str, float]:
    total, out = 0.0, {}
    for p in months:
        if p in diff:
            total += diff[p]
            out[p] = total
    return out


def _negative(value: float) -> str:
    return "neg" if value < -0.5 else ""


def _row(label: str, cells: list[Cell], *, cls: str = "", unit: str = "") -> Row:
    return {"label": label, "cells": cells, "cls": cls, "unit": unit}


def _forecast_before(
    forecasts: pd.DataFrame, family: str, months: Sequence[str], first: str
) -> pd.Series:
    """Per month, the consensus as it was forecast before this cycle.

    For a closed month, the forecast made the month before (lag 1); for a month ahead,
    last cycle's forecast (the latest version with an earlier cutoff).
    """
    if forecasts.empty:
        return _empty()
    part = forecasts[forecasts["family"] == family]
    latest = part.groupby("cutoff")["version_id"].transform("max")
    part = part[part["version_id"] == latest]
    sums = part.groupby([part["cutoff"].astype(str), part["period"].astype(str)])["quantity"].sum()
    cutoffs = sorted(part["cutoff"].astype(str).unique())
    last_cycle = shift_period(first, -1)
    values = {}
    for period in months:
        limit = min(period, last_cycle)
        earlier = [c for c in cutoffs if c < limit]
        if earlier and (earlier[-1], period) in sums.index:
            values[period] = float(sums[(earlier[-1], period)])
    return pd.Series(values, dtype=float) if values else _empty()


def _family_sheet(
    inputs: PackInputs, family: str, past: list[str], future: list[str], first: str
) -> dict[str, Any]:
    months = [*past, *future]
    families = inputs.products.set_index("product_id")["family"].astype(str)
    ledger = inputs.ledger
    fam = ledger[(ledger["scope_kind"] == "family") & (ledger["scope"] == family)]
    led = fam.pivot_table(index="period", columns="component", values="amount", aggfunc="sum")

    def ledger_series(component: str) -> pd.Series:
        return led[component].dropna() if component in led.columns else _empty()

    plan = inputs.plan_products[inputs.plan_products["family"] == family]
    plan_sums = plan.groupby(plan["period"].astype(str)).sum(numeric_only=True)

    def plan_series(column: str) -> pd.Series:
        if column not in plan_sums.columns:
            return _empty()
        return plan_sums[column].astype(float)

    groups = []

    # Sales
    forecast = _forecast_before(inputs.forecasts, family, months, first)
    actual = ledger_series("demand")
    actual = _before(actual, first)
    diff = _difference(actual, forecast, past)
    groups.append(
        {
            "name": "Sales",
            "unit": "units",
            "rows": [
                _row("Forecast", _cells(forecast, months, fmt.units)),
                _row("Actual orders", _cells(actual, months, fmt.units, only=past)),
                _row(
                    "Difference",
                    _cells(diff, months, lambda v: fmt.units(v, sign=True), classify=_negative),
                    cls="sub",
                ),
                _row(
                    "Cumulative difference",
                    _cells(
                        _cumulative(diff, past),
                        months,
                        lambda v: fmt.units(v, sign=True),
                        classify=_negative,
                    ),
                    cls="sub",
                ),
                _row(
                    "New forecast (plan demand)",
                    _cells(plan_series("demand"), months, fmt.units, only=future),
                    cls="key",
                ),
            ],
        }
    )

    # Operations
    recorded = _by_period(inputs.recorded, "production", family, families)
    planned = pd.concat([_before(recorded, first), plan_series("production")])
    made = _by_period(inputs.production, "quantity", family, families)
    made = _before(made, first)
    ops_diff = _difference(made, planned, past)
    ops_rows = [
        _row("Production plan", _cells(planned, months, fmt.units), cls="key"),
        _row("Actual production", _cells(made, months, fmt.units, only=past)),
        _row(
            "Difference",
            _cells(ops_diff, months, lambda v: fmt.units(v, sign=True), classify=_negative),
            cls="sub",
        ),
        _row(
            "Cumulative difference",
            _cells(
                _cumulative(ops_diff, past),
                months,
                lambda v: fmt.units(v, sign=True),
                classify=_negative,
            ),
            cls="sub",
        ),
    ]
    bought = plan_series("subcontract")
    if bought.reindex(future).fillna(0.0).abs().sum() > 0.5:
        ops_rows.insert(1, _row("Subcontracted (plan)", _cells(bought, months, fmt.units)))
    groups.append({"name": "Operations", "unit": "units", "rows": ops_rows})

    # Inventory
    on_hand = _by_period(inputs.snapshots, "on_hand", family, families)
    dos = _days_of_supply(led)
    target = _target_by_month(inputs.targets, "days_of_supply", family, months)
    inventory_rows = [
        _row("Inventory plan", _cells(plan_series("inventory"), months, fmt.units), cls="key"),
        _row("Actual inventory", _cells(on_hand, months, fmt.units, only=past)),
        _row("Safety stock (plan)", _cells(plan_series("safety_stock"), months, fmt.units)),
        _row("Days of supply", _days_cells(dos, target, months), unit="days"),
    ]
    if target:
        inventory_rows.append(
            _row("Days of supply target", _cells(target, months, fmt.days), cls="sub", unit="days")
        )
    groups.append({"name": "Inventory", "unit": "units", "rows": inventory_rows})

    # Backlog
    owed = _by_period(inputs.snapshots, "backlog", family, families)
    groups.append(
        {
            "name": "Backlog",
            "unit": "units",
            "rows": [
                _row("Backlog plan", _cells(plan_series("backlog"), months, fmt.units)),
                _row("Actual backlog", _cells(owed, months, fmt.units, only=past)),
            ],
        }
    )

    # Capacity
    groups.append(
        {
            "name": "Capacity",
            "unit": "hours",
            "rows": _capacity_rows(inputs, family, plan, months, future),
        }
    )

    # Money
    revenue = ledger_series("revenue")
    margin = ledger_series("gross_margin")
    share = (margin / revenue.where(revenue != 0)).dropna()
    revenue_target = _target_by_month(inputs.targets, "revenue", family, months, monthly=True)
    money_rows = [
        _row("Revenue", _cells(revenue, months, fmt.money), cls="key"),
    ]
    if revenue_target:
        money_rows.append(
            _row(
                "Revenue target",
                _cells(revenue_target, months, fmt.money),
                cls="sub",
            )
        )
        gap = {p: revenue[p] - t for p, t in revenue_target.items() if p in revenue.index}
        money_rows.append(
            _row(
                "Revenue against target",
                _cells(gap, months, lambda v: fmt.money(v, sign=True), classify=_negative),
                cls="sub",
            )
        )
    money_rows += [
        _row("Gross margin", _cells(margin, months, fmt.money)),
        _row("Gross margin %", _cells(share, months, fmt.percent), unit="%"),
    ]
    groups.append({"name": "Money", "unit": "$", "rows": money_rows})

    plan_demand = float(plan_series("demand").reindex(future).fillna(0.0).sum())
    return {
        "name": family,
        "anchor": "family-" + "".join(ch if ch.isalnum() else "-" for ch in family.lower()),
        "groups": groups,
        "summary": (
            f"{fmt.units(plan_demand)} units of demand planned over the next {len(future)} "
            f"months, {fmt.money(revenue.reindex(future).fillna(0.0).sum())} of revenue."
        ),
    }


def _days_of_supply(led: pd.DataFrame) -> pd.Series:
    if "inventory_value" not in led.columns or "cogs_days" not in led.columns:
        return _empty()
    daily = led["cogs_days"].where(led["cogs_days"] > 0)
    return (led["inventory_value"] / daily).dropna()


def _days_cells(dos: pd.Series, target: dict[str, float], months: Sequence[str]) -> list[Cell]:
    """Days of supply, marked where the stock is above the target's days."""
    cells = []
    for period in months:
        value = fmt.number(dos.get(period))
        above = value is not None and period in target and value > target[period]
        cells.append({"text": fmt.days(value), "cls": "over" if above else ""})
    return cells


def _target_by_month(
    targets: pd.DataFrame,
    metric: str,
    family: str,
    months: Sequence[str],
    *,
    monthly: bool = False,
) -> dict[str, float]:
    """A target per month, the family's before the company's.

    Year targets cover their months unless ``monthly`` (a year's revenue target is not a
    month's).
    """
    if targets.empty:
        return {}
    rows = targets[targets["metric"] == metric]
    out: dict[str, float] = {}
    for scope in ("all", family):  # the family's own target wins
        chosen = rows[rows["scope"].astype(str) == scope]
        for row in chosen.to_dict("records"):
            period = str(row["period"])
            for month in months:
                if period == month or (not monthly and len(period) == 4 and month[:4] == period):
                    value = fmt.number(row["value"])
                    if value is not None:
                        out[month] = value
    return out


def _capacity_rows(
    inputs: PackInputs, family: str, plan: pd.DataFrame, months: list[str], future: list[str]
) -> list[Row]:
    products = inputs.products[inputs.products["family"].astype(str) == family]["product_id"]
    routes = inputs.routings[inputs.routings["product_id"].isin(products)]
    names = inputs.resources.set_index("resource_id")["name"].astype(str).to_dict()
    ledger = inputs.ledger
    hours = plan[plan["period"].isin(future)].merge(routes, on="product_id")
    own = (hours["production"] * hours["hours_per_unit"]).groupby(hours["resource_id"]).sum()
    rows: list[Row] = []
    for resource in sorted(routes["resource_id"].astype(str).unique()):
        part = ledger[(ledger["scope_kind"] == "resource") & (ledger["scope"] == resource)]
        table = part.pivot_table(
            index="period", columns="component", values="amount", aggfunc="sum"
        )
        load = table["load"] if "load" in table.columns else _empty()
        capacity = table["capacity"] if "capacity" in table.columns else _empty()
        utilisation = (load / capacity.where(capacity > 0)).dropna()
        total = float(load.reindex(future).fillna(0.0).sum())
        share = float(own.get(resource, 0.0)) / total if total > 0 else 0.0
        title = f"{names.get(resource, resource)} ({resource})"
        note = f"{family} uses {fmt.percent(share)} of its hours" if total > 0 else ""
        rows.append(
            {
                "label": title,
                "note": note,
                "cells": [{"text": "", "cls": ""} for _ in months],
                "cls": "resource",
                "unit": "",
            }
        )
        rows.append(_row("Load (h)", _cells(load, months, fmt.units), unit="h"))
        rows.append(_row("Capacity (h)", _cells(capacity, months, fmt.units), cls="sub", unit="h"))
        rows.append(
            _row(
                "Utilisation",
                _cells(utilisation, months, fmt.percent, classify=_utilisation_class),
                unit="%",
            )
        )
    return rows


def _utilisation_class(value: float) -> str:
    if value > 1.0005:
        return "over"
    if value >= 0.95:
        return "full"
    return ""


# -- scenarios, exceptions, decisions -------------------------------------------------------


def _scenarios(inputs: PackInputs) -> dict[str, Any]:
    measures = inputs.measures
    views = {str(v["name"]): v for v in inputs.scenarios}
    if measures is None or measures.empty:
        return {"names": [], "rows": [], "described": [_describe(v) for v in inputs.scenarios]}
    names = [c for c in measures.columns if " - " not in str(c)]
    base, others = names[0], names[1:]
    rows = []
    for measure, values in measures.iterrows():
        label = str(measure)
        write, delta = _measure_format(label)
        cells = []
        for name in others:
            change = fmt.number(values.get(f"{name} - {base}"))
            cells.append(
                {
                    "value": write(values.get(name)),
                    "delta": delta(change) if change is not None else "",
                    "cls": _delta_class(label, change),
                }
            )
        rows.append({"measure": label, "base": write(values.get(base)), "cells": cells})
    return {
        "names": others,
        "base": base,
        "rows": rows,
        "described": [_describe(views[n]) for n in others if n in views],
    }


def _describe(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": str(view["name"]),
        "description": str(view.get("description") or ""),
        "changes": [str(c) for c in view.get("changes") or []],
        "plan_version": view.get("plan_version"),
    }


def _measure_format(measure: str) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    if measure.startswith("fill rate"):
        return fmt.percent, fmt.points
    if measure.startswith("targets"):
        return fmt.units, lambda v: fmt.units(v, sign=True)
    if "units" in measure:
        return fmt.units, lambda v: fmt.units(v, sign=True)
    return fmt.money, lambda v: fmt.money(v, sign=True)


def _delta_class(measure: str, change: float | None) -> str:
    if change is None or abs(change) < 1e-9:
        return "flat"
    if measure.startswith(GOOD_WHEN_UP):
        return "good" if change > 0 else "bad"
    if measure.startswith(BAD_WHEN_UP):
        return "bad" if change > 0 else "good"
    return "flat"


def _exceptions(exceptions: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for row in exceptions.head(TOP_EXCEPTIONS).to_dict("records"):
        start, end = row.get("period_from"), row.get("period_to")
        when = "" if start is None else (str(start) if start == end else f"{start} to {end}")
        rows.append(
            {
                "rank": int(row["rank"]),
                "what": str(row["what"]),
                "scope": str(row["scope"]),
                "when": when,
                "units": fmt.units(row.get("units")),
                "money": fmt.money(row.get("money")),
                "owner": str(row["owner"]),
                "action": str(row["action"]),
            }
        )
    return rows


def _decisions(inputs: PackInputs) -> dict[str, Any]:
    if inputs.decisions:
        rows = [
            {
                "title": str(d["title"]),
                "owner": str(d.get("owner") or ""),
                "due": "" if d.get("due_date") is None else str(d["due_date"]),
                "scenario": str(d.get("scenario") or ""),
                "notes": str(d.get("notes") or ""),
            }
            for d in inputs.decisions
        ]
        return {"recorded": True, "rows": rows}
    card = inputs.scorecard
    red = card[card["status"] == "red"].copy()
    red["at_stake"] = red["gap_money"].abs()
    red = red.sort_values("at_stake", ascending=False, na_position="last")
    rows = []
    for row in red.to_dict("records"):
        unit = str(row.get("unit") or "units")
        scope = "the whole business" if row["scope"] == "all" else str(row["scope"])
        title = (
            f"{_metric_label(str(row['metric'])).capitalize()} for {scope} in {row['period']}: "
            f"{fmt.by_unit(row['value'], unit)} against a target of "
            f"{fmt.by_unit(row['target'], unit)}. Close the gap, change the target, or accept it."
        )
        rows.append(
            {
                "title": title,
                "owner": METRIC_OWNERS.get(str(row["metric"]), "executive"),
                "due": "",
                "scenario": "",
                "notes": fmt.money(row.get("at_stake")),
            }
        )
    return {"recorded": False, "rows": rows}


# -- proof: the closed-loop simulation --------------------------------------------------------

_PROOF_ROWS = (
    "fill_rate",
    "otif",
    "value_fill_rate",
    "inventory_value",
    "days_of_supply",
    "total_cost",
    "forecast_wape",
)
"""The headline measures the pack shows (the stored run names their labels and kinds)."""
_SVG_WIDTH, _SVG_HEIGHT, _SVG_PAD = 540, 250, 64
_POLICY_COLOURS = {"snop": "#1f5fa8", "naive": "#b3261e", "minmax": "#e07b00"}


def _proof(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The simulation's policies side by side, each segment against its target, a chart."""
    if not stored:
        return None
    head = stored["headline"]
    policies = [str(row["policy"]) for row in head]
    rows = [
        {"label": label, "cells": [fmt.by_kind(row.get(key), kind) for row in head]}
        for key, label, kind in (
            (m["key"], m["label"], m["kind"]) for m in stored.get("measures", [])
        )
        if key in _PROOF_ROWS
    ]
    segments: dict[str, dict[str, Any]] = {}
    for row in stored["service"]:
        entry = segments.setdefault(
            str(row["segment"]), {"segment": row["segment"], "target": fmt.percent(row["target"])}
        )
        cls = "" if row["met"] else "miss"
        entry.setdefault("cells", []).append({"text": fmt.percent(row["fill_rate"]), "cls": cls})
    return {
        "months": f"{stored['first_month']} to {stored['last_month']}",
        "run": stored.get("run"),
        "policies": policies,
        "rows": rows,
        "segments": list(segments.values()),
        "sentences": list(stored.get("sentences", [])),
        "svg": _position_svg(
            head, [float(r["target"]) for r in stored["service"]], stored.get("frontier") or []
        ),
    }


def _position_svg(
    head: list[dict[str, Any]], targets: list[float], frontier: list[dict[str, Any]]
) -> str:
    """Each policy at (mean stock value, fill rate) as an inline SVG (prints without scripts).

    The simple rules replayed with more cover are dashed lines through their points.
    """
    points = [
        (str(r["policy"]), fmt.number(r["inventory_value"]), fmt.number(r["fill_rate"]))
        for r in head
    ]
    known = [(n, x, y) for n, x, y in points if x is not None and y is not None]
    if not known:
        return ""
    curves: dict[str, list[tuple[float, float]]] = {}
    for row in frontier:
        x, y = fmt.number(row["inventory_value"]), fmt.number(row["fill_rate"])
        if x is not None and y is not None:
            curves.setdefault(str(row["policy"]), []).append((x, y))
    every = [*((x, y) for _, x, y in known), *(p for line in curves.values() for p in line)]
    x_max = max(x for x, _ in every) * 1.15 or 1.0
    floor = min([*(y for _, y in every), *targets])
    y_min, y_max = max(0.0, math.floor((floor - 0.02) * 20) / 20), 1.0
    width, height, pad = _SVG_WIDTH, _SVG_HEIGHT, _SVG_PAD

    def px(x: float) -> float:
        return pad + (width - pad - 12) * x / x_max

    def py(y: float) -> float:
        return height - pad + 10 - (height - pad - 6) * (y - y_min) / (y_max - y_min)

    parts = [
        f'<svg class="proof" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-label="fill rate against mean stock value of each policy">',
        f'<line x1="{pad}" y1="{py(y_min)}" x2="{width - 12}" y2="{py(y_min)}" class="axis"/>',
        f'<line x1="{pad}" y1="{py(y_min)}" x2="{pad}" y2="{py(y_max)}" class="axis"/>',
        f'<text x="{width / 2}" y="{height - 6}" class="axis-label">mean stock value</text>',
        f'<text x="12" y="{py((y_min + y_max) / 2)}" class="axis-label" '
        f'transform="rotate(-90 12 {py((y_min + y_max) / 2)})">fill rate</text>',
    ]
    for tick in (y_min, (y_min + y_max) / 2, y_max):
        parts.append(
            f'<text x="{pad - 4}" y="{py(tick) + 4}" class="tick" text-anchor="end">'
            f"{fmt.percent(tick)}</text>"
        )
    parts.append(
        f'<text x="{px(x_max)}" y="{py(y_min) + 14}" class="tick" text-anchor="end">'
        f"{fmt.money(x_max)}</text>"
    )
    if targets:
        low = min(targets)
        parts.append(
            f'<line x1="{pad}" y1="{py(low)}" x2="{width - 12}" y2="{py(low)}" class="target"/>'
            f'<text x="{width - 14}" y="{py(low) - 4}" class="tick" text-anchor="end">'
            f"lowest segment target {fmt.percent(low)}</text>"
        )
    for name, line in curves.items():
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in line)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke-dasharray="5 4" '
            f'stroke="{_POLICY_COLOURS.get(name, "#1b7f3b")}"/>'
        )
    for name, x, y in known:
        colour = _POLICY_COLOURS.get(name, "#1b7f3b")
        parts.append(
            f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="7" fill="{colour}"/>'
            f'<text x="{px(x):.1f}" y="{py(y) - 11:.1f}" class="point" text-anchor="middle">'
            f"{html.escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
