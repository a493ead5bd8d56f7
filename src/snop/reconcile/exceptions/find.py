"""Every kind of exception found and ranked by the money at stake."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snop.reconcile.exceptions.capacity import over_capacity, under_utilised
from snop.reconcile.exceptions.context import Context
from snop.reconcile.exceptions.forecast import forecast_bias, overrides
from snop.reconcile.exceptions.inputs import (
    COLUMNS,
    DEFAULT_THRESHOLDS,
    KINDS,
    ExceptionInputs,
    Thresholds,
    validate,
)
from snop.reconcile.exceptions.scorecard import scorecard_gaps
from snop.reconcile.exceptions.service import service_below_target
from snop.reconcile.exceptions.stock import stock_exceptions
from snop.wording import Money


def find_exceptions(
    inputs: ExceptionInputs,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    currency: str = "$",
) -> pd.DataFrame:
    """Find what needs attention in the plan and rank it by money at stake.

    Parameters
    ----------
    inputs
        The plan's frames, the masters and the accuracy and scorecard tables (see
        :class:`ExceptionInputs` for their columns).
    thresholds
        When each kind fires (see :class:`Thresholds`).
    currency
        Symbol written before money in the sentences.

    Returns
    -------
    pd.DataFrame
        One row per exception, largest money first: ``rank`` (int, 1 = first), ``kind``
        (str, see :data:`KINDS`), ``what`` (str, a sentence: what, where, how much),
        ``scope_kind`` ('product' | 'family' | 'segment' | 'resource' | 'all' | 'override'
        | the bias or scorecard level), ``scope`` (str), ``period_from`` and ``period_to``
        ('YYYY-MM', or the scorecard's period as given; None for overrides), ``units``
        (float: units of product, hours for the capacity kinds; NaN when not meaningful),
        ``money`` (float, >= 0, the money at stake; 0 when no price or rate is known),
        ``owner`` (str, see :data:`OWNERS`) and ``action`` (str, who should do what).
        Consecutive months of the same product or resource make one exception.

    Raises
    ------
    InvalidInput
        A non-empty frame lacks a column (``missing_column``) or a threshold is negative
        or a band is not a fraction (``invalid_threshold``).
    """
    validate(inputs, thresholds)
    context = Context(inputs, Money(currency))
    found = [
        forecast_bias(context, thresholds),
        *stock_exceptions(context, thresholds),
        over_capacity(context, thresholds),
        under_utilised(context, thresholds),
        service_below_target(context, thresholds),
        scorecard_gaps(context, thresholds),
        overrides(context, thresholds),
    ]
    found = [frame for frame in found if not frame.empty]
    if not found:
        return pd.DataFrame({column: [] for column in COLUMNS})
    table = pd.concat(found, ignore_index=True)
    table["money"] = pd.to_numeric(table["money"]).fillna(0.0).astype(float)
    table["units"] = pd.to_numeric(table["units"]).astype(float)
    known = {kind: i for i, kind in enumerate(KINDS)}
    table["_kind"] = table["kind"].map(known).fillna(len(KINDS))
    table = table.sort_values(
        ["money", "_kind", "units", "scope", "period_from"],
        ascending=[False, True, False, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table[list(COLUMNS)]
