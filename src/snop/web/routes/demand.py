"""The demand review page: forecast, override grid, conflicts, profile and accuracy.

History and forecast of any family, segment or product (or the total) with the consensus's
intervals; the override grid with reason codes and the conflicts the demand planner
settles; the demand profile; accuracy and forecast value added. The part of the page that
depends on the chosen key (`demand/_view.html`) is what HTMX swaps when someone picks
another key or saves an override. The profile and the accuracy are kept between requests
until the data changes (`memo.kept`); the first view after a change shows the forecast at
once and fetches those two sections with their own requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, cast
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from snop.errors import InvalidInput, Issue, NotFound
from snop.frames import shift_period
from snop.report import format as fmt
from snop.services import cycle, memo
from snop.services import demand as demand_service
from snop.services.auth import Caller
from snop.services.database import Database
from snop.team.roles import Action
from snop.team.stages import STAGES, stage_named
from snop.web import deps, forms
from snop.web.charts import demand as charts
from snop.web.routes import demand_analysis as analysis
from snop.web.routes.demand_analysis import demand_href

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]

PRODUCTS_PER_PAGE = 50
HISTORY_IN_TABLE = 6
"""Months of actuals in the numbers table (the chart shows the view's 24)."""
LEVEL_LABELS = {"total": "Total", "family": "Family", "segment": "Segment", "product": "Product"}
OVERRIDE_LEVELS = ("family", "product", "segment")
MAX_LINKS = 30
"""A family's products linked under its chart (the product picker has them all)."""
MAX_SUGGESTED = 300
"""Products the override form suggests as you type (beyond: the chosen family's)."""
NAVIGATION = ("total", "family", "segment", "product")
STREAM_LABELS = {
    "naive": "Naive (same month last year)",
    "statistical": "Statistical",
    "events": "Market events",
    "consensus": "Consensus (demand plan)",
}


# ---------------------------------------------------------------------------- pages


@router.get("/demand")
def demand_page(
    request: Request,
    who: deps.User,
    db: deps.Db,
    level: str = "",
    key: str = "",
    product: str = "",
    page: str = "1",
) -> HTMLResponse:
    """The demand review page (HTMX: only the part for the chosen key)."""
    if product:
        level, key = "product", product
    level, key = _selection(db, who, level, key)
    context = view_context(db, who, level, key, htmx=deps.is_htmx(request))
    restoring = request.headers.get("HX-History-Restore-Request") == "true"
    partial = None if restoring else "demand/_view.html"
    if restoring or not deps.is_htmx(request):
        context.update(analysis.analysis_context(db, analysis.page_number(page)))
    return deps.page(request, "demand/page.html", who, "demand", partial=partial, **context)


# ---------------------------------------------------------------------------- changes


@router.post("/demand/overrides", response_model=None)
def add_override(
    request: Request,
    who: deps.User,
    db: deps.Db,
    level: Text = "",
    key: Text = "",
    period_from: Text = "",
    period_to: Text = "",
    change_pct: Text = "",
    change_qty: Text = "",
    reason_code: Text = "",
    comment: Text = "",
) -> Response:
    """Override the forecast of a family, product or segment for a range of months."""
    pct, qty = forms.number(change_pct, "change_pct"), forms.number(change_qty, "change_qty")
    override_id = demand_service.add_override(
        db,
        actor=who,
        level=level.strip(),
        key=key.strip(),
        period_from=period_from.strip(),
        period_to=period_to.strip(),
        reason_code=reason_code.strip(),
        change_pct=pct,
        change_qty=qty,
        comment=comment.strip() or None,
    )
    months = _months(period_from.strip(), period_to.strip())
    message = (
        f"Override {override_id} recorded: {_change(pct, qty)} on {level} {key.strip()}, "
        f"{months}, reason {reason_code.strip()}. The consensus is updated."
    )
    return _after_change(request, db, who, level.strip(), key.strip(), message)


async def _form_data(request: Request) -> FormData:
    """The posted form, whatever its field names (the grid's cells are named by month)."""
    return await request.form()


@router.post("/demand/grid", response_model=None)
def save_grid(
    request: Request,
    who: deps.User,
    db: deps.Db,
    form: Annotated[FormData, Depends(_form_data)],
    level: str = "",
    key: str = "",
) -> Response:
    """The override grid: one override per month whose cell was changed."""
    if level not in OVERRIDE_LEVELS:
        raise InvalidInput(
            [Issue("bad_choice", "overrides are made on a family, product or segment")]
        )
    view = demand_service.forecast_view(db, level=cast(demand_service.ViewLevel, level), key=key)
    reason = str(form.get("grid_reason_code") or "").strip()
    comment = str(form.get("grid_comment") or "").strip() or None
    changes = grid_changes(view, {k: str(v) for k, v in form.items()})
    ids = demand_service.add_overrides(
        db,
        actor=who,
        level=level,
        key=key,
        changes=[demand_service.MonthChange(period, pct, qty) for period, pct, qty in changes],
        reason_code=reason,
        comment=comment,
    )
    months = ", ".join(period for period, _, _ in changes)
    noun = "override" if len(ids) == 1 else "overrides"
    message = (
        f"{len(ids)} {noun} recorded on {level} {key} ({months}), reason {reason}. "
        "The consensus is updated."
    )
    return _after_change(request, db, who, level, key, message)


@router.post("/demand/overrides/{override_id}/withdraw", response_model=None)
def withdraw_override(
    request: Request,
    who: deps.User,
    db: deps.Db,
    override_id: int,
    reason: Text = "",
    view_level: Text = "",
    view_key: Text = "",
) -> Response:
    """Withdraw one override of a conflict (demand planners), with the reason."""
    demand_service.resolve_conflict(db, actor=who, drop=override_id, reason=reason)
    level, key = _selection(db, who, view_level, view_key)
    message = f"Override {override_id} withdrawn ({reason.strip()}). The consensus is updated."
    return _after_change(request, db, who, level, key, message)


def _after_change(
    request: Request, db: Database, who: Caller, level: str, key: str, message: str
) -> Response:
    """HTMX: the chosen key's part re-rendered in place; a plain post: back to the page."""
    target = demand_href(level, key)
    if not deps.is_htmx(request):
        return deps.done(request, target, message)
    context = view_context(db, who, level, key, htmx=True, note=message)
    response = deps.templates.TemplateResponse(
        request, "demand/_view.html", {"who": who, **context}
    )
    response.headers["HX-Push-Url"] = target
    return response


# ---------------------------------------------------------------------------- the chosen key


def view_context(
    db: Database,
    who: Caller,
    level: str,
    key: str,
    *,
    htmx: bool = False,
    note: str | None = None,
) -> dict[str, Any]:
    """Everything `demand/_view.html` shows for one key."""
    keys = memo.kept(db, ("demand.keys",), lambda: demand_service.forecast_keys(db))
    parts = _kept_view(db, level, key)
    people = memo.kept(db, ("demand.overrides",), lambda: _people(db))
    stage = stage_named(cycle.status(db).stage)
    overrides_open = Action.OVERRIDE in stage.allows
    open_in = ", ".join(s.title.lower() for s in STAGES if Action.OVERRIDE in s.allows)
    context: dict[str, Any] = {
        "level": level,
        "key": key,
        "level_label": LEVEL_LABELS[level],
        "title": "All demand" if level == "total" else f"{LEVEL_LABELS[level]} {key}",
        "level_tabs": _level_tabs(keys, level),
        "key_tabs": _key_tabs(keys, level, key),
        "drill": _drill(keys, level, key),
        "product_groups": keys.products,
        "view": None,
        "htmx": htmx,
        "note": note,
        "can_override": deps.may(who, Action.OVERRIDE),
        "can_resolve": deps.may(who, Action.RESOLVE_CONFLICT),
        "overrides_open": overrides_open,
        "stage_title": stage.title.lower(),
        "open_in": open_in,
        "reasons": people.reasons,
        "overrides": [dict(row, here=_touches(row, keys, level, key)) for row in people.overrides],
        "conflicts": people.conflicts,
        "datalist": _suggestions(keys, level, key),
    }
    if parts is None:
        return context
    context.update(
        view=parts.view,
        figure=parts.figure,
        numbers=parts.numbers,
        grid=parts.grid,
        grid_action=f"/demand/grid?level={quote(level, safe='')}&key={quote(key, safe='')}",
        form=_form_defaults(parts.view, keys, level, key),
        models=_models(db, level, key),
    )
    return context


def keep_total_view(db: Database) -> None:
    """Compute and keep what the demand page's default view reads (the background refresh)."""
    try:
        memo.kept(db, ("demand.keys",), lambda: demand_service.forecast_keys(db))
        memo.kept(db, ("demand.overrides",), lambda: _people(db))
    except NotFound:  # nothing forecast yet
        return
    _kept_view(db, "total", "all")


@dataclass(frozen=True, slots=True)
class ViewParts:
    """The chosen key's forecast and what the page draws from it."""

    view: demand_service.ForecastView
    figure: dict[str, Any]
    numbers: dict[str, Any]
    grid: list[dict[str, Any]] | None


def _kept_view(db: Database, level: str, key: str) -> ViewParts | None:
    """The chosen key's forecast, chart, table and grid (None before the first forecast)."""

    def compute() -> ViewParts:
        view = demand_service.forecast_view(
            db, level=cast(demand_service.ViewLevel, level), key=key
        )
        return ViewParts(
            view=view,
            figure=charts.forecast_figure(view.table, view.first_period),
            numbers=numbers_table(view),
            grid=grid_rows(view) if level in OVERRIDE_LEVELS else None,
        )

    try:
        return memo.kept(db, ("demand.view", level, key), compute)
    except NotFound:
        return None


def _selection(db: Database, who: Caller, level: str, key: str) -> tuple[str, str]:
    """The level and key to show: the asked ones, else the user's family, else the total."""
    level, key = level.strip(), key.strip()
    if not level:
        if who.families:
            return "family", who.families[0]
        return "total", "all"
    if level not in NAVIGATION:
        raise InvalidInput(
            [
                Issue(
                    "bad_choice",
                    f"level must be one of {', '.join(NAVIGATION)}",
                    column="level",
                    value=level,
                )
            ]
        )
    if level == "total":
        return level, "all"
    keys = memo.kept(db, ("demand.keys",), lambda: demand_service.forecast_keys(db))
    known = keys.of(level)
    if not key:
        if not known:
            raise NotFound(f"there is no {level} yet: import a workbook")
        return level, known[0]
    if key not in known:
        raise NotFound(f"there is no {level} {key}")
    return level, key


def _level_tabs(keys: demand_service.DemandKeys, level: str) -> list[dict[str, Any]]:
    tabs = []
    for name in NAVIGATION:
        first = keys.of(name)[:1]
        href = demand_href(name, first[0]) if first else demand_href("total", "all")
        tabs.append({"label": LEVEL_LABELS[name], "href": href, "current": name == level})
    return tabs


def _key_tabs(keys: demand_service.DemandKeys, level: str, key: str) -> list[dict[str, Any]]:
    if level not in ("family", "segment"):
        return []
    return [
        {"label": k, "href": demand_href(level, k), "current": k == key} for k in keys.of(level)
    ]


def _suggestions(keys: demand_service.DemandKeys, level: str, key: str) -> list[str]:
    """Keys the override form suggests: families, segments, products (few: the family's)."""
    products = keys.of("product")
    if len(products) > MAX_SUGGESTED:
        family = key if level == "family" else _family_of(keys, key)
        products = keys.products.get(family or "", [])[:MAX_SUGGESTED]
    return [*keys.families, *keys.segments, *products]


def _drill(keys: demand_service.DemandKeys, level: str, key: str) -> dict[str, Any] | None:
    """A family's products, or a product's family: one click to go down or up."""
    if level == "family":
        products = keys.products.get(key, [])
        return {
            "label": "Its products",
            "links": [
                {"label": p, "href": demand_href("product", p)} for p in products[:MAX_LINKS]
            ],
            "more": max(0, len(products) - MAX_LINKS),
        }
    if level == "product":
        family = _family_of(keys, key)
        if family is not None:
            return {
                "label": "Its family",
                "links": [{"label": family, "href": demand_href("family", family)}],
            }
    return None


def numbers_table(view: demand_service.ForecastView) -> dict[str, Any]:
    """The chart's numbers: one row per stream (and interval bound), one column per month.

    Adjustment streams that change nothing for this key (events, a person's overrides)
    are left out.
    """
    first_shown = shift_period(view.first_period, -HISTORY_IN_TABLE)
    table = view.table[view.table["period"] >= first_shown]
    periods = [str(p) for p in table["period"]]
    columns = [
        {
            "period": p,
            "past": p < view.first_period,
            "first_future": p == view.first_period,
        }
        for p in periods
    ]
    rows: list[dict[str, Any]] = [_row("actual", "Actual (ordered)", table["actual"], "key")]
    for stream in view.streams:
        adjustment = stream == "events" or stream.startswith("override:")
        if adjustment and not table[stream].fillna(0.0).abs().gt(0.5).any():
            continue
        label = STREAM_LABELS.get(stream) or _person(stream)
        css = "key" if stream == "consensus" else ("sub" if adjustment else "")
        rows.append(_row(stream, label, table[stream], css, sign=adjustment))
    for bound, label in (
        ("lo_80", "Consensus 80% interval, low"),
        ("hi_80", "Consensus 80% interval, high"),
        ("lo_95", "Consensus 95% interval, low"),
        ("hi_95", "Consensus 95% interval, high"),
    ):
        if bound in table and table[bound].notna().any():
            rows.append(_row(bound, label, table[bound], "sub"))
    return {"columns": columns, "rows": rows}


def _row(
    stream: str, label: str, series: pd.Series, css: str, *, sign: bool = False
) -> dict[str, Any]:
    return {
        "stream": stream,
        "label": label,
        "css": css,
        "cells": [fmt.units(v, sign=sign) for v in series],
    }


def _person(stream: str) -> str:
    return f"Overrides by {stream.removeprefix('override:')}"


def grid_rows(view: demand_service.ForecastView) -> list[dict[str, Any]]:
    """The coming months of the override grid: statistical, consensus, and the cells' names."""
    future = view.table[view.table["period"] >= view.first_period]
    rows = []
    for row in future.to_dict("records"):
        period = str(row["period"])
        rows.append(
            {
                "period": period,
                "statistical": fmt.units(row.get("statistical")),
                "consensus": fmt.units(row.get("consensus")),
                "qty": f"qty-{period}",
                "pct": f"pct-{period}",
            }
        )
    return rows


def grid_changes(
    view: demand_service.ForecastView, form: dict[str, str]
) -> list[tuple[str, float | None, float | None]]:
    """The grid's changed cells as (month, change_pct, change_qty), checked before any is saved.

    A new quantity becomes the change in units that brings the consensus to it; a
    percentage is kept as it is (it applies to the statistical forecast and events).
    """
    future = view.table[view.table["period"] >= view.first_period]
    consensus = dict(zip(future["period"], future["consensus"], strict=True))
    issues: list[Issue] = []
    changes: list[tuple[str, float | None, float | None]] = []
    for period, current in consensus.items():
        qty_text = form.get(f"qty-{period}", "").strip()
        pct_text = form.get(f"pct-{period}", "").strip()
        if qty_text and pct_text:
            issues.append(
                Issue(
                    "ambiguous_change", f"{period}: give a new quantity or a percentage, not both"
                )
            )
            continue
        try:
            qty = forms.number(qty_text, f"the quantity for {period}")
            pct = forms.number(pct_text, f"the % for {period}")
        except InvalidInput as bad:
            issues.extend(bad.issues)
            continue
        if qty is not None:
            if qty < 0:
                issues.append(Issue("out_of_range", f"{period}: demand cannot be negative"))
                continue
            base = 0.0 if current is None or pd.isna(current) else float(current)
            if abs(qty - base) >= 0.5:
                changes.append((str(period), None, round(qty - base, 3)))
        elif pct is not None:
            if pct < -100:
                issues.append(
                    Issue("out_of_range", f"{period}: a change below -100% makes demand negative")
                )
                continue
            if pct != 0:
                changes.append((str(period), pct, None))
    if issues:
        raise InvalidInput(issues)
    if not changes:
        raise InvalidInput(
            [Issue("no_change", "type a new quantity or a percentage in at least one month")]
        )
    return changes


def _form_defaults(
    view: demand_service.ForecastView, keys: demand_service.DemandKeys, level: str, key: str
) -> dict[str, str]:
    """The override form starts on the chosen key (a family at the total) and first months."""
    if level not in OVERRIDE_LEVELS:
        level, key = "family", (keys.families[:1] or [""])[0]
    return {
        "level": level,
        "key": key,
        "period_from": view.first_period,
        "period_to": shift_period(view.first_period, 2),
        "min": view.first_period,
        "max": view.last_period,
    }


def _models(db: Database, level: str, key: str) -> list[dict[str, str]]:
    """How the chosen key's statistical forecast was made: its models and why."""
    details = memo.kept(db, ("demand.details",), lambda: _details(db))
    if details is None:
        return []
    frame = details
    if level == "total":
        frame = frame[frame["level"] == "total"]
    elif level == "family":
        frame = frame[(frame["level"] == "family") & (frame["family"] == key)]
    elif level == "product":
        frame = frame[(frame["level"] == "product") & (frame["product_id"] == key)]
    else:
        frame = frame[(frame["level"] == "segment") & (frame["segment"] == key)]
    return [
        {"model": str(row["model"]), "pool": str(row["pool"]), "reason": str(row["reason"])}
        for row in frame.head(3).to_dict("records")
    ]


def _details(db: Database) -> pd.DataFrame | None:
    try:
        return demand_service.forecast_details(db)["models"]
    except NotFound:
        return None


# ---------------------------------------------------------------------------- overrides


@dataclass(frozen=True, slots=True)
class People:
    """The overrides, their conflicts and the reason codes, ready for the page."""

    overrides: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    reasons: dict[str, str]


def _people(db: Database) -> People:
    frame = demand_service.overrides_with_roles(db)
    overrides = [
        {
            "id": int(row["override_id"]),
            "author": str(row["author"]),
            "role": row["role"] or "–",
            "level": str(row["level"]),
            "key": str(row["key"]),
            "months": _months(str(row["period_from"]), str(row["period_to"])),
            "change": _change(_float(row["change_pct"]), _float(row["change_qty"])),
            "reason": str(row["reason_code"]),
            "comment": row["comment"] or "",
            "created_at": row["created_at"],
        }
        for row in frame.to_dict("records")
    ]
    by_id = {o["id"]: o for o in overrides}
    conflicts = []
    for row in demand_service.override_conflicts(db).to_dict("records"):
        sides = []
        for side in ("first", "second"):
            override_id = int(row[side])
            known = by_id.get(override_id, {})
            sides.append(
                {
                    "id": override_id,
                    "author": str(row[f"{side}_author"]),
                    "role": known.get("role", "–"),
                    "change": known.get("change", str(row[f"{side}_change"])),
                    "reason": known.get("reason", ""),
                    "comment": known.get("comment", ""),
                }
            )
        start, _, end = str(row["months"]).partition("..")
        conflicts.append(
            {
                "level": str(row["level"]),
                "key": str(row["key"]),
                "months": _months(start, end or start),
                "sides": sides,
            }
        )
    return People(overrides=overrides, conflicts=conflicts, reasons=demand_service.reason_codes(db))


def _touches(row: dict[str, Any], keys: demand_service.DemandKeys, level: str, key: str) -> bool:
    """Whether an override changes the chosen key.

    An override spreads over every product x segment row of its key, so a family's
    override changes its products and every segment, and a segment's changes every family.
    """
    if level == "total" or row["level"] == level and row["key"] == key:
        return True
    if level == "segment":
        return bool(row["level"] != "segment")
    if row["level"] == "segment":
        return True
    family = key if level == "family" else _family_of(keys, key)
    if row["level"] == "family":
        return bool(row["key"] == family)
    return bool(level == "family" and row["key"] in keys.products.get(key, []))


def _family_of(keys: demand_service.DemandKeys, product: str) -> str | None:
    return next((f for f, products in keys.products.items() if product in products), None)


# ---------------------------------------------------------------------------- small helpers


def _float(value: Any) -> float | None:
    return fmt.number(value)


def _change(pct: float | None, qty: float | None) -> str:
    if pct is not None:
        return f"{pct:+g}%"
    if qty is not None:
        return f"{fmt.units(qty, sign=True) or '0'} units/month"
    return "–"


def _months(first: str, last: str) -> str:
    return first if first == last else f"{first} – {last}"
