"""The policies snop ships: what each one decides from a known position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulate_cases import ORDERS, world
from snop.demand.forecast import ForecastSettings
from snop.frames import period_range
from snop.simulate.engine import SimulationSettings, simulate
from snop.simulate.policies import (
    MinMaxPolicy,
    NaivePolicy,
    PolicyContext,
    SnopPolicy,
    naive_policy,
)
from snop.simulate.world import OWED_COLUMNS, Company, Position

EMPTY = pd.DataFrame(columns=["product_id", "period", "quantity"])


def context(
    company: Company,
    month: str = "2026-07",
    *,
    on_hand: dict[str, float] | None = None,
    owed: float = 0.0,
    pipeline: list[tuple[str, str, float]] | None = None,
    committed: pd.DataFrame = EMPTY,
    frozen: int = 0,
) -> PolicyContext:
    lines = pd.DataFrame(
        [("A", "K", "Key", 1, "2026-06", owed)] if owed else [], columns=list(OWED_COLUMNS)
    )
    position = Position(
        on_hand=pd.Series(on_hand or {"A": 0.0, "B": 0.0}),
        owed=lines,
        pipeline=pd.DataFrame(pipeline or [], columns=["product_id", "period", "quantity"]),
    )
    history = company.history[company.history["period"] < month]
    return PolicyContext(month, company, history, position, committed, frozen)


def production(decision_frame: pd.DataFrame, month: str) -> dict[str, float]:
    rows = decision_frame[decision_frame["period"] == month]
    return {str(k): float(v) for k, v in rows.groupby("product_id")["quantity"].sum().items()}


def test_naive_makes_last_years_month_minus_stock_pipeline_and_backlog() -> None:
    # July 2025 sold 50 of A to K (instead of 10): 60 in all that month.
    company = world(orders={("2025-07", "A", "K"): 50.0})
    decision = naive_policy(context(company, on_hand={"A": 15.0, "B": 5.0}, owed=4.0))
    made = production(decision.production, "2026-07")
    assert made["A"] == pytest.approx(60.0 - 15.0 + 4.0)
    # B arrives a month later: July and August of last year (20 + 20) minus its 5.
    assert made["B"] == pytest.approx(40.0 - 5.0)


def test_naive_counts_what_is_on_its_way_and_never_asks_below_zero() -> None:
    company = world()
    decision = naive_policy(
        context(company, on_hand={"A": 100.0, "B": 0.0}, pipeline=[("B", "2026-07", 30.0)])
    )
    made = production(decision.production, "2026-07")
    assert made == {"A": 0.0, "B": pytest.approx(40.0 - 30.0)}


def test_naive_with_cover_adds_months_of_the_months_forecast() -> None:
    # Last July: A 60 (K 50 + W 10), last August 20. Half a month of cover on top.
    company = world(orders={("2025-07", "A", "K"): 50.0})
    policy = NaivePolicy(safety_months=0.5)
    decision = policy(context(company, on_hand={"A": 15.0, "B": 5.0}, frozen=1))
    assert production(decision.production, "2026-07")["A"] == pytest.approx(60 + 30 - 15)
    # July leaves 30 on hand; August's buffer is half of its own 20: nothing more to start.
    assert production(decision.production, "2026-08")["A"] == pytest.approx(0.0)
    assert naive_policy == NaivePolicy(safety_months=0.0)


def test_min_max_orders_up_to_the_maximum_only_below_the_minimum() -> None:
    company = world()  # 20 a month of each product
    policy = MinMaxPolicy(window=6, safety_months=0.5, order_months=1.0)
    # A (lead 0): min = 20 x 1.5 = 30, max = 50. B (lead 1): min = 20 x 2.5 = 50, max = 70.
    decision = policy(context(company, on_hand={"A": 30.0, "B": 51.0}))
    assert production(decision.production, "2026-07") == {"A": 20.0, "B": 0.0}
    decision = policy(context(company, on_hand={"A": 31.0, "B": 10.0}))
    assert production(decision.production, "2026-07") == {"A": 0.0, "B": 60.0}


def test_replenishment_respects_the_fence_and_decides_the_month_after_it() -> None:
    company = world()
    held = pd.DataFrame({"product_id": ["A", "B"], "period": "2026-07", "quantity": [7.0, 3.0]})
    decision = naive_policy(context(company, committed=held, frozen=1))
    frame = decision.production
    assert production(frame, "2026-07") == {"A": 7.0, "B": 3.0}
    # August: A needs 20 and will have 7 - 20 (July) = -13 left: 33. B covers August and
    # September (40) with 3 - 20: 57.
    assert production(frame, "2026-08") == {"A": pytest.approx(33.0), "B": pytest.approx(57.0)}


FAST = ForecastSettings(
    backtest_windows=2,
    backtest_horizon=3,
    models={"continuous": ["AutoETS", "SeasonalNaive"], "intermittent": ["CrostonOptimized"]},
    method="select",
)


def test_snop_plans_within_capacity_with_safety_stock_and_says_what_it_expects() -> None:
    rng = np.random.default_rng(3)
    noisy = {
        (month, product, customer): float(rng.poisson(ORDERS))
        for month in period_range("2025-01", "2026-12")
        for product in ("A", "B")
        for customer in ("K", "W")
    }
    company = world(orders=noisy, capacity=30.0, overtime=5.0)
    policy = SnopPolicy(horizon=6, forecast=FAST)
    decision = policy(context(company, on_hand={"A": 20.0, "B": 20.0}))
    frame = decision.production
    assert sorted(frame["period"].unique()) == period_range("2026-07", "2026-12")
    hours = frame.groupby("period")["quantity"].sum()  # 1 hour a unit on the one line
    assert (hours <= 35.0 + 1e-6).all()
    assert set(decision.forecast["product_id"]) == {"A", "B"}
    assert decision.forecast["quantity"].sum() > 0


def test_snop_beats_having_no_plan_on_a_tight_line() -> None:
    """One year replayed on the tiny company: snop serves more than the naive rule."""
    rng = np.random.default_rng(11)
    seasonal = {
        (month, product, customer): float(
            rng.poisson(ORDERS * (1.6 if month[5:] in ("06", "07") else 0.9))
        )
        for month in period_range("2025-01", "2026-12")
        for product in ("A", "B")
        for customer in ("K", "W")
    }
    company = world(orders=seasonal, capacity=40.0, overtime=4.0)
    settings = SimulationSettings(first_month="2026-04", months=6, warm_up=1)
    result = simulate(
        company,
        {"snop": SnopPolicy(horizon=6, forecast=FAST), "naive": naive_policy},
        settings,
    )
    served = {
        name: run.lines[run.lines["period"] >= "2026-04"]["on_time"].sum()
        / run.lines[run.lines["period"] >= "2026-04"]["ordered"].sum()
        for name, run in result.runs.items()
    }
    assert served["snop"] > served["naive"]
