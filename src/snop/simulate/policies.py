"""Planning policies: what each one decides to make, month by month, from what it knows.

A policy is any callable that takes a `PolicyContext` and returns a `Decision` (or just
its production frame). Three come with snop:

- `SnopPolicy`: snop's own monthly cycle - the automatic forecast (every series' model
  chosen by backtest, reconciled across the hierarchy), safety stocks from each segment's
  service target and the measured forecast error, and the cost-optimal supply plan on
  HiGHS against capacity;
- `naive_policy`: what planners do without a tool - next months will be like the same
  months last year (seasonal naive), make that minus what is in stock or on its way, no
  safety stock, as much as the plant can;
- `MinMaxPolicy`: a moving-average min/max rule - when stock plus what is on order falls
  to the minimum (demand over the lead time and the month, plus a safety margin), order
  up to the maximum (a further month of demand).

Every policy sees only the months before its own; the frozen fence holds what earlier
decisions started inside it (see :mod:`snop.simulate.engine`). statsforecast is imported
where a policy forecasts, as in :mod:`snop.demand.forecast`: it takes seconds to load.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.demand.forecast import ForecastSettings
from snop.demand.plan import CONSENSUS, OVERRIDE_COLUMNS, DemandInputs, DemandPlan, plan_demand
from snop.frames import index_to_period, period_to_index, shift_period
from snop.simulate.world import Company, Position
from snop.supply.allocation import plan_safety_stocks
from snop.supply.plan import SupplyPlan, plan_supply
from snop.supply.policy import Measure
from snop.supply.problem import PlanSettings, SupplyProblem, horizon

QUANTITY_COLUMNS = ("product_id", "period", "quantity")
_EVENT_COLUMNS = ("product_id", "family", "period_from", "period_to", "change_pct", "change_qty")


def _empty_quantities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "product_id": pd.Series(dtype=object),
            "period": pd.Series(dtype=object),
            "quantity": pd.Series(dtype=float),
        }
    )


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What a policy knows when it decides ``month``.

    history: period, product_id, customer_id, ordered, shipped - the orders of the months
        before ``month`` only.
    position: the stock on hand, the orders owed and what is on its way at the start of
        ``month`` (see `snop.simulate.world.Position`).
    committed: product_id, period, quantity - production already fixed by the frozen
        fence (earlier decisions), for months from ``month`` on.
    frozen_months: the fence: a decision made now for the ``frozen_months`` months after
        this one cannot be changed later.
    """

    month: str
    company: Company
    history: pd.DataFrame
    position: Position
    committed: pd.DataFrame
    frozen_months: int

    @property
    def months_to_decide(self) -> list[str]:
        """The months this decision fixes: its own and the fence's."""
        return horizon(self.month, self.frozen_months + 1)

    @property
    def product_ids(self) -> pd.Index:
        """Every product, in the company's order."""
        ids: pd.Index = pd.Index(self.company.products["product_id"])
        return ids

    def monthly_orders(self) -> pd.DataFrame:
        """Orders per product and month (unique_id, ds, y), every month since its first."""
        monthly = self.history.groupby(["product_id", "period"], as_index=False)["ordered"].sum()
        monthly["ds"] = monthly["period"].map(period_to_index)
        last = period_to_index(self.month) - 1
        first = monthly.groupby("product_id")["ds"].min()
        grid = pd.DataFrame(
            [(p, ds) for p, start in first.items() for ds in range(int(start), last + 1)],
            columns=["unique_id", "ds"],
        )
        values = monthly.set_index(["product_id", "ds"])["ordered"]
        keys = pd.MultiIndex.from_frame(grid)
        grid["y"] = values.reindex(keys).fillna(0.0).to_numpy()
        return grid

    def committed_in(self, month: str) -> pd.Series:
        """Units the fence holds for ``month`` by product (0 when nothing is held)."""
        rows = self.committed[self.committed["period"] == month]
        held = rows.groupby("product_id")["quantity"].sum().astype(float)
        return held.reindex(self.product_ids).fillna(0.0)


@dataclass(frozen=True, slots=True)
class Decision:
    """What a policy decided in one month.

    production: product_id, period, quantity - units to start each month (at least the
        months of ``PolicyContext.months_to_decide``; later months are ignored).
    subcontract: product_id, period, quantity - units to buy in this month (optional).
    forecast: product_id, period, quantity - the demand the policy expected (optional;
        used to report each policy's forecast error).
    notes: anything the policy wants said about this month.
    """

    production: pd.DataFrame
    subcontract: pd.DataFrame = field(default_factory=_empty_quantities)
    forecast: pd.DataFrame = field(default_factory=_empty_quantities)
    notes: tuple[str, ...] = ()


Policy = Callable[[PolicyContext], "Decision | pd.DataFrame"]
"""A planning policy: the context of a month in, the decision out."""


def _statsforecast(panel: pd.DataFrame, models: Sequence[Any], months: int) -> pd.DataFrame:
    """Forecast ``months`` ahead with statsforecast (quietly: short series warn)."""
    from statsforecast import StatsForecast

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame: pd.DataFrame = StatsForecast(models=list(models), freq=1).forecast(
            df=panel, h=months
        )
        return frame


def _flat_forecast(
    context: PolicyContext, models: Sequence[Any], months: int, fill: str
) -> pd.DataFrame:
    """Product x month forecast (columns = months) from the first model, NaN filled by ``fill``."""
    panel = context.monthly_orders()
    ids = context.product_ids
    periods = horizon(context.month, months)
    if panel.empty:
        return pd.DataFrame(0.0, index=ids, columns=periods)
    raw = _statsforecast(panel, models, months)
    first = next(c for c in raw.columns if c not in ("unique_id", "ds"))
    raw["value"] = raw[first].fillna(raw[fill]).clip(lower=0.0)
    raw["period"] = raw["ds"].map(index_to_period)
    wide = raw.pivot_table(index="unique_id", columns="period", values="value", aggfunc="sum")
    return wide.reindex(index=ids, columns=periods).fillna(0.0)


def _replenish(
    context: PolicyContext,
    forecast: pd.DataFrame,
    order: Callable[[pd.Series, pd.DataFrame, str], pd.Series],
) -> pd.DataFrame:
    """Starts for the months to decide, from the inventory position projected to each.

    The inventory position when month ``j`` is decided is the stock on hand, minus what is
    owed, plus everything on its way and every start already fixed, minus the demand
    forecast for the months before ``j``. ``order(position, forecast, j)`` says how much to
    start in ``j``; months the fence already holds keep their quantity.
    """
    position = context.position
    ids = context.product_ids
    level = (
        position.on_hand.reindex(ids).fillna(0.0)
        - position.backlog().reindex(ids).fillna(0.0)
        + position.on_order().reindex(ids).fillna(0.0)
    )
    months = context.months_to_decide
    level = level + sum((context.committed_in(j) for j in months), pd.Series(0.0, index=ids))
    fixed = set(context.committed["period"])
    rows = []
    for j in months:
        if j in fixed:
            start = context.committed_in(j)
        else:
            start = order(level, forecast, j).clip(lower=0.0)
            level = level + start
        rows.append(pd.DataFrame({"product_id": ids, "period": j, "quantity": start.to_numpy()}))
        level = level - forecast[j]
    return pd.concat(rows, ignore_index=True)


def _cover(forecast: pd.DataFrame, lead: pd.Series, month: str) -> pd.Series:
    """Forecast demand from ``month`` to its arrival month (lead time + the review month)."""
    columns = list(forecast.columns)
    start = columns.index(month)
    values = forecast.to_numpy()
    cumulative = np.cumsum(values[:, start:], axis=1)
    steps = np.clip(lead.reindex(forecast.index).fillna(0).astype(int).to_numpy(), 0, None)
    steps = np.minimum(steps, cumulative.shape[1] - 1)
    return pd.Series(cumulative[np.arange(len(values)), steps], index=forecast.index)


def _lookahead(context: PolicyContext) -> int:
    """Months a replenishment decision must see: the fence, the longest lead time, this month."""
    return context.frozen_months + int(context.company.lead_time.max()) + 1


@dataclass(frozen=True, slots=True)
class NaivePolicy:
    """Seasonal naive: make what the same months sold last year, minus stock and pipeline.

    No subcontracting; the plant's capacity cuts what it cannot make. A product with less
    than a year of history uses its last month. ``safety_months`` is the buffer planners
    add by hand when they keep "a few weeks of cover": that many months of the forecast
    on top of what the lead time and the month need (0, the rule as it is, keeps none).
    """

    safety_months: float = 0.0

    def __call__(self, context: PolicyContext) -> Decision:
        """Decide this month's (and the fence's) starts."""
        months = _lookahead(context)
        from statsforecast.models import Naive, SeasonalNaive

        models = [SeasonalNaive(season_length=12), Naive()]
        forecast = _flat_forecast(context, models, months, "Naive")
        lead = context.company.lead_time

        def order(level: pd.Series, expected: pd.DataFrame, month: str) -> pd.Series:
            buffer = self.safety_months * expected[month]
            return _cover(expected, lead, month) + buffer - level

        production = _replenish(context, forecast, order)
        return Decision(production=production, forecast=_long(forecast))


naive_policy = NaivePolicy()
"""The seasonal naive rule as planners run it without a tool: no buffer."""


@dataclass(frozen=True, slots=True)
class MinMaxPolicy:
    """Moving-average min/max: below the minimum, order up to the maximum.

    With ``d`` the average monthly orders of the last ``window`` months and ``L`` the lead
    time: minimum = d x (L + 1 + ``safety_months``), maximum = minimum + d x
    ``order_months``. The rule planners use in an ERP without a forecast.
    """

    window: int = 6
    safety_months: float = 0.5
    order_months: float = 1.0

    def __call__(self, context: PolicyContext) -> Decision:
        """Decide this month's (and the fence's) starts."""
        months = _lookahead(context)
        from statsforecast.models import HistoricAverage, WindowAverage

        models = [WindowAverage(window_size=self.window), HistoricAverage()]
        forecast = _flat_forecast(context, models, months, "HistoricAverage")
        lead = context.company.lead_time.reindex(forecast.index).fillna(0).astype(float)

        def order(level: pd.Series, expected: pd.DataFrame, month: str) -> pd.Series:
            rate = expected[month]
            minimum = rate * (lead + 1 + self.safety_months)
            maximum = minimum + rate * self.order_months
            return (maximum - level).where(level <= minimum, 0.0)

        production = _replenish(context, forecast, order)
        return Decision(production=production, forecast=_long(forecast))


def _long(forecast: pd.DataFrame) -> pd.DataFrame:
    stacked = forecast.rename_axis(index="product_id", columns="period").stack()
    return pd.Series(stacked, name="quantity").reset_index()


@dataclass(frozen=True, slots=True)
class SnopPolicy:
    """snop's monthly cycle, automatically: forecast, safety stock, optimised plan.

    ``horizon`` months are forecast and planned each month; ``forecast`` and ``plan`` are
    the settings a planner would use (the forecast's own horizon is replaced by
    ``horizon``). No events and no overrides: the proof is of the automatic cycle.
    """

    horizon: int = 12
    forecast: ForecastSettings = field(default_factory=lambda: ForecastSettings(n_jobs=-1))
    plan: PlanSettings = field(default_factory=PlanSettings)
    measure: Measure = "fill_rate"
    engine: object = None

    def __call__(self, context: PolicyContext) -> Decision:
        """Forecast, set safety stocks and plan supply from the start of ``context.month``."""
        consensus, errors = self._demand(context)
        plan = self.supply_plan(context, consensus, errors)
        expected = consensus.groupby(["product_id", "period"])["quantity"].sum().reset_index()
        if not plan.feasible:
            note = f"{context.month}: the plan was {plan.status}; only the fence was made"
            return Decision(production=context.committed, forecast=expected, notes=(note,))
        products = plan.products
        return Decision(
            production=products[["product_id", "period"]].assign(quantity=products["production"]),
            subcontract=products[["product_id", "period"]].assign(quantity=products["subcontract"]),
            forecast=expected,
        )

    def supply_plan(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> SupplyPlan:
        """The month's supply plan: safety stocks set, then the plan optimised."""
        safety = self.safety_stock(context, consensus, errors)
        return plan_supply(self.problem(context, consensus, safety))

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        """Safety stock per product and month from the segments' targets and the errors."""
        world = context.company
        _, safety = plan_safety_stocks(
            errors,
            consensus,
            world.lead_time.astype(int),
            world.segments,
            world.products,
            self.measure,
        )
        return safety

    def problem(
        self, context: PolicyContext, consensus: pd.DataFrame, safety: pd.DataFrame
    ) -> SupplyProblem:
        """The supply problem of the month: the plant as it stands, the demand to plan."""
        world = context.company
        return SupplyProblem(
            periods=horizon(context.month, self.horizon),
            products=world.products.assign(end_inventory=0.0, end_backlog=np.nan),
            segments=world.segments,
            demand=consensus,
            resources=world.resources,
            routings=world.routings,
            inventory=self._inventory(context),
            capacity=world.capacity,
            safety_stock=safety,
            frozen=context.committed,
            receipts=context.position.pipeline,
            settings=self.plan,
            segment_backlog=self._segment_backlog(context),
        )

    def _demand(self, context: PolicyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The consensus (= statistical) demand per product x segment x month and its errors."""
        demand = self.demand_plan(context)
        values = demand.values[demand.values["stream"] == CONSENSUS]
        consensus = values[["product_id", "segment", "period", "quantity"]].reset_index(drop=True)
        return consensus, demand.backtest_errors

    def demand_plan(self, context: PolicyContext) -> DemandPlan:
        """The demand plan as the cycle makes it from the history known at ``context.month``."""
        world = context.company
        settings = dataclasses.replace(self.forecast, horizon=self.horizon)
        inputs = DemandInputs(
            history=context.history,
            products=world.products,
            customers=world.customers,
            segments=world.segments,
            events=pd.DataFrame(columns=[*_EVENT_COLUMNS, "reason"]),
            overrides=pd.DataFrame(columns=list(OVERRIDE_COLUMNS)),
        )
        cutoff = shift_period(context.month, -1)
        return plan_demand(inputs, settings, cutoff=cutoff, engine=self.engine)

    @staticmethod
    def _segment_backlog(context: PolicyContext) -> pd.DataFrame:
        """What is owed to whom: the plan knows which segment's orders are waiting."""
        owed = context.position.owed
        columns = ["product_id", "segment", "quantity"]
        if owed.empty:
            return pd.DataFrame(
                {c: pd.Series(dtype=float if c == "quantity" else object) for c in columns}
            )
        owed_by_segment = owed.groupby(["product_id", "segment"])["quantity"].sum().reset_index()
        return owed_by_segment[columns]

    @staticmethod
    def _inventory(context: PolicyContext) -> pd.DataFrame:
        position = context.position
        ids = context.product_ids
        return pd.DataFrame(
            {
                "product_id": ids,
                "on_hand": position.on_hand.reindex(ids).fillna(0.0).to_numpy(),
                "backlog": position.backlog().reindex(ids).fillna(0.0).to_numpy(),
            }
        )


BUILT_IN: dict[str, Callable[[], Policy]] = {
    "snop": SnopPolicy,
    "naive": NaivePolicy,
    "minmax": MinMaxPolicy,
}
"""The policies snop ships, by the name the command line knows them by."""
