"""The closed loop: what is known when, lead times, the fence, backlog, bad decisions."""

from __future__ import annotations

import pandas as pd
import pytest

from simulate_cases import ORDERS, world
from snop.errors import InvalidInput
from snop.frames import period_range
from snop.simulate.engine import SimulationSettings, simulate
from snop.simulate.policies import Decision, PolicyContext

SETTINGS = SimulationSettings(first_month="2026-07", months=6, warm_up=0, opening_cover=0.0)


def make(quantities: dict[str, float]) -> object:
    """A policy that starts the same quantities every month it decides."""

    def policy(context: PolicyContext) -> pd.DataFrame:
        rows = [
            (product, month, quantity)
            for month in context.months_to_decide
            for product, quantity in quantities.items()
        ]
        return pd.DataFrame(rows, columns=["product_id", "period", "quantity"])

    return policy


def test_making_exactly_the_orders_with_no_lead_time_serves_everything_on_time() -> None:
    company = world(lead_time=0)
    result = simulate(company, {"exact": make({"A": 20.0, "B": 20.0})}, SETTINGS)  # type: ignore[dict-item]
    run = result.runs["exact"]
    assert run.lines["on_time"].sum() == pytest.approx(run.lines["ordered"].sum())
    assert run.stock["on_hand"].max() == pytest.approx(0.0)
    assert run.stock["backlog"].max() == pytest.approx(0.0)


def test_units_are_conserved_and_arrive_after_the_lead_time() -> None:
    company = world()  # B takes a month
    settings = SimulationSettings(first_month="2026-07", months=4, warm_up=0, opening_cover=1.0)
    result = simulate(company, {"steady": make({"A": 25.0, "B": 15.0})}, settings)  # type: ignore[dict-item]
    stock = result.runs["steady"].stock.set_index(["product_id", "period"])
    # B: 20 on hand and 20 arriving in July (the opening pipeline); each month's 15 land a
    # month later.
    arrivals = stock.loc["B", "arrivals"]
    assert arrivals.to_dict() == {
        "2026-07": 20.0,
        "2026-08": 15.0,
        "2026-09": 15.0,
        "2026-10": 15.0,
    }
    for product in ("A", "B"):
        rows = stock.loc[product]
        opening = 20.0 + (20.0 if product == "B" else 0.0)
        shipped = rows["shipped"].sum()
        left = rows["on_hand"].iloc[-1]
        in_transit = 15.0 if product == "B" else 0.0  # October's start arrives in November
        assert opening + rows["made"].sum() == pytest.approx(shipped + left + in_transit)
        ordered = 4 * 2 * ORDERS
        assert shipped + rows["backlog"].iloc[-1] == pytest.approx(ordered)


def test_a_policy_sees_only_the_months_before_its_own() -> None:
    seen: list[tuple[str, str]] = []

    def policy(context: PolicyContext) -> pd.DataFrame:
        seen.append((context.month, str(context.history["period"].max())))
        return pd.DataFrame(columns=["product_id", "period", "quantity"])

    simulate(world(), {"peek": policy}, SETTINGS)
    assert [m for m, _ in seen] == period_range("2026-07", "2026-12")
    assert all(last < month for month, last in seen)


def test_orders_that_cannot_ship_wait_and_ship_late() -> None:
    company = world(lead_time=0)

    def policy(context: PolicyContext) -> pd.DataFrame:
        quantity = 0.0 if context.month == "2026-07" else 40.0
        return pd.DataFrame(
            [(p, m, quantity) for m in context.months_to_decide for p in ("A", "B")],
            columns=["product_id", "period", "quantity"],
        )

    settings = SimulationSettings(first_month="2026-07", months=2, warm_up=0, opening_cover=0.0)
    run = simulate(company, {"late": policy}, settings).runs["late"]
    july = run.lines[run.lines["period"] == "2026-07"]
    assert july["on_time"].sum() == 0.0
    august = run.shipments[run.shipments["period"] == "2026-08"]
    # 40 made of A: July's 20 (late, Key first) and August's 20 (on time).
    late = august[august["ordered_in"] == "2026-07"]
    assert late.groupby("product_id")["quantity"].sum().to_dict() == {"A": 20.0, "B": 20.0}
    assert run.stock.set_index(["product_id", "period"]).loc[("A", "2026-08"), "backlog"] == 0.0


def test_the_fence_holds_what_an_earlier_decision_started() -> None:
    calls: list[str] = []

    def policy(context: PolicyContext) -> Decision:
        calls.append(context.month)
        quantity = float(len(calls))  # each decision asks something new
        rows = [(p, m, quantity) for m in context.months_to_decide for p in ("A", "B")]
        held = context.committed
        assert set(held["period"]) <= set(context.months_to_decide)
        return Decision(production=pd.DataFrame(rows, columns=["product_id", "period", "quantity"]))

    settings = SimulationSettings(
        first_month="2026-07", months=4, warm_up=0, frozen_months=1, opening_cover=0.0
    )
    run = simulate(world(), {"fenced": policy}, settings).runs["fenced"]
    made = run.stock[run.stock["product_id"] == "A"].set_index("period")["made"]
    # July: the first decision (1), which also fixes August at 1; September is the value
    # decided in August (2), October the one decided in September (3).
    assert made.to_dict() == {"2026-07": 1.0, "2026-08": 1.0, "2026-09": 2.0, "2026-10": 3.0}


def test_subcontracting_only_where_allowed_and_up_to_its_limit() -> None:
    def policy(context: PolicyContext) -> Decision:
        empty = pd.DataFrame(columns=["product_id", "period", "quantity"])
        buy = pd.DataFrame(
            {"product_id": ["A", "B"], "period": context.month, "quantity": [7.0, 7.0]}
        )
        return Decision(production=empty, subcontract=buy)

    run = simulate(world(), {"buy": policy}, SETTINGS).runs["buy"]
    bought = run.stock.groupby("product_id")["bought"].max().to_dict()
    assert bought == {"A": 0.0, "B": 5.0}  # A may not be bought in; B at most 5


def test_a_bad_decision_names_the_policy_month_and_column() -> None:
    def policy(context: PolicyContext) -> pd.DataFrame:
        return pd.DataFrame(
            {"product_id": ["A", "Z"], "period": context.month, "quantity": [-5, 1]}
        )

    with pytest.raises(InvalidInput) as error:
        simulate(world(), {"mine": policy}, SETTINGS)
    messages = [i.message for i in error.value.issues]
    assert all(m.startswith("policy mine in 2026-07: production") for m in messages)
    assert {i.code for i in error.value.issues} == {"negative_value", "unknown_key"}

    def no_quantity(context: PolicyContext) -> pd.DataFrame:
        return pd.DataFrame({"product_id": ["A"], "period": [context.month]})

    with pytest.raises(InvalidInput) as error:
        simulate(world(), {"mine": no_quantity}, SETTINGS)
    assert error.value.issues[0].column == "quantity"


def test_settings_need_history_before_and_orders_for_every_month() -> None:
    policy = make({"A": 1.0})
    with pytest.raises(InvalidInput) as error:
        simulate(world(), {"p": policy}, SimulationSettings(first_month="2025-06", months=3))  # type: ignore[dict-item]
    assert error.value.issues[0].code == "too_little_history"
    with pytest.raises(InvalidInput) as error:
        simulate(world(), {"p": policy}, SimulationSettings(first_month="2026-10", months=6))  # type: ignore[dict-item]
    assert "ends in 2026-12" in error.value.issues[0].message
    with pytest.raises(InvalidInput) as error:
        simulate(world(), {}, SETTINGS)
    assert error.value.issues[0].code == "empty_input"
