"""What a plan serves on time: the one rule for an on-time unit, and the plan's fill rate.

A unit ordered in a month is on time when it ships in that month. What is owed from earlier
months ships first, so a month's shipments serve its own demand only once the backlog it
opened with is cleared. The explanation of a plan, its ledger and KPIs (fill rate, OTIF),
the exceptions and the cycle's review all count on-time units with
:func:`planned_on_time`, so they agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def planned_on_time(plan_segments: pd.DataFrame) -> pd.Series:
    """Units of each plan segment row shipped in their own month, on the frame's index.

    What was owed before the month (the previous month's backlog, or what the opening
    position implies: shipped + backlog - demand) is served first;
    ``on_time = min(demand, shipped - owed before)``, at least 0.

    Parameters
    ----------
    plan_segments
        The plan's segment frame: product_id, segment, period, demand, shipped, backlog
        (units), with every month of a product and segment that the backlog runs through.

    Returns
    -------
    pd.Series
        ``on_time`` (float, units), on the index of ``plan_segments``.
    """
    frame = plan_segments.sort_values(["product_id", "segment", "period"])
    before = frame.groupby(["product_id", "segment"])["backlog"].shift(1).fillna(0.0)
    opening = frame["shipped"] + frame["backlog"] - frame["demand"]  # owed before the month
    owed_before = np.maximum(before.to_numpy(), opening.clip(lower=0.0).to_numpy())
    on_time = np.clip(frame["shipped"].to_numpy() - owed_before, 0.0, frame["demand"].to_numpy())
    return pd.Series(on_time, index=frame.index, name="on_time").reindex(plan_segments.index)


def planned_service(segments: pd.DataFrame) -> pd.DataFrame:
    """Share of each segment's demand shipped in its own month (a plan's fill rate).

    Columns: segment, demand, on_time (units) and fill_rate (1.0 for a segment without
    demand: nothing was asked, nothing was late).
    """
    frame = segments.sort_values(["product_id", "segment", "period"]).copy()
    frame["on_time"] = planned_on_time(frame)
    sums = frame.groupby("segment")[["demand", "on_time"]].sum()
    sums["fill_rate"] = np.where(sums["demand"] > 0, sums["on_time"] / sums["demand"], 1.0)
    return sums.reset_index()
