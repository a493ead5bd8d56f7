"""Variants of snop's monthly cycle for the policy lab (`bench/sim_lab.py`).

Each is `SnopPolicy` with one thing changed; they are experiments, measured side by side
in bench/RESULTS.md. A lever that wins on every case moves into snop's core (the supply
model or the inventory policy) and becomes the default there, not here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from snop.demand.forecast import ForecastSettings
from snop.simulate.policies import PolicyContext, SnopPolicy
from snop.supply.problem import PlanSettings, Strategy, SupplyProblem


@dataclass(frozen=True, slots=True)
class ScaledSafety(SnopPolicy):
    """Safety stock times ``factor`` (0 = none): snop's own service-stock curve."""

    factor: float = 1.0

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        safety = SnopPolicy.safety_stock(self, context, consensus, errors)
        return safety.assign(safety_stock=safety["safety_stock"] * self.factor)


@dataclass(frozen=True, slots=True)
class DearStock(SnopPolicy):
    """Plans as if holding a unit cost ``factor`` times what the books say."""

    factor: float = 3.0

    def problem(
        self, context: PolicyContext, consensus: pd.DataFrame, safety: pd.DataFrame
    ) -> SupplyProblem:
        problem = SnopPolicy.problem(self, context, consensus, safety)
        products = problem.products.assign(
            holding_cost=problem.products["holding_cost"] * self.factor
        )
        return dataclasses.replace(problem, products=products)


@dataclass(frozen=True, slots=True)
class NoSubcontract(SnopPolicy):
    """Plans without buying in (diagnostic: how much of the result is subcontracting)."""

    def problem(
        self, context: PolicyContext, consensus: pd.DataFrame, safety: pd.DataFrame
    ) -> SupplyProblem:
        problem = SnopPolicy.problem(self, context, consensus, safety)
        products = problem.products.assign(subcontract_cost=float("nan"))
        return dataclasses.replace(problem, products=products)


Make = Callable[[ForecastSettings], SnopPolicy]
VARIANTS: dict[str, Make] = {
    "snop": lambda f: SnopPolicy(forecast=f),
    "ss0": lambda f: ScaledSafety(forecast=f, factor=0.0),
    "ss1.5": lambda f: ScaledSafety(forecast=f, factor=1.5),
    "chase": lambda f: SnopPolicy(forecast=f, plan=PlanSettings(strategy=Strategy.CHASE)),
    "hold3": lambda f: DearStock(forecast=f, factor=3.0),
    "nosub": lambda f: NoSubcontract(forecast=f),
}


@dataclass(frozen=True, slots=True)
class Forecast(SnopPolicy):
    """Plans against a blend of the statistical consensus and the seasonal naive stream."""

    naive_share: float = 1.0

    def _demand(self, context: PolicyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
        consensus, errors = SnopPolicy._demand(self, context)
        plan = self.demand_plan(context)
        naive = plan.values[plan.values["stream"] == "naive"]
        keys = ["product_id", "segment", "period"]
        both = consensus.merge(naive[[*keys, "quantity"]], on=keys, how="left", suffixes=("", "_n"))
        seasonal = both["quantity_n"].fillna(both["quantity"])
        blended = (1 - self.naive_share) * both["quantity"] + self.naive_share * seasonal
        return both[keys].assign(quantity=blended.to_numpy()), errors


@dataclass(frozen=True, slots=True)
class Cover(SnopPolicy):
    """Safety stock as ``months`` of the month's forecast (the rule planners use)."""

    months: float = 1.0

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        monthly = consensus.groupby(["product_id", "period"], as_index=False)["quantity"].sum()
        return monthly.assign(safety_stock=self.months * monthly["quantity"])[
            ["product_id", "period", "safety_stock"]
        ]


VARIANTS |= {
    "fc_naive": lambda f: Forecast(forecast=f, naive_share=1.0),
    "fc_blend": lambda f: Forecast(forecast=f, naive_share=0.5),
    "cover0.5": lambda f: Cover(forecast=f, months=0.5),
    "cover1": lambda f: Cover(forecast=f, months=1.0),
}


@dataclass(frozen=True, slots=True)
class PooledError(SnopPolicy):
    """Relative forecast error pooled over ``level`` ('family' or 'all') x step, each series'
    error = pooled relative error x its mean forecast; ``seasonal`` scales each month's
    safety stock by that month's forecast over the product's mean.
    """

    level: str = "family"
    seasonal: bool = False

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        errors = errors.copy()
        errors["rmse"] = errors["rmse"].fillna(errors["error_std"])
        mean = consensus.groupby(["product_id", "segment"])["quantity"].mean().rename("level")
        errors = errors.merge(mean.reset_index(), on=["product_id", "segment"], how="left")
        family = context.company.products.set_index("product_id")["family"]
        errors["group"] = errors["product_id"].map(family) if self.level == "family" else "all"
        known = errors.dropna(subset=["rmse", "level"])
        pooled = (
            known.groupby(["group", "step"])["rmse"].sum()
            / known.groupby(["group", "step"])["level"].sum()
        )
        rel = pooled.reindex(pd.MultiIndex.from_frame(errors[["group", "step"]])).to_numpy()
        errors["rmse"] = rel * errors["level"].to_numpy()
        errors["error_std"] = errors["rmse"]
        safety = SnopPolicy.safety_stock(self, context, consensus, errors)
        if self.seasonal:
            monthly = consensus.groupby(["product_id", "period"])["quantity"].sum()
            share = monthly / monthly.groupby(level=0).transform("mean")
            index = pd.MultiIndex.from_frame(safety[["product_id", "period"]])
            safety = safety.assign(
                safety_stock=safety["safety_stock"] * share.reindex(index).fillna(1.0).to_numpy()
            )
        return safety


@dataclass(frozen=True, slots=True)
class SeasonalSafety(SnopPolicy):
    """snop's safety stock scaled by each month's forecast over the product's mean."""

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        safety = SnopPolicy.safety_stock(self, context, consensus, errors)
        monthly = consensus.groupby(["product_id", "period"])["quantity"].sum()
        share = monthly / monthly.groupby(level=0).transform("mean")
        index = pd.MultiIndex.from_frame(safety[["product_id", "period"]])
        scale = share.reindex(index).fillna(1.0).to_numpy()
        return safety.assign(safety_stock=safety["safety_stock"] * scale)


VARIANTS |= {
    "ss_season": lambda f: SeasonalSafety(forecast=f),
    "pool_fam": lambda f: PooledError(forecast=f, level="family"),
    "pool_all": lambda f: PooledError(forecast=f, level="all"),
    "pool_fam_s": lambda f: PooledError(forecast=f, level="family", seasonal=True),
}


@dataclass(frozen=True, slots=True)
class ForecastCover(Forecast):
    """A forecast blend and a cover of ``months`` of each month's forecast as safety stock."""

    months: float = 0.5

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        return Cover(months=self.months).safety_stock(context, consensus, errors)


VARIANTS |= {
    "naive_cov0.5": lambda f: ForecastCover(forecast=f, naive_share=1.0, months=0.5),
    "blend_cov0.5": lambda f: ForecastCover(forecast=f, naive_share=0.5, months=0.5),
    "naive_cov0.75": lambda f: ForecastCover(forecast=f, naive_share=1.0, months=0.75),
}


@dataclass(frozen=True, slots=True)
class ShortSeasonal(ForecastCover):
    """Seasonal naive as one more ensemble member (share 1/(members+1)) on series with
    fewer than ``seasons`` years of history; safety stock as ``months`` of cover (0 = snop's).
    """

    seasons: int = 3
    members: int = 3

    def _demand(self, context: PolicyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
        consensus, errors = SnopPolicy._demand(self, context)
        plan = self.demand_plan(context)
        naive = plan.values[plan.values["stream"] == "naive"]
        keys = ["product_id", "segment", "period"]
        both = consensus.merge(naive[[*keys, "quantity"]], on=keys, how="left", suffixes=("", "_n"))
        months = context.history.groupby("product_id")["period"].nunique()
        short = both["product_id"].map(months).fillna(0).to_numpy() < 12 * self.seasons
        share = (short / (self.members + 1)).astype(float)
        seasonal = both["quantity_n"].fillna(both["quantity"])
        blended = (1 - share) * both["quantity"] + share * seasonal
        return both[keys].assign(quantity=blended.to_numpy()), errors

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        if self.months == 0:
            return SnopPolicy.safety_stock(self, context, consensus, errors)
        return Cover(months=self.months).safety_stock(context, consensus, errors)


VARIANTS |= {
    "blend.25_cov0.5": lambda f: ForecastCover(forecast=f, naive_share=0.25, months=0.5),
    "blend.33_cov0.5": lambda f: ForecastCover(forecast=f, naive_share=1 / 3, months=0.5),
    "short_cov0.5": lambda f: ShortSeasonal(forecast=f, months=0.5),
    "short_ss": lambda f: ShortSeasonal(forecast=f, months=0.0),
}


@dataclass(frozen=True, slots=True)
class Allocated(ShortSeasonal):
    """Safety stock allocated across products to meet each segment's fill rate at least
    holding cost (`snop.supply.allocation`), the error scaled to each month's forecast;
    ``pool`` shrinks each series' relative error toward its family's.
    """

    pool: float = 0.0
    inflate: float = 1.0
    blend: bool = True
    realized: bool = False
    memory: dict = dataclasses.field(default_factory=dict)  # type: ignore[type-arg]

    def _demand(self, context: PolicyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self.blend:
            return ShortSeasonal._demand(self, context)
        return SnopPolicy._demand(self, context)

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        return self.allocate(context, consensus, self._monthly_sigma(context, consensus, errors))

    def _monthly_sigma(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        from snop.supply.policy import protection_sigma

        world = context.company
        errors = errors.assign(error_std=errors["rmse"].fillna(errors["error_std"]))
        if self.realized:
            self.memory[context.month] = consensus
            errors = with_realized(errors, self.memory, context)
        sigma = protection_sigma(errors, world.lead_time.astype(int))
        keys = ["product_id", "segment"]
        level = consensus.groupby(keys)["quantity"].mean().rename("level").reset_index()
        sigma = sigma.merge(level, on=keys, how="left")
        sigma["rel"] = sigma["sigma"] / sigma["level"].where(sigma["level"] > 0)
        if self.pool > 0:
            family = world.products.set_index("product_id")["family"]
            sigma["family"] = sigma["product_id"].map(family)
            known = sigma.dropna(subset=["rel"])
            pooled = known.groupby("family")["sigma"].sum() / known.groupby("family")["level"].sum()
            fam = sigma["family"].map(pooled)
            sigma["rel"] = ((1 - self.pool) * sigma["rel"] + self.pool * fam).fillna(fam)
        monthly = consensus[[*keys, "period", "quantity"]].merge(
            sigma[[*keys, "rel"]], on=keys, how="left"
        )
        monthly["sigma"] = monthly["rel"] * monthly["quantity"] * self.inflate
        return monthly

    def allocate(
        self, context: PolicyContext, consensus: pd.DataFrame, monthly: pd.DataFrame
    ) -> pd.DataFrame:
        from snop.supply.allocation import allocate_safety_stock

        world = context.company
        segments = world.segments.set_index("segment")
        holding = world.products.set_index("product_id")["holding_cost"].astype(float)
        _, by_product = allocate_safety_stock(
            consensus,
            monthly,
            segments["service_target"].astype(float),
            segments["priority"].astype(float),
            holding,
        )
        return by_product


VARIANTS |= {
    "alloc_b_real": lambda f: Allocated(forecast=f, realized=True),
    "alloc": lambda f: Allocated(forecast=f, blend=False),
    "alloc_b": lambda f: Allocated(forecast=f),
    "alloc_b_pool": lambda f: Allocated(forecast=f, pool=0.5),
    "alloc_b_inf": lambda f: Allocated(forecast=f, inflate=1.2),
}


def with_realized(errors: pd.DataFrame, memory: dict, context: PolicyContext) -> pd.DataFrame:  # type: ignore[type-arg]
    """Backtest errors pooled with the errors of the forecasts made in earlier months."""
    from snop.frames import period_to_index

    segment = context.company.customers.set_index("customer_id")["segment"]
    history = context.history.assign(segment=context.history["customer_id"].map(segment))
    actual = history.groupby(["product_id", "segment", "period"])["ordered"].sum()
    now = period_to_index(context.month)
    parts = []
    for made, forecast in memory.items():
        start = period_to_index(made)
        past = forecast[forecast["period"].map(period_to_index) < now]
        if past.empty:
            continue
        index = pd.MultiIndex.from_frame(past[["product_id", "segment", "period"]])
        got = actual.reindex(index).fillna(0.0).to_numpy()
        step = past["period"].map(period_to_index).to_numpy() - start + 1
        parts.append(
            past[["product_id", "segment"]].assign(
                step=step, sq=(got - past["quantity"].to_numpy()) ** 2
            )
        )
    if not parts:
        return errors
    real = (
        pd.concat(parts)
        .groupby(["product_id", "segment", "step"])
        .agg(sq=("sq", "sum"), m=("sq", "size"))
        .reset_index()
    )
    out = errors.merge(real, on=["product_id", "segment", "step"], how="left")
    n = out["n"].fillna(1.0).astype(float) if "n" in out else 1.0
    m = out["m"].fillna(0.0)
    pooled = ((out["rmse"] ** 2) * n + out["sq"].fillna(0.0)) / (n + m)
    out["rmse"] = np.sqrt(pooled).where(out["rmse"].notna(), np.sqrt(out["sq"] / m))
    out["error_std"] = out["rmse"]
    return out.drop(columns=["sq", "m"])


@dataclass(frozen=True, slots=True)
class CapacityAware(Allocated):
    """Plans twice: where the first plan fills a product's resources for a run of months,
    the plant cannot catch up a surprise inside the run, so each month of it is protected
    against the error of the whole run so far (the months' errors added as variances).
    """

    def supply_plan(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> Any:
        from snop.supply.plan import plan_supply

        first = SnopPolicy.supply_plan(self, context, consensus, errors)
        if not first.feasible:
            return first
        base = self._monthly_sigma(context, consensus, errors)
        widened = widen_over_full_runs(base, first, context)
        safety = self.allocate(context, consensus, widened)
        return plan_supply(self.problem(context, consensus, safety))


def widen_over_full_runs(monthly: pd.DataFrame, plan: Any, context: PolicyContext) -> pd.DataFrame:
    """Sigma of each month inside a run of full months: sqrt of the run's variances so far."""
    resources = plan.resources
    full = resources.loc[resources["full"], ["resource_id", "period"]]
    if full.empty:
        return monthly
    routes = context.company.routings[["product_id", "resource_id"]]
    tight = routes.merge(full, on="resource_id")[["product_id", "period"]].drop_duplicates()
    tight["tight"] = True
    out = monthly.merge(tight, on=["product_id", "period"], how="left")
    out["tight"] = out["tight"].fillna(False).astype(bool)
    out = out.sort_values(["product_id", "segment", "period"]).reset_index(drop=True)
    run = (~out["tight"]).groupby([out["product_id"], out["segment"]]).cumsum()
    # Each month after a run's first adds one month's error (the protection sigma covers
    # lead time + 1 months, so one month's share of its variance).
    lead = out["product_id"].map(context.company.lead_time).fillna(0).astype(float) + 1.0
    var = (out["sigma"] ** 2 / lead).where(out["tight"], 0.0)
    cum = var.groupby([out["product_id"], out["segment"], run]).cumsum()
    out["sigma"] = np.where(out["tight"], np.sqrt(out["sigma"] ** 2 + cum - var), out["sigma"])
    return out.drop(columns="tight")


VARIANTS |= {
    "capaware": lambda f: CapacityAware(forecast=f),
    "capaware_inf": lambda f: CapacityAware(forecast=f, inflate=1.2),
}


@dataclass(frozen=True, slots=True)
class CapacityProbe(Allocated):
    """Finds where capacity binds by planning the upper ``z`` quantile of demand first;
    inside those runs each month is protected against the run's error so far.
    """

    z: float = 1.2816

    def supply_plan(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> Any:
        from snop.supply.plan import plan_supply

        base = self._monthly_sigma(context, consensus, errors)
        keys = ["product_id", "segment", "period"]
        upper = consensus.merge(base[[*keys, "sigma"]], on=keys, how="left")
        upper["quantity"] = upper["quantity"] + self.z * upper["sigma"].fillna(0.0)
        probe = plan_supply(self.problem(context, upper[consensus.columns], _zero(consensus)))
        if not probe.feasible:
            return SnopPolicy.supply_plan(self, context, consensus, errors)
        widened = widen_over_full_runs(base, probe, context)
        safety = self.allocate(context, consensus, widened)
        return plan_supply(self.problem(context, consensus, safety))


def _zero(consensus: pd.DataFrame) -> pd.DataFrame:
    monthly = consensus.groupby(["product_id", "period"], as_index=False)["quantity"].sum()
    return monthly.assign(safety_stock=0.0)[["product_id", "period", "safety_stock"]]


VARIANTS |= {
    "probe": lambda f: CapacityProbe(forecast=f),
    "probe_inf": lambda f: CapacityProbe(forecast=f, inflate=1.2),
}


VARIANTS |= {
    "probe.67": lambda f: CapacityProbe(forecast=f, z=0.6745),
    "probe.67_inf": lambda f: CapacityProbe(forecast=f, z=0.6745, inflate=1.2),
}


@dataclass(frozen=True, slots=True)
class Oracle(SnopPolicy):
    """Knows the orders to come (not a policy: the floor of stock a perfect forecast needs)."""

    def _demand(self, context: PolicyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
        from snop.supply.problem import horizon

        world = context.company
        periods = horizon(context.month, self.horizon)
        segment = world.customers.set_index("customer_id")["segment"]
        future = world.history[world.history["period"].isin(periods)]
        future = future.assign(segment=future["customer_id"].map(segment))
        demand = future.groupby(["product_id", "segment", "period"], as_index=False)[
            "ordered"
        ].sum()
        demand = demand.rename(columns={"ordered": "quantity"})
        return demand, pd.DataFrame()

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        return _zero(consensus)

    def demand_plan(self, context: PolicyContext) -> Any:
        raise AssertionError("the oracle needs no forecast")


VARIANTS |= {"oracle": lambda f: Oracle(forecast=f)}


@dataclass(frozen=True, slots=True)
class Feedback(CapacityProbe):
    """Corrects each segment's shortage allowance by the fill rate it has measured: the
    allowance is divided by the ratio of the shortage measured over the months so far to
    the shortage its target allows (shrunk toward 1 by ``prior`` months).
    """

    prior: float = 3.0

    def allocate(
        self, context: PolicyContext, consensus: pd.DataFrame, monthly: pd.DataFrame
    ) -> pd.DataFrame:
        from snop.supply.allocation import allocate_safety_stock

        world = context.company
        segments = world.segments.set_index("segment")
        targets = segments["service_target"].astype(float)
        measured = self._measured(context)
        if measured is not None:
            short, ordered, months = measured
            ratio = (short / ordered.where(ordered > 0)) / (1.0 - targets)
            ratio = ((months * ratio.fillna(1.0) + self.prior) / (months + self.prior)).clip(
                0.5, 4.0
            )
            targets = (1.0 - (1.0 - targets) / ratio).clip(upper=0.999)
        holding = world.products.set_index("product_id")["holding_cost"].astype(float)
        _, by_product = allocate_safety_stock(
            consensus, monthly, targets, segments["priority"].astype(float), holding
        )
        return by_product

    def _measured(self, context: PolicyContext) -> Any:
        from snop.frames import shift_period

        last = shift_period(context.month, -1)
        book = self.memory.setdefault("fill", {})
        if last not in book:
            segment = context.company.customers.set_index("customer_id")["segment"]
            orders = context.history[context.history["period"] == last]
            ordered = orders.groupby(orders["customer_id"].map(segment))["ordered"].sum()
            owed = context.position.owed
            late = owed[owed["ordered_in"] == last].groupby("segment")["quantity"].sum()
            if ordered.sum() > 0 and last >= self.memory.setdefault("start", context.month):
                book[last] = (late.reindex(ordered.index).fillna(0.0), ordered)
        if not book:
            return None
        short = sum(v[0] for v in book.values())
        ordered = sum(v[1] for v in book.values())
        return short, ordered, float(len(book))


VARIANTS |= {
    "feedback": lambda f: Feedback(forecast=f),
    "feedback_inf": lambda f: Feedback(forecast=f, inflate=1.2),
}


VARIANTS |= {
    "feedback_p1": lambda f: Feedback(forecast=f, prior=1.0),
    "feedback_p1_inf": lambda f: Feedback(forecast=f, prior=1.0, inflate=1.2),
}


@dataclass(frozen=True, slots=True)
class Newsvendor(Allocated):
    """Safety stock at each product's critical ratio b / (b + h) of its forecast error."""

    def allocate(
        self, context: PolicyContext, consensus: pd.DataFrame, monthly: pd.DataFrame
    ) -> pd.DataFrame:
        from scipy.special import ndtri  # type: ignore[import-untyped]

        products = context.company.products.set_index("product_id")
        ratio = products["backorder_cost"] / (products["backorder_cost"] + products["holding_cost"])
        z = pd.Series(ndtri(ratio.clip(0.5, 0.999).to_numpy()), index=ratio.index)
        pooled = (
            monthly.assign(var=monthly["sigma"] ** 2)
            .groupby(["product_id", "period"], as_index=False)["var"]
            .sum()
        )
        pooled["safety_stock"] = pooled["product_id"].map(z) * np.sqrt(pooled["var"])
        return pooled[["product_id", "period", "safety_stock"]].fillna(0.0)


VARIANTS |= {"newsvendor": lambda f: Newsvendor(forecast=f)}


@dataclass(frozen=True, slots=True)
class NewsvendorProbe(CapacityProbe):
    """The capacity probe with safety stock at each product's critical ratio."""

    def allocate(
        self, context: PolicyContext, consensus: pd.DataFrame, monthly: pd.DataFrame
    ) -> pd.DataFrame:
        return Newsvendor.allocate(self, context, consensus, monthly)  # type: ignore[arg-type]


VARIANTS |= {"nv_probe": lambda f: NewsvendorProbe(forecast=f)}


@dataclass(frozen=True, slots=True)
class TargetsAndCost(Allocated):
    """The larger of the stock the segments' targets need (allocated at least holding cost)
    and the stock each product's own critical ratio b / (b + h) asks for.
    """

    def allocate(
        self, context: PolicyContext, consensus: pd.DataFrame, monthly: pd.DataFrame
    ) -> pd.DataFrame:
        targets = Allocated.allocate(self, context, consensus, monthly)
        cost = Newsvendor.allocate(self, context, consensus, monthly)  # type: ignore[arg-type]
        both = targets.merge(cost, on=["product_id", "period"], how="outer", suffixes=("", "_c"))
        both["safety_stock"] = both[["safety_stock", "safety_stock_c"]].max(axis=1).fillna(0.0)
        return both[["product_id", "period", "safety_stock"]]


VARIANTS |= {"targets_cost": lambda f: TargetsAndCost(forecast=f)}


@dataclass(frozen=True, slots=True)
class PerProduct(SnopPolicy):
    """The safety stock snop used before the pooled allocation: each product x segment at
    its own target (the product's stock pooled over its segments), the error constant
    over the horizon, the opening backlog split by demand share."""

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        from snop.supply.policy import backtest_safety_stocks

        world = context.company
        segments = world.segments.set_index("segment")
        _, safety = backtest_safety_stocks(
            errors,
            consensus,
            world.lead_time.astype(int),
            segments["service_target"].astype(float),
            self.measure,
            segments["priority"].astype(float),
        )
        return safety

    def problem(
        self, context: PolicyContext, consensus: pd.DataFrame, safety: pd.DataFrame
    ) -> SupplyProblem:
        problem = SnopPolicy.problem(self, context, consensus, safety)
        return dataclasses.replace(problem, segment_backlog=pd.DataFrame())


@dataclass(frozen=True, slots=True)
class TargetsOnly(SnopPolicy):
    """The pooled allocation for the segments' targets without the critical-ratio floor."""

    def safety_stock(
        self, context: PolicyContext, consensus: pd.DataFrame, errors: pd.DataFrame
    ) -> pd.DataFrame:
        from snop.supply.allocation import pooled_safety_stocks

        world = context.company
        products = world.products.assign(backorder_cost=0.0)
        _, safety = pooled_safety_stocks(
            errors, consensus, world.lead_time.astype(int), world.segments, products
        )
        return safety


VARIANTS |= {
    "per_product": lambda f: PerProduct(forecast=f),
    "targets_only": lambda f: TargetsOnly(forecast=f),
}
