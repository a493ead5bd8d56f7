"""What changed between two plan versions, by family and month, and why.

A planner opening this month's plan asks what moved since the last one and whether it was
meant to. :func:`diff_plans` compares two stored plans family by family and month by month
and attributes each change to the causes that can be seen in the data:

- ``demand changed``: the family's demand moved by a material amount that month;
- ``override``: a forecast override made between the two plans covers the changed cells;
- ``capacity changed``: a resource the family routes through has other regular or
  overtime hours that month;
- ``policy change``: the strategy, service measure or frozen fence differ (every month
  whose production moved), or the family's safety stock changed that month;
- ``opening position changed``: the family starts the first compared month with other
  stock or backlog than the earlier plan expected;
- ``scenario``: production moved with none of the above while the later plan is a
  scenario - its changes (costs, rates, strategy) are the likely reason;
- ``re-optimised``: production moved with no cause in its own month - the optimiser
  moved it (building ahead of a later change, using hours another family freed).

A change is material when it is more than 0.5 units and more than 1 % of the larger of
the two figures. Only months in both plans are compared; the others are listed as added
or dropped. The module is pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.frames import period_to_index

CAUSES = (
    "demand changed",
    "override",
    "capacity changed",
    "policy change",
    "opening position changed",
    "scenario",
    "re-optimised",
)
"""Causes in the order they are listed in a cell."""
MEASURES = ("demand", "production", "subcontract", "inventory", "backlog", "safety_stock")
FLOWS = ("demand", "production", "subcontract")
"""Summed over months in the family totals; the stock measures are averaged."""
DELTA_COLUMNS = tuple(f"d_{m}" for m in MEASURES)
CAUSE_COLUMNS = ("cause", "detail", "family", "period_from", "period_to", "units")
NOT_MONEY = ("backorder", "owed_at_end", "safety_stock_shortfall", "strategy_penalty")
"""Cost components that steer the optimiser but nobody pays."""
POLICY_KEYS = ("strategy", "service_measure", "frozen_periods")

MIN_UNITS = 0.5
MIN_SHARE = 0.01
_HOURS_TOL = 1e-6
MAX_CAUSE_SENTENCES = 12


@dataclass(frozen=True, slots=True)
class DiffContext:
    """What is known about the two plans besides their tables.

    earlier, later: plan headers - id, created_at, strategy, service_measure,
        frozen_periods, forecast_version_id, demand_source, settings.
    overrides: forecast overrides made between the two plans: id, created_at, author,
        level (product | family | segment | anything else = all), key, period_from,
        period_to, change_pct, change_qty, reason_code.
    scenario_changes: sentences describing the later plan's scenario changes, if any.
    routings: product_id, resource_id (hours_per_unit unused): which families a resource's
        capacity change touches.
    """

    earlier: Mapping[str, Any] = field(default_factory=dict)
    later: Mapping[str, Any] = field(default_factory=dict)
    overrides: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario_changes: Sequence[str] = ()
    routings: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """Two plans compared.

    by_family_period: family, period, d_demand, d_production, d_subcontract, d_inventory,
        d_backlog, d_safety_stock (later - earlier, units), causes ('; ' list of CAUSES).
    by_family: family, the same deltas (flows summed over the months, stocks averaged),
        causes.
    causes: cause, detail (a sentence), family (None = not one family), period_from,
        period_to, units (the change it explains: demand units for demand and overrides,
        production units for capacity, policy, scenario and re-optimised, the average
        change for safety stock, the opening net stock for opening position; NaN when
        not measurable).
    sentences: what a planner reads, largest changes first.
    cost_change: later - earlier cost per component over the compared months.
    """

    by_family_period: pd.DataFrame
    by_family: pd.DataFrame
    causes: pd.DataFrame
    sentences: list[str]
    cost_change: dict[str, float]
    added_periods: list[str]
    dropped_periods: list[str]


def diff_plans(
    earlier: Mapping[str, pd.DataFrame], later: Mapping[str, pd.DataFrame], context: DiffContext
) -> PlanDiff:
    """Compare two stored plans and say what changed, where, and why.

    Parameters
    ----------
    earlier, later
        Stored plan tables: 'products' (product_id, family, period, demand, production,
        subcontract, shipped, receipts, inventory, backlog, safety_stock - units),
        'segments' (product_id, family, segment, period, demand), 'resources'
        (resource_id, period, regular_capacity, overtime_capacity - hours) and 'costs'
        (component, period, amount). 'segments', 'resources' and 'costs' may be missing.
    context
        The plans' headers, the overrides made in between, scenario changes, routings.
    """
    first, second = earlier["products"], later["products"]
    common = sorted(set(first["period"]) & set(second["period"]))
    added = sorted(set(second["period"]) - set(first["period"]))
    dropped = sorted(set(first["period"]) - set(second["period"]))
    cells = _product_deltas(first, second, common)
    family_of = cells.drop_duplicates("product_id").set_index("product_id")["family"]
    grid = _family_grid(cells)
    found = [
        _demand_causes(grid, context),
        _override_causes(grid, cells, earlier, later, context, family_of),
        _capacity_causes(grid, earlier, later, context, family_of, common),
        _policy_causes(grid, context, common),
        _opening_causes(grid, first, second, common),
    ]
    tags = pd.concat([t for t, _ in found], ignore_index=True)
    rows = [r for _, r in found]
    left_tags, left_rows = _unexplained(grid, tags, bool(context.scenario_changes))
    tags = pd.concat([tags, left_tags], ignore_index=True)
    rows += [left_rows, _scenario_rows(context, common)]
    # Built from records: concatenating frames whose family or units are all empty warns.
    listed = [record for r in rows for record in r.to_dict("records")]
    causes = _sorted_causes(pd.DataFrame(listed, columns=list(CAUSE_COLUMNS)))
    grid["causes"] = _cause_lists(grid, tags)
    by_family_period = grid[["family", "period", *DELTA_COLUMNS, "causes"]]
    cost_change = _cost_change(earlier.get("costs"), later.get("costs"), common)
    sentences = _sentences(grid, causes, cost_change, context, common, added, dropped)
    return PlanDiff(
        by_family_period=by_family_period.reset_index(drop=True),
        by_family=_by_family(by_family_period),
        causes=causes,
        sentences=sentences,
        cost_change=cost_change,
        added_periods=added,
        dropped_periods=dropped,
    )


# --- the deltas ---------------------------------------------------------------------------


def _product_deltas(first: pd.DataFrame, second: pd.DataFrame, common: list[str]) -> pd.DataFrame:
    """Per product and compared month: both plans' measures and their difference.

    A product in one plan only counts as zero in the other (a launch or a phase-out).
    """
    keys = ["product_id", "period"]
    columns = [m for m in MEASURES if m in first and m in second]
    a = first[first["period"].isin(common)].set_index(keys)
    b = second[second["period"].isin(common)].set_index(keys)
    index = a.index.union(b.index)
    out = pd.DataFrame(index=index)
    out["family"] = b["family"].reindex(index).fillna(a["family"].reindex(index))
    for m in columns:
        out[f"e_{m}"] = a[m].reindex(index).astype(float).fillna(0.0)
        out[f"l_{m}"] = b[m].reindex(index).astype(float).fillna(0.0)
        out[f"d_{m}"] = out[f"l_{m}"] - out[f"e_{m}"]
    for m in MEASURES:
        if m not in columns:
            out[f"e_{m}"] = out[f"l_{m}"] = out[f"d_{m}"] = 0.0
    return out.reset_index()


def _family_grid(cells: pd.DataFrame) -> pd.DataFrame:
    values = [c for c in cells.columns if c[:2] in ("e_", "l_", "d_")]
    return cells.groupby(["family", "period"], as_index=False)[values].sum()


def _material(delta: pd.Series, a: pd.Series, b: pd.Series) -> pd.Series:
    """More than half a unit and more than 1 % of the larger of the two figures."""
    size = np.maximum(a.abs(), b.abs())
    return (delta.abs() > MIN_UNITS) & (delta.abs() > MIN_SHARE * size)


def _moved(grid: pd.DataFrame, measure: str) -> pd.Series:
    return _material(grid[f"d_{measure}"], grid[f"e_{measure}"], grid[f"l_{measure}"])


def _production_moved(grid: pd.DataFrame) -> pd.Series:
    return _moved(grid, "production") | _moved(grid, "subcontract")


def _tags(frame: pd.DataFrame, cause: str) -> pd.DataFrame:
    return pd.DataFrame({"family": frame["family"], "period": frame["period"], "cause": cause})


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame(columns=list(CAUSE_COLUMNS))


def _runs(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    """A run number per row: consecutive months of the same keys share one."""
    ordered = frame.sort_values([*keys, "period"])
    month = ordered["period"].map(period_to_index)
    same = (ordered[keys] == ordered[keys].shift(1)).all(axis=1)
    run = (~(same & (month.diff() == 1))).cumsum()
    return run.reindex(frame.index)


def _grouped(frame: pd.DataFrame, keys: list[str], value: str, how: str) -> pd.DataFrame:
    """Consecutive months per key in one row: keys, period_from, period_to, the value."""
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "period_from", "period_to", value])
    frame = frame.assign(_run=_runs(frame, keys))
    out = frame.groupby([*keys, "_run"], as_index=False, dropna=False).agg(
        period_from=("period", "min"), period_to=("period", "max"), **{value: (value, how)}
    )
    return out.drop(columns="_run")


# --- causes -------------------------------------------------------------------------------


def _demand_causes(grid: pd.DataFrame, context: DiffContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    changed = grid[_moved(grid, "demand")]
    runs = _grouped(changed, ["family"], "d_demand", "sum")
    e_fc, l_fc = (
        context.earlier.get("forecast_version_id"),
        context.later.get("forecast_version_id"),
    )
    source = f" (forecast {l_fc}, was {e_fc})" if e_fc != l_fc and l_fc is not None else ""
    rows = runs.assign(
        cause="demand changed",
        detail=[
            f"Demand for {r.family} {_units(r.d_demand)} in {_span(r.period_from, r.period_to)}"
            f"{source}."
            for r in runs.itertuples()
        ],
        units=runs["d_demand"],
    )
    return _tags(changed, "demand changed"), rows[list(CAUSE_COLUMNS)]


def _override_causes(
    grid: pd.DataFrame,
    cells: pd.DataFrame,
    earlier: Mapping[str, pd.DataFrame],
    later: Mapping[str, pd.DataFrame],
    context: DiffContext,
    family_of: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    overrides = context.overrides
    if overrides.empty:
        return _tags(grid.iloc[:0], "override"), _no_rows()
    by_segment = _segment_deltas(earlier.get("segments"), later.get("segments"), grid)
    changed = grid[_moved(grid, "demand")]
    tags, rows = [], []
    for record in overrides.to_dict("records"):
        o = {str(k): v for k, v in record.items()}
        level, key = str(o.get("level")), o.get("key")
        inside = cells["period"].between(str(o["period_from"]), str(o["period_to"]))
        if level == "product":
            families = set(family_of.reindex([key]).dropna())
            units = cells.loc[inside & (cells["product_id"] == key), "d_demand"].sum()
            family = next(iter(families), None)
        elif level == "family":
            families, family = {key}, key
            units = cells.loc[inside & (cells["family"] == key), "d_demand"].sum()
        elif level == "segment":
            mine = by_segment[
                by_segment["period"].between(str(o["period_from"]), str(o["period_to"]))
                & (by_segment["segment"] == key)
            ]
            families, family, units = set(mine["family"]), None, mine["d_demand"].sum()
        else:
            families, family = set(grid["family"]), None
            units = cells.loc[inside, "d_demand"].sum()
        covered = changed[
            changed["family"].isin(families)
            & changed["period"].between(str(o["period_from"]), str(o["period_to"]))
        ]
        tags.append(_tags(covered, "override"))
        rows.append(
            {
                "cause": "override",
                "detail": _override_sentence(o, float(units)),
                "family": family,
                "period_from": o["period_from"],
                "period_to": o["period_to"],
                "units": float(units),
            }
        )
    return pd.concat(tags, ignore_index=True), pd.DataFrame(rows, columns=list(CAUSE_COLUMNS))


def _segment_deltas(
    first: pd.DataFrame | None, second: pd.DataFrame | None, grid: pd.DataFrame
) -> pd.DataFrame:
    """Demand change per family, segment and compared month (empty without segment tables)."""
    if first is None or second is None:
        return pd.DataFrame(columns=["family", "segment", "period", "d_demand"])
    keys = ["family", "segment", "period"]
    periods = set(grid["period"])
    a = first[first["period"].isin(periods)].groupby(keys)["demand"].sum()
    b = second[second["period"].isin(periods)].groupby(keys)["demand"].sum()
    index = a.index.union(b.index)
    delta = b.reindex(index, fill_value=0.0) - a.reindex(index, fill_value=0.0)
    return delta.rename("d_demand").reset_index()


def _override_sentence(o: Mapping[str, Any], units: float) -> str:
    pct, qty = o.get("change_pct"), o.get("change_qty")
    if pct is not None and not pd.isna(pct):
        how = f"{float(pct):+g}%"
    elif qty is not None and not pd.isna(qty):
        how = _units(float(qty)) + " a month"
    else:
        how = "a change"
    who = f" by {o['author']}" if o.get("author") else ""
    why = f", reason {o['reason_code']}" if o.get("reason_code") else ""
    return (
        f"Override {o.get('id')}{who}: {o.get('level')} {o.get('key')} {how} in "
        f"{_span(o['period_from'], o['period_to'])}{why}; demand there moved "
        f"{_units(units)}."
    )


def _capacity_causes(
    grid: pd.DataFrame,
    earlier: Mapping[str, pd.DataFrame],
    later: Mapping[str, pd.DataFrame],
    context: DiffContext,
    family_of: pd.Series,
    common: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    first, second = earlier.get("resources"), later.get("resources")
    if first is None or second is None or first.empty or second.empty:
        return _tags(grid.iloc[:0], "capacity changed"), _no_rows()
    hours = ["regular_capacity", "overtime_capacity"]
    keys = ["resource_id", "period"]
    a = first[first["period"].isin(common)].set_index(keys)[hours]
    b = second[second["period"].isin(common)].set_index(keys)[hours]
    both = a.join(b, lsuffix="_e", rsuffix="_l", how="inner").reset_index()
    both["d_hours"] = (both["regular_capacity_l"] - both["regular_capacity_e"]) + (
        both["overtime_capacity_l"] - both["overtime_capacity_e"]
    )
    moved = (both["regular_capacity_l"] - both["regular_capacity_e"]).abs().gt(_HOURS_TOL) | (
        both["overtime_capacity_l"] - both["overtime_capacity_e"]
    ).abs().gt(_HOURS_TOL)
    changed = both[moved]
    routes = _routes(context.routings, family_of)
    touched = changed.merge(routes, on="resource_id", how="left")
    touched = touched.merge(
        grid[["family", "period", "d_production"]], on=["family", "period"], how="left"
    )
    runs = _grouped(
        touched.assign(family=touched["family"].astype(object)),
        ["resource_id", "family"],
        "d_hours",
        "sum",
    )
    units = [
        grid.loc[
            (grid["family"] == r.family) & grid["period"].between(r.period_from, r.period_to),
            "d_production",
        ].sum()
        for r in runs.itertuples()
    ]
    rows = runs.assign(cause="capacity changed", units=units)
    rows["detail"] = [
        f"Capacity of {r.resource_id} {_signed(r.d_hours, 'hours')} in "
        f"{_span(r.period_from, r.period_to)}"
        + (
            f"; {r.family} production {_units(u)} there."
            if isinstance(r.family, str)
            else " (no family routes through it)."
        )
        for r, u in zip(runs.itertuples(), units, strict=True)
    ]
    rows["family"] = [f if isinstance(f, str) else None for f in rows["family"]]
    tagged = touched.dropna(subset=["family"])
    return _tags(tagged, "capacity changed"), rows[list(CAUSE_COLUMNS)]


def _routes(routings: pd.DataFrame, family_of: pd.Series) -> pd.DataFrame:
    """The families routing through each resource."""
    if routings.empty:
        return pd.DataFrame(columns=["resource_id", "family"])
    out = routings[["product_id", "resource_id"]].assign(
        family=routings["product_id"].map(family_of)
    )
    return out.dropna(subset=["family"])[["resource_id", "family"]].drop_duplicates()


def _policy_causes(
    grid: pd.DataFrame, context: DiffContext, common: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows: list[dict[str, Any]] = []
    tags = [_tags(grid[_moved(grid, "safety_stock")], "policy change")]
    differs = [
        f"{key.replace('_', ' ')} {context.earlier.get(key)} -> {context.later.get(key)}"
        for key in POLICY_KEYS
        if key in context.earlier
        and key in context.later
        and context.earlier.get(key) != context.later.get(key)
    ]
    if differs and common:
        moved = grid[_production_moved(grid)]
        tags.append(_tags(moved, "policy change"))
        units = float(moved["d_production"].sum() + moved["d_subcontract"].sum())
        rows.append(
            {
                "cause": "policy change",
                "detail": f"Planning policy changed ({'; '.join(differs)}); production "
                f"moved {_units(units)} in the months it touched.",
                "family": None,
                "period_from": common[0],
                "period_to": common[-1],
                "units": units,
            }
        )
    stock = _grouped(grid[_moved(grid, "safety_stock")], ["family"], "d_safety_stock", "mean")
    for r in stock.itertuples():
        rows.append(
            {
                "cause": "policy change",
                "detail": f"Safety stock of {r.family} {_units(r.d_safety_stock)} on average "
                f"in {_span(r.period_from, r.period_to)}.",
                "family": r.family,
                "period_from": r.period_from,
                "period_to": r.period_to,
                "units": r.d_safety_stock,
            }
        )
    return pd.concat(tags, ignore_index=True), pd.DataFrame(rows, columns=list(CAUSE_COLUMNS))


def _opening_causes(
    grid: pd.DataFrame, first: pd.DataFrame, second: pd.DataFrame, common: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Net stock (on hand - owed) each plan expects at the start of the first compared month."""
    if not common:
        return _tags(grid.iloc[:0], "opening position changed"), _no_rows()
    start = common[0]
    a = _opening(first, start).rename("e_open")
    b = _opening(second, start).rename("l_open")
    both = pd.concat([a, b], axis=1).fillna(0.0)
    both["d_open"] = both["l_open"] - both["e_open"]
    changed = both[_material(both["d_open"], both["e_open"], both["l_open"])].reset_index()
    changed["period"] = start
    rows = pd.DataFrame(
        {
            "cause": "opening position changed",
            "detail": [
                f"{r.family} starts {start} with {_units(r.d_open)} of net stock (on hand less "
                f"backlog) against the earlier plan."
                for r in changed.itertuples()
            ],
            "family": changed["family"],
            "period_from": start,
            "period_to": start,
            "units": changed["d_open"],
        },
        columns=list(CAUSE_COLUMNS),
    )
    return _tags(changed, "opening position changed"), rows


def _opening(plan: pd.DataFrame, start: str) -> pd.Series:
    """Per family: the month's end position taken back by its own flows, or the month before.

    The earlier plan usually holds the month before the later plan's start: its end
    position is the opening. Otherwise inventory + shipped - receipts - subcontract is
    what was on hand and backlog + shipped - demand what was owed.
    """
    before = plan[plan["period"] < start]
    if not before.empty:
        last = before[before["period"] == before["period"].max()]
        net = last["inventory"] - last["backlog"]
        closing: pd.Series = net.groupby(last["family"]).sum()
        return closing
    rows = plan[plan["period"] == start]
    on_hand = rows["inventory"] + rows["shipped"] - rows["receipts"] - rows["subcontract"]
    owed = (rows["backlog"] + rows["shipped"] - rows["demand"]).clip(lower=0.0)
    return (on_hand - owed).groupby(rows["family"]).sum()


def _unexplained(
    grid: pd.DataFrame, tags: pd.DataFrame, scenario: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Production moves with no cause in their own month: the scenario's, or the optimiser's."""
    cause = "scenario" if scenario else "re-optimised"
    known = pd.MultiIndex.from_frame(tags[["family", "period"]]) if not tags.empty else None
    index = pd.MultiIndex.from_frame(grid[["family", "period"]])
    free = ~index.isin(known) if known is not None else np.ones(len(grid), dtype=bool)
    left = grid[_production_moved(grid).to_numpy() & free]
    left = left.assign(moved=left["d_production"] + left["d_subcontract"])
    runs = _grouped(left, ["family"], "moved", "sum")
    reason = (
        "with the scenario's changes and nothing else in those months"
        if scenario
        else "with no change in those months: the optimiser moved it"
    )
    rows = runs.assign(
        cause=cause,
        detail=[
            f"{r.family} production {_units(r.moved)} in {_span(r.period_from, r.period_to)} "
            f"{reason}."
            for r in runs.itertuples()
        ],
        units=runs["moved"],
    )
    return _tags(left, cause), rows[list(CAUSE_COLUMNS)]


def _scenario_rows(context: DiffContext, common: list[str]) -> pd.DataFrame:
    if not context.scenario_changes or not common:
        return _no_rows()
    return pd.DataFrame(
        {
            "cause": "scenario",
            "detail": [f"Scenario: {s}." for s in context.scenario_changes],
            "family": None,
            "period_from": common[0],
            "period_to": common[-1],
            "units": np.nan,
        },
        columns=list(CAUSE_COLUMNS),
    )


def _sorted_causes(causes: pd.DataFrame) -> pd.DataFrame:
    if causes.empty:
        return _no_rows()
    causes = causes.astype({"units": float})
    order = causes["units"].abs().fillna(-1.0)
    return causes.iloc[np.argsort(-order.to_numpy(), kind="stable")].reset_index(drop=True)


def _cause_lists(grid: pd.DataFrame, tags: pd.DataFrame) -> pd.Series:
    """Each cell's causes in CAUSES order, '; '-joined ('' when nothing changed)."""
    if tags.empty:
        return pd.Series("", index=grid.index)
    rank = {c: i for i, c in enumerate(CAUSES)}
    tags = tags.drop_duplicates().assign(rank=tags["cause"].map(rank)).sort_values("rank")
    joined = tags.groupby(["family", "period"])["cause"].agg("; ".join)
    index = pd.MultiIndex.from_frame(grid[["family", "period"]])
    return pd.Series(joined.reindex(index).fillna("").to_numpy(), index=grid.index)


def _by_family(by_period: pd.DataFrame) -> pd.DataFrame:
    how = {f"d_{m}": ("sum" if m in FLOWS else "mean") for m in MEASURES}
    out = by_period.groupby("family", as_index=False).agg(how)
    rank = {c: i for i, c in enumerate(CAUSES)}

    def joined(values: pd.Series) -> str:
        found = {c for v in values for c in str(v).split("; ") if c}
        return "; ".join(sorted(found, key=rank.__getitem__))

    causes = by_period.groupby("family")["causes"].agg(joined)
    return out.assign(causes=out["family"].map(causes))


def _cost_change(
    first: pd.DataFrame | None, second: pd.DataFrame | None, common: list[str]
) -> dict[str, float]:
    if first is None or second is None:
        return {}
    a = first[first["period"].isin(common)].groupby("component")["amount"].sum()
    b = second[second["period"].isin(common)].groupby("component")["amount"].sum()
    index = a.index.union(b.index)
    delta = b.reindex(index, fill_value=0.0) - a.reindex(index, fill_value=0.0)
    return {str(k): float(v) for k, v in delta.items()}


# --- sentences ----------------------------------------------------------------------------


def _sentences(
    grid: pd.DataFrame,
    causes: pd.DataFrame,
    cost_change: dict[str, float],
    context: DiffContext,
    common: list[str],
    added: list[str],
    dropped: list[str],
) -> list[str]:
    out: list[str] = []
    e_id, l_id = context.earlier.get("id"), context.later.get("id")
    names = f"plan {l_id} against plan {e_id}" if e_id is not None else "the later plan"
    if common:
        made = grid["d_production"].sum() + grid["d_subcontract"].sum()
        base = grid["e_production"].sum() + grid["e_subcontract"].sum()
        share = f" ({made / base:+.1%})" if base > 0 else ""
        out.append(
            f"Over {_span(common[0], common[-1])}, {names}: production {_units(made)}{share}, "
            f"demand {_units(grid['d_demand'].sum())}."
        )
    money = {k: v for k, v in cost_change.items() if k not in NOT_MONEY}
    if money and any(abs(v) >= 0.5 for v in money.values()):
        top = sorted(money.items(), key=lambda kv: -abs(kv[1]))[:3]
        parts = ", ".join(f"{k.replace('_', ' ')} {_money(v)}" for k, v in top if abs(v) >= 0.5)
        out.append(f"Spend {_money(sum(money.values()))} ({parts}).")
    out += list(causes["detail"].head(MAX_CAUSE_SENTENCES))
    if len(causes) > MAX_CAUSE_SENTENCES:
        out.append(f"... and {len(causes) - MAX_CAUSE_SENTENCES} smaller changes.")
    if added:
        out.append(f"Months only in the later plan: {_span(added[0], added[-1])}.")
    if dropped:
        out.append(f"Months only in the earlier plan: {_span(dropped[0], dropped[-1])}.")
    if (
        common
        and not len(causes)
        and not (grid[list(DELTA_COLUMNS)].abs() > MIN_UNITS).any(axis=None)
    ):
        out.append("Nothing material changed in the months both plans cover.")
    return out


def _span(first: object, last: object) -> str:
    return str(first) if first == last else f"{first}..{last}"


def _signed(value: Any, unit: str) -> str:
    return f"{float(value):+,.0f} {unit}"


def _units(value: Any) -> str:
    return _signed(value, "units")


def _money(value: float) -> str:
    sign = "-" if value < 0 else "+"
    return f"{sign}${abs(value):,.0f}"
