"""The supply LP on published cases and hand-checkable ones (HiGHS, no database)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from snop.supply import model
from snop.supply.plan import COST_COMPONENTS, plan_supply
from snop.supply.problem import PlanSettings, Strategy, SupplyProblem, prepare
from snop.supply.solve import SolveStatus
from supply_cases import red_tomato, sailco, two_segments


def _column(plan_frame: pd.DataFrame, column: str) -> list[float]:
    return [round(v, 2) for v in plan_frame[column]]


def test_red_tomato_reproduces_the_published_optimum() -> None:
    """Chopra & Meindl, Supply Chain Management, ch. 8 (Red Tomato Tools), LP solution.

    The book's linear program (Table 8-3 in the 5th ed.) costs $422,275: 15.42 workers
    laid off in January, 64.58 kept all year, 2,583.33 units a month, no overtime or
    subcontracting, 266.67 units backlogged in April. (Solved with integer workers the
    book's later tables give $422,660; snop plans the LP.)
    """
    plan = plan_supply(red_tomato())
    assert plan.status is SolveStatus.OPTIMAL
    assert plan.total_cost == pytest.approx(422_275, abs=0.5)
    tool = plan.products
    assert _column(tool, "production") == [2583.33] * 6
    assert _column(tool, "inventory") == [1983.33, 1566.67, 950.0, 0.0, 116.67, 500.0]
    assert _column(tool, "backlog") == [0.0, 0.0, 0.0, 266.67, 0.0, 0.0]
    assert _column(tool, "subcontract") == [0.0] * 6
    crew = plan.workforce
    assert _column(crew, "workers") == [64.58] * 6
    assert _column(crew, "laid_off") == [15.42, 0, 0, 0, 0, 0]
    assert _column(crew, "hired") == [0.0] * 6
    costs = plan.cost_breakdown()
    assert costs["workforce"] == pytest.approx(248_000, abs=1)
    assert costs["material"] == pytest.approx(155_000, abs=1)
    assert sum(costs.values()) == pytest.approx(plan.total_cost, abs=0.5)
    assert list(costs) == list(COST_COMPONENTS)


def test_sailco_reproduces_the_published_optimum() -> None:
    """Winston, Operations Research (4th ed.), section 3.10, Sailco: z = $78,450.

    Regular production 40 / 40 / 40 / 25, overtime 0 / 10 / 35 / 0, ending stock
    10 / 0 / 0 / 0.
    """
    plan = plan_supply(sailco())
    assert plan.total_cost == pytest.approx(78_450, abs=0.01)
    assert _column(plan.products, "production") == [40.0, 50.0, 75.0, 25.0]
    assert _column(plan.resources, "overtime") == [0.0, 10.0, 35.0, 0.0]
    assert _column(plan.products, "inventory") == [10.0, 0.0, 0.0, 0.0]
    assert plan.explanation.late.empty


def _with_capacity(
    problem: SupplyProblem, resource: str, period: str, extra: float
) -> SupplyProblem:
    base = problem.capacity_table()
    row = base[(base["resource_id"] == resource) & (base["period"] == period)].iloc[0]
    override = pd.DataFrame(
        {
            "resource_id": [resource],
            "period": [period],
            "capacity": [row["capacity"] + extra],
            "overtime_capacity": [row["overtime_capacity"]],
        }
    )
    return dataclasses.replace(problem, capacity=override)


@pytest.mark.parametrize("solver", ["choose", "ipm"])
@pytest.mark.parametrize("case", [sailco, two_segments])
def test_shadow_price_is_what_one_more_hour_saves(case: object, solver: str) -> None:
    """Also through interior point (HiPO and its crossover), what large plans get."""
    problem: SupplyProblem = case()  # type: ignore[operator]
    settings = dataclasses.replace(problem.settings, solver=solver)
    problem = dataclasses.replace(problem, settings=settings)
    plan = plan_supply(problem)
    assert plan.stats.solver == ("simplex" if solver == "choose" else "ipm (hipo)")
    for row in plan.resources.itertuples():
        more = plan_supply(_with_capacity(problem, row.resource_id, row.period, 1.0))
        saved = plan.objective - more.objective
        assert saved == pytest.approx(row.shadow_price, abs=1e-6), row.period


def test_high_priority_segment_is_served_first_and_the_cause_is_named() -> None:
    plan = plan_supply(two_segments(capacity=100.0))
    seg = plan.segments.set_index(["segment", "period"])["backlog"]
    assert seg.loc["Key"].max() == pytest.approx(0.0)
    assert seg.loc[("Spot", "2027-02")] == pytest.approx(50.0)
    late = plan.explanation.late
    assert set(late["segment"]) == {"Spot"}
    assert set(late["cause"]) == {"capacity"}
    assert "M1" in late["detail"].iloc[0]
    assert "Key (higher priority) served in full first" in late["detail"].iloc[0]
    text = " ".join(plan.explanation.sentences)
    assert "Machine 1 (M1) at Plant is full from 2027-01 to 2027-03" in text
    assert "50 units of F are owed to Spot at the end of 2027-02 (cause: capacity)" in text


def test_bottleneck_worth_in_the_sentence_matches_the_dual() -> None:
    plan = plan_supply(two_segments(capacity=100.0))
    worth = plan.resources["shadow_price"].max()
    assert worth > 0
    assert f"one more hour there is worth up to ${worth:,.2f}".replace(".00", "") in " ".join(
        plan.explanation.sentences
    )


def test_lead_time_makes_early_demand_late_with_that_cause() -> None:
    problem = two_segments(capacity=500.0)
    products = problem.products.assign(lead_time=1)
    plan = plan_supply(dataclasses.replace(problem, products=products))
    late = plan.explanation.late
    first = late[late["period"] == "2027-01"]
    assert set(first["cause"]) == {"lead_time"}
    assert first["backlog"].sum() == pytest.approx(100.0)
    assert plan.products["receipts"].iloc[0] == 0.0


def test_frozen_fence_holds_published_production() -> None:
    problem = two_segments(capacity=500.0)
    frozen = pd.DataFrame({"product_id": ["P1"], "period": ["2027-01"], "quantity": [70.0]})
    plan = plan_supply(dataclasses.replace(problem, frozen=frozen))
    assert plan.products["production"].iloc[0] == pytest.approx(70.0)
    late = plan.explanation.late
    assert set(late.loc[late["period"] == "2027-01", "cause"]) == {"frozen_fence"}
    assert plan.frozen_periods == ["2027-01"]


def test_fence_above_capacity_is_diagnosed_not_a_status_code() -> None:
    problem = two_segments(capacity=100.0)
    frozen = pd.DataFrame({"product_id": ["P1"], "period": ["2027-01"], "quantity": [130.0]})
    plan = plan_supply(dataclasses.replace(problem, frozen=frozen))
    assert plan.status is SolveStatus.INFEASIBLE
    (reason,) = plan.explanation.reasons
    assert "frozen fence" in reason
    assert "P1" in reason and "2027-01" in reason and "130" in reason
    assert "30 less is needed" in reason


def test_end_promises_that_cannot_be_kept_are_named() -> None:
    problem = two_segments(capacity=100.0)
    products = problem.products.assign(end_backlog=0.0, end_inventory=20.0)
    plan = plan_supply(dataclasses.replace(problem, products=products))
    assert plan.status is SolveStatus.INFEASIBLE
    text = " ".join(plan.explanation.reasons)
    assert "end_backlog" in text or "end_inventory" in text
    assert "P1" in text


def _seasonal(strategy: Strategy, capacity: float = 200.0) -> SupplyProblem:
    problem = two_segments(capacity=capacity, settings=PlanSettings(strategy=strategy))
    periods = [f"2027-{m:02d}" for m in range(1, 7)]
    demand = pd.DataFrame(
        {
            "product_id": "P1",
            "segment": "Key",
            "period": periods,
            "quantity": [50.0, 50.0, 150.0, 150.0, 50.0, 50.0],
        }
    )
    return dataclasses.replace(problem, periods=periods, demand=demand)


def test_strategies_trade_smooth_production_against_stock() -> None:
    cost = plan_supply(_seasonal(Strategy.COST, capacity=120.0))
    level = plan_supply(_seasonal(Strategy.LEVEL, capacity=120.0))
    chase = plan_supply(_seasonal(Strategy.CHASE, capacity=120.0))

    def swings(plan: object) -> float:
        return float(plan.products["production"].diff().abs().sum())  # type: ignore[attr-defined]

    assert swings(level) < 0.5 * swings(cost)
    assert level.products["inventory"].sum() > cost.products["inventory"].sum()
    assert chase.products["inventory"].sum() < cost.products["inventory"].sum()
    assert cost.total_cost <= min(level.total_cost, chase.total_cost) + 1e-6
    # the strategy penalty steers the plan but is not money
    assert "strategy_penalty" not in level.cost_breakdown()


def test_safety_stock_is_kept_when_capacity_allows_and_reported_when_not() -> None:
    problem = _seasonal(Strategy.COST, capacity=200.0)
    ss = pd.DataFrame({"product_id": "P1", "period": problem.periods, "safety_stock": 20.0})
    plan = plan_supply(dataclasses.replace(problem, safety_stock=ss))
    assert (plan.products["inventory"] >= 20.0 - 1e-6).all()
    assert "Safety stock is kept in full in every month." in plan.explanation.sentences
    tight = plan_supply(
        dataclasses.replace(_seasonal(Strategy.COST, capacity=100.0), safety_stock=ss)
    )
    assert tight.products["below_safety_stock"].sum() > 0
    assert any("below safety stock" in s for s in tight.explanation.sentences)
    # dipping into safety stock comes before making customers wait
    assert (
        tight.explanation.late.empty
        or (tight.products.loc[tight.products["backlog"] > 0, "inventory"] < 1e-6).all()
    )


def test_matrix_has_one_column_per_decision_and_no_zero_entries() -> None:
    from snop.supply.model import build_lp
    from snop.supply.problem import prepare

    lp = build_lp(prepare(two_segments()))
    sizes = {name: block.size for name, block in lp.columns.items()}
    assert sizes == {"make": 3, "buy": 0, "inv": 3, "ship": 6, "back": 6, "owed_at_end": 2, "ot": 3}
    # balance per product-month, backlog per product-segment-month, owed at the end per
    # product-segment, capacity per resource-month
    assert lp.shape == (3 + 6 + 2 + 3, 23)
    assert not np.any(lp.matrix.data == 0)


def _owed(problem: SupplyProblem, by_segment: dict[str, float]) -> SupplyProblem:
    inventory = problem.inventory.assign(backlog=sum(by_segment.values()))
    known = pd.DataFrame(
        {"product_id": "P1", "segment": list(by_segment), "quantity": list(by_segment.values())}
    )
    return dataclasses.replace(problem, inventory=inventory, segment_backlog=known)


def test_an_opening_backlog_known_by_segment_is_owed_to_that_segment() -> None:
    # 30 owed to Key, 70 hours in January: Key needs 90, so 20 stay owed to Key and
    # all of Spot's 40 wait; split by demand share, Key would owe only 78 - 70 = 8.
    plan = plan_supply(_owed(two_segments(capacity=70.0), {"Key": 30.0}))
    january = plan.segments[plan.segments["period"] == "2027-01"].set_index("segment")
    assert january.loc["Key", "backlog"] == pytest.approx(20.0)
    assert january.loc["Spot", "backlog"] == pytest.approx(40.0)


def test_a_segment_backlog_that_disagrees_with_the_inventory_is_split_instead() -> None:
    problem = _owed(two_segments(capacity=70.0), {"Key": 30.0})
    problem = dataclasses.replace(problem, inventory=problem.inventory.assign(backlog=50.0))
    plan = plan_supply(problem)
    january = plan.segments[plan.segments["period"] == "2027-01"].set_index("segment")
    # 50 split by the horizon's demand, 180 : 170; Key served first from 70 hours.
    key_owed = 60.0 + 50.0 * 180.0 / 350.0
    assert january.loc["Key", "backlog"] == pytest.approx(key_owed - 70.0)
    assert january.loc["Spot", "backlog"] == pytest.approx(40.0 + 50.0 - (key_owed - 60.0))


def _explicit_floor_rows(
    b: model._Builder, x: np.ndarray, z: np.ndarray, constant: np.ndarray
) -> None:
    """The floor as the row it stands for, stock + shortfall >= floor (no substitution)."""
    rows = b.add_rows("safety_stock", pd.DataFrame({"j": np.arange(len(x))}), constant, np.inf)
    b.add_terms(rows.start + np.arange(rows.size), x, 1.0)
    b.add_terms(rows.start + np.arange(rows.size), z, 1.0)


@pytest.mark.parametrize("strategy", [Strategy.COST, Strategy.CHASE, Strategy.LEVEL])
def test_the_safety_floor_costs_no_row_and_plans_as_the_explicit_row_does(
    strategy: Strategy, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = _seasonal(strategy, capacity=90.0)
    floors = [30.0, 10.0, 40.0, 0.0, 25.0, 15.0]
    ss = pd.DataFrame({"product_id": "P1", "period": problem.periods, "safety_stock": floors})
    products = problem.products.assign(end_inventory=20.0)
    problem = dataclasses.replace(problem, safety_stock=ss, products=products)
    substituted = plan_supply(problem)
    lp = model.build_lp(prepare(problem))
    assert "safety_stock" not in lp.rows and lp.substitution.size == 5
    monkeypatch.setattr(model._Builder, "substitute", _explicit_floor_rows)
    explicit = plan_supply(problem)
    assert model.build_lp(prepare(problem)).rows["safety_stock"].size == 5
    assert substituted.products["below_safety_stock"].sum() > 1.0  # the floor gives way
    assert substituted.objective == pytest.approx(explicit.objective, rel=1e-9)
    assert substituted.cost_breakdown() == pytest.approx(explicit.cost_breakdown(), abs=1e-6)
    stock = substituted.products["inventory"].to_numpy()
    below = substituted.products["below_safety_stock"].to_numpy()
    assert (stock >= -1e-9).all()
    np.testing.assert_allclose(np.maximum(np.array(floors) - stock, 0.0), below, atol=1e-6)
