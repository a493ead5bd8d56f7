"""The demand plan of a cycle: statistical forecast, market events, people's overrides.

Everything is kept at product x segment x month and in separate *streams*, so the value of
each input can be measured later:

- ``naive``: seasonal naive (same month last year), the yardstick;
- ``statistical``: the reconciled statistical forecast, with new and ending products
  handled from their like-item and end month;
- ``events``: the workbook's market events, as adjustments to the statistical forecast;
- ``override:<author>``: each person's overrides, as adjustments;
- ``consensus``: statistical + events + every override (never below zero).

Family, segment and total are sums of these rows, so they always add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd

from snop.demand import lifecycle
from snop.demand.cleanse import cleanse_outliers
from snop.demand.forecast import ForecastResult, ForecastSettings, Pool, run_forecast
from snop.demand.hierarchy import BOTTOM, Hierarchy, build_hierarchy, choose_method, reconcile
from snop.demand.profile import demand_profile
from snop.errors import InvalidInput, Issue
from snop.frames import index_to_period, index_to_periods, period_to_index, periods_to_index
from snop.progress import Progress, silent

NAIVE = "naive"
STATISTICAL = "statistical"
EVENTS = "events"
CONSENSUS = "consensus"
OVERRIDE_PREFIX = "override:"
INTERMITTENT_CLASSES = frozenset({"intermittent", "lumpy"})

OVERRIDE_COLUMNS = (
    "override_id",
    "author",
    "reason_code",
    "level",
    "key",
    "period_from",
    "period_to",
    "change_pct",
    "change_qty",
)


@dataclass(frozen=True, slots=True)
class DemandInputs:
    """What the demand plan is made from (planning-workbook columns).

    history : period, product_id, customer_id, ordered, shipped
    products : product_id, family, price, status, launch_period, end_period, like_product_id
    customers : customer_id, segment
    segments : segment, service_target, priority
    events : product_id, family, period_from, period_to, change_pct, change_qty, reason
    overrides : override_id, author, reason_code, level (product | family | segment), key,
        period_from, period_to, change_pct, change_qty
    """

    history: pd.DataFrame
    products: pd.DataFrame
    customers: pd.DataFrame
    segments: pd.DataFrame
    events: pd.DataFrame
    overrides: pd.DataFrame


@dataclass(frozen=True, slots=True)
class DemandPlan:
    """The result of :func:`plan_demand`.

    values : product_id, segment, family, period, stream, quantity, lo_80, hi_80, lo_95,
        hi_95 (intervals on the statistical and consensus streams)
    models : unique_id, level, family, product_id, segment, pool, model, n_obs, backtested,
        reason (why each node of the hierarchy got its model)
    outliers : product_id, segment, period, raw, cleansed, expected, score
    backtest_errors : product_id, segment, step, n, mae, rmse, bias, error_std (units)
    reconciliation : method, level, wape, mean_wape (the backtest of each method)
    method : the reconciliation method used
    cutoff : the last month of history used
    """

    values: pd.DataFrame
    models: pd.DataFrame
    outliers: pd.DataFrame
    backtest_errors: pd.DataFrame
    reconciliation: pd.DataFrame
    method: str
    cutoff: str


def plan_demand(
    inputs: DemandInputs,
    settings: ForecastSettings,
    *,
    cutoff: str | None = None,
    engine: object = None,
    progress: Progress | None = None,
) -> DemandPlan:
    """Build every demand stream for the ``settings.horizon`` months after ``cutoff``.

    ``cutoff`` (YYYY-MM) is the last month of history to use: the latest by default, an
    earlier one to replay what would have been forecast then. ``progress`` hears the
    uncounted stages (profiling, cleansing, reconciling) with total None, and the
    forecast itself as the series done out of all series, after each group of them.
    """
    report = progress or silent

    def say(stage: str) -> None:
        report(stage, 0, None)

    bottom, cutoff = _bottom_history(inputs, cutoff)
    first = period_to_index(cutoff) + 1
    say("profiling demand")
    pools = _pools(inputs, cutoff)
    say("cleansing outliers")
    cleansed, outliers = cleanse_outliers(
        bottom.rename(columns={"node": "unique_id"})[["unique_id", "ds", "y"]],
        skip=[u for u, p in pools.items() if p == "intermittent"],
    )
    cleansed = cleansed.merge(
        bottom[["node", "family", "product_id", "segment"]].drop_duplicates(),
        left_on="unique_id",
        right_on="node",
    )
    hierarchy, panel = build_hierarchy(cleansed[["family", "product_id", "segment", "ds", "y"]])
    node_pools = _node_pools(hierarchy.nodes, pools)
    twins = _single_segment_products(hierarchy)
    series = len(hierarchy.nodes) - len(twins)
    stage = f"forecasting {series} series"
    report(stage, 0, series)
    result = run_forecast(
        panel[~panel["unique_id"].isin(twins)],
        node_pools,
        settings,
        engine=engine,
        progress=lambda done, total: report(stage, done, total),
    )
    result = _with_twins(result, twins)
    say("reconciling the hierarchy")
    method, scores = choose_method(result.backtest, hierarchy, panel)
    statistical = _statistical(result, hierarchy, method)
    statistical = _apply_lifecycle(statistical, inputs, bottom, first)
    naive = _seasonal_naive(bottom, first, settings)
    values = build_streams(statistical, naive, inputs.events, inputs.overrides)
    return DemandPlan(
        values=values,
        models=result.choice.merge(hierarchy.nodes, on="unique_id"),
        outliers=_outlier_frame(outliers, hierarchy.nodes),
        backtest_errors=_backtest_errors(result, hierarchy.nodes),
        reconciliation=scores,
        method=method,
        cutoff=cutoff,
    )


def _bottom_history(inputs: DemandInputs, cutoff: str | None) -> tuple[pd.DataFrame, str]:
    history = inputs.history
    if history.empty:
        raise InvalidInput([Issue("empty_input", "there is no demand history to forecast")])
    last = str(history["period"].max())
    cutoff = cutoff or last
    history = history[history["period"] <= cutoff]
    if history.empty:
        raise InvalidInput(
            [Issue("empty_input", f"there is no demand history up to {cutoff}", value=cutoff)]
        )
    frame = history.merge(inputs.customers[["customer_id", "segment"]], on="customer_id")
    frame = frame.merge(inputs.products[["product_id", "family"]], on="product_id")
    frame["ds"] = periods_to_index(frame["period"])
    # as_index=False gives a frame; pandas-stubs types the column selection as a Series.
    bottom = cast(
        pd.DataFrame,
        frame.groupby(["family", "product_id", "segment", "ds"], as_index=False)["ordered"].sum(),
    )
    bottom = bottom.rename(columns={"ordered": "y"})
    bottom["node"] = BOTTOM + "|" + bottom["product_id"] + "|" + bottom["segment"]
    return _fill_to_cutoff(bottom, period_to_index(cutoff)), cutoff


def _fill_to_cutoff(bottom: pd.DataFrame, last: int) -> pd.DataFrame:
    """Every bottom series gets every month from its first demand to the cutoff (0 if none)."""
    first = bottom.groupby("node")["ds"].min()
    keys = bottom.drop_duplicates("node").set_index("node")[["family", "product_id", "segment"]]
    starts = first.to_numpy(dtype=np.int64)
    months = np.maximum(last + 1 - starts, 0)
    # Each node repeated once per month it spans; ds counts up from its first month.
    offsets = np.arange(months.sum()) - np.repeat(np.cumsum(months) - months, months)
    grid = pd.DataFrame(
        {
            "node": np.repeat(first.index.to_numpy(), months),
            "ds": np.repeat(starts, months) + offsets,
        }
    )
    grid = grid.join(keys, on="node")
    out = grid.merge(bottom[["node", "ds", "y"]], on=["node", "ds"], how="left")
    out["y"] = out["y"].fillna(0.0)
    return out


def _pools(inputs: DemandInputs, cutoff: str) -> dict[str, Pool]:
    history = inputs.history[inputs.history["period"] <= cutoff]
    profile = demand_profile(history, inputs.products, inputs.customers, inputs.segments)
    by_segment = profile.by_product_segment
    nodes = BOTTOM + "|" + by_segment["product_id"] + "|" + by_segment["segment"]
    intermittent = by_segment["demand_class"].isin(INTERMITTENT_CLASSES).to_numpy()
    return {
        node: ("intermittent" if flag else "continuous")
        for node, flag in zip(nodes, intermittent, strict=True)
    }


def _node_pools(nodes: pd.DataFrame, pools: dict[str, Pool]) -> dict[str, Pool]:
    """Bottom nodes by their class; a product is intermittent when all its segments are."""
    out: dict[str, Pool] = dict(pools)
    bottom = nodes[nodes["level"] == BOTTOM]
    flags = bottom["unique_id"].map(pools).eq("intermittent")
    by_product = flags.groupby(bottom["product_id"]).all()
    products = nodes[nodes["level"] == "product"]
    intermittent = products["product_id"].map(by_product).fillna(False).astype(bool)
    kinds = np.where(intermittent.to_numpy(), "intermittent", "continuous")
    out.update(zip(products["unique_id"], kinds.tolist(), strict=True))
    return out


def _single_segment_products(hierarchy: Hierarchy) -> dict[str, str]:
    """Product nodes sold to one segment only -> their one product x segment node.

    Such a product's series is its bottom series, so it is forecast once and copied.
    """
    is_product = (hierarchy.nodes["level"] == "product").to_numpy()
    products = hierarchy.summing[np.flatnonzero(is_product)]
    single = np.flatnonzero(np.diff(products.indptr) == 1)
    # A CSR row with one stored entry: its column is at the row's start in ``indices``.
    columns = products.indices[products.indptr[single]]
    uids = hierarchy.nodes["unique_id"].to_numpy()[is_product][single]
    bottom = np.asarray(hierarchy.bottom_ids, dtype=object)[columns]
    return dict(zip(uids.astype(str), bottom.astype(str), strict=True))


def _with_twins(result: ForecastResult, twins: dict[str, str]) -> ForecastResult:
    """The result with each single-segment product given its bottom node's rows."""
    if not twins:
        return result
    product_of = pd.Series(list(twins), index=list(twins.values()))

    def copied(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty or "unique_id" not in frame:
            return frame
        rows = frame[frame["unique_id"].isin(product_of.index)]
        rows = rows.assign(unique_id=rows["unique_id"].map(product_of))
        return pd.concat([frame, rows], ignore_index=True)

    return ForecastResult(
        forecast=copied(result.forecast),
        choice=copied(result.choice),
        scores=copied(result.scores),
        backtest=copied(result.backtest),
        fallbacks=copied(result.fallbacks),
    )


def _statistical(result: ForecastResult, hierarchy: Hierarchy, method: str) -> pd.DataFrame:
    """Reconciled bottom-level forecast with the base model's intervals moved along."""
    reconciled = reconcile(result.forecast, hierarchy, method)
    bottom_ids = set(hierarchy.bottom_ids)
    base = result.forecast[result.forecast["unique_id"].isin(bottom_ids)]
    out = base.merge(reconciled.rename(columns={"forecast": "reconciled"}), on=["unique_id", "ds"])
    shift = out["reconciled"] - out["forecast"]
    for column in [c for c in out.columns if c.startswith(("lo_", "hi_"))]:
        out[column] = (out[column] + shift).clip(lower=0.0)
    out["forecast"] = out["reconciled"]
    out = out.drop(columns="reconciled").merge(
        hierarchy.nodes[["unique_id", "family", "product_id", "segment"]], on="unique_id"
    )
    return out


def _apply_lifecycle(
    statistical: pd.DataFrame, inputs: DemandInputs, bottom: pd.DataFrame, first: int
) -> pd.DataFrame:
    products = inputs.products.set_index("product_id")
    status = _column(products, "status")
    is_text = {c: _column(products, c).map(lambda v: isinstance(v, str)) for c in _LIFECYCLE}
    new = products[(status == "new") & is_text["like_product_id"]]
    ending = products[(status == "phase_out") & is_text["end_period"]]
    kept = statistical[~statistical["product_id"].isin(new.index)]
    # Phase-outs: every row at once, each with its product's end month; they go after the
    # other rows in the order of the products sheet, as they did one product at a time.
    runs_down = kept["product_id"].isin(ending.index)
    if runs_down.any():
        rows = kept[runs_down]
        rank = pd.Series(np.arange(len(ending)), index=ending.index)
        rows = rows.iloc[np.argsort(rows["product_id"].map(rank).to_numpy(), kind="stable")]
        end = rows["product_id"].map(ending["end_period"].map(period_to_index))
        rows = lifecycle.run_down(rows, start=first, end=end.to_numpy(dtype=np.int64))
        kept = pd.concat([kept[~runs_down], rows], ignore_index=True)
    # New products: one like-item forecast each (there are few of them in a catalogue).
    parts = [kept]
    for product_id, row in new.iterrows():
        parts.append(_new_product(str(product_id), row, statistical, bottom))
    return pd.concat(parts, ignore_index=True)


_LIFECYCLE = ("like_product_id", "end_period")


def _column(products: pd.DataFrame, column: str) -> pd.Series:
    """A products column, or all missing when the sheet has none (optional columns)."""
    if column in products:
        return products[column]
    return pd.Series(None, index=products.index, dtype=object)


def _new_product(
    product_id: str, row: pd.Series, statistical: pd.DataFrame, bottom: pd.DataFrame
) -> pd.DataFrame:
    like_id = str(row["like_product_id"])
    like = statistical[statistical["product_id"] == like_id]
    launch = (
        period_to_index(str(row["launch_period"]))
        if isinstance(row.get("launch_period"), str)
        else int(like["ds"].min())
    )
    own = bottom[bottom["product_id"] == product_id]
    like_history = bottom[bottom["product_id"] == like_id]
    out, _scale = lifecycle.like_item_forecast(
        like.drop(columns=["unique_id", "product_id", "family"]),
        launch=launch,
        actual_since_launch=own[own["ds"] >= launch][["segment", "ds", "y"]],
        like_history=like_history[["segment", "ds", "y"]],
    )
    out["product_id"] = product_id
    out["family"] = row["family"]
    out["unique_id"] = BOTTOM + "|" + product_id + "|" + out["segment"]
    out["model"] = f"like-item {like_id}"
    return out


def _seasonal_naive(bottom: pd.DataFrame, first: int, settings: ForecastSettings) -> pd.DataFrame:
    """Same month a season ago (the last month when the history is shorter than a season)."""
    m = settings.season_length
    h = settings.horizon
    columns = ["family", "product_id", "segment", "ds", "forecast"]
    if bottom.empty or h <= 0:
        return pd.DataFrame(columns=columns)
    by_node = bottom.groupby("node", sort=False)
    # Nodes in order of first appearance, each with its keys, last month and last value.
    series = by_node[["family", "product_id", "segment"]].first()
    last_ds = by_node["ds"].max().to_numpy()
    last_value = by_node["y"].nth(-1).to_numpy()
    ds = np.tile(np.arange(first, first + h, dtype=np.int64), len(series))
    source = ds - m * ((ds - np.repeat(last_ds, h) - 1) // m + 1)
    nodes = np.repeat(series.index.to_numpy(), h)
    known = bottom.set_index(["node", "ds"])["y"]
    value = known.reindex(pd.MultiIndex.from_arrays([nodes, source])).to_numpy(dtype=float)
    value = np.where(np.isnan(value), np.repeat(last_value, h), value)
    out = series.loc[nodes].reset_index(drop=True)
    out["ds"] = ds
    out["forecast"] = value
    return out[columns]


def build_streams(
    statistical: pd.DataFrame,
    naive: pd.DataFrame,
    events: pd.DataFrame,
    overrides: pd.DataFrame,
) -> pd.DataFrame:
    """Combine the statistical and naive forecasts with events and overrides into streams.

    Parameters
    ----------
    statistical
        family, product_id, segment, ds (int month), forecast, lo_*/hi_* (units).
    naive
        family, product_id, segment, ds, forecast.
    events, overrides
        As in :class:`DemandInputs`.

    Returns
    -------
    product_id, segment, family, period, stream, quantity, lo_*/hi_* (see module doc).
    """
    statistical = statistical.reset_index(drop=True)
    event_change = _event_adjustments(statistical, events)
    override_changes = _override_adjustments(statistical, event_change, overrides)
    return _streams(statistical, naive, event_change, override_changes)


def streams_from_values(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The statistical and naive inputs of :func:`build_streams`, back from stored values.

    Lets events and overrides be applied again without refitting any model.
    """
    frame = values.assign(ds=periods_to_index(values["period"]))
    intervals = [c for c in frame.columns if c.startswith(("lo_", "hi_"))]
    keys = ["family", "product_id", "segment", "ds"]
    stat = frame[frame["stream"] == STATISTICAL][[*keys, "quantity", *intervals]]
    naive = frame[frame["stream"] == NAIVE][[*keys, "quantity"]]
    return (
        stat.rename(columns={"quantity": "forecast"}).reset_index(drop=True),
        naive.rename(columns={"quantity": "forecast"}).reset_index(drop=True),
    )


def _event_adjustments(statistical: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Each event as a change to the statistical forecast, spread by forecast share."""
    ds = statistical["ds"].to_numpy(dtype=np.int64)
    forecast = statistical["forecast"].to_numpy(dtype=float)
    products = statistical["product_id"].to_numpy(dtype=object)
    families = statistical["family"].to_numpy(dtype=object)
    change = np.zeros(len(statistical))
    for event in events.itertuples(index=False):
        if isinstance(event.product_id, str):
            target = products == event.product_id
        else:
            target = families == event.family
        change += _spread(ds, forecast, target, event)
    return pd.DataFrame({"change": change}, index=statistical.index)


OVERRIDE_COLUMN = {"product": "product_id", "family": "family", "segment": "segment"}
"""The column of the forecast an override's level picks its rows by."""


def _override_adjustments(
    statistical: pd.DataFrame, events: pd.DataFrame, overrides: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Per author, the change each override makes, on top of statistical + events."""
    ds = statistical["ds"].to_numpy(dtype=np.int64)
    events_change = events.reindex(statistical.index, fill_value=0.0)["change"].to_numpy()
    forecast = statistical["forecast"].to_numpy(dtype=float) + events_change
    keys = {
        column: statistical[column].to_numpy(dtype=object)
        for column in set(OVERRIDE_COLUMN.values())
    }
    out: dict[str, pd.DataFrame] = {}
    for author, mine in overrides.groupby("author", sort=True):
        change = np.zeros(len(statistical))
        for override in mine.itertuples(index=False):
            target = keys[OVERRIDE_COLUMN[str(override.level)]] == override.key
            change += _spread(ds, forecast, target, override)
        out[str(author)] = pd.DataFrame({"change": change}, index=statistical.index)
    return out


class _Change(Protocol):
    """An events or overrides row (from ``itertuples``): the months it covers, its size.

    ``change_pct`` and ``change_qty`` are raw cells: a number, or NaN/None when not given.
    """

    @property
    def period_from(self) -> object: ...
    @property
    def period_to(self) -> object: ...
    @property
    def change_pct(self) -> Any: ...
    @property
    def change_qty(self) -> Any: ...


def _spread(
    ds: np.ndarray, forecast: np.ndarray, target: np.ndarray, change: _Change
) -> np.ndarray:
    """Return the change in units per row (``ds``, ``forecast`` and ``target`` per row).

    A percentage applies to each row; a quantity per month is shared over the rows of that
    month in proportion to their forecast (evenly if all are 0). Plain arrays, because a
    save of the override grid spreads every override of the version again.
    """
    first = period_to_index(str(change.period_from))
    last = period_to_index(str(change.period_to))
    rows = target & (ds >= first) & (ds <= last)
    delta = np.zeros(len(ds))
    pct = change.change_pct
    if pct is not None and not pd.isna(pct):
        delta[rows] = forecast[rows] * float(pct) / 100.0
        return delta
    month = ds[rows] - first
    values = forecast[rows]
    total = np.bincount(month, weights=values, minlength=last - first + 1)[month]
    count = np.bincount(month, minlength=last - first + 1)[month]
    share = np.where(
        total > 0, values / np.where(total > 0, total, 1.0), 1.0 / np.maximum(count, 1)
    )
    delta[rows] = float(change.change_qty) * share
    return delta


def _streams(
    statistical: pd.DataFrame,
    naive: pd.DataFrame,
    events: pd.DataFrame,
    overrides: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    keys = ["family", "product_id", "segment", "ds"]
    interval_cols = [c for c in statistical.columns if c.startswith(("lo_", "hi_"))]
    stat = statistical[keys + ["forecast", *interval_cols]].rename(columns={"forecast": "quantity"})
    frames = [stat.assign(stream=STATISTICAL)]
    frames.append(naive.rename(columns={"forecast": "quantity"}).assign(stream=NAIVE))
    frames.append(stat[keys].assign(quantity=events["change"].to_numpy(), stream=EVENTS))
    consensus = stat.copy()
    total_change = events["change"].to_numpy().copy()
    for author, change in overrides.items():
        frames.append(
            stat[keys].assign(quantity=change["change"].to_numpy(), stream=OVERRIDE_PREFIX + author)
        )
        total_change += change["change"].to_numpy()
    new_level = (consensus["quantity"] + total_change).clip(lower=0.0)
    shift = new_level - consensus["quantity"]
    for column in interval_cols:
        consensus[column] = (consensus[column] + shift).clip(lower=0.0)
    consensus["quantity"] = new_level
    frames.append(consensus.assign(stream=CONSENSUS))
    values = pd.concat(frames, ignore_index=True)
    values["period"] = index_to_periods(values["ds"])
    columns = ["product_id", "segment", "family", "period", "stream", "quantity", *interval_cols]
    return (
        values[columns]
        .sort_values(["product_id", "segment", "period", "stream"])
        .reset_index(drop=True)
    )


def _outlier_frame(outliers: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    out = outliers.merge(nodes[["unique_id", "product_id", "segment"]], on="unique_id")
    out["period"] = out["ds"].map(index_to_period)
    return out[["product_id", "segment", "period", "raw", "cleansed", "expected", "score"]]


def _backtest_errors(result: ForecastResult, nodes: pd.DataFrame) -> pd.DataFrame:
    from snop.demand.accuracy import accuracy_by_horizon

    bottom = nodes[nodes["level"] == BOTTOM][["unique_id", "product_id", "segment"]]
    backtest = result.backtest[result.backtest["unique_id"].isin(bottom["unique_id"])]
    if backtest.empty:
        return pd.DataFrame(
            columns=["product_id", "segment", "step", "n", "mae", "rmse", "bias", "error_std"]
        )
    errors = accuracy_by_horizon(backtest[["unique_id", "cutoff", "step", "actual", "forecast"]])
    errors = errors.merge(bottom, on="unique_id")
    return errors[["product_id", "segment", "step", "n", "mae", "rmse", "bias", "error_std"]]
