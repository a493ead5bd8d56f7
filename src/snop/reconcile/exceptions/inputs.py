"""What :func:`~snop.reconcile.exceptions.find_exceptions` reads, and when each kind fires.

The frames and masters it scans (:class:`ExceptionInputs`), the thresholds of each kind
(:class:`Thresholds`), the columns and kinds of its result, and the checks run on both
before anything is looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import missing_columns

COLUMNS = (
    "rank",
    "kind",
    "what",
    "scope_kind",
    "scope",
    "period_from",
    "period_to",
    "units",
    "money",
    "owner",
    "action",
)
"""The columns of :func:`find_exceptions`'s result, in order."""

OWNERS = ("demand planner", "sales", "supply planner", "finance", "executive")
"""The roles an exception can be given to."""

KINDS = (
    "forecast_bias",
    "below_safety_stock",
    "over_max_stock",
    "over_capacity",
    "under_utilised",
    "service_below_target",
    "revenue_gap",
    "margin_gap",
    "override_hurt_accuracy",
)
"""The kinds found; a scorecard metric without a name here gives ``<metric>_gap``."""

NEXT_MONTHS = 3
"""Plan months ``forecast_next`` covers in the bias input."""

_PLAN_PRODUCT_COLUMNS = ("product_id", "period", "inventory", "safety_stock")
_PLAN_SEGMENT_COLUMNS = ("product_id", "segment", "period", "demand", "shipped", "backlog")
_PLAN_RESOURCE_COLUMNS = ("resource_id", "period", "load", "regular_capacity")
_SCORECARD_COLUMNS = ("period", "metric", "scope", "target", "value", "gap", "gap_money")
_BIAS_COLUMNS = ("level", "key", "lag", "bias", "actual", "forecast_next")
_FVA_COLUMNS = ("stream", "author", "level", "key", "lag", "fva", "extra_error_units")


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame()


def _empty_series() -> pd.Series:
    return pd.Series(dtype=float)


@dataclass(frozen=True, slots=True)
class ExceptionInputs:
    """Everything :func:`find_exceptions` reads; any frame may be empty (that kind is skipped).

    plan_products: product_id, family, period, inventory, safety_stock, below_safety_stock,
        max_units (units; NaN = no maximum).
    plan_segments: product_id, family, segment, period, demand, shipped, backlog (units).
    plan_resources: resource_id, name, period, load, regular_capacity, overtime_capacity
        (hours a month).
    products: the master (product_id, name, family, price); names and families for the
        sentences, and the price when ``price`` is empty.
    segments: the master (segment, service_target as a fill rate 0-1).
    resources: the master (resource_id, regular_cost, overtime_cost per hour); without it
        capacity exceptions carry no money. Not in the first draft of the interface: the
        plan's resource frame has no rates.
    standard: standard cost of a unit by product_id; price: price by product_id.
    scorecard: period, metric, scope, target, value, gap, gap_units, gap_money, status
        (optional: scope_kind, unit, months).
    bias: level ('product' | 'family' | 'segment' | 'total'), key, lag, bias (fraction,
        + = over-forecast), actual (units), forecast_next (units over the next plan months).
    override_fva: stream (e.g. 'override:17'), author, level, key, lag, fva (WAPE change as a
        fraction, as :func:`snop.demand.accuracy.forecast_value_added` gives it: -0.04 = 4
        points worse), extra_error_units (units of absolute error added).
    min_util, max_util: the utilisation band from the targets (fractions), None = no band.
    """

    plan_products: pd.DataFrame = field(default_factory=_empty_frame)
    plan_segments: pd.DataFrame = field(default_factory=_empty_frame)
    plan_resources: pd.DataFrame = field(default_factory=_empty_frame)
    products: pd.DataFrame = field(default_factory=_empty_frame)
    segments: pd.DataFrame = field(default_factory=_empty_frame)
    standard: pd.Series = field(default_factory=_empty_series)
    price: pd.Series = field(default_factory=_empty_series)
    scorecard: pd.DataFrame = field(default_factory=_empty_frame)
    bias: pd.DataFrame = field(default_factory=_empty_frame)
    override_fva: pd.DataFrame = field(default_factory=_empty_frame)
    min_util: float | None = None
    max_util: float | None = None
    resources: pd.DataFrame = field(default_factory=_empty_frame)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When each kind of exception fires; every comparison is strict (``>`` / ``<``).

    bias: forecast_bias fires when ``|bias| > bias`` at ``lag`` (fraction).
    lag: the forecast lag the bias is judged at (months after the cutoff).
    stock_units: below_safety_stock / over_max_stock fire when the shortfall / excess is
        more than this many units (half a unit by default: less is LP rounding).
    hours: over_capacity / under_utilised fire when the load is more than this many hours
        beyond the limit.
    service: service_below_target fires when the planned fill rate is below the segment's
        target by more than this (fraction; 0 = any shortfall).
    fva: override_hurt_accuracy fires when ``fva < -fva`` (0 = any loss of accuracy).
    statuses: the scorecard statuses that are exceptions.
    """

    bias: float = 0.10
    lag: int = 1
    stock_units: float = 0.5
    hours: float = 1e-6
    service: float = 0.0
    fva: float = 0.0
    statuses: tuple[str, ...] = ("red", "amber")


DEFAULT_THRESHOLDS = Thresholds()
"""The thresholds :func:`~snop.reconcile.exceptions.find_exceptions` uses unless given others."""


def validate(inputs: ExceptionInputs, thresholds: Thresholds) -> None:
    """Raise InvalidInput for every missing column, negative threshold or band off 0-10."""
    issues: list[Issue] = []
    for name, frame, columns in (
        ("plan_products", inputs.plan_products, _PLAN_PRODUCT_COLUMNS),
        ("plan_segments", inputs.plan_segments, _PLAN_SEGMENT_COLUMNS),
        ("plan_resources", inputs.plan_resources, _PLAN_RESOURCE_COLUMNS),
        ("segments", inputs.segments, ("segment", "service_target")),
        ("scorecard", inputs.scorecard, (*_SCORECARD_COLUMNS, "status")),
        ("bias", inputs.bias, _BIAS_COLUMNS),
        ("override_fva", inputs.override_fva, _FVA_COLUMNS),
    ):
        if not frame.empty:
            issues += missing_columns(frame, name, columns)
    for name in ("bias", "stock_units", "hours", "service", "fva"):
        value = getattr(thresholds, name)
        if not value >= 0:
            issues.append(_threshold_issue(f"threshold {name} must be 0 or more", value))
    for name in ("min_util", "max_util"):
        band = getattr(inputs, name)
        if band is not None and not 0 <= band <= 10:
            issues.append(_threshold_issue(f"{name} must be a fraction (0.85 = 85%)", band))
    if issues:
        raise InvalidInput(issues)


def _threshold_issue(message: str, value: object) -> Issue:
    return Issue(code="invalid_threshold", message=message, value=value)
