"""Forecast accuracy by level and lag, FVA, and error per horizon, checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from snop.demand.accuracy import (
    accuracy_by_horizon,
    error_table,
    forecast_value_added,
    summarise,
)
from snop.errors import InvalidInput

FAMILY = {"A": "tents", "B": "tents", "C": "stoves", "Y": "f", "Z": "f"}

# Actual demand, product x segment x period. A online has no row in 2024-03 (= 0).
#            2024-02  2024-03  2024-04
# A retail     10       20       30
# A online      0        -       10
# B retail     40        0       20
# B online     10       10       10
# product A    10       20       40
# product B    50       10       30
# total        60       30       70
ACTUALS = [
    ("2024-02", "A", "retail", 10),
    ("2024-03", "A", "retail", 20),
    ("2024-04", "A", "retail", 30),
    ("2024-02", "A", "online", 0),
    ("2024-04", "A", "online", 10),
    ("2024-02", "B", "retail", 40),
    ("2024-03", "B", "retail", 0),
    ("2024-04", "B", "retail", 20),
    ("2024-02", "B", "online", 10),
    ("2024-03", "B", "online", 10),
    ("2024-04", "B", "online", 10),
]

# Statistical forecast, two snapshots; 2024-05 has no actuals yet and is dropped.
#                 cutoff 2024-01            cutoff 2024-02
#               02(l1) 03(l2) 04(l3)     03(l1) 04(l2) 05(l3)
# A retail        12     18     30         25     30     30
# A online         0      0     10          0     10     10
# B retail        30     10     26          5     20     20
# B online        10     10     10         10     10     10
STATISTICAL = {
    ("2024-01", "A", "retail"): (12, 18, 30),
    ("2024-01", "A", "online"): (0, 0, 10),
    ("2024-01", "B", "retail"): (30, 10, 26),
    ("2024-01", "B", "online"): (10, 10, 10),
    ("2024-02", "A", "retail"): (25, 30, 30),
    ("2024-02", "A", "online"): (0, 10, 10),
    ("2024-02", "B", "retail"): (5, 20, 20),
    ("2024-02", "B", "online"): (10, 10, 10),
}

# Lag-1 forecasts only (cutoff 2024-01 -> 2024-02, cutoff 2024-02 -> 2024-03).
#                 naive           consensus
#               02     03        02     03
# A retail      20     10        15     25
# A online       0      0         0      0
# B retail      20     20        38      5
# B online      10     10        10     10
LAG1 = {
    "naive": {("A", "retail"): (20, 10), ("A", "online"): (0, 0), ("B", "retail"): (20, 20)},
    "consensus": {
        ("A", "retail"): (15, 25),
        ("A", "online"): (0, 0),
        ("B", "retail"): (38, 5),
    },
}


def actuals_frame(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "product_id", "segment", "quantity"])
    frame["family"] = frame["product_id"].map(FAMILY)
    return frame


def forecast_rows(
    stream: str, cutoff: str, product: str, segment: str, quantities: tuple[float, ...]
) -> list[dict[str, object]]:
    first = int(cutoff[5:]) + 1
    return [
        {
            "cutoff": cutoff,
            "period": f"2024-{first + i:02d}",
            "product_id": product,
            "family": FAMILY[product],
            "segment": segment,
            "stream": stream,
            "quantity": q,
        }
        for i, q in enumerate(quantities)
    ]


def forecasts_frame() -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for (cutoff, product, segment), quantities in STATISTICAL.items():
        rows += forecast_rows("statistical", cutoff, product, segment, quantities)
    for stream, cells in LAG1.items():
        for (product, segment), (feb, mar) in cells.items():
            rows += forecast_rows(stream, "2024-01", product, segment, (feb,))
            rows += forecast_rows(stream, "2024-02", product, segment, (mar,))
        rows += forecast_rows(stream, "2024-01", "B", "online", (10,))
        rows += forecast_rows(stream, "2024-02", "B", "online", (10,))
    return pd.DataFrame(rows)


# History for MASE (season_length 2); 2024-02 is after the earliest cutoff and ignored.
# product A (retail)  2023-10: 10, 2023-11: 12, 2023-12: 14, 2024-01: 10
# product B (online)                            2023-12:  5, 2024-01:  5
HISTORY = [
    ("2023-10", "A", "retail", 10),
    ("2023-11", "A", "retail", 12),
    ("2023-12", "A", "retail", 14),
    ("2024-01", "A", "retail", 10),
    ("2024-02", "A", "retail", 999),
    ("2023-12", "B", "online", 5),
    ("2024-01", "B", "online", 5),
]


def row(errors: pd.DataFrame, level: str, key: str, stream: str, lag: int) -> pd.Series:
    hit = errors[
        (errors["level"] == level)
        & (errors["key"] == key)
        & (errors["stream"] == stream)
        & (errors["lag"] == lag)
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


@pytest.fixture
def errors() -> pd.DataFrame:
    return error_table(
        forecasts_frame(),
        actuals_frame(ACTUALS),
        history=actuals_frame(HISTORY),
        season_length=2,
    )


def test_columns_and_lags_kept(errors: pd.DataFrame) -> None:
    assert list(errors.columns) == [
        "level",
        "key",
        "stream",
        "lag",
        "n",
        "actual",
        "forecast",
        "abs_error",
        "wape",
        "mape",
        "smape",
        "bias",
        "mase",
    ]
    assert set(errors["lag"]) == {1, 3}
    assert list(errors["level"].unique()) == ["product", "family", "segment", "total"]
    # naive and consensus only have lag-1 forecasts
    assert set(errors.loc[errors["lag"] == 3, "stream"]) == {"statistical"}


def test_product_metrics_lag_1(errors: pd.DataFrame) -> None:
    # A: 2024-02 f 12 a 10 (e +2); 2024-03 f 25 a 20 (e +5)
    a = row(errors, "product", "A", "statistical", 1)
    assert a["n"] == 2
    assert (a["actual"], a["forecast"], a["abs_error"]) == (30, 37, 7)
    assert a["wape"] == pytest.approx(7 / 30)
    assert a["mape"] == pytest.approx((20 + 25) / 2)  # 2/10 = 20 %, 5/20 = 25 %
    assert a["smape"] == pytest.approx((200 * 2 / 22 + 200 * 5 / 45) / 2)  # 20.20
    assert a["bias"] == pytest.approx(7 / 30)  # over-forecast: positive
    # B: 2024-02 f 40 a 50 (e -10); 2024-03 f 15 a 10 (e +5)
    b = row(errors, "product", "B", "statistical", 1)
    assert b["wape"] == pytest.approx(15 / 60)
    assert b["mape"] == pytest.approx((20 + 50) / 2)
    assert b["smape"] == pytest.approx((200 * 10 / 90 + 200 * 5 / 25) / 2)  # 31.11
    assert b["bias"] == pytest.approx(-5 / 60)  # under-forecast: negative


def test_family_and_total_net_out_product_errors(errors: pd.DataFrame) -> None:
    # total: 2024-02 f 52 a 60 (e -8); 2024-03 f 40 a 30 (e +10)
    for level, key in (("family", "tents"), ("total", "all")):
        total = row(errors, level, key, "statistical", 1)
        assert (total["actual"], total["forecast"]) == (90, 92)
        assert total["wape"] == pytest.approx(18 / 90)  # < 22/90 summed over products
        assert total["mape"] == pytest.approx((800 / 60 + 1000 / 30) / 2)  # 23.33
        assert total["smape"] == pytest.approx((200 * 8 / 112 + 200 * 10 / 70) / 2)  # 21.43
        assert total["bias"] == pytest.approx(2 / 90)


def test_segment_level(errors: pd.DataFrame) -> None:
    # retail: 2024-02 f 12+30 a 50; 2024-03 f 25+5 a 20+0. online: perfect
    retail = row(errors, "segment", "retail", "statistical", 1)
    assert (retail["actual"], retail["forecast"]) == (70, 72)
    assert retail["wape"] == pytest.approx(18 / 70)
    online = row(errors, "segment", "online", "statistical", 1)
    assert (online["wape"], online["mape"], online["smape"], online["bias"]) == (0, 0, 0, 0)


def test_lag_3_drops_periods_without_actuals(errors: pd.DataFrame) -> None:
    # cutoff 2024-01 -> 2024-04 only; cutoff 2024-02 -> 2024-05 has no actuals yet
    b = row(errors, "product", "B", "statistical", 3)
    assert b["n"] == 1
    assert (b["actual"], b["forecast"]) == (30, 36)
    assert b["wape"] == pytest.approx(0.2)
    assert b["smape"] == pytest.approx(200 * 6 / 66)
    total = row(errors, "total", "all", "statistical", 3)
    assert total["wape"] == pytest.approx(6 / 70)


def test_lag_filter() -> None:
    errors = error_table(forecasts_frame(), actuals_frame(ACTUALS), lags=[2], levels=["product"])
    assert set(errors["lag"]) == {2}
    assert set(errors["stream"]) == {"statistical"}
    # A at lag 2: 2024-03 (cutoff 01) f 18 a 20; 2024-04 (cutoff 02) f 40 a 40
    a = row(errors, "product", "A", "statistical", 2)
    assert a["n"] == 2
    assert a["wape"] == pytest.approx(2 / 60)
    assert a["bias"] == pytest.approx(-2 / 60)


def test_mase(errors: pd.DataFrame) -> None:
    # A's scale, m = 2: |14 - 10| = 4, |10 - 12| = 2 -> 3; lag-1 MAE (2 + 5) / 2 = 3.5
    assert row(errors, "product", "A", "statistical", 1)["mase"] == pytest.approx(3.5 / 3)
    assert row(errors, "product", "A", "statistical", 3)["mase"] == 0
    # B has only two months: no season-ago value to compare with
    assert math.isnan(row(errors, "product", "B", "statistical", 1)["mase"])
    # total history 10, 12, 19, 15 -> |19 - 10| = 9, |15 - 12| = 3 -> 6; MAE (8 + 10) / 2 = 9
    assert row(errors, "total", "all", "statistical", 1)["mase"] == pytest.approx(1.5)
    assert row(errors, "family", "tents", "statistical", 1)["mase"] == pytest.approx(1.5)
    # retail is A's history alone: scale 3; MAE (8 + 10) / 2 = 9
    assert row(errors, "segment", "retail", "statistical", 1)["mase"] == pytest.approx(3)


def test_mase_without_history_is_nan() -> None:
    errors = error_table(forecasts_frame(), actuals_frame(ACTUALS))
    assert errors["mase"].isna().all()


def test_zero_actuals() -> None:
    # Y: 2024-02 a 10 f 10; 2024-03 no row (a 0) f 4; 2024-04 has no actuals at all: dropped.
    # Z: 2024-02 a 0 f 5; 2024-03 a 0 f 0.
    actuals = actuals_frame(
        [("2024-02", "Y", "retail", 10), ("2024-02", "Z", "retail", 0)]
        + [("2024-03", "Z", "retail", 0)]
    )
    forecasts = pd.DataFrame(
        [
            forecast_rows("statistical", "2024-01", "Y", "retail", (10,))[0],
            forecast_rows("statistical", "2024-02", "Y", "retail", (4, 7))[0],
            forecast_rows("statistical", "2024-02", "Y", "retail", (4, 7))[1],
            forecast_rows("statistical", "2024-01", "Z", "retail", (5,))[0],
            forecast_rows("statistical", "2024-02", "Z", "retail", (0,))[0],
        ]
    )
    errors = error_table(forecasts, actuals, lags=[1], levels=["product"])
    y = row(errors, "product", "Y", "statistical", 1)
    assert y["n"] == 2
    assert y["wape"] == pytest.approx(0.4)  # 4 / 10
    assert y["mape"] == 0  # only 2024-02 has demand, and it was exact
    assert y["smape"] == pytest.approx(100)  # (0 + 200) / 2
    assert y["bias"] == pytest.approx(0.4)
    z = row(errors, "product", "Z", "statistical", 1)
    assert (z["actual"], z["forecast"]) == (0, 5)
    assert math.isnan(z["wape"]) and math.isnan(z["mape"]) and math.isnan(z["bias"])
    assert z["smape"] == pytest.approx(100)  # 200 when a = 0 < f; 0 when both are 0


def test_sums_at_family_and_total_equal_sums_of_products() -> None:
    actuals = actuals_frame(ACTUALS + [("2024-02", "C", "retail", 7), ("2024-03", "C", "x", 3)])
    forecasts = pd.concat(
        [
            forecasts_frame(),
            pd.DataFrame(forecast_rows("statistical", "2024-01", "C", "retail", (6, 4, 1))),
        ],
        ignore_index=True,
    )
    errors = error_table(forecasts, actuals)
    stat = errors[errors["stream"] == "statistical"]
    products = stat[stat["level"] == "product"].assign(family=lambda f: f["key"].map(FAMILY))
    by_family = products.groupby(["family", "lag"])[["actual", "forecast", "n"]].agg(
        {"actual": "sum", "forecast": "sum", "n": "max"}
    )
    families = stat[stat["level"] == "family"].set_index(["key", "lag"])
    for (family, lag), expected in by_family.iterrows():
        assert families.loc[(family, lag), "actual"] == expected["actual"]
        assert families.loc[(family, lag), "forecast"] == expected["forecast"]
    for level in ("family", "segment"):
        part = stat[stat["level"] == level].groupby("lag")[["actual", "forecast"]].sum()
        total = stat[stat["level"] == "total"].set_index("lag")[["actual", "forecast"]]
        pd.testing.assert_frame_equal(part, total, check_names=False)
    # C is forecast from cutoff 2024-01 only: lag 1 is 2024-02, f 6 a 7. Its demand of 3 in
    # 2024-03 (in a segment it was never forecast for) still counts as forecast 0, because
    # the statistical stream forecast 2024-03 at lag 1 for other products.
    c = row(errors, "product", "C", "statistical", 1)
    assert (c["n"], c["actual"], c["forecast"]) == (2, 10, 6)
    missed = row(errors, "segment", "x", "statistical", 1)
    assert (missed["actual"], missed["forecast"], missed["wape"]) == (3, 0, 1)
    assert row(errors, "family", "stoves", "statistical", 1)["wape"] == pytest.approx((1 + 3) / 10)


def test_forecast_value_added_signs(errors: pd.DataFrame) -> None:
    fva = forecast_value_added(errors)
    assert list(fva.columns) == [
        "level",
        "key",
        "lag",
        "stream",
        "compared_to",
        "metric",
        "value",
        "compared_value",
        "fva",
        "improved",
    ]
    pairs = set(zip(fva["stream"], fva["compared_to"], strict=True))
    assert pairs == {
        ("statistical", "naive"),
        ("consensus", "statistical"),
        ("consensus", "naive"),
    }

    def one(key: str, stream: str, compared_to: str) -> pd.Series:
        hit = fva[
            (fva["key"] == key) & (fva["stream"] == stream) & (fva["compared_to"] == compared_to)
        ]
        assert len(hit) == 1
        return hit.iloc[0]

    # naive A: 02 f 20 a 10, 03 f 10 a 20 -> wape 20/30; statistical 7/30 -> FVA +13/30
    a = one("A", "statistical", "naive")
    assert a["fva"] == pytest.approx(13 / 30)
    assert a["improved"]
    # consensus A: 02 f 15, 03 f 25 -> wape 10/30, worse than statistical 7/30
    worse = one("A", "consensus", "statistical")
    assert worse["value"] == pytest.approx(10 / 30)
    assert worse["compared_value"] == pytest.approx(7 / 30)
    assert worse["fva"] == pytest.approx(-3 / 30)
    assert not worse["improved"]
    # consensus B: 02 f 48 a 50, 03 f 15 a 10 -> 7/60 against statistical 15/60
    assert one("B", "consensus", "statistical")["fva"] == pytest.approx(8 / 60)
    # total naive: 02 f 50 a 60, 03 f 40 a 30 -> 20/90 against statistical 18/90
    assert one("all", "statistical", "naive")["fva"] == pytest.approx(2 / 90)
    assert fva["lag"].eq(1).all()  # naive and consensus have no lag-3 forecasts
    assert fva["improved"].dtype == bool


def test_forecast_value_added_of_contributor_layers() -> None:
    errors = pd.DataFrame(
        {
            "level": "total",
            "key": "all",
            "lag": 1,
            "stream": ["naive", "statistical", "sales:alice", "events", "consensus"],
            "wape": [0.30, 0.20, 0.25, 0.15, float("nan")],
            "bias": [0.10, -0.05, 0.02, -0.08, 0.0],
        }
    )
    fva = forecast_value_added(errors).set_index(["stream", "compared_to"])
    assert fva.loc[("sales:alice", "statistical"), "fva"] == pytest.approx(-0.05)
    assert not fva.loc[("sales:alice", "statistical"), "improved"]
    assert fva.loc[("events", "statistical"), "fva"] == pytest.approx(0.05)
    assert fva.loc[("events", "statistical"), "improved"]
    assert math.isnan(fva.loc[("consensus", "statistical"), "fva"])
    assert not fva.loc[("consensus", "statistical"), "improved"]
    # bias is compared by size: |0.02| is smaller than |-0.05|
    by_bias = forecast_value_added(errors, metric="bias").set_index(["stream", "compared_to"])
    assert by_bias.loc[("sales:alice", "statistical"), "fva"] == pytest.approx(0.03)
    assert by_bias.loc[("sales:alice", "statistical"), "value"] == pytest.approx(0.02)
    assert by_bias.loc[("statistical", "naive"), "fva"] == pytest.approx(0.05)


def test_summarise_pools_keys_by_volume(errors: pd.DataFrame) -> None:
    summary = summarise(errors)
    assert list(summary.columns) == [
        "level",
        "stream",
        "lag",
        "keys",
        "actual",
        "forecast",
        "wape",
        "bias",
    ]
    product = summary[
        (summary["level"] == "product")
        & (summary["stream"] == "statistical")
        & (summary["lag"] == 1)
    ].iloc[0]
    # abs errors 7 + 15 over actuals 30 + 60; forecasts 37 + 55 = 92
    assert product["keys"] == 2
    assert product["wape"] == pytest.approx(22 / 90)
    # = volume-weighted mean of the products' wape: (7/30 * 30 + 15/60 * 60) / 90
    assert product["bias"] == pytest.approx(2 / 90)
    total = summary[(summary["level"] == "total") & (summary["stream"] == "statistical")]
    assert total.set_index("lag")["wape"].to_dict() == pytest.approx({1: 0.2, 3: 6 / 70})


def test_accuracy_by_horizon() -> None:
    backtest = pd.DataFrame(
        {
            "unique_id": ["A", "A", "A", "A", "B", "B"],
            "cutoff": ["2024-01", "2024-02", "2024-01", "2024-02", "2024-01", "2024-02"],
            "step": [1, 1, 2, 2, 1, 1],
            "actual": [10.0, 20.0, 10.0, 0.0, 5.0, 8.0],
            "forecast": [12.0, 16.0, 10.0, 3.0, 4.0, float("nan")],
        }
    )
    result = accuracy_by_horizon(backtest).set_index(["unique_id", "step"])
    assert list(result.columns) == [
        "n",
        "mae",
        "rmse",
        "mean_error",
        "bias",
        "wape",
        "error_std",
    ]
    # A step 1: errors +2, -4
    a1 = result.loc[("A", 1)]
    assert a1["n"] == 2
    assert a1["mae"] == pytest.approx(3)
    assert a1["rmse"] == pytest.approx(math.sqrt((4 + 16) / 2))
    assert a1["mean_error"] == pytest.approx(-1)
    assert a1["bias"] == pytest.approx(-2 / 30)
    assert a1["wape"] == pytest.approx(6 / 30)
    assert a1["error_std"] == pytest.approx(math.sqrt((3**2 + 3**2) / 1))  # ddof 1
    # A step 2: errors 0, +3
    a2 = result.loc[("A", 2)]
    assert a2["rmse"] == pytest.approx(math.sqrt(9 / 2))
    assert a2["bias"] == pytest.approx(0.3)
    assert a2["error_std"] == pytest.approx(math.sqrt(2 * 1.5**2))
    # B: the row without a forecast is left out; one error cannot have a spread
    b1 = result.loc[("B", 1)]
    assert b1["n"] == 1
    assert b1["mae"] == 1
    assert math.isnan(b1["error_std"])


def test_missing_columns_are_reported() -> None:
    with pytest.raises(InvalidInput) as caught:
        error_table(forecasts_frame().drop(columns=["stream"]), actuals_frame(ACTUALS))
    assert [(i.code, i.column) for i in caught.value.issues] == [("missing_column", "stream")]
    with pytest.raises(InvalidInput) as caught:
        accuracy_by_horizon(pd.DataFrame({"unique_id": ["A"], "step": [1]}))
    missing = {i.column for i in caught.value.issues}
    assert missing == {"cutoff", "actual", "forecast"}
    with pytest.raises(InvalidInput):
        summarise(pd.DataFrame({"level": ["total"]}))
    with pytest.raises(InvalidInput):
        forecast_value_added(pd.DataFrame({"level": ["total"]}))


def test_bad_values_and_arguments_are_reported() -> None:
    forecasts = forecasts_frame()
    forecasts.loc[0, "period"] = "2024-13"
    duplicated = pd.concat([forecasts, forecasts.iloc[[5]]], ignore_index=True)
    with pytest.raises(InvalidInput) as caught:
        error_table(duplicated, actuals_frame(ACTUALS), levels=["product", "region"], lags=[0])
    codes = sorted(i.code for i in caught.value.issues)
    assert codes == ["duplicate_key", "invalid_argument", "invalid_argument", "invalid_period"]
    with pytest.raises(InvalidInput):
        forecast_value_added(pd.DataFrame(columns=["level", "key", "stream", "lag"]), metric="mse")


def test_nothing_to_evaluate_gives_empty_frames() -> None:
    errors = error_table(forecasts_frame(), actuals_frame(ACTUALS), lags=[7])
    assert errors.empty and "wape" in errors.columns
    assert forecast_value_added(errors).empty
    assert summarise(errors).empty
