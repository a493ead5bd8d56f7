"""Exceptions of the strategy scorecard: targets missed, one run of months at a time."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from snop.frames import periods_to_index
from snop.reconcile.exceptions.context import Context, run_ids, with_sentences
from snop.reconcile.exceptions.inputs import Thresholds

# The sentences read like the supply plan's own explanation, so they share its formatting.
from snop.wording import units as _units

_SCORECARD_KINDS = {"revenue": "revenue_gap", "gross_margin": "margin_gap"}
_MONEY_METRICS = {"revenue", "gross_margin", "budget", "spend", "cost_of_goods"}
_SHARE_METRICS = {"fill_rate", "otif", "utilisation", "utilisation_min", "utilisation_max"}
_MONEY_UNITS = {"money", "currency", "$"}
_SHARE_UNITS = {"fraction", "share", "ratio", "%", "percent"}


def scorecard_gaps(context: Context, thresholds: Thresholds) -> pd.DataFrame:
    """The scorecard's red and amber rows, consecutive months of one target as one."""
    scorecard = context.inputs.scorecard
    if scorecard.empty:
        return pd.DataFrame()
    hit = scorecard[scorecard["status"].isin(thresholds.statuses)].copy()
    if hit.empty:
        return pd.DataFrame()
    metric = hit["metric"].astype(str)
    hit["kind"] = metric.map(_SCORECARD_KINDS).fillna(metric + "_gap")
    hit["money"] = pd.to_numeric(hit["gap_money"], errors="coerce").abs()
    if "gap_units" in hit.columns:
        hit["units"] = pd.to_numeric(hit["gap_units"], errors="coerce").abs()
    else:
        hit["units"] = np.nan
    if "scope_kind" not in hit.columns:
        hit["scope_kind"] = _scope_kinds(context, hit["scope"])
    hit["period_from"] = hit["period"].astype(str)
    hit["period_to"] = hit["period"].astype(str)
    hit = _month_runs(hit)
    what, action = [], []
    for row in hit.to_dict("records"):
        what.append(
            _scorecard_sentence(context, row)
            if row["period_from"] == row["period_to"]
            else _run_sentence(context, row)
        )
        action.append(_scorecard_action(context, row))
    return with_sentences(hit.assign(scope=hit["scope"].astype(str), owner="finance"), what, action)


def _month_runs(hit: pd.DataFrame) -> pd.DataFrame:
    """Month targets missed in consecutive months on the same side: one exception each run.

    Money and units add up over the run; the worst month's row keeps the figures a single
    month's sentence would show. Year targets stay as they are.
    """
    monthly = hit["period"].astype(str).str.len() == 7
    months = hit[monthly].copy()
    if months.empty:
        return hit
    months["side"] = np.sign(pd.to_numeric(months["gap"], errors="coerce")).fillna(0.0)
    months["t"] = periods_to_index(months["period"].astype(str))
    keys = ["metric", "scope", "side"]
    months = months.sort_values([*keys, "t"], kind="stable")
    months["run"] = run_ids(months, keys).to_numpy()
    worst = months.loc[months.groupby("run")["money"].idxmax()].set_index("run")
    runs = months.groupby("run").agg(
        money=("money", "sum"),
        units=("units", lambda u: u.sum(min_count=1)),
        period_from=("period_from", "min"),
        period_to=("period_to", "max"),
        month_count=("period", "size"),
        red=("status", lambda s: int((s == "red").sum())),
    )
    worst = worst.drop(columns=["money", "units", "period_from", "period_to"]).join(runs)
    worst["worst_period"] = months.loc[months.groupby("run")["money"].idxmax(), "period"].to_numpy()
    worst["worst_money"] = months.groupby("run")["money"].max().to_numpy()
    grouped = worst.reset_index(drop=True).drop(columns=["side", "t"])
    return pd.concat([hit[~monthly], grouped], ignore_index=True)


def _run_sentence(context: Context, row: dict[Hashable, Any]) -> str:
    """A month target missed over several months in a row, in one sentence."""
    metric = str(row["metric"])
    label = metric.replace("_", " ").capitalize()
    scope = _scope_text(context, row["scope_kind"], row["scope"])
    side = "below" if float(row["gap"]) < 0 else "above"
    count = int(row["month_count"])
    red = int(row["red"])
    colour = "all red" if red == count else f"{red} red, {count - red} amber"
    total = context.amount(row["money"])
    worst = context.amount(row["worst_money"])
    return (
        f"{label} for {scope} is {side} target in {count} months in a row, "
        f"{row['period_from']} to {row['period_to']} ({colour}): {total or 'a gap'} in all, "
        f"the worst {row['worst_period']} ({worst or 'its gap'} {side})."
    )


def _scope_kinds(context: Context, scopes: pd.Series) -> pd.Series:
    """Where a scorecard scope lives, looked up in the masters and the plan."""
    inputs = context.inputs
    known: list[tuple[str, set[str]]] = [
        ("family", {str(f) for f in context.family.dropna()}),
        ("segment", _values(inputs.segments, "segment") | _values(inputs.plan_segments, "segment")),
        (
            "resource",
            _values(inputs.plan_resources, "resource_id")
            | _values(inputs.resources, "resource_id"),
        ),
        ("product", {str(p) for p in context.family.index} | {str(p) for p in context.price.index}),
    ]
    text = scopes.astype(str)
    kinds = pd.Series("scope", index=scopes.index, dtype=object)
    for kind, values in reversed(known):  # the first match in ``known`` wins
        kinds[text.isin(values)] = kind
    kinds[text == "all"] = "all"
    return kinds


def _values(frame: pd.DataFrame, column: str) -> set[str]:
    return {str(v) for v in frame[column].dropna().unique()} if column in frame.columns else set()


def _scorecard_sentence(context: Context, row: dict[Hashable, Any]) -> str:
    metric = str(row["metric"])
    label = metric.replace("_", " ").capitalize()
    scope = _scope_text(context, row["scope_kind"], row["scope"])
    gap = float(row["gap"]) if pd.notna(row["gap"]) else np.nan
    side = "below" if gap < 0 else "above"
    months = row.get("months")
    period = str(row["period"])
    coverage = (
        f" ({int(months)} month{'s' if months != 1 else ''} measured)"
        if len(period) == 4 and months is not None and pd.notna(months) and months < 12
        else ""
    )
    extras = []
    quantity = str(row.get("unit", "") or "") in ("units", "hours")
    if pd.notna(row["units"]) and row["units"] > 0 and not quantity and not _is_money(metric, row):
        extras.append(f"about {_units(row['units'])} {_quantity_word(metric)}")
    worth = context.amount(row["money"])
    if worth and not _is_money(metric, row):
        extras.append(f"worth {worth}")
    extra = f" ({', '.join(extras)})" if extras else ""
    return (
        f"{label} for {scope} in {period}{coverage} is {_metric_value(context, row, row['value'])}"
        f" against a target of {_metric_value(context, row, row['target'])} ({row['status']}): "
        f"{_gap_value(context, row, abs(gap))} {side} target{extra}."
    )


def _scorecard_action(context: Context, row: dict[Hashable, Any]) -> str:
    metric = str(row["metric"])
    worth = context.amount(row["money"])
    gap = f"the {worth} " if worth else "the "
    if metric == "revenue":
        return (
            f"Finance: agree with sales how to close {gap}revenue gap (volume, price, mix), "
            "or restate the target."
        )
    if metric == "gross_margin":
        return (
            f"Finance: find {gap}margin gap in price, mix or cost with sales and supply, "
            "or restate the target."
        )
    if metric in ("budget", "spend"):
        return (
            f"Finance: cut or re-phase {gap.removeprefix('the ')}spend with the supply "
            "planner, or approve the overrun."
        )
    return (
        f"Finance: take {gap}{metric.replace('_', ' ')} gap to the executive review with the "
        "owner's plan to close it, or a revised target."
    )


def _scope_text(context: Context, kind: Any, scope: Any) -> str:
    if kind == "all" or scope == "all":
        return "the whole business"
    if kind == "product":
        return context.product(scope)
    if kind in ("family", "segment", "resource"):
        return f"{kind} {scope}"
    return str(scope)


def _is_money(metric: str, row: dict[Hashable, Any]) -> bool:
    unit = str(row.get("unit", "") or "").lower()
    if metric == "gross_margin" and pd.notna(row["target"]) and abs(row["target"]) <= 1:
        return False  # a margin target of 1 or less is a share of revenue
    return unit in _MONEY_UNITS if unit else metric in _MONEY_METRICS


def _is_share(metric: str, row: dict[Hashable, Any]) -> bool:
    unit = str(row.get("unit", "") or "").lower()
    if metric == "gross_margin" and pd.notna(row["target"]) and abs(row["target"]) <= 1:
        return True
    return unit in _SHARE_UNITS if unit else metric in _SHARE_METRICS


def _metric_value(context: Context, row: dict[Hashable, Any], value: Any) -> str:
    if value is None or pd.isna(value):
        return "not measured"
    metric = str(row["metric"])
    if _is_money(metric, row):
        return context.money(float(value))
    if _is_share(metric, row):
        return f"{float(value):.1%}"
    unit = str(row.get("unit", "") or "")
    if metric == "days_of_supply" or unit == "days":
        return f"{float(value):,.1f} days"
    if unit in ("units", "hours"):
        return f"{_units(float(value))} {unit}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".") + (
        f" {unit}" if unit and unit not in ("ratio", "number") else ""
    )


def _gap_value(context: Context, row: dict[Hashable, Any], gap: float) -> str:
    """A gap in a share is in points: 38% against 40% is 2.0 points short, not 2%."""
    if pd.notna(gap) and _is_share(str(row["metric"]), row):
        return f"{gap * 100:.1f} points"
    return _metric_value(context, row, gap)


def _quantity_word(metric: str) -> str:
    return "hours" if metric.startswith("utilisation") else "units"
