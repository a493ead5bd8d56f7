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

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from snop.errors import InvalidInput, Issue, NotFound
from snop.report import format as fmt
from snop.services import cycle, memo
from snop.services import demand as demand_service
from snop.services.auth import Caller
from snop.services.database import Database
from snop.team.roles import Action
from snop.team.stages import STAGES, stage_named
from snop.web import deps
from snop.web.charts import demand as charts

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
        context.update(analysis_context(db, _page_number(page)))
    return deps.page(request, "demand/page.html", who, "demand", partial=partial, **context)


@router.get("/demand/products", response_model=None)
def products_page(request: Request, who: deps.User, db: deps.Db, page: str = "1") -> Response:
    """One page of the demand profile's product list (HTMX); a browser gets the whole page."""
    number = _page_number(page)
    if not deps.is_htmx(request):
        return RedirectResponse(f"/demand?page={number}#profile", status_code=303)
    profile = _kept_profile(db)
    context = {"who": who, "profile": profile, **_products(profile, number)}
    return deps.templates.TemplateResponse(request, "demand/_products.html", context)


@router.get("/demand/profile", response_model=None)
def profile_section(request: Request, who: deps.User, db: deps.Db, page: str = "1") -> Response:
    """The demand profile section (HTMX, when the page had to leave it for later)."""
    number = _page_number(page)
    if not deps.is_htmx(request):
        return RedirectResponse(f"/demand?page={number}#profile", status_code=303)
    profile = _kept_profile(db)
    context = {"who": who, "profile": profile, **_products(profile, number)}
    return deps.templates.TemplateResponse(request, "demand/_profile.html", context)


@router.get("/demand/accuracy", response_model=None)
def accuracy_section(request: Request, who: deps.User, db: deps.Db) -> Response:
    """The accuracy and value added section (HTMX, when the page left it for later)."""
    if not deps.is_htmx(request):
        return RedirectResponse("/demand#accuracy", status_code=303)
    context = {"who": who, "accuracy": _kept_accuracy(db)}
    return deps.templates.TemplateResponse(request, "demand/_accuracy.html", context)


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
    pct, qty = _number(change_pct, "change_pct"), _number(change_qty, "change_qty")
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
    ids = [
        demand_service.add_override(
            db,
            actor=who,
            level=level,
            key=key,
            period_from=period,
            period_to=period,
            reason_code=reason,
            change_pct=pct,
            change_qty=qty,
            comment=comment,
        )
        for period, pct, qty in changes
    ]
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
    target = _href(level, key)
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


def _href(level: str, key: str) -> str:
    if level == "total":
        return "/demand?level=total"
    return f"/demand?level={level}&key={quote(key, safe='')}"


def _level_tabs(keys: demand_service.DemandKeys, level: str) -> list[dict[str, Any]]:
    tabs = []
    for name in NAVIGATION:
        first = keys.of(name)[:1]
        href = _href(name, first[0]) if first else _href("total", "all")
        tabs.append({"label": LEVEL_LABELS[name], "href": href, "current": name == level})
    return tabs


def _key_tabs(keys: demand_service.DemandKeys, level: str, key: str) -> list[dict[str, Any]]:
    if level not in ("family", "segment"):
        return []
    return [{"label": k, "href": _href(level, k), "current": k == key} for k in keys.of(level)]


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
            "links": [{"label": p, "href": _href("product", p)} for p in products[:MAX_LINKS]],
            "more": max(0, len(products) - MAX_LINKS),
        }
    if level == "product":
        family = _family_of(keys, key)
        if family is not None:
            return {
                "label": "Its family",
                "links": [{"label": family, "href": _href("family", family)}],
            }
    return None


def numbers_table(view: demand_service.ForecastView) -> dict[str, Any]:
    """The chart's numbers: one row per stream (and interval bound), one column per month.

    Adjustment streams that change nothing for this key (events, a person's overrides)
    are left out.
    """
    first_shown = _shift(view.first_period, -HISTORY_IN_TABLE)
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
            qty = _number(qty_text, f"qty-{period}")
            pct = _number(pct_text, f"pct-{period}")
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
        "period_to": _shift(view.first_period, 2),
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


# ---------------------------------------------------------------------------- profile, accuracy


@dataclass(frozen=True, slots=True)
class ProfileRows:
    """The demand profile as the page shows it."""

    summary_columns: list[str]
    summary: list[dict[str, Any]]
    products: list[dict[str, Any]]


def _kept_profile(
    db: Database, compute: Callable[[], ProfileRows] | None = None
) -> ProfileRows | None:
    """The profile as the page shows it (None without demand history)."""
    try:
        return memo.kept(
            db,
            ("demand.profile",),
            compute or (lambda: profile_rows(demand_service.profile(db))),
        )
    except NotFound:
        return None


def profile_rows(profile: Any) -> ProfileRows:
    """ABC x XYZ and ABC x demand class counts, and every product (biggest revenue first)."""
    by_product: pd.DataFrame = profile.by_product
    summary: pd.DataFrame = profile.summary()
    xyz = pd.crosstab(by_product["abc"], by_product["xyz"])
    classes = [
        c for c in ("smooth", "erratic", "intermittent", "lumpy", "no demand") if c in summary
    ]
    if "no demand" in classes and not summary["no demand"].any():
        classes.remove("no demand")
    xyz_names = [str(c) for c in xyz.columns]
    columns = ["products", "revenue share", *xyz_names, *classes, "seasonal"]
    rows = []
    for row in summary.to_dict("records"):
        abc = str(row["abc"])
        cells: dict[str, str] = {
            "products": _count(row.get("products")),
            "revenue share": fmt.percent(row.get("revenue_share")),
            "seasonal": _count(row.get("seasonal")),
        }
        for name in classes:
            cells[name] = _count(row.get(name))
        for name in xyz_names:
            if abc == "all":
                cells[name] = _count(xyz[name].sum())
            else:
                cells[name] = _count(xyz[name].get(abc, 0))
        rows.append({"abc": abc, "cells": cells})
    ordered = by_product.sort_values("revenue", ascending=False)
    products = [
        {
            "product_id": str(row["product_id"]),
            "href": _href("product", str(row["product_id"])),
            "family": str(row["family"]),
            "status": str(row["status"]),
            "abc": str(row["abc"]),
            "xyz": str(row["xyz"]),
            "demand_class": str(row["demand_class"]),
            "trend": str(row["trend"]),
            "seasonal": "yes" if bool(row["seasonal"]) else "no",
            "revenue_share": fmt.percent(row["revenue_share"]),
            "cv": _decimal(row["cv"]),
            "adi": _decimal(row["adi"]),
            "fill_rate": fmt.percent(row["fill_rate"]),
        }
        for row in ordered.to_dict("records")
    ]
    return ProfileRows(summary_columns=columns, summary=rows, products=products)


def _products(profile: ProfileRows | None, page: int) -> dict[str, Any]:
    """One page of the product list, and the links to the others."""
    if profile is None:
        return {"products": [], "pages": [], "page": 1}
    count = max(1, math.ceil(len(profile.products) / PRODUCTS_PER_PAGE))
    page = min(max(page, 1), count)
    start = (page - 1) * PRODUCTS_PER_PAGE
    pages = [
        {"number": n, "href": f"/demand?page={n}#profile", "hx": f"/demand/products?page={n}"}
        for n in range(1, count + 1)
    ]
    return {
        "products": profile.products[start : start + PRODUCTS_PER_PAGE],
        "pages": pages if count > 1 else [],
        "page": page,
        "first_shown": start + 1,
        "last_shown": min(start + PRODUCTS_PER_PAGE, len(profile.products)),
        "product_count": len(profile.products),
    }


@dataclass(frozen=True, slots=True)
class AccuracyRows:
    """Accuracy and forecast value added as the page shows them."""

    lags: list[int]
    levels: list[dict[str, Any]]
    findings: list[dict[str, str]]


def _kept_accuracy(
    db: Database, compute: Callable[[], AccuracyRows] | None = None
) -> AccuracyRows | None:
    """Accuracy and value added as the page shows them (None before any forecast)."""
    try:
        return memo.kept(
            db,
            ("demand.accuracy",),
            compute or (lambda: accuracy_rows(demand_service.accuracy(db))),
        )
    except NotFound:
        return None


def stream_label(stream: str) -> str:
    """'statistical+override:sales.tom' -> "sales.tom's overrides"."""
    if stream.startswith("statistical+override:"):
        return f"{stream.removeprefix('statistical+override:')}'s overrides"
    if stream == "statistical+events":
        return "market events"
    return stream


def _baseline(stream: str) -> str:
    if stream == "naive":
        return ""
    return "naive" if stream == "statistical" else "statistical"


def accuracy_rows(report: demand_service.AccuracyReport) -> AccuracyRows:
    """WAPE, bias and forecast value added per level, stream and lag, and who helped."""
    lags = sorted(int(lag) for lag in report.summary["lag"].unique())
    levels = []
    for level in ("total", "family", "segment", "product"):
        if not (report.summary["level"] == level).any():
            continue
        headline = report.headline(level)
        rows = []
        for row in headline.to_dict("records"):
            stream = str(row["stream"])
            cells = []
            for lag in lags:
                cells.append({"text": fmt.percent(row.get(f"wape_lag{lag}")), "css": ""})
            for lag in lags:
                cells.append({"text": fmt.percent(row.get(f"bias_lag{lag}"), sign=True), "css": ""})
            for lag in lags:
                fva = row.get(f"fva_lag{lag}")
                cells.append({"text": fmt.points(fva) or "–", "css": _better(fva)})
            rows.append(
                {
                    "stream": stream,
                    "label": stream_label(stream),
                    "over": _baseline(stream),
                    "cells": cells,
                }
            )
        levels.append({"level": level, "rows": rows})
    return AccuracyRows(lags=lags, levels=levels, findings=_findings(report, lags))


def _findings(report: demand_service.AccuracyReport, lags: list[int]) -> list[dict[str, str]]:
    """Who made the product-level forecast better or worse, in words."""
    if not (report.summary["level"] == "product").any():
        return []
    out = []
    for row in report.headline("product").to_dict("records"):
        stream = str(row["stream"])
        if stream == "naive":
            continue
        parts = []
        worse = better = False
        for lag in lags:
            fva = fmt.number(row.get(f"fva_lag{lag}"))
            if fva is None:
                continue
            if abs(fva) < 0.0005:
                parts.append(f"no change at lag {lag}")
                continue
            better, worse = better or fva > 0, worse or fva < 0
            word = "better" if fva > 0 else "worse"
            parts.append(f"{word} by {abs(fva) * 100:.1f} pts at lag {lag}")
        if not parts:
            continue
        verdict = (
            "mixed"
            if better and worse
            else ("better" if better else ("worse" if worse else "none"))
        )
        out.append(
            {
                "who": stream_label(stream),
                "over": _baseline(stream),
                "text": "; ".join(parts),
                "css": {"better": "green", "worse": "red", "mixed": "amber"}.get(verdict, "grey"),
            }
        )
    return out


def _better(fva: Any) -> str:
    value = fmt.number(fva)
    if value is None or abs(value) < 0.0005:
        return ""
    return "better" if value > 0 else "worse"


class _Cold(Exception):
    """Raised instead of computing: the result is not kept yet."""


def _cold() -> Any:
    raise _Cold


def analysis_context(db: Database, page: int) -> dict[str, Any]:
    """The profile and the accuracy (the same for every key), when they are kept.

    The first view after a change of the data gets them later, each from its own request
    (`/demand/profile`, `/demand/accuracy`), so the chosen key's forecast shows at once
    (on 2,000 products each takes seconds to compute).
    """
    context: dict[str, Any] = {"page": page}
    try:
        profile = _kept_profile(db, _cold)
    except _Cold:
        context.update(profile_cold=True, profile=None)
    else:
        context.update(profile=profile, **_products(profile, page))
    try:
        context["accuracy"] = _kept_accuracy(db, _cold)
    except _Cold:
        context.update(accuracy_cold=True, accuracy=None)
    return context


# ---------------------------------------------------------------------------- small helpers


def _number(text: str, column: str) -> float | None:
    """A typed number ('1,200', '15%', '-3'); '' is None; anything else an input error."""
    cleaned = text.strip().replace(",", "").replace("%", "").replace("\u2212", "-")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidInput(
            [Issue("not_a_number", f"'{text}' is not a number", column=column, value=text)]
        ) from None
    if not math.isfinite(value):
        raise InvalidInput([Issue("not_a_number", f"'{text}' is not a number", column=column)])
    return value


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


def _shift(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _count(value: Any) -> str:
    number = fmt.number(value)
    return "–" if number is None else f"{number:,.0f}"


def _decimal(value: Any) -> str:
    number = fmt.number(value)
    return "–" if number is None else f"{number:.2f}"


def _page_number(text: str) -> int:
    try:
        return max(1, int(text))
    except ValueError:
        return 1
