"""Turn raw sheets (cells as read from Excel or CSV) into typed frames, collecting issues.

A raw sheet is a frame of object columns named as in the file's header, plus the ``_row``
column with the spreadsheet row of each record. Every rule is a boolean mask over a column;
nothing stops at the first problem.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from snop.contract.sheets import Column, Kind, Sheet
from snop.errors import Issue
from snop.frames import PERIOD_PATTERN, ROW, YEAR_PATTERN, issues_where

_SPACES = re.compile(r"\s+")


def normalise_header(name: object) -> str:
    """'Product ID ' -> 'product_id': headers are matched without case or spacing worries."""
    return _SPACES.sub("_", str(name).strip().lower())


def parse_sheet(sheet: Sheet, raw: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """Check and convert one raw sheet against its contract.

    Parameters
    ----------
    sheet
        The contract of the sheet.
    raw
        Object columns named by the file's (normalised) headers, plus ``_row`` (int, the
        1-based spreadsheet row).

    Returns
    -------
    The typed frame, with exactly the contract's columns in order plus ``_row`` (numbers as
    float, integers as float holding whole numbers, text and periods as str, empty cells as
    None/NaN after defaults), and every issue found. Rows with an error keep their
    unconvertible cells as missing so later rules can still run on the rest.
    """
    issues = _header_issues(sheet, raw)
    typed = pd.DataFrame({ROW: raw[ROW].astype(int)}, index=raw.index)
    for column in sheet.columns:
        if column.name in raw.columns:
            values, found = _parse_column(sheet.name, column, raw[column.name], raw)
            issues += found
        elif column.kind in (Kind.NUMBER, Kind.INTEGER):
            default = np.nan if column.default is None else column.default
            values = pd.Series(default, index=raw.index, dtype=float)
        else:
            values = pd.Series(column.default, index=raw.index, dtype=object)
        typed[column.name] = values
    issues += duplicate_key_issues(sheet, typed)
    return typed[[*sheet.column_names, ROW]], issues


def _header_issues(sheet: Sheet, raw: pd.DataFrame) -> list[Issue]:
    issues = []
    headers = [c for c in raw.columns if c != ROW]
    for name in sorted({h for h in headers if headers.count(h) > 1}):
        issues.append(
            Issue("duplicate_column", f"column {name} appears more than once", sheet.name, 1, name)
        )
    for column in sheet.columns:
        if column.required and column.name not in raw.columns:
            issues.append(
                Issue(
                    "missing_column",
                    f"required column {column.name} is missing. {column.description}",
                    sheet.name,
                    1,
                    column.name,
                )
            )
    known = set(sheet.column_names)
    for name in headers:
        if name not in known and not name.startswith("unnamed"):
            issues.append(
                Issue(
                    "unknown_column",
                    f"column {name} is not part of the contract and is not imported",
                    sheet.name,
                    1,
                    name,
                    severity="warning",
                )
            )
    return issues


def _parse_column(
    sheet: str, column: Column, cells: pd.Series, raw: pd.DataFrame
) -> tuple[pd.Series, list[Issue]]:
    cells = _blank_to_none(cells)
    issues: list[Issue] = []
    context = pd.DataFrame({ROW: raw[ROW], column.name: cells})
    missing = cells.isna()
    if not column.nullable:
        issues += issues_where(
            missing,
            context,
            sheet=sheet,
            column=column.name,
            code="missing_value",
            message=f"{column.name} is empty but required. {column.description}",
        )
    if column.kind in (Kind.NUMBER, Kind.INTEGER):
        values, found = _parse_number(sheet, column, cells, context)
    elif column.kind in (Kind.PERIOD, Kind.PERIOD_OR_YEAR):
        values, found = _parse_period(sheet, column, cells, context)
    else:
        values, found = _parse_text(sheet, column, cells, context)
    issues += found
    if column.default is not None:
        values = values.astype(object)
        values[missing] = column.default
    return values, issues


def _blank_to_none(cells: pd.Series) -> pd.Series:
    """Strip text and treat empty strings as empty cells."""

    def clean(value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    return cells.map(clean).astype(object)


def _parse_number(
    sheet: str, column: Column, cells: pd.Series, context: pd.DataFrame
) -> tuple[pd.Series, list[Issue]]:
    is_bool = cells.map(lambda v: isinstance(v, (bool, np.bool_)))
    numbers = pd.to_numeric(cells.where(~is_bool), errors="coerce").astype(float)
    bad = cells.notna() & (numbers.isna() | ~np.isfinite(numbers.fillna(0)))
    issues = issues_where(
        bad,
        context,
        sheet=sheet,
        column=column.name,
        code="wrong_type",
        message=f"'{{value}}' is not a number ({column.name} must be a number)",
    )
    numbers = numbers.where(~bad)
    if column.kind == Kind.INTEGER:
        fractional = numbers.notna() & (numbers != np.floor(numbers))
        issues += issues_where(
            fractional,
            context,
            sheet=sheet,
            column=column.name,
            code="wrong_type",
            message=f"{{value}} is not a whole number ({column.name} must be a whole number)",
        )
        numbers = numbers.where(~fractional)
    issues += _range_issues(sheet, column, numbers, context)
    return numbers, issues


def _range_issues(
    sheet: str, column: Column, numbers: pd.Series, context: pd.DataFrame
) -> list[Issue]:
    low, high = column.lower_bound, column.upper_bound
    below = (numbers <= low) if column.exclusive_minimum else (numbers < low)
    above = (numbers >= high) if column.exclusive_maximum else (numbers > high)
    if low == 0 and not column.exclusive_minimum:
        below_code = "negative_value"
    else:
        below_code = "out_of_range"
    return issues_where(
        below & numbers.notna(),
        context,
        sheet=sheet,
        column=column.name,
        code=below_code,
        message=f"{column.name} is {{value}}; it must be {column.range_text}",
    ) + issues_where(
        above & numbers.notna(),
        context,
        sheet=sheet,
        column=column.name,
        code="out_of_range",
        message=f"{column.name} is {{value}}; it must be {column.range_text}",
    )


def _parse_period(
    sheet: str, column: Column, cells: pd.Series, context: pd.DataFrame
) -> tuple[pd.Series, list[Issue]]:
    text = cells.map(_period_text)
    ok = text.str.match(PERIOD_PATTERN.pattern, na=False).astype(bool)
    if column.kind == Kind.PERIOD_OR_YEAR:
        ok |= text.str.match(YEAR_PATTERN.pattern, na=False).astype(bool)
        expected = "a month written YYYY-MM or a year written YYYY"
    else:
        expected = "a month written YYYY-MM"
    bad = cells.notna() & ~ok
    issues = issues_where(
        bad,
        context,
        sheet=sheet,
        column=column.name,
        code="bad_period",
        message=f"'{{value}}' is not {expected}",
    )
    return text.where(ok), issues


def _period_text(value: object) -> str | None:
    """Excel turns '2024-03' into a date; read dates, whole numbers (years) and text alike."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_text(
    sheet: str, column: Column, cells: pd.Series, context: pd.DataFrame
) -> tuple[pd.Series, list[Issue]]:
    text = cells.map(_text)
    issues: list[Issue] = []
    if column.choices:
        text = text.str.lower()
        bad = text.notna() & ~text.isin(column.choices)
        issues += issues_where(
            bad,
            context,
            sheet=sheet,
            column=column.name,
            code="bad_choice",
            message=f"'{{value}}' is not one of: {', '.join(column.choices)}",
        )
        text = text.where(~bad)
    return text, issues


def _text(value: object) -> str | None:
    """Codes typed as numbers in Excel (1001 or 1001.0) read back as '1001'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.isoformat()
    return str(value).strip()


def duplicate_key_issues(sheet: Sheet, typed: pd.DataFrame) -> list[Issue]:
    """One issue per row whose key repeats an earlier row's key (empty key parts count)."""
    if typed.empty:
        return []
    keys = typed[list(sheet.key)].astype(object).where(typed[list(sheet.key)].notna(), "")
    repeated = keys.duplicated(keep="first")
    if not repeated.any():
        return []
    first_row = (
        typed.assign(_key=keys.astype(str).agg("\x1f".join, axis=1))
        .groupby("_key")[ROW]
        .transform("first")
    )
    context = typed.assign(
        _first=first_row,
        _keytext=keys.astype(str).apply(
            lambda r: ", ".join(f"{k}={v}" for k, v in r.items() if v != ""), axis=1
        ),
    )
    return issues_where(
        repeated,
        context,
        sheet=sheet.name,
        column=sheet.key[0],
        code="duplicate_key",
        message="{_keytext} appears more than once (first in row {_first})",
    )
