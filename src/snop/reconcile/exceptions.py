"""What needs attention in the plan of record, ranked by the money at stake.

The monthly S&OP review has no time to read every table. This module scans the plan and
the numbers around it (forecast bias, overrides that hurt accuracy, the strategy
scorecard) and returns one row per *exception*: a sentence saying what, where and how
much, the role that owns it and what they should do. Rows are ranked by money at stake so
the meeting starts with what matters most.

Money at stake, by kind (always a positive amount; the sentence says which way):

- ``forecast_bias``: ``|bias| x forecast_next x price``, the value of the forecast that is
  wrong if the bias persists over the next plan months;
- ``below_safety_stock``: the largest shortfall of the run x standard cost, the stock
  missing (a shortfall lasting three months is the same units missing, not three times);
- ``over_max_stock``: the largest excess of the run x standard cost, the cash tied up;
- ``over_capacity``: hours over the limit x the resource's overtime rate;
- ``under_utilised``: idle hours below the utilisation floor x its regular rate;
- ``service_below_target``: units not shipped on time x price, the revenue delayed;
- ``<metric>_gap`` (``revenue_gap``, ``margin_gap``, ...): the scorecard's ``gap_money``;
- ``override_hurt_accuracy``: extra error units x price.

Amounts of different kinds overlap (late units can show up in the service exception and
in a revenue gap), so the ``money`` column ranks exceptions but is not meant to be summed.

The module is pure: frames in, a frame out; no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import missing_columns, periods_to_index
from snop.supply.problem import NO_SEGMENT
from snop.supply.service_level import planned_on_time

# The sentences read like the supply plan's own explanation, so they share its formatting.
from snop.wording import Money
from snop.wording import span as _span
from snop.wording import units as _units

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

_SCORECARD_KINDS = {"revenue": "revenue_gap", "gross_margin": "margin_gap"}
_MONEY_METRICS = {"revenue", "gross_margin", "budget", "spend", "cost_of_goods"}
_SHARE_METRICS = {"fill_rate", "otif", "utilisation", "utilisation_min", "utilisation_max"}
_MONEY_UNITS = {"money", "currency", "$"}
_SHARE_UNITS = {"fraction", "share", "ratio", "%", "percent"}

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


def find_exceptions(
    inputs: ExceptionInputs,
    thresholds: Thresholds = Thresholds(),
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
    _validate(inputs, thresholds)
    context = _Context(inputs, Money(currency))
    found = [
        _forecast_bias(context, thresholds),
        *_stock_exceptions(context, thresholds),
        _over_capacity(context, thresholds),
        _under_utilised(context, thresholds),
        _service_below_target(context, thresholds),
        _scorecard_gaps(context, thresholds),
        _overrides(context, thresholds),
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


# --- validation and shared lookups ------------------------------------------------------


def _validate(inputs: ExceptionInputs, thresholds: Thresholds) -> None:
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


class _Context:
    """The inputs plus the lookups every kind needs: prices, costs, names, plan months."""

    def __init__(self, inputs: ExceptionInputs, money: Money) -> None:
        self.inputs = inputs
        self.money = money
        products = inputs.products
        master = (
            products.drop_duplicates("product_id").set_index("product_id")
            if "product_id" in products.columns
            else pd.DataFrame()
        )
        price = inputs.price
        if price.empty and "price" in master.columns:
            price = master["price"]
        self.price = pd.to_numeric(price, errors="coerce").astype(float)
        self.standard = pd.to_numeric(inputs.standard, errors="coerce").astype(float)
        self.names: dict[str, str] = {}
        if "name" in master.columns:
            named = master["name"].dropna().astype(str)
            self.names = {str(k): v for k, v in named.items() if v and v != str(k)}
        self.family = self._families(master)
        periods = set()
        for frame in (inputs.plan_products, inputs.plan_segments, inputs.plan_resources):
            if "period" in frame.columns:
                periods |= set(frame["period"].dropna().astype(str))
        self.periods = sorted(periods)

    def _families(self, master: pd.DataFrame) -> pd.Series:
        found = [master["family"]] if "family" in master.columns else []
        for frame in (self.inputs.plan_products, self.inputs.plan_segments):
            if {"product_id", "family"} <= set(frame.columns):
                found.append(frame.drop_duplicates("product_id").set_index("product_id")["family"])
        if not found:
            return pd.Series(dtype=object)
        families: pd.Series = pd.concat(found)
        return families[~families.index.duplicated()]

    def product(self, product_id: Any) -> str:
        """'Tent 2p (P1, Tents)': name, id and family as far as known."""
        key = str(product_id)
        inner = [key]
        family = self.family.get(product_id)
        if family is not None and pd.notna(family):
            inner.append(str(family))
        name = self.names.get(key)
        if name:
            return f"{name} ({', '.join(inner)})"
        return f"{key} ({inner[1]})" if len(inner) > 1 else key

    def key_prices(self, levels: pd.Series, keys: pd.Series) -> np.ndarray:
        """Price of a forecast key: the product's, or a family's or segment's average.

        Averages are weighted by planned demand (a family's price is what its mix sells
        at); a group with no planned demand takes the plain mean of its prices.
        """
        table = pd.DataFrame({"product_id": self.price.index, "price": self.price.to_numpy()})
        table = table[table["price"].notna()]
        demand = self._planned_demand()
        table["weight"] = table["product_id"].map(demand).fillna(0.0).astype(float)
        table["family"] = table["product_id"].map(self.family)
        lookup = [
            pd.DataFrame({"level": "product", "key": table["product_id"], "price": table["price"]}),
            _weighted_prices(table, "family").assign(level="family"),
            _weighted_prices(table.assign(_all="all"), "_all").assign(level="total"),
        ]
        segments = self.inputs.plan_segments
        if not segments.empty:
            by_segment = segments.groupby(["product_id", "segment"], as_index=False)["demand"].sum()
            by_segment["price"] = by_segment["product_id"].map(self.price)
            by_segment = by_segment[by_segment["price"].notna()]
            lookup.append(
                _weighted_prices(by_segment.rename(columns={"demand": "weight"}), "segment").assign(
                    level="segment"
                )
            )
        prices = pd.concat(lookup, ignore_index=True)
        prices["key"] = prices["key"].astype(str)
        wanted = pd.DataFrame({"level": levels.astype(str).to_numpy(), "key": keys.astype(str)})
        # The total level has one key whatever it is called ('all', 'total').
        total = wanted["level"].isin(["total", "all"])
        wanted.loc[total, ["level", "key"]] = ["total", "all"]
        found = wanted.merge(
            prices.drop_duplicates(["level", "key"]), on=["level", "key"], how="left"
        )
        return found["price"].to_numpy(dtype=float)

    def _planned_demand(self) -> pd.Series:
        for frame in (self.inputs.plan_products, self.inputs.plan_segments):
            if {"product_id", "demand"} <= set(frame.columns) and not frame.empty:
                return frame.groupby("product_id")["demand"].sum()
        return pd.Series(dtype=float)

    def amount(self, value: float) -> str:
        """Money for a sentence, '' when it is unknown or nothing."""
        return self.money(value) if pd.notna(value) and value > 0 else ""


def _weighted_prices(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Demand-weighted mean price per ``by``, the plain mean where nothing is planned."""
    grouped = table.assign(_value=table["price"] * table["weight"]).groupby(by)
    sums = grouped[["_value", "weight"]].sum()
    plain = grouped["price"].mean()
    price = (sums["_value"] / sums["weight"].where(sums["weight"] > 0)).fillna(plain)
    return pd.DataFrame({"key": price.index.astype(str), "price": price.to_numpy()})


def _run_ids(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """Number the runs of consecutive months; a new run when a key changes or a month is skipped.

    ``frame`` must be sorted by ``keys`` then period and have a month index ``t``.
    """
    new: pd.Series = frame["t"].diff() != 1
    for key in keys:
        new = new | (frame[key] != frame[key].shift())
    return pd.Series(new.cumsum(), index=frame.index)


def _rows(rows: pd.DataFrame, what: list[str], action: list[str]) -> pd.DataFrame:
    return rows.assign(what=what, action=action)


# --- forecast bias ----------------------------------------------------------------------


def _forecast_bias(context: _Context, thresholds: Thresholds) -> pd.DataFrame:
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
    return _rows(
        hit.assign(
            kind="forecast_bias",
            scope_kind=hit["level"].astype(str).replace("total", "all"),
            scope=hit["key"].astype(str),
            owner="demand planner",
        ),
        what,
        action,
    )


def _key_text(context: _Context, level: Any, key: Any) -> str:
    if level == "product":
        return context.product(key)
    if level in ("total", "all"):
        return "the whole business"
    return f"{level} {key}"


# --- stock below safety stock, above its maximum -----------------------------------------


def _stock_exceptions(context: _Context, thresholds: Thresholds) -> list[pd.DataFrame]:
    plan = context.inputs.plan_products
    if plan.empty:
        return []
    found = []
    if "below_safety_stock" in plan.columns:
        below = plan.assign(excess=pd.to_numeric(plan["below_safety_stock"]))
        found.append(_stock_runs(context, below, "safety_stock", thresholds))
    if "max_units" in plan.columns:
        limit = pd.to_numeric(plan["max_units"], errors="coerce")
        over = plan.assign(excess=pd.to_numeric(plan["inventory"]) - limit)
        found.append(_stock_runs(context, over, "max_units", thresholds))
    return found


def _stock_runs(
    context: _Context, plan: pd.DataFrame, reference: str, thresholds: Thresholds
) -> pd.DataFrame:
    """One exception per product and run of months with ``excess`` above the threshold."""
    hit = plan[plan["excess"] > thresholds.stock_units]
    if hit.empty:
        return pd.DataFrame()
    hit = hit.assign(t=periods_to_index(hit["period"])).sort_values(["product_id", "t"])
    hit["run"] = _run_ids(hit, ["product_id"])
    runs = hit.groupby("run").agg(
        product_id=("product_id", "first"),
        period_from=("period", "first"),
        period_to=("period", "last"),
        months=("period", "size"),
    )
    peak = hit.sort_values(["run", "excess", "t"], ascending=[True, False, True])
    peak = peak.drop_duplicates("run").set_index("run")
    runs["units"] = peak["excess"]
    runs["peak_period"] = peak["period"]
    runs["reference"] = peak[reference]
    runs["inventory"] = peak["inventory"]
    runs["money"] = runs["units"] * runs["product_id"].map(context.standard)
    below = reference == "safety_stock"
    what, action = [], []
    for row in runs.to_dict("records"):
        product = context.product(row["product_id"])
        span = _span(row["period_from"], row["period_to"])
        peak_text = f" (worst in {row['peak_period']})" if row["months"] > 1 else ""
        worth = context.amount(row["money"])
        up_to = "up to " if row["months"] > 1 else ""
        if below:
            what.append(
                f"{product} is below safety stock {span}: {up_to}{_units(row['units'])} units "
                f"short of the {_units(row['reference'])} it should hold{peak_text}"
                + (f", {worth} of stock missing at standard cost." if worth else ".")
            )
            action.append(
                f"Supply planner: rebuild {_units(row['units'])} units of {row['product_id']} "
                f"by {row['period_from']} (make earlier, overtime or subcontract), or agree "
                "with the demand planner to carry the service risk."
            )
        else:
            what.append(
                f"{product} holds more than its maximum stock {span}: {up_to}"
                f"{_units(row['units'])} units over the {_units(row['reference'])}-unit "
                f"maximum{peak_text}"
                + (f", {worth} of cash tied up at standard cost." if worth else ".")
            )
            action.append(
                f"Supply planner: cut or delay production of {row['product_id']} before "
                f"{row['period_from']}, or ask sales whether the demand can come forward."
            )
    return _rows(
        runs.assign(
            kind="below_safety_stock" if below else "over_max_stock",
            scope_kind="product",
            scope=runs["product_id"].astype(str),
            owner="supply planner",
        ),
        what,
        action,
    )


# --- capacity ---------------------------------------------------------------------------


def _resource_plan(context: _Context) -> pd.DataFrame:
    """The plan's resource months with the rates from the master and a month index."""
    plan = context.inputs.plan_resources.copy()
    regular = pd.to_numeric(plan["regular_capacity"]).astype(float)
    overtime = plan.get("overtime_capacity", pd.Series(0.0, index=plan.index))
    plan["regular_capacity"] = regular
    plan["overtime_capacity"] = pd.to_numeric(overtime).fillna(0.0).astype(float)
    plan["load"] = pd.to_numeric(plan["load"]).astype(float)
    master = context.inputs.resources
    for rate in ("regular_cost", "overtime_cost"):
        if {"resource_id", rate} <= set(master.columns):
            rates = master.drop_duplicates("resource_id").set_index("resource_id")[rate]
            plan[rate] = plan["resource_id"].map(rates).astype(float)
        else:
            plan[rate] = np.nan
    if "name" not in plan.columns:
        plan["name"] = None
    plan["t"] = periods_to_index(plan["period"])
    return plan


def _resource_text(row: dict[Hashable, Any]) -> str:
    name = row.get("name")
    if name is None or pd.isna(name) or name == row["resource_id"]:
        return str(row["resource_id"])
    return f"{name} ({row['resource_id']})"


def _resource_runs(hit: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    hit = hit.sort_values([*keys, "t"])
    hit = hit.assign(run=_run_ids(hit, keys))
    return hit.groupby("run").agg(
        resource_id=("resource_id", "first"),
        name=("name", "first"),
        period_from=("period", "first"),
        period_to=("period", "last"),
        months=("period", "size"),
        units=("hours", "sum"),
        beyond=("beyond", "sum"),
        load=("load", "sum"),
        regular_capacity=("regular_capacity", "sum"),
        peak_utilisation=("utilisation", "max"),
        regular_cost=("regular_cost", "first"),
        overtime_cost=("overtime_cost", "first"),
        limit_kind=("limit_kind", "first"),
    )


def _over_capacity(context: _Context, thresholds: Thresholds) -> pd.DataFrame:
    if context.inputs.plan_resources.empty:
        return pd.DataFrame()
    plan = _resource_plan(context)
    hard = plan["regular_capacity"] + plan["overtime_capacity"]
    ceiling = context.inputs.max_util
    band = hard if ceiling is None else ceiling * plan["regular_capacity"]
    # Hours count over the tighter limit. A month loaded past its regular and overtime hours
    # cannot be made at all, which is worse news than running hot: it gets its own run.
    plan["hours"] = plan["load"] - np.minimum(hard, band)
    plan["beyond"] = (plan["load"] - hard).clip(lower=0.0)
    plan["limit_kind"] = np.where(plan["beyond"] > thresholds.hours, "capacity", "band")
    plan["utilisation"] = plan["load"] / plan["regular_capacity"].where(
        plan["regular_capacity"] > 0
    )
    hit = plan[plan["hours"] > thresholds.hours]
    if hit.empty:
        return pd.DataFrame()
    runs = _resource_runs(hit, ["resource_id", "limit_kind"])
    runs["money"] = runs["units"] * runs["overtime_cost"]
    what, action = [], []
    for row in runs.to_dict("records"):
        resource = _resource_text(row)
        span = _span(row["period_from"], row["period_to"])
        worth = context.amount(row["money"])
        cost = (
            f", {worth} at the overtime rate of {context.money(row['overtime_cost'])} an hour"
            if worth
            else ""
        )
        if row["limit_kind"] == "capacity":
            over_ceiling = (
                f" ({_units(row['units'])} hours above the {ceiling:.0%} utilisation ceiling)"
                if row["units"] > row["beyond"] + thresholds.hours and ceiling is not None
                else ""
            )
            what.append(
                f"{resource} is loaded {_units(row['beyond'])} hours beyond its regular and "
                f"overtime hours {span}{over_ceiling}{cost}: the plan cannot be made as it "
                "stands."
            )
            action.append(
                f"Supply planner: move work off {row['resource_id']} to months with free "
                "hours, subcontract or add capacity, then re-run the plan."
            )
        else:
            peak = row["peak_utilisation"]
            peak_text = f" (up to {peak:.0%} of regular hours)" if pd.notna(peak) else ""
            what.append(
                f"{resource} is loaded above the {ceiling:.0%} utilisation ceiling {span}"
                f"{peak_text}: {_units(row['units'])} hours over{cost}."
            )
            action.append(
                f"Supply planner: level the load on {row['resource_id']} below {ceiling:.0%} "
                "(move work, subcontract or add a shift), or agree with finance to run it "
                "harder."
            )
    return _rows(
        runs.assign(
            kind="over_capacity",
            scope_kind="resource",
            scope=runs["resource_id"].astype(str),
            owner="supply planner",
        ),
        what,
        action,
    )


def _under_utilised(context: _Context, thresholds: Thresholds) -> pd.DataFrame:
    floor = context.inputs.min_util
    if context.inputs.plan_resources.empty or floor is None:
        return pd.DataFrame()
    plan = _resource_plan(context)
    has_hours = plan["regular_capacity"] > 0
    plan["hours"] = (floor * plan["regular_capacity"] - plan["load"]).where(has_hours, 0.0)
    plan["utilisation"] = plan["load"] / plan["regular_capacity"].where(has_hours)
    plan["limit_kind"] = "floor"
    plan["beyond"] = 0.0
    hit = plan[plan["hours"] > thresholds.hours]
    if hit.empty:
        return pd.DataFrame()
    runs = _resource_runs(hit, ["resource_id"])
    runs["money"] = runs["units"] * runs["regular_cost"]
    what, action = [], []
    for row in runs.to_dict("records"):
        resource = _resource_text(row)
        used = row["load"] / row["regular_capacity"]
        worth = context.amount(row["money"])
        what.append(
            f"{resource} is planned at {used:.0%} of its regular hours "
            f"{_span(row['period_from'], row['period_to'])}, below the {floor:.0%} floor: "
            f"{_units(row['units'])} idle hours"
            + (f", {worth} of regular cost paid for no output." if worth else ".")
        )
        action.append(
            f"Supply planner: pull work forward or bring subcontracted work back onto "
            f"{row['resource_id']}, or cut its shifts; ask sales whether there is volume "
            "to fill it."
        )
    return _rows(
        runs.assign(
            kind="under_utilised",
            scope_kind="resource",
            scope=runs["resource_id"].astype(str),
            owner="supply planner",
        ),
        what,
        action,
    )


# --- service ----------------------------------------------------------------------------


def _service_below_target(context: _Context, thresholds: Thresholds) -> pd.DataFrame:
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
    return _rows(
        hit.assign(
            kind="service_below_target",
            scope_kind="segment",
            scope=hit["segment"].astype(str),
            owner="executive",
        ),
        what,
        action,
    )


# --- the scorecard ----------------------------------------------------------------------


def _scorecard_gaps(context: _Context, thresholds: Thresholds) -> pd.DataFrame:
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
    return _rows(hit.assign(scope=hit["scope"].astype(str), owner="finance"), what, action)


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
    months["run"] = _run_ids(months, keys).to_numpy()
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


def _run_sentence(context: _Context, row: dict[Hashable, Any]) -> str:
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


def _scope_kinds(context: _Context, scopes: pd.Series) -> pd.Series:
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


def _scorecard_sentence(context: _Context, row: dict[Hashable, Any]) -> str:
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


def _scorecard_action(context: _Context, row: dict[Hashable, Any]) -> str:
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


def _scope_text(context: _Context, kind: Any, scope: Any) -> str:
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


def _metric_value(context: _Context, row: dict[Hashable, Any], value: Any) -> str:
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


def _gap_value(context: _Context, row: dict[Hashable, Any], gap: float) -> str:
    """A gap in a share is in points: 38% against 40% is 2.0 points short, not 2%."""
    if pd.notna(gap) and _is_share(str(row["metric"]), row):
        return f"{gap * 100:.1f} points"
    return _metric_value(context, row, gap)


def _quantity_word(metric: str) -> str:
    return "hours" if metric.startswith("utilisation") else "units"


# --- overrides that made the forecast worse ---------------------------------------------


def _overrides(context: _Context, thresholds: Thresholds) -> pd.DataFrame:
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
    return _rows(
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
