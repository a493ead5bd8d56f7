"""The inventory policy's frame contracts, the checks of its inputs and their clean-up.

Column tuples of every frame the policy reads and returns, the service measures, and the
checks each public function runs before any work (they collect every issue, then raise
:class:`~snop.errors.InvalidInput` with all of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import PERIOD_PATTERN, issues_where, missing_columns

FloatArray = npt.NDArray[np.float64]
Measure = Literal["fill_rate", "cycle_service"]

MEASURES: tuple[Measure, ...] = ("fill_rate", "cycle_service")
"""The service measures :func:`safety_stocks` understands."""

ERROR_COLUMNS = ("product_id", "segment", "step", "error_std")
SIGMA_COLUMNS = ("product_id", "segment", "lead_time", "sigma", "steps_used")
DEMAND_COLUMNS = ("product_id", "segment", "period", "quantity")
BY_SEGMENT_COLUMNS = ("product_id", "segment", "period", "sigma", "target", "k", "safety_stock")
BY_PRODUCT_COLUMNS = ("product_id", "period", "safety_stock")
INVENTORY_COLUMNS = ("product_id", "period", "quantity")
PRODUCT_DEMAND_COLUMNS = ("product_id", "period", "quantity")
TARGET_COLUMNS = ("product_id", "period", "min_units", "max_units", "min_days", "max_days")


def as_float(values: npt.ArrayLike, name: str) -> FloatArray:
    """The values as a float array; ``not_a_number`` when they are not numbers."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInput(
            [Issue(code="not_a_number", message=f"the {name} must be a number", value=values)]
        ) from None


def fraction_issues(values: FloatArray, name: str) -> list[Issue]:
    """``invalid_target`` for each distinct value not strictly between 0 and 1."""
    bad = np.unique(values[~np.isnan(values) & ((values <= 0) | (values >= 1))])
    return [
        Issue(
            code="invalid_target",
            message=f"a {name} is a fraction between 0 and 1 (0.95 for 95 %), not "
            f"{value:g}; 0 and 1 are not targets a stock can be set for",
            value=float(value),
        )
        for value in bad
    ]


def check_fractions(values: FloatArray, name: str) -> None:
    """Raise :func:`fraction_issues` of ``values`` if there are any."""
    issues = fraction_issues(values, name)
    if issues:
        raise InvalidInput(issues)


def negative_issues(values: FloatArray, name: str) -> list[Issue]:
    """``negative_value`` for each distinct negative value."""
    bad = np.unique(values[values < 0])
    return [
        Issue(
            code="negative_value",
            message=f"a {name} cannot be negative ({value:g})",
            value=float(value),
        )
        for value in bad
    ]


def _number_issues(
    frame: pd.DataFrame, name: str, column: str, *, negative: bool, missing: bool
) -> list[Issue]:
    """Non-numbers in ``column`` (NaN too unless ``missing``); negatives if ``negative``."""
    numbers = pd.to_numeric(frame[column], errors="coerce")
    bad = numbers.isna() if not missing else numbers.isna() & frame[column].notna()
    issues = issues_where(
        bad,
        frame,
        sheet=None,
        column=column,
        code="not_a_number",
        message=f"{name} {column} must be a number, not '{{value}}' (product {{product_id}})",
    )
    if negative:
        issues += issues_where(
            numbers < 0,
            frame,
            sheet=None,
            column=column,
            code="negative_value",
            message=f"{name} {column} cannot be negative: {{value}} for product {{product_id}}",
        )
    return issues


def frame_issues(
    frame: pd.DataFrame,
    name: str,
    columns: Sequence[str],
    *,
    value: str = "quantity",
    negative: bool = False,
) -> list[Issue]:
    """Missing columns; then bad periods, missing products and non-numeric values."""
    issues = missing_columns(frame, name, columns)
    if issues:
        return issues
    issues += issues_where(
        ~frame["period"].astype(str).str.match(PERIOD_PATTERN),
        frame,
        sheet=None,
        column="period",
        code="invalid_period",
        message=f"{name} period must be a month written YYYY-MM, not '{{value}}'",
    )
    for column in (c for c in ("product_id", "segment") if c in columns):
        issues += issues_where(
            frame[column].isna(),
            frame,
            sheet=None,
            column=column,
            code="missing_value",
            message=f"{name} has a row without a {column}",
        )
    issues += _number_issues(frame, name, value, negative=negative, missing=False)
    return issues


def demand_issues(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> list[Issue]:
    """:func:`frame_issues` of a demand frame, whose quantities cannot be negative."""
    return frame_issues(frame, name, columns, negative=True)


def error_issues(errors: pd.DataFrame) -> list[Issue]:
    """Backtest errors: products present, steps whole months ahead, error_std >= 0, no repeats."""
    issues = issues_where(
        errors["product_id"].isna(),
        errors,
        sheet=None,
        column="product_id",
        code="missing_value",
        message="errors has a row without a product_id",
    )
    step = pd.to_numeric(errors["step"], errors="coerce")
    whole = step.notna() & (step >= 1) & (step == step.round())
    issues += issues_where(
        ~whole,
        errors,
        sheet=None,
        column="step",
        code="not_a_number",
        message="errors step is the number of months ahead (1, 2, ...), not '{value}' "
        "(product {product_id})",
    )
    issues += _number_issues(errors, "errors", "error_std", negative=True, missing=True)
    if not issues:
        issues += issues_where(
            errors.duplicated(["product_id", "segment", "step"], keep="first"),
            errors,
            sheet=None,
            column=None,
            code="duplicate_key",
            message="errors has product {product_id}, segment {segment}, step {step} twice",
        )
    return issues


def lead_time_issues(lead_time: pd.Series) -> list[Issue]:
    """Lead times: whole months, not negative, one per product."""
    months = pd.to_numeric(lead_time, errors="coerce")
    issues = [
        Issue(
            code="not_a_number",
            message=f"the lead time of product {product} must be a whole number of months, "
            f"not '{value}'",
            value=value,
        )
        for product, value, number in zip(lead_time.index, lead_time, months, strict=True)
        if pd.isna(number) or number != round(number)
    ]
    issues += [
        Issue(
            code="negative_value",
            message=f"the lead time of product {product} cannot be negative ({value})",
            value=value,
        )
        for product, value in months[months < 0].items()
    ]
    issues += [
        Issue(
            code="duplicate_key",
            message=f"product {product} has more than one lead time",
            value=product,
        )
        for product in lead_time.index[lead_time.index.duplicated()].unique()
    ]
    return issues


def sigma_issues(sigma: pd.DataFrame) -> list[Issue]:
    """The sigma frame: its columns, numbers >= 0 (NaN allowed), one row per product x segment."""
    issues = missing_columns(sigma, "sigma", ("product_id", "segment", "sigma"))
    if issues:
        return issues
    issues += _number_issues(sigma, "sigma", "sigma", negative=True, missing=True)
    issues += issues_where(
        sigma.duplicated(["product_id", "segment"], keep="first"),
        sigma,
        sheet=None,
        column=None,
        code="duplicate_key",
        message="sigma has product {product_id}, segment {segment} twice",
    )
    return issues


def target_issues(targets: pd.Series) -> list[Issue]:
    """Service targets: numbers strictly between 0 and 1, one per segment."""
    numbers = pd.to_numeric(targets, errors="coerce")
    issues = [
        Issue(
            code="not_a_number",
            message=f"the service target of segment {segment} must be a number, not '{value}'",
            value=value,
        )
        for segment, value, number in zip(targets.index, targets, numbers, strict=True)
        if pd.isna(number)
    ]
    issues += [
        Issue(
            code="invalid_target",
            message=f"the service target of segment {segment} is a fraction between 0 and 1 "
            f"(0.95 for 95 %), not {number:g}",
            value=number,
        )
        for segment, number in numbers.items()
        if pd.notna(number) and not 0 < number < 1
    ]
    issues += [
        Issue(
            code="duplicate_key",
            message=f"segment {segment} has more than one service target",
            value=segment,
        )
        for segment in targets.index[targets.index.duplicated()].unique()
    ]
    return issues


def untargeted_segments(demand: pd.DataFrame, targets: pd.Series) -> list[Issue]:
    """``missing_target`` for each segment with demand and no service target."""
    missing = sorted(set(demand["segment"].dropna().unique()) - set(targets.index), key=str)
    return [
        Issue(
            code="missing_target",
            message=f"segment {segment} has demand but no service target",
            column="segment",
            value=segment,
        )
        for segment in missing
    ]


def clean_demand(demand: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``keys`` + quantity (float), periods as str, repeated keys summed."""
    clean = demand[[*keys, "quantity"]].copy()
    clean["period"] = clean["period"].astype(str)
    clean["quantity"] = pd.to_numeric(clean["quantity"]).astype(float)
    return clean.groupby(keys, as_index=False, sort=False).agg(quantity=("quantity", "sum"))


def sorted_frame(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The frame sorted by ``keys`` (stable), or as it is when the keys do not compare."""
    try:
        return frame.sort_values(keys, kind="stable")
    except TypeError:
        # Product ids of mixed types (1 and 'A') do not compare; keep their order.
        return frame


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """An empty frame with ``columns``."""
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
