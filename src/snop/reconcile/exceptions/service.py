"""Exceptions of service: a segment planned below its fill-rate target."""

from __future__ import annotations

import pandas as pd

from snop.reconcile.exceptions.context import Context, with_sentences
from snop.reconcile.exceptions.inputs import Thresholds
from snop.supply.problem import NO_SEGMENT
from snop.supply.service_level import planned_on_time

# The sentences read like the supply plan's own explanation, so they share its formatting.
from snop.wording import span as _span
from snop.wording import units as _units


def service_below_target(context: Context, thresholds: Thresholds) -> pd.DataFrame:
    """Segments whose planned fill rate misses the target, with the families late."""
    plan, masters = context.inputs.plan_segments, context.inputs.segments
    if plan.empty or masters.empty:
        return pd.DataFrame()
    rows = plan.sort_values(["product_id", "segment", "period"]).copy()
    rows["on_time"] = planned_on_time(rows)
    rows["late"] = rows["demand"].astype(float) - rows["on_time"]
    sums = rows.groupby("segment")[["demand", "on_time", "late"]].sum()
    targets = masters.drop_duplicates("segment").set_index("segment")["service_target"]
    sums["target"] = pd.to_numeric(targets, errors="coerce").reindex(sums.index)
    sums["fill_rate"] = (sums["on_time"] / sums["demand"].where(sums["demand"] > 0)).fillna(1.0)
    hit = sums[sums["target"].notna() & (sums["fill_rate"] < sums["target"] - thresholds.service)]
    if hit.empty:
        return pd.DataFrame()
    late = rows[rows["segment"].isin(hit.index) & (rows["late"] > 0)].copy()
    late["money"] = late["late"] * late["product_id"].map(context.price)
    if "family" not in late.columns:
        late["family"] = late["product_id"].map(context.family)
    late["family"] = late["family"].fillna("no family").astype(str)
    periods = late.groupby("segment")["period"].agg(["min", "max"])
    hit = hit.assign(
        units=hit["late"],
        money=late.groupby("segment")["money"].sum(min_count=1).reindex(hit.index),
        period_from=periods["min"].reindex(hit.index),
        period_to=periods["max"].reindex(hit.index),
    )
    families = late.groupby(["segment", "family"])["late"].sum().reset_index()
    families = families.sort_values(["segment", "late", "family"], ascending=[True, False, True])
    hit = hit.reset_index()
    what, action = [], []
    for row in hit.to_dict("records"):
        segment = row["segment"]
        who = "Customers" if segment == NO_SEGMENT else str(segment)
        carried = families[families["segment"] == segment].head(3)
        most = ", ".join(
            f"{family} {_units(units)} units ({units / row['late']:.0%})"
            for family, units in zip(carried["family"], carried["late"], strict=True)
        )
        worth = context.amount(row["money"])
        span = _span(str(row["period_from"]), str(row["period_to"]))
        what.append(
            f"{who} get{'' if who == 'Customers' else 's'} {row['fill_rate']:.1%} of "
            f"{'their' if who == 'Customers' else 'its'} demand on time in the plan against a "
            f"target of {row['target']:.1%}: {_units(row['late'])} units late {span}"
            + (f" ({worth} of revenue delayed)" if worth else "")
            + (f"; most in {most}." if most else ".")
        )
        action.append(
            f"Executive: decide the trade-off for {who}: fund capacity, overtime or stock to "
            f"reach {row['target']:.1%}, move supply from lower-priority segments, or accept a "
            "lower service target."
        )
    return with_sentences(
        hit.assign(
            kind="service_below_target",
            scope_kind="segment",
            scope=hit["segment"].astype(str),
            owner="executive",
        ),
        what,
        action,
    )
