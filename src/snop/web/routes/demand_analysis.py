"""The demand page's analysis: the demand profile and forecast accuracy with value added.

Both are slow to compute on a large company (seconds), so they are kept between requests
until the data changes (`memo.kept`); when they are not kept yet, the page shows the
forecast at once and fetches these sections with their own HTMX requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from snop.errors import NotFound
from snop.report import format as fmt
from snop.services import demand as demand_service
from snop.services import memo
from snop.services.database import Database
from snop.web import deps

router = APIRouter(include_in_schema=False)
PRODUCTS_PER_PAGE = 50


def demand_href(level: str, key: str) -> str:
    """The demand page of one total, family, segment or product."""
    if level == "total":
        return "/demand?level=total"
    return f"/demand?level={level}&key={quote(key, safe='')}"


@router.get("/demand/products", response_model=None)
def products_page(request: Request, who: deps.User, db: deps.Db, page: str = "1") -> Response:
    """One page of the demand profile's product list (HTMX); a browser gets the whole page."""
    number = page_number(page)
    if not deps.is_htmx(request):
        return RedirectResponse(f"/demand?page={number}#profile", status_code=303)
    profile = _kept_profile(db)
    context = {"who": who, "profile": profile, **_products(profile, number)}
    return deps.templates.TemplateResponse(request, "demand/_products.html", context)


@router.get("/demand/profile", response_model=None)
def profile_section(request: Request, who: deps.User, db: deps.Db, page: str = "1") -> Response:
    """The demand profile section (HTMX, when the page had to leave it for later)."""
    number = page_number(page)
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


# ---------------------------------------------------------------------------- profile, accuracy


@dataclass(frozen=True, slots=True)
class ProfileRows:
    """The demand profile as the page shows it."""

    summary_columns: list[str]
    summary: list[dict[str, Any]]
    products: list[dict[str, Any]]


PROFILE_KEY = ("demand.profile",)
ACCURACY_KEY = ("demand.accuracy",)


def _kept_profile(db: Database) -> ProfileRows | None:
    """The profile as the page shows it (None without demand history).

    It is a view of the imported data alone, so it is kept until the next import.
    """
    return memo.kept(db, PROFILE_KEY, lambda: _profile_or_none(db), since="imports")


def _profile_or_none(db: Database) -> ProfileRows | None:
    try:
        return profile_rows(demand_service.profile(db))
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
            "href": demand_href("product", str(row["product_id"])),
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


def _kept_accuracy(db: Database) -> AccuracyRows | None:
    """Accuracy and value added as the page shows them (None before any forecast)."""
    return memo.kept(db, ACCURACY_KEY, lambda: _accuracy_or_none(db))


def _accuracy_or_none(db: Database) -> AccuracyRows | None:
    try:
        return accuracy_rows(demand_service.accuracy(db))
    except NotFound:
        return None


def keep_views(db: Database) -> None:
    """Compute and keep the profile and the accuracy (the background refresh calls it)."""
    _kept_profile(db)
    _kept_accuracy(db)


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


def analysis_context(db: Database, page: int) -> dict[str, Any]:
    """The profile and the accuracy (the same for every key), when they are kept.

    The first view after a change of the data gets them later, each from its own request
    (`/demand/profile`, `/demand/accuracy`), so the chosen key's forecast shows at once
    (on 2,000 products each takes seconds to compute).
    """
    context: dict[str, Any] = {"page": page}
    # A view never waits here for a computation under way (the background refresh's):
    # what is not kept yet comes with its own request.
    profile = memo.peek(db, PROFILE_KEY, since="imports")
    if profile is None:
        context.update(profile_cold=True, profile=None)
    else:
        context.update(profile=profile, **_products(profile, page))
    accuracy = memo.peek(db, ACCURACY_KEY)
    if accuracy is None:
        context.update(accuracy_cold=True, accuracy=None)
    else:
        context["accuracy"] = accuracy
    return context


# ---------------------------------------------------------------------------- small helpers


def _count(value: Any) -> str:
    number = fmt.number(value)
    return "–" if number is None else f"{number:,.0f}"


def _decimal(value: Any) -> str:
    number = fmt.number(value)
    return "–" if number is None else f"{number:.2f}"


def page_number(text: str) -> int:
    """The page asked for in ``?page=`` (1 when it is not a number)."""
    try:
        return max(1, int(text))
    except ValueError:
        return 1
