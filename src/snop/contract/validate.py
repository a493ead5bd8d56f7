"""Check a whole planning workbook: each sheet against its contract, then across sheets.

The rules need to know which keys already exist in the database (a monthly import may bring
only new demand history for products imported last year); the caller passes them in, so this
module stays free of any I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from snop.contract.parse import parse_sheet
from snop.contract.sheets import (
    INSTRUCTIONS_SHEET,
    SHEETS,
    SHEETS_BY_NAME,
    TARGET_SCOPE_ALL,
)
from snop.errors import Issue
from snop.frames import ROW, issues_where

REFERENCE_KEYS = {
    "products": "product_id",
    "segments": "segment",
    "customers": "customer_id",
    "resources": "resource_id",
}


@dataclass(frozen=True, slots=True)
class KnownKeys:
    """Keys already in the database, which rows of the workbook may refer to."""

    products: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    filled_sheets: frozenset[str] = field(default_factory=frozenset)
    """Sheets the database already holds rows for, so the workbook may leave them out."""

    def of(self, sheet: str) -> frozenset[str]:
        """Keys known for a referenced sheet."""
        return frozenset(getattr(self, sheet))


@dataclass(frozen=True, slots=True)
class CheckedWorkbook:
    """Typed frames per sheet present in the workbook, and every issue found."""

    sheets: dict[str, pd.DataFrame]
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        """The issues that block the import."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """The issues worth a look that do not block the import."""
        return [i for i in self.issues if i.severity == "warning"]


PLANNING_SHEETS = frozenset({"products", "resources", "routings", "inventory", "demand_plan"})
"""Sheets that make a complete supply planning problem on their own (plus labour if used)."""


def check_workbook(
    raw: Mapping[str, pd.DataFrame],
    known: KnownKeys,
    *,
    required: frozenset[str] | None = None,
) -> CheckedWorkbook:
    """Parse and validate every sheet of a workbook.

    Parameters
    ----------
    raw
        Sheet name (lower case) -> raw frame of object columns with normalised headers plus
        ``_row`` (the spreadsheet row, header = 1).
    known
        Keys the database already holds.
    required
        Sheets that must be present; default: the contract's required sheets.
        `PLANNING_SHEETS` checks a workbook that only states a planning problem.

    Returns
    -------
    CheckedWorkbook whose ``sheets`` hold the typed frames (contract columns + ``_row``) of
    the contract sheets present, and whose ``issues`` list every error and warning.
    """
    needed = required if required is not None else frozenset(s.name for s in SHEETS if s.required)
    issues = _sheet_presence_issues(raw, known, needed)
    sheets: dict[str, pd.DataFrame] = {}
    for sheet in SHEETS:
        if sheet.name in raw:
            sheets[sheet.name], found = parse_sheet(sheet, raw[sheet.name])
            issues += found
    issues += _reference_issues(sheets, known)
    issues += _product_issues(sheets)
    issues += _history_issues(sheets)
    issues += _event_issues(sheets, known)
    issues += _target_issues(sheets, known)
    return CheckedWorkbook(sheets, sorted(issues, key=_reading_order))


def _reading_order(issue: Issue) -> tuple[int, int]:
    """Sheets in contract order, rows top to bottom: the order a planner fixes them in."""
    names = [s.name for s in SHEETS]
    sheet = names.index(issue.sheet) if issue.sheet in names else len(names)
    return sheet, issue.row or 0


def _sheet_presence_issues(
    raw: Mapping[str, pd.DataFrame], known: KnownKeys, required: frozenset[str]
) -> list[Issue]:
    issues = []
    for sheet in SHEETS:
        if sheet.name not in required or sheet.name in known.filled_sheets:
            continue
        if sheet.name not in raw:
            issues.append(
                Issue(
                    "missing_sheet",
                    f"the sheet is missing, and the database has no {sheet.name} yet. "
                    f"{sheet.description}",
                    sheet.name,
                )
            )
        elif raw[sheet.name].empty:
            issues.append(
                Issue(
                    "empty_sheet",
                    f"the sheet has no rows, and the database has no {sheet.name} yet. "
                    f"{sheet.description}",
                    sheet.name,
                )
            )
    for name in raw:
        if name not in SHEETS_BY_NAME and name != INSTRUCTIONS_SHEET:
            issues.append(
                Issue(
                    "unknown_sheet",
                    "this sheet is not part of the contract and is not imported",
                    name,
                    severity="warning",
                )
            )
    return issues


def _keys(sheets: Mapping[str, pd.DataFrame], known: KnownKeys, target: str) -> set[str]:
    keys = set(known.of(target))
    if target in sheets:
        keys |= set(sheets[target][REFERENCE_KEYS[target]].dropna())
    return keys


def _reference_issues(sheets: Mapping[str, pd.DataFrame], known: KnownKeys) -> list[Issue]:
    issues: list[Issue] = []
    for name, frame in sheets.items():
        for column in SHEETS_BY_NAME[name].columns:
            if column.references is None:
                continue
            valid = _keys(sheets, known, column.references)
            unknown = frame[column.name].notna() & ~frame[column.name].isin(valid)
            issues += issues_where(
                unknown,
                frame,
                sheet=name,
                column=column.name,
                code="unknown_reference",
                message=f"{{value}} is not in the {column.references} sheet (nor in the database)",
            )
    return issues


def _product_issues(sheets: Mapping[str, pd.DataFrame]) -> list[Issue]:
    if "products" not in sheets:
        return []
    products = sheets["products"]
    issues = issues_where(
        (products["status"] == "new") & products["launch_period"].isna(),
        products,
        sheet="products",
        column="launch_period",
        code="missing_value",
        message="product {product_id} is new, so it needs a launch_period (YYYY-MM)",
    )
    issues += issues_where(
        (products["status"] == "phase_out") & products["end_period"].isna(),
        products,
        sheet="products",
        column="end_period",
        code="missing_value",
        message="product {product_id} is being phased out, so it needs an end_period (YYYY-MM)",
    )
    issues += issues_where(
        products["like_product_id"].notna()
        & (products["like_product_id"] == products["product_id"]),
        products,
        sheet="products",
        column="like_product_id",
        code="self_reference",
        message="product {product_id} cannot be its own like-product",
    )
    issues += _period_order_issues(products, "products", "launch_period", "end_period")
    issues += issues_where(
        products["max_subcontract"].notna() & products["subcontract_cost"].isna(),
        products,
        sheet="products",
        column="max_subcontract",
        code="unused_value",
        message="max_subcontract is set but subcontract_cost is empty, so product "
        "{product_id} cannot be subcontracted and the limit is ignored",
        severity="warning",
    )
    return issues


def _period_order_issues(frame: pd.DataFrame, sheet: str, first: str, last: str) -> list[Issue]:
    """Rows whose ``last`` month comes before their ``first`` month."""
    both = frame[first].notna() & frame[last].notna()
    return issues_where(
        both & (frame[first] > frame[last]),
        frame,
        sheet=sheet,
        column=last,
        code="inconsistent_periods",
        message=f"{last} {{{last}}} is before {first} {{{first}}}",
    )


def _history_issues(sheets: Mapping[str, pd.DataFrame]) -> list[Issue]:
    if "demand_history" not in sheets:
        return []
    history = sheets["demand_history"]
    return issues_where(
        history["shipped"] > history["ordered"],
        history,
        sheet="demand_history",
        column="shipped",
        code="shipped_above_ordered",
        message="shipped {shipped} is more than ordered {ordered} "
        "({product_id}, {customer_id}, {period})",
    )


def _event_issues(sheets: Mapping[str, pd.DataFrame], known: KnownKeys) -> list[Issue]:
    if "events" not in sheets:
        return []
    events = sheets["events"]
    has_product, has_family = events["product_id"].notna(), events["family"].notna()
    issues = issues_where(
        has_product == has_family,
        events,
        sheet="events",
        column="product_id",
        code="ambiguous_scope",
        message="give either a product_id or a family (exactly one of them)",
    )
    families = _families(sheets, known)
    issues += issues_where(
        has_family & ~events["family"].isin(families),
        events,
        sheet="events",
        column="family",
        code="unknown_reference",
        message="{value} is not a family of the products sheet (nor in the database)",
    )
    has_pct, has_qty = events["change_pct"].notna(), events["change_qty"].notna()
    issues += issues_where(
        has_pct == has_qty,
        events,
        sheet="events",
        column="change_pct",
        code="ambiguous_change",
        message="give either change_pct or change_qty (exactly one of them)",
    )
    issues += _period_order_issues(events, "events", "period_from", "period_to")
    return issues


def _families(sheets: Mapping[str, pd.DataFrame], known: KnownKeys) -> set[str]:
    families = set(known.families)
    if "products" in sheets:
        families |= set(sheets["products"]["family"].dropna())
    return families


def _target_issues(sheets: Mapping[str, pd.DataFrame], known: KnownKeys) -> list[Issue]:
    if "targets" not in sheets:
        return []
    targets = sheets["targets"]
    scopes = {TARGET_SCOPE_ALL} | _families(sheets, known) | _keys(sheets, known, "segments")
    return issues_where(
        targets["scope"].notna() & ~targets["scope"].isin(scopes),
        targets,
        sheet="targets",
        column="scope",
        code="unknown_reference",
        message="scope {value} is neither 'all', a family nor a segment",
    )


def without_row_column(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the spreadsheet-row bookkeeping column, leaving the contract's columns."""
    return frame.drop(columns=[ROW], errors="ignore")
