"""Helpers shared by every step: periods and turning masked rows into issues."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from snop.errors import Issue, Severity

ROW = "_row"
"""Column holding the spreadsheet row a record came from (header = row 1)."""

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
YEAR_PATTERN = re.compile(r"^\d{4}$")


def period_to_index(period: str) -> int:
    """Months since year 0 for a 'YYYY-MM' period, so periods can be subtracted."""
    return int(period[:4]) * 12 + int(period[5:7]) - 1


def periods_to_index(periods: pd.Series) -> pd.Series:
    """:func:`period_to_index` of every 'YYYY-MM' in ``periods`` (int64, on their index).

    Each distinct period is converted once, so a long frame over a few months is cheap.
    An empty or unreadable period (NaN, 'x') raises ValueError, as the scalar function does.
    """
    codes, distinct = pd.factorize(periods, use_na_sentinel=False)
    months = np.fromiter(
        (period_to_index(str(p)) for p in distinct), dtype=np.int64, count=len(distinct)
    )
    return pd.Series(months[codes], index=periods.index, name=periods.name, dtype=np.int64)


def index_to_period(index: int) -> str:
    """Inverse of :func:`period_to_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def index_to_periods(indexes: pd.Series) -> pd.Series:
    """:func:`index_to_period` of every month index in ``indexes`` (str, on their index).

    Each distinct month is converted once, as in :func:`periods_to_index`.
    """
    codes, distinct = pd.factorize(indexes.astype(np.int64))
    periods = np.array([index_to_period(int(i)) for i in distinct], dtype=object)
    return pd.Series(periods[codes], index=indexes.index, name=indexes.name, dtype=object)


def shift_period(period: str, months: int) -> str:
    """Return the period ``months`` after ``period`` (negative goes back)."""
    return index_to_period(period_to_index(period) + months)


def period_range(first: str, last: str) -> list[str]:
    """Every period from ``first`` to ``last`` inclusive."""
    return [index_to_period(i) for i in range(period_to_index(first), period_to_index(last) + 1)]


def issues_where(
    mask: pd.Series,
    frame: pd.DataFrame,
    *,
    sheet: str | None,
    column: str | None,
    code: str,
    message: str,
    value_column: str | None = None,
    severity: Severity = "error",
) -> list[Issue]:
    """Turn the rows of ``frame`` selected by ``mask`` into issues.

    ``message`` may use ``{value}`` and any column of the frame as format fields, e.g.
    ``"{value} is not a known product"``. Row numbers come from the ``_row`` column when the
    frame has one.
    """
    hits = frame.loc[mask.eq(True)]
    if hits.empty:
        return []
    value_col = value_column or column
    issues = []
    for record in hits.to_dict("records"):
        value = record.get(value_col) if value_col else None
        if _is_missing(value):
            value = None
        fields = {str(k): display(v) for k, v in record.items()}
        fields["value"] = display(value)
        row = record.get(ROW)
        issues.append(
            Issue(
                code=code,
                message=message.format(**fields),
                sheet=sheet,
                row=None if row is None or _is_missing(row) else int(row),
                column=column,
                value=value,
                severity=severity,
            )
        )
    return issues


def display(value: object) -> str:
    """A cell as a planner would write it: 12 not 12.0, 1,000,000 not 1e+06, '' if empty."""
    if value is None or _is_missing(value):
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
        return f"{value:.10g}"
    return str(value)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def missing_columns(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> list[Issue]:
    """An issue for each of ``columns`` that ``frame`` (called ``name``) lacks."""
    return [
        Issue(code="missing_column", message=f"{name} has no column {column!r}", column=column)
        for column in columns
        if column not in frame.columns
    ]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: numpy scalars become Python ones, NaN and inf become None."""
    return [
        {str(key): _json_value(value) for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return None if _is_missing(value) else value
