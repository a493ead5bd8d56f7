"""Demand profile: ABC, XYZ, Syntetos-Boylan classes, trend, seasonality, life, segments."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from scipy.stats import theilslopes

from snop.demand.profile import (
    DEMAND_CLASSES,
    ERRATIC,
    INTERMITTENT,
    LUMPY,
    NO_DEMAND,
    SMOOTH,
    DemandProfile,
    _theil_sen_slopes,
    demand_profile,
)
from snop.demo.company import build_demo_company
from snop.errors import InvalidInput
from snop.frames import period_range, shift_period

FIRST = "2023-01"
SEGMENTS = pd.DataFrame(
    {"segment": ["Retail", "Key"], "service_target": [0.95, 0.98], "priority": [2, 1]}
)
CUSTOMERS = pd.DataFrame(
    {"customer_id": ["K1", "R1", "R2"], "segment": ["Key", "Retail", "Retail"]}
)


def months(count: int) -> list[str]:
    return period_range(FIRST, shift_period(FIRST, count - 1))


def history_of(
    series: dict[str, list[float]], customer: str = "K1", shipped_share: float = 1.0
) -> pd.DataFrame:
    """One customer's orders: a list of monthly quantities per product, from FIRST."""
    rows = [
        (period, product, customer, float(qty), float(qty) * shipped_share)
        for product, values in series.items()
        for period, qty in zip(months(len(values)), values, strict=True)
        if qty > 0
    ]
    return pd.DataFrame(rows, columns=["period", "product_id", "customer_id", "ordered", "shipped"])


def products_of(ids: list[str], price: float | dict[str, float] = 1.0, **columns: object):
    prices = price if isinstance(price, dict) else dict.fromkeys(ids, price)
    frame = pd.DataFrame(
        {
            "product_id": ids,
            "family": "F",
            "price": [prices[i] for i in ids],
            "status": "active",
            "launch_period": None,
            "end_period": None,
        }
    )
    for column, values in columns.items():
        frame[column] = values
    return frame


def profile(history: pd.DataFrame, products: pd.DataFrame, **kwargs: object) -> DemandProfile:
    return demand_profile(history, products, CUSTOMERS, SEGMENTS, **kwargs)  # type: ignore[arg-type]


def row(frame: pd.DataFrame, product_id: str) -> pd.Series:
    return frame.set_index("product_id").loc[product_id]


# --- ABC -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revenues", "expected"),
    [
        # Ranked before each: 0, 50, 80, 95, 99 % -> starting at exactly 80 % is B, 95 % is C.
        ([50, 30, 15, 4, 1], ["A", "A", "B", "C", "C"]),
        # Before: 0, 40, 70 (crosses 80 -> A), 90 (crosses 95 -> B), 96 -> C.
        ([40, 30, 20, 6, 4], ["A", "A", "A", "B", "C"]),
    ],
)
def test_abc_ranks_by_revenue_with_the_crossing_item_in_the_higher_class(
    revenues: list[int], expected: list[str]
) -> None:
    ids = ["P1", "P2", "P3", "P4", "P5"]
    # Revenue is units x price: the quantities are halved and the prices doubled.
    history = history_of({pid: [rev / 2] for pid, rev in zip(ids, revenues, strict=True)})
    products = products_of(ids[::-1], price=2.0)  # input order must not matter
    result = profile(history, products).by_product
    assert list(result["product_id"]) == ids
    assert list(result["abc"]) == expected
    assert list(result["revenue"]) == [float(r) for r in revenues]
    assert result["revenue_share"].to_numpy() == pytest.approx(np.array(revenues) / 100)


def test_abc_ties_are_ranked_by_product_id_and_no_revenue_is_c() -> None:
    history = history_of({"P2": [40], "P1": [40], "P3": [20]})
    result = profile(history, products_of(["P1", "P2", "P3", "P4"])).by_product
    # P1 (before 0) and P2 (before 40 %) are A; P3 starts at 80 % so is B; P4 sold nothing.
    assert list(result["abc"]) == ["A", "A", "B", "C"]
    assert row(result, "P4")["revenue_share"] == 0.0


# --- XYZ and Syntetos-Boylan ---------------------------------------------------------------


def test_xyz_from_the_coefficient_of_variation_including_zero_months() -> None:
    history = history_of(
        {
            "FLAT": [10.0] * 12,  # cv 0
            "HALF": [5.0, 15.0] * 6,  # std 5 / mean 10 = 0.5 exactly -> X
            "ONE": [0.0, 20.0] * 6,  # std 10 / mean 10 = 1.0 exactly -> Y
            "WILD": [0.0, 0.0, 30.0] * 4,  # std sqrt(200) / mean 10 -> Z
        }
    )
    result = profile(history, products_of(["FLAT", "HALF", "ONE", "WILD", "NONE"])).by_product
    result = result.set_index("product_id")
    assert result["cv"].to_dict() == pytest.approx(
        {"FLAT": 0.0, "HALF": 0.5, "ONE": 1.0, "WILD": np.sqrt(200) / 10, "NONE": np.nan},
        nan_ok=True,
    )
    assert result["xyz"].to_dict() == {
        "FLAT": "X",
        "HALF": "X",
        "ONE": "Y",
        "WILD": "Z",
        "NONE": None,
    }


def test_each_syntetos_boylan_class_from_a_hand_made_series() -> None:
    history = history_of(
        {
            "SMOOTH": [10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11],
            "ERRATIC": [1, 30, 2, 25, 1, 40, 3, 20, 1, 35, 2, 30],
            "INTERMITTENT": [0, 10] * 6,
            "LUMPY": [0, 2, 0, 0, 40, 0, 5, 0, 0, 60, 0, 0],
        }
    )
    ids = ["SMOOTH", "ERRATIC", "INTERMITTENT", "LUMPY", "NONE"]
    result = profile(history, products_of(ids)).by_product.set_index("product_id")
    assert result["demand_class"].to_dict() == {
        "SMOOTH": SMOOTH,
        "ERRATIC": ERRATIC,
        "INTERMITTENT": INTERMITTENT,
        "LUMPY": LUMPY,
        "NONE": NO_DEMAND,
    }
    assert result.loc["SMOOTH", "adi"] == 1.0
    assert result.loc["INTERMITTENT", ["adi", "cv2"]].tolist() == [2.0, 0.0]
    # Sizes 2, 40, 5, 60: mean 26.75, population variance 591.6875.
    assert result.loc["LUMPY", "adi"] == 3.0
    assert result.loc["LUMPY", "cv2"] == pytest.approx(591.6875 / 26.75**2)
    assert result.loc["NONE", "adi"] == np.inf
    assert result.loc["NONE", "cv2"] == 0.0
    assert result.loc["NONE", "months"] == 12


def test_class_cut_offs_are_inclusive_on_the_upper_side() -> None:
    # Sizes 3 and 17: variance 49, mean 10 -> CV² = 0.49 exactly -> erratic, not smooth.
    every_month = profile(history_of({"P1": [3, 17] * 6}), products_of(["P1"])).by_product
    assert every_month.loc[0, ["adi", "cv2", "demand_class"]].tolist() == [1.0, 0.49, ERRATIC]
    # 25 demand months in 33: ADI = 1.32 exactly -> intermittent, not smooth.
    sparse = profile(history_of({"P1": [10, 10, 10, 0] * 8 + [10]}), products_of(["P1"])).by_product
    assert sparse.loc[0, ["adi", "cv2", "demand_class"]].tolist() == [1.32, 0.0, INTERMITTENT]


# --- trend and seasonality -----------------------------------------------------------------


def test_a_sine_is_seasonal_and_a_ramp_trends() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(36)
    noise = rng.normal(0, 3, size=(4, 36))
    history = history_of(
        {
            "SINE": list(np.round(100 + 50 * np.sin(2 * np.pi * t / 12) + noise[0], 1)),
            "RISE": list(np.round(100 + 5 * t + noise[1], 1)),
            "FALL": list(np.round(300 - 5 * t + noise[2], 1)),
            "NOISE": list(np.round(100 + 10 * noise[3], 1)),
        }
    )
    result = profile(history, products_of(["SINE", "RISE", "FALL", "NOISE"])).by_product
    result = result.set_index("product_id")
    assert result.loc["SINE", "seasonal_strength"] > 0.9
    assert result.loc["SINE", ["seasonal", "trend"]].tolist() == [True, "flat"]
    assert result.loc["RISE", "trend_strength"] > 0.9
    assert result.loc["RISE", ["seasonal", "trend"]].tolist() == [False, "up"]
    assert result.loc["FALL", "trend"] == "down"
    assert result.loc["NOISE", ["seasonal", "trend"]].tolist() == [False, "flat"]


def test_no_decomposition_below_two_seasons_or_for_sporadic_demand() -> None:
    history = history_of({"SHORT": [10, 12, 9, 11] * 5, "SPORADIC": [0, 10, 0, 12] * 9})
    result = profile(history, products_of(["SHORT", "SPORADIC"])).by_product
    assert result["trend_strength"].isna().all()
    assert result["seasonal_strength"].isna().all()
    assert not result["seasonal"].any()


def test_without_stl_a_trend_must_be_significant() -> None:
    # Intermittent demand that clearly dies out, and one with no direction at all.
    history = history_of(
        {
            "DYING": [30, 25, 0, 20, 20, 0, 15, 12, 0, 10, 8, 0, 6, 5, 0, 4, 3, 0, 2] + [0] * 5,
            "STEADY": [0, 10, 0, 10] * 6,
        }
    )
    result = profile(history, products_of(["DYING", "STEADY"])).by_product.set_index("product_id")
    assert result.loc["DYING", "demand_class"] in (INTERMITTENT, LUMPY)
    assert result.loc["DYING", "trend"] == "down"
    assert result.loc["STEADY", "trend"] == "flat"


def test_theil_sen_slopes_match_scipy() -> None:
    rng = np.random.default_rng(3)
    demand = rng.gamma(2.0, 10.0, size=(20, 30))
    demand[rng.random((20, 30)) < 0.3] = 0.0
    demand[5, :7] = np.nan  # a product launched in the window
    demand[6, 20:] = np.nan  # and one that ended
    expected = [theilslopes(r[~np.isnan(r)], np.arange((~np.isnan(r)).sum())).slope for r in demand]
    assert _theil_sen_slopes(demand) == pytest.approx(np.array(expected))


# --- which months count --------------------------------------------------------------------


def test_months_before_launch_and_after_the_end_are_not_zeros() -> None:
    history = history_of(
        {
            "OLD": [10] * 12,
            "LAUNCHED": [0] * 8 + [10] * 4,  # launch_period = month 9
            "NEW": [0] * 6 + [10] * 6,  # new, no launch_period: counted from its first order
            "LATE": [0] * 8 + [10] * 4,  # active, no launch: the zeros count
            "ENDED": [10] * 6,  # end_period = month 6
            "EARLY": [0] * 3 + [10] * 9,  # ordered before its launch_period: still counted
        }
    )
    p = months(12)
    ids = ["OLD", "LAUNCHED", "NEW", "LATE", "ENDED", "EARLY"]
    products = products_of(
        ids,
        status=["active", "new", "new", "active", "phase_out", "new"],
        launch_period=[None, p[8], None, None, None, p[5]],
        end_period=[None, None, None, None, p[5], None],
    )
    result = profile(history, products).by_product.set_index("product_id")
    assert result["months"].to_dict() == {
        "OLD": 12,
        "LAUNCHED": 4,
        "NEW": 6,
        "LATE": 12,
        "ENDED": 6,
        "EARLY": 9,
    }
    assert result.loc["LAUNCHED", ["adi", "cv", "demand_class"]].tolist() == [1.0, 0.0, SMOOTH]
    assert result.loc["LATE", ["adi", "demand_class"]].tolist() == [3.0, INTERMITTENT]
    assert result.loc["ENDED", "demand_class"] == SMOOTH


def test_periods_restrict_the_window() -> None:
    history = history_of({"P1": [0, 0, 0, 10, 10, 10]})
    result = profile(history, products_of(["P1"]), periods=months(6)[3:]).by_product
    assert result.loc[0, ["months", "total_ordered", "demand_class"]].tolist() == [3, 30.0, SMOOTH]
    earlier = profile(history, products_of(["P1"]), periods=months(3)).by_product
    assert earlier.loc[0, ["months", "total_ordered", "demand_class"]].tolist() == [
        3,
        0.0,
        NO_DEMAND,
    ]


# --- fill rate and segments ----------------------------------------------------------------


def test_fill_rate_and_the_split_by_segment() -> None:
    history = pd.concat(
        [
            history_of({"P1": [30, 30], "P2": [10, 10]}, customer="K1"),  # Key: all shipped
            history_of({"P1": [10, 10]}, customer="R1", shipped_share=0.5),
            history_of({"P1": [0, 20]}, customer="R2", shipped_share=0.9),
        ],
        ignore_index=True,
    )
    result = profile(history, products_of(["P1", "P2"], price={"P1": 2.0, "P2": 1.0}))
    product = result.by_product.set_index("product_id")
    assert product.loc["P1", ["total_ordered", "total_shipped", "segments"]].tolist() == [
        100.0,
        88.0,
        2,
    ]
    assert product.loc["P1", "fill_rate"] == pytest.approx(0.88)
    assert product.loc["P2", ["fill_rate", "segments"]].tolist() == [1.0, 1]

    split = result.by_product_segment
    assert list(split.columns[:5]) == [
        "product_id",
        "family",
        "segment",
        "service_target",
        "priority",
    ]
    assert split[["product_id", "segment", "priority"]].values.tolist() == [
        ["P1", "Key", 1],
        ["P1", "Retail", 2],
        ["P2", "Key", 1],
    ]
    retail = split.set_index(["product_id", "segment"]).loc[("P1", "Retail")]
    assert retail[["months", "total_ordered", "total_shipped", "service_target"]].tolist() == [
        2,
        40.0,
        28.0,
        0.95,
    ]
    assert retail["fill_rate"] == pytest.approx(0.7)
    # Shares rank products within each segment: Key buys P1 for 120 and P2 for 20.
    key = split.loc[split["segment"] == "Key"].set_index("product_id")
    assert key["revenue_share"].to_dict() == pytest.approx({"P1": 120 / 140, "P2": 20 / 140})
    assert "segment" not in result.by_product.columns


def test_summary_counts_products_per_abc_and_demand_class() -> None:
    # Revenues 120, 18, 6 of 144: P2 starts at 83 % (B), P3 at 96 % (C)
    history = history_of({"P1": [10] * 12, "P2": [0, 3] * 6, "P3": [0, 1] * 6})
    summary = profile(history, products_of(["P1", "P2", "P3", "P4"])).summary()
    assert list(summary["abc"]) == ["A", "B", "C", "all"]
    assert list(summary.columns) == [
        "abc",
        *DEMAND_CLASSES,
        "products",
        "seasonal",
        "revenue_share",
    ]
    table = summary.set_index("abc")
    assert table.loc["A", ["smooth", "products"]].tolist() == [1, 1]
    assert table.loc["B", ["intermittent", "products"]].tolist() == [1, 1]
    assert table.loc["C", ["intermittent", "no demand", "products"]].tolist() == [1, 1, 2]
    assert table.loc["all", "products"] == 4
    assert table.loc["all", "revenue_share"] == pytest.approx(1.0)


# --- validation ----------------------------------------------------------------------------


def test_missing_columns_are_all_reported() -> None:
    history = history_of({"P1": [1]}).drop(columns="shipped")
    customers = CUSTOMERS.drop(columns="segment")
    with pytest.raises(InvalidInput) as caught:
        demand_profile(history, products_of(["P1"]), customers, SEGMENTS)
    issues = caught.value.issues
    assert [(i.code, i.column, i.sheet) for i in issues] == [
        ("missing_column", "shipped", None),
        ("missing_column", "segment", None),
    ]


def test_bad_values_are_all_reported() -> None:
    history = history_of({"P1": [1, 2], "P9": [3]})
    history.loc[1, "period"] = "2023-13"
    history.loc[0, "ordered"] = -1.0
    with pytest.raises(InvalidInput) as caught:
        profile(history, products_of(["P1"]))
    codes = {(i.code, i.column) for i in caught.value.issues}
    assert codes == {
        ("bad_period", "period"),
        ("out_of_range", "ordered"),
        ("unknown_reference", "product_id"),
    }
    with pytest.raises(InvalidInput, match="1 error"):
        profile(history_of({"P1": [1]}), products_of(["P1"]), periods=["2023-01", "2023-03"])


# --- the demo company ----------------------------------------------------------------------


@cache
def demo_profile() -> DemandProfile:
    sheets = build_demo_company(last_history_month="2026-10")
    return demand_profile(
        sheets["demand_history"], sheets["products"], sheets["customers"], sheets["segments"]
    )


def test_demo_company_shows_every_demand_class() -> None:
    by_product = demo_profile().by_product
    assert {SMOOTH, ERRATIC, INTERMITTENT, LUMPY} <= set(by_product["demand_class"])
    assert by_product["revenue_share"].sum() == pytest.approx(1.0)
    shares = demo_profile().by_product_segment.groupby("segment")["revenue_share"].sum()
    assert shares.to_numpy() == pytest.approx(np.ones(3))


def test_demo_company_tents_are_seasonal() -> None:
    by_product = demo_profile().by_product
    tents = by_product.loc[(by_product["family"] == "Tents")]
    # The erratic expedition tent's ±30 % season drowns in its order-size noise.
    smooth_tents = tents.loc[tents["demand_class"] == SMOOTH]
    assert len(smooth_tents) >= 5
    assert smooth_tents["seasonal"].all()
    assert (smooth_tents["seasonal_strength"] > 0.8).all()


def test_demo_company_new_product_counts_only_its_life() -> None:
    by_product = demo_profile().by_product.set_index("product_id")
    assert by_product.loc["BP-650", ["status", "months"]].tolist() == ["new", 5]
    assert (by_product.drop(index="BP-650")["months"] == 36).all()
