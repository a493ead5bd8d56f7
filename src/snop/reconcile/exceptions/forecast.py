"""Exceptions of the forecast: a bias that persists, and overrides that made it worse."""

from __future__ import annotations

from typing import Any

import pandas as pd

from snop.reconcile.exceptions.context import Context, with_sentences
from snop.reconcile.exceptions.inputs import NEXT_MONTHS, Thresholds

# The sentences read like the supply plan's own explanation, so they share its formatting.
from snop.wording import units as _units


def forecast_bias(context: Context, thresholds: Thresholds) -> pd.DataFrame:
    """A family or product forecast that ran too high or too low at the judged lag."""
    bias = context.inputs.bias
    if bias.empty:
        return pd.DataFrame()
    lag = pd.to_numeric(bias["lag"], errors="coerce")
    value = pd.to_numeric(bias["bias"], errors="coerce")
    hit = bias[(lag == thresholds.lag) & (value.abs() > thresholds.bias)].copy()
    if hit.empty:
        return pd.DataFrame()
    hit["bias"] = value[hit.index]
    hit["units"] = hit["bias"].abs() * pd.to_numeric(hit["forecast_next"]).clip(lower=0.0)
    hit["money"] = hit["units"] * context.key_prices(hit["level"], hit["key"])
    months = context.periods[:NEXT_MONTHS]
    hit["period_from"] = months[0] if months else None
    hit["period_to"] = months[-1] if months else None
    what, action = [], []
    for row in hit.to_dict("records"):
        where = _key_text(context, row["level"], row["key"])
        high = row["bias"] > 0
        span = f" for {months[0]}" if len(months) == 1 else ""
        span = f" for {months[0]} to {months[-1]}" if len(months) > 1 else span
        worth = context.amount(row["money"])
        what.append(
            f"The forecast for {where} ran {abs(row['bias']):.1%} too {'high' if high else 'low'} "
            f"at lag {int(row['lag'])} against {_units(row['actual'])} units of actuals; if it "
            f"persists, the {_units(row['forecast_next'])} units forecast{span} are about "
            f"{_units(row['units'])} units{f' ({worth})' if worth else ''} too "
            f"{'high' if high else 'low'}."
        )
        action.append(
            f"Demand planner: find why the {where} forecast runs {'high' if high else 'low'} and "
            f"{'lower' if high else 'raise'} it (about {abs(row['bias']):.0%}) before the "
            "consensus meeting."
        )
    return with_sentences(
        hit.assign(
            kind="forecast_bias",
            scope_kind=hit["level"].astype(str).replace("total", "all"),
            scope=hit["key"].astype(str),
            owner="demand planner",
        ),
        what,
        action,
    )


def _key_text(context: Context, level: Any, key: Any) -> str:
    if level == "product":
        return context.product(key)
    if level in ("total", "all"):
        return "the whole business"
    return f"{level} {key}"


# --- overrides that made the forecast worse ---------------------------------------------


def overrides(context: Context, thresholds: Thresholds) -> pd.DataFrame:
    """Overrides that made the forecast worse: one per override, at its worst lag."""
    fva = context.inputs.override_fva
    if fva.empty:
        return pd.DataFrame()
    value = pd.to_numeric(fva["fva"], errors="coerce")
    hit = fva[value < -thresholds.fva].assign(fva=value)
    if hit.empty:
        return pd.DataFrame()
    # One exception per override: the lag where it hurt most.
    hit = hit.assign(extra=pd.to_numeric(hit["extra_error_units"], errors="coerce"))
    hit = hit.sort_values(["stream", "fva", "extra"], ascending=[True, True, False])
    hit = hit.drop_duplicates("stream")
    hit["units"] = hit["extra"].clip(lower=0.0)
    hit["money"] = hit["units"] * context.key_prices(hit["level"], hit["key"])
    what, action = [], []
    for row in hit.to_dict("records"):
        where = _key_text(context, row["level"], row["key"])
        worth = context.amount(row["money"])
        what.append(
            f"{row['author']}'s override ({row['stream']}) on {where} made the forecast worse: "
            f"WAPE {abs(row['fva']) * 100:.1f} points higher at lag {int(row['lag'])}, "
            f"{_units(row['units'])} more units of error" + (f" ({worth})." if worth else ".")
        )
        action.append(
            f"Sales: {row['author']} to review the override on {where} with the demand "
            "planner and keep it only with a reason that still holds; otherwise remove it."
        )
    return with_sentences(
        hit.assign(
            kind="override_hurt_accuracy",
            scope_kind="override",
            scope=hit["stream"].astype(str),
            period_from=None,
            period_to=None,
            owner="sales",
        ),
        what,
        action,
    )
