"""Inventory policy: safety factors, protection sigma, safety stock, days of supply.

Textbook cases are asserted with the rounding the source prints. Sources, and what each
one confirmed (only numbers read in a source are asserted):

- [CM-CSL] Chopra & Meindl, *Supply Chain Management: Strategy, Planning, and Operation*,
  chapter "Managing Uncertainty in a Supply Chain: Safety Inventory" (chapter 12 of the
  5th and 6th editions): weekly demand 2,500, SD 500, lead time 2 weeks, so the SD of
  lead-time demand is 707; the chapter's example worksheet gives a required safety
  inventory of 371 for a CSL of 0.70 and 1,163 for 0.95.
- [CM-HP] Same chapter, end-of-chapter exercise on HP printers at a Sam's Club store
  (numbered 11-4 in the 4th-edition solutions, 12-6 in a later edition's): weekly demand
  250, SD 150, lead time 2 weeks, orders of 1,000 at a reorder point of 600. Published
  solution: safety inventory 100, SD of lead-time demand 212, CSL 0.68 (0.681324056),
  ESC 43.86, fill rate 0.96.
- [CM-BB] Same chapter, exercise on cell phones at a Best Buy store under periodic review
  (12-4 in the same solutions): weekly SD 200, lead time 2 weeks, review every 3 weeks,
  CSL 0.95. Published solution: SD over review + lead time 447.2136, safety inventory 736.
- [ST-8] Stevenson, *Operations Management*, 14th edition, chapter 12 "Inventory
  Management", Example 8 (p. 528): lead-time demand with mean 50 tons and SD 5 tons,
  stockout risk 3 %: z = 1.88, safety stock 9.40 tons, reorder point 59.40 tons.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from snop.errors import InvalidInput
from snop.supply.policy import (
    Measure,
    days_of_supply,
    fill_rate_of,
    inventory_targets,
    normal_loss,
    protection_sigma,
    safety_factor_cycle_service,
    safety_factor_fill_rate,
    safety_stocks,
)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _codes(error: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {issue.code for issue in error.value.issues}


# --- normal loss and safety factors ------------------------------------------------------


def test_normal_loss_at_zero_is_the_density_at_zero() -> None:
    assert float(normal_loss(0.0)) == pytest.approx(1.0 / math.sqrt(2.0 * math.pi))


def test_normal_loss_satisfies_g_of_minus_k_minus_g_of_k_equals_k() -> None:
    k = np.array([-3.0, -0.5, 0.25, 1.0, 2.5])
    assert normal_loss(-k) - normal_loss(k) == pytest.approx(k)


def test_normal_loss_keeps_its_shape_and_tends_to_its_limits() -> None:
    k = np.array([[-50.0, 0.0], [8.0, 40.0]])
    loss = normal_loss(k)
    assert loss.shape == (2, 2)
    assert loss[0, 0] == pytest.approx(50.0)
    assert 0.0 <= loss[1, 0] < 1e-15
    assert loss[1, 1] == 0.0


def test_cycle_service_factor_is_the_normal_quantile() -> None:
    k = safety_factor_cycle_service([0.5, 0.9, 0.95])
    assert k == pytest.approx([0.0, 1.2815516, 1.6448536])


@pytest.mark.parametrize("csl", [0.0, 1.0, 95.0, -0.1])
def test_cycle_service_outside_zero_one_is_rejected(csl: float) -> None:
    with pytest.raises(InvalidInput) as error:
        safety_factor_cycle_service(csl)
    assert _codes(error) == {"invalid_target"}


def test_chopra_meindl_safety_inventory_for_a_cycle_service_level() -> None:
    # [CM-CSL]: sigma_L = 500 * sqrt(2 weeks) = 707; ss = Phi^-1(CSL) * sigma_L.
    sigma_l = 500.0 * math.sqrt(2.0)
    assert round(sigma_l) == 707
    ss = safety_factor_cycle_service([0.70, 0.95]) * sigma_l
    assert np.round(ss).tolist() == [371, 1163]


def test_stevenson_example_8_safety_stock_for_a_three_percent_stockout_risk() -> None:
    # [ST-8]: z from the table is 1.88; ss = z * 5 = 9.40 tons; ROP = 50 + 9.40.
    z = float(safety_factor_cycle_service(1 - 0.03))
    assert round(z, 2) == 1.88
    assert round(z * 5.0, 2) == 9.40
    assert round(50.0 + z * 5.0, 2) == 59.40


def test_chopra_meindl_hp_exercise_cycle_service_shortage_and_fill_rate() -> None:
    # [CM-HP]: ss = ROP - D * L = 600 - 500 = 100, sigma_L = 150 * sqrt(2) = 212.
    sigma_l = 150.0 * math.sqrt(2.0)
    safety = 600.0 - 250.0 * 2
    assert round(sigma_l) == 212
    assert round(_normal_cdf(safety / sigma_l), 9) == 0.681324056
    esc = sigma_l * float(normal_loss(safety / sigma_l))
    assert round(esc, 2) == 43.86
    assert round(float(fill_rate_of(safety, sigma_l, 1000.0)), 2) == 0.96
    # Inverting the published fill rate gives back the policy's safety inventory.
    k = float(safety_factor_fill_rate(1 - esc / 1000.0, sigma_l, 1000.0))
    assert k * sigma_l == pytest.approx(safety, abs=1e-6)


def test_chopra_meindl_best_buy_periodic_review_through_protection_sigma() -> None:
    # [CM-BB]: a 3-week review and a 2-week lead time protect 5 weeks, each with SD 200.
    # snop's review period is one period, so the same 5 periods are a lead time of 4.
    errors = pd.DataFrame(
        {"product_id": "phone", "segment": "store", "step": [1, 2, 3, 4, 5], "error_std": 200.0}
    )
    sigma = protection_sigma(errors, pd.Series({"phone": 4}))
    assert round(float(sigma["sigma"].iloc[0]), 4) == 447.2136
    demand = pd.DataFrame(
        {"product_id": ["phone"], "segment": ["store"], "period": ["2025-01"], "quantity": [300.0]}
    )
    by_segment, _ = safety_stocks(demand, sigma, pd.Series({"store": 0.95}), "cycle_service")
    assert round(float(by_segment["safety_stock"].iloc[0])) == 736


# --- fill rate ---------------------------------------------------------------------------


@pytest.mark.parametrize("fill_rate", [0.5, 0.9, 0.975, 0.99, 0.999])
@pytest.mark.parametrize(("sigma", "cycle_demand"), [(707.0, 10_000.0), (50.0, 100.0), (5.0, 1.0)])
def test_fill_rate_of_inverts_the_fill_rate_safety_factor(
    fill_rate: float, sigma: float, cycle_demand: float
) -> None:
    k = safety_factor_fill_rate(fill_rate, sigma, cycle_demand)
    assert float(fill_rate_of(k * sigma, sigma, cycle_demand)) == pytest.approx(fill_rate)


def test_fill_rate_factor_is_negative_when_the_cycle_stock_alone_reaches_the_target() -> None:
    # Allowed shortage 0.1 * 1,000 = 100 > sigma * G(0) = 40: no safety stock is needed.
    k = float(safety_factor_fill_rate(0.9, 100.0, 1000.0))
    assert k < 0
    assert 100.0 * float(normal_loss(k)) == pytest.approx(100.0)


def test_fill_rate_factor_broadcasts_and_handles_no_uncertainty_and_no_demand() -> None:
    k = safety_factor_fill_rate(0.95, np.array([0.0, 10.0, 10.0, np.nan]), [100, 0, 100, 100])
    assert k[0] == 0.0  # sigma 0: nothing to protect against
    assert k[1] == pytest.approx(1.6448536)  # no demand: read as a cycle service level
    assert np.isfinite(k[2])
    assert np.isnan(k[3])


def test_fill_rate_factor_rejects_bad_arguments_all_at_once() -> None:
    with pytest.raises(InvalidInput) as error:
        safety_factor_fill_rate([0.95, 1.0], [-1.0, 5.0], [-3.0, 5.0])
    assert _codes(error) == {"invalid_target", "negative_value"}
    assert len(error.value.issues) == 3


def test_fill_rate_of_without_uncertainty_or_demand() -> None:
    rate = fill_rate_of([0.0, -10.0, 5.0], [0.0, 0.0, 10.0], [100.0, 100.0, 0.0])
    assert rate[0] == 1.0
    assert rate[1] == pytest.approx(0.9)
    assert np.isnan(rate[2])


# --- protection sigma --------------------------------------------------------------------


ERRORS = pd.DataFrame(
    [
        # A retail: step 2 not measured, nothing measured beyond step 3.
        (1, "retail", 1, 2.0),
        (1, "retail", 2, np.nan),
        (1, "retail", 3, 4.0),
        # A online: only step 2 measured.
        (1, "online", 2, 3.0),
        # B retail: nothing measured at all.
        (2, "retail", 1, np.nan),
        # C has no lead time: left out.
        (3, "retail", 1, 1.0),
    ],
    columns=["product_id", "segment", "step", "error_std"],
)


def test_protection_sigma_adds_the_variances_of_lead_time_plus_one_months() -> None:
    table = protection_sigma(ERRORS, pd.Series({1: 3, 2: 0}))
    assert table.columns.tolist() == ["product_id", "segment", "lead_time", "sigma", "steps_used"]
    rows = {(r.product_id, r.segment): r for r in table.itertuples()}
    assert set(rows) == {(1, "online"), (1, "retail"), (2, "retail")}
    # Steps 1..4: 2; step 2 ties between steps 1 and 3, the later (4) wins; 4; beyond: 4.
    assert rows[1, "retail"].sigma == pytest.approx(math.sqrt(2**2 + 4**2 + 4**2 + 4**2))
    assert rows[1, "retail"].steps_used == 2
    assert rows[1, "retail"].lead_time == 3
    # Steps 1..4 all borrow step 2's error.
    assert rows[1, "online"].sigma == pytest.approx(math.sqrt(4 * 3.0**2))
    assert rows[1, "online"].steps_used == 1
    # Nothing measured: no sigma, reported by the caller.
    assert math.isnan(rows[2, "retail"].sigma)
    assert rows[2, "retail"].steps_used == 0


def test_protection_sigma_with_no_lead_time_protects_the_review_month_only() -> None:
    table = protection_sigma(ERRORS[ERRORS["product_id"] == 1], pd.Series({1: 0}))
    retail = table[table["segment"] == "retail"].iloc[0]
    assert retail["sigma"] == pytest.approx(2.0)
    assert retail["steps_used"] == 1


def test_protection_sigma_validates_its_inputs() -> None:
    errors = ERRORS.assign(error_std=[2.0, -1.0, 4.0, 3.0, np.nan, 1.0])
    with pytest.raises(InvalidInput) as error:
        protection_sigma(errors, pd.Series({1: -1, 2: 1.5}))
    assert _codes(error) == {"negative_value", "not_a_number"}
    assert len(error.value.issues) == 3
    with pytest.raises(InvalidInput) as error:
        protection_sigma(ERRORS.drop(columns="step"), pd.Series({1: 1}))
    assert _codes(error) == {"missing_column"}


# --- safety stocks -----------------------------------------------------------------------


SIGMA = pd.DataFrame(
    {
        "product_id": ["A", "A", "B"],
        "segment": ["retail", "online", "retail"],
        "lead_time": [1, 1, 2],
        "sigma": [30.0, 40.0, np.nan],
        "steps_used": [2, 2, 0],
    }
)
DEMAND = pd.DataFrame(
    [
        ("A", "retail", "2025-01", 100.0),
        ("A", "online", "2025-01", 50.0),
        ("A", "retail", "2025-02", 120.0),
        ("A", "online", "2025-02", 0.0),
        ("B", "retail", "2025-01", 10.0),
    ],
    columns=["product_id", "segment", "period", "quantity"],
)


def test_cycle_service_safety_stock_and_pooling_over_segments() -> None:
    # k = 1 for both segments: ss = sigma, so A pools to sqrt(30^2 + 40^2) = 50.
    csl = _normal_cdf(1.0)
    targets = pd.Series({"retail": csl, "online": csl})
    by_segment, by_product = safety_stocks(DEMAND, SIGMA, targets, "cycle_service")
    assert by_segment.columns.tolist() == [
        "product_id",
        "segment",
        "period",
        "sigma",
        "target",
        "k",
        "safety_stock",
    ]
    a_jan = by_segment[(by_segment["product_id"] == "A") & (by_segment["period"] == "2025-01")]
    assert a_jan.set_index("segment")["safety_stock"].to_dict() == pytest.approx(
        {"online": 40.0, "retail": 30.0}
    )
    pooled = by_product.set_index(["product_id", "period"])["safety_stock"]
    assert pooled["A", "2025-01"] == pytest.approx(50.0)
    assert pooled["A", "2025-02"] == pytest.approx(50.0)
    # B has no backtest: no sigma, no k, no safety stock.
    b = by_segment[by_segment["product_id"] == "B"].iloc[0]
    assert math.isnan(b["sigma"])
    assert math.isnan(b["k"])
    assert b["safety_stock"] == 0.0
    assert pooled["B", "2025-01"] == 0.0


def test_fill_rate_safety_stock_uses_the_months_demand_as_the_cycle_demand() -> None:
    targets = pd.Series({"retail": 0.98, "online": 0.98})
    by_segment, _ = safety_stocks(DEMAND, SIGMA, targets, "fill_rate")
    for row in by_segment[by_segment["product_id"] == "A"].itertuples():
        demand = DEMAND.set_index(["product_id", "segment", "period"]).loc[
            (row.product_id, row.segment, row.period), "quantity"
        ]
        if demand > 0:
            achieved = fill_rate_of(row.k * row.sigma, row.sigma, demand)
            assert float(achieved) == pytest.approx(0.98)
        assert row.safety_stock == pytest.approx(max(row.k * row.sigma, 0.0))


def test_a_negative_safety_factor_gives_no_safety_stock() -> None:
    demand = DEMAND.assign(quantity=[10_000.0, 10_000.0, 10_000.0, 10_000.0, 10.0])
    targets = pd.Series({"retail": 0.9, "online": 0.9})
    by_segment, _ = safety_stocks(demand, SIGMA, targets, "fill_rate")
    a = by_segment[by_segment["product_id"] == "A"]
    assert (a["k"] < 0).all()
    assert (a["safety_stock"] == 0.0).all()


@pytest.mark.parametrize("measure", ["fill_rate", "cycle_service"])
def test_a_higher_target_needs_more_stock(measure: Measure) -> None:
    stocks = []
    for target in (0.8, 0.9, 0.95, 0.99, 0.999):
        targets = pd.Series({"retail": target, "online": target})
        _, by_product = safety_stocks(DEMAND, SIGMA, targets, measure)
        stocks.append(by_product.loc[by_product["product_id"] == "A", "safety_stock"].to_numpy())
    assert all((later >= earlier).all() for earlier, later in zip(stocks, stocks[1:], strict=False))
    assert (stocks[-1] > stocks[0]).all()


def test_safety_stocks_collects_every_input_problem() -> None:
    demand = DEMAND.assign(period=["2025-01", "2025-1", "2025-02", "2025-02", "2025-01"])
    sigma = SIGMA.assign(sigma=[30.0, -40.0, np.nan])
    with pytest.raises(InvalidInput) as error:
        safety_stocks(demand, sigma, pd.Series({"retail": 95.0}), "fill_rate")
    assert _codes(error) == {"invalid_period", "negative_value", "invalid_target"}
    with pytest.raises(InvalidInput) as error:
        safety_stocks(DEMAND, SIGMA, pd.Series({"retail": 0.95}), "fill_rate")
    assert _codes(error) == {"missing_target"}
    assert "online" in str(error.value.issues[0])
    with pytest.raises(InvalidInput) as error:
        safety_stocks(DEMAND, SIGMA, pd.Series({"retail": 0.9, "online": 0.9}), "ss")  # type: ignore[arg-type]
    assert _codes(error) == {"invalid_argument"}


# --- days of supply and inventory targets ------------------------------------------------

# 2024 is a leap year: February has 29 days.
#            2024-02 (29 d)   2024-03 (31 d)   2024-04 (30 d)
# A demand    58 (2/day)       62 (2/day)       90 (3/day)
# The last 3 months average 210 / 90 days = 7/3 a day.
MONTHLY = pd.DataFrame(
    {
        "product_id": ["A", "A", "A"],
        "period": ["2024-02", "2024-03", "2024-04"],
        "quantity": [58.0, 62.0, 90.0],
    }
)


def test_days_of_supply_interpolates_within_months_of_different_lengths() -> None:
    inventory = pd.DataFrame(
        {
            "product_id": ["A", "A", "A", "A", "A", "B"],
            "period": ["2024-01", "2024-01", "2024-02", "2024-04", "2024-03", "2024-01"],
            "quantity": [100.0, 250.0, 100.0, 70.0, 0.0, 5.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    days = days_of_supply(inventory, MONTHLY)
    assert days.index.tolist() == [10, 11, 12, 13, 14, 15]
    assert days.name == "days_of_supply"
    # 100 after January: February takes 58 (29 days), 42 left at 2 a day = 21 days.
    assert days[10] == pytest.approx(29 + 21)
    # 250 outlasts the horizon: 90 days take 210, 40 left at 7/3 a day.
    assert days[11] == pytest.approx(90 + 40 / (7 / 3))
    # 100 after February: March takes 62 (31 days), 38 left at 3 a day in April.
    assert days[12] == pytest.approx(31 + 38 / 3)
    # After the last month: extrapolated right away.
    assert days[13] == pytest.approx(70 / (7 / 3))
    assert days[14] == 0.0
    # No demand at all.
    assert days[15] == math.inf


def test_days_of_supply_is_infinite_when_the_horizon_ends_without_demand() -> None:
    demand = pd.DataFrame(
        {"product_id": "A", "period": ["2024-01", "2024-02", "2024-03", "2024-04"]}
    ).assign(quantity=[31.0, 0.0, 0.0, 0.0])
    inventory = pd.DataFrame({"product_id": ["A"], "period": ["2023-12"], "quantity": [62.0]})
    assert days_of_supply(inventory, demand).iloc[0] == math.inf
    inventory = inventory.assign(quantity=[15.5])
    assert days_of_supply(inventory, demand).iloc[0] == pytest.approx(15.5)


def test_days_of_supply_sums_segments_and_validates() -> None:
    by_segment = pd.concat([MONTHLY.assign(segment="retail", quantity=MONTHLY["quantity"] / 2)] * 2)
    inventory = pd.DataFrame({"product_id": ["A"], "period": ["2024-01"], "quantity": [100.0]})
    assert days_of_supply(inventory, by_segment).iloc[0] == pytest.approx(50.0)
    with pytest.raises(InvalidInput) as error:
        days_of_supply(inventory.assign(period=["Jan 2024"]), MONTHLY.assign(quantity=-1.0))
    assert _codes(error) == {"invalid_period", "negative_value"}


def test_inventory_targets_add_one_month_of_demand_to_the_safety_stock() -> None:
    safety = pd.DataFrame(
        {
            "product_id": ["A", "A"],
            "period": ["2024-02", "2024-01"],
            "safety_stock": [38.0, 42.0],
        }
    )
    targets = inventory_targets(safety, MONTHLY)
    assert targets.columns.tolist() == [
        "product_id",
        "period",
        "min_units",
        "max_units",
        "min_days",
        "max_days",
    ]
    jan, feb = targets.itertuples()
    assert (jan.period, jan.min_units, jan.max_units) == ("2024-01", 42.0, 42.0)
    assert (feb.period, feb.min_units, feb.max_units) == ("2024-02", 38.0, 96.0)
    assert jan.min_days == pytest.approx(21)  # 42 at 2 a day in February
    assert feb.min_days == pytest.approx(19)  # 38 at 2 a day in March
    assert feb.max_days == pytest.approx(31 + 34 / 3)  # March takes 62, 34 left in April


def test_inventory_targets_reject_repeated_and_negative_safety_stock() -> None:
    safety = pd.DataFrame(
        {"product_id": ["A", "A"], "period": ["2024-01", "2024-01"], "safety_stock": [1.0, -1.0]}
    )
    with pytest.raises(InvalidInput) as error:
        inventory_targets(safety, MONTHLY)
    assert _codes(error) == {"negative_value"}
    with pytest.raises(InvalidInput) as error:
        inventory_targets(safety.assign(safety_stock=1.0), MONTHLY)
    assert _codes(error) == {"duplicate_key"}


PRIORITY_DEMAND = pd.DataFrame(
    [("P", "key", "2025-01", 100.0), ("P", "web", "2025-01", 20.0)],
    columns=["product_id", "segment", "period", "quantity"],
)
PRIORITY_SIGMA = pd.DataFrame(
    {"product_id": ["P", "P"], "segment": ["key", "web"], "sigma": [30.0, 10.0]}
)
PRIORITIES = pd.Series({"key": 1, "web": 2})


def test_with_priorities_the_lowest_segment_takes_every_shortage_first() -> None:
    # sigma_T = sqrt(30^2 + 10^2). key (first served) is short only when the overshoot
    # exceeds web's 20 units: z(0.95) sigma_T - 20; web needs z(0.80) sigma_T.
    targets = pd.Series({"key": 0.95, "web": 0.80})
    _, pooled = safety_stocks(PRIORITY_DEMAND, PRIORITY_SIGMA, targets, "cycle_service", PRIORITIES)
    total = math.sqrt(30.0**2 + 10.0**2)
    key_needs = 1.6448536 * total - 20.0
    web_needs = 0.8416212 * total
    assert pooled["safety_stock"].iloc[0] == pytest.approx(max(key_needs, web_needs), rel=1e-6)


def test_with_priorities_a_small_last_segment_gets_its_fill_rate() -> None:
    targets = pd.Series({"key": 0.98, "web": 0.90})
    _, pooled = safety_stocks(PRIORITY_DEMAND, PRIORITY_SIGMA, targets, "fill_rate", PRIORITIES)
    stock = float(pooled["safety_stock"].iloc[0])
    total = math.sqrt(30.0**2 + 10.0**2)
    # Every shortage falls on web first: its fill rate is 1 - sigma_T G(ss / sigma_T) / 20.
    assert float(fill_rate_of(stock, total, 20.0)) == pytest.approx(0.90)
    # key sees a shortage only beyond web's 20 units, and then gets at least its 98%.
    assert float(fill_rate_of(stock + 20.0, total, 100.0)) >= 0.98 - 1e-9
    # Pooling as if shortages were shared would leave web short of its target.
    _, shared = safety_stocks(PRIORITY_DEMAND, PRIORITY_SIGMA, targets, "fill_rate")
    assert float(fill_rate_of(float(shared["safety_stock"].iloc[0]), total, 20.0)) < 0.90


def test_with_priorities_one_segment_is_its_own_safety_stock() -> None:
    one = PRIORITY_DEMAND.iloc[[0]]
    targets = pd.Series({"key": 0.95})
    by_segment, pooled = safety_stocks(
        one, PRIORITY_SIGMA.iloc[[0]], targets, "fill_rate", PRIORITIES
    )
    assert pooled["safety_stock"].iloc[0] == pytest.approx(by_segment["safety_stock"].iloc[0])
