"""The generated demo company: deterministic, contract-shaped, realistic enough to plan."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from snop.contract.sheets import SHEETS_BY_NAME
from snop.demo.company import DEMO_NAME, HISTORY_MONTHS, build_demo_company
from snop.frames import PERIOD_PATTERN, period_range, shift_period

LAST = "2024-12"
SHEET_NAMES = {
    "products",
    "segments",
    "customers",
    "resources",
    "capacity",
    "labour",
    "routings",
    "demand_history",
    "inventory",
    "receipts",
    "targets",
    "events",
}


@cache
def _company(last: str = LAST, seed: int = 42) -> dict[str, pd.DataFrame]:
    return build_demo_company(last_history_month=last, seed=seed)


def company(last: str = LAST, seed: int = 42) -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in _company(last, seed).items()}


def monthly_totals(history: pd.DataFrame) -> pd.DataFrame:
    """Ordered units per product (rows) and period (columns), zeros filled in."""
    totals = history.groupby(["product_id", "period"])["ordered"].sum().unstack(fill_value=0)
    return totals.reindex(columns=sorted(history["period"].unique()), fill_value=0.0)


def sb_class(series: np.ndarray) -> str:
    """Syntetos-Boylan class of a demand series, counted from its first non-zero month."""
    active = series[np.flatnonzero(series > 0)[0] :]
    sizes = active[active > 0]
    adi = active.size / sizes.size
    cv2 = (sizes.std() / sizes.mean()) ** 2
    if adi < 1.32:
        return "smooth" if cv2 < 0.49 else "erratic"
    return "intermittent" if cv2 < 0.49 else "lumpy"


def load_ratio(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Load of the last 12 history months over regular capacity, per resource and month."""
    last_year = monthly_totals(frames["demand_history"]).iloc[:, -12:]
    hours = frames["routings"].pivot(
        index="resource_id", columns="product_id", values="hours_per_unit"
    )
    load = hours.reindex(columns=last_year.index).fillna(0.0) @ last_year
    capacity = frames["resources"].set_index("resource_id")["capacity"]
    return load.div(capacity, axis=0)


def test_name_is_set() -> None:
    assert DEMO_NAME


def test_same_seed_gives_the_same_company() -> None:
    first = build_demo_company(last_history_month=LAST)
    second = build_demo_company(last_history_month=LAST)
    assert set(first) == SHEET_NAMES
    for name in SHEET_NAMES:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_another_seed_gives_other_demand() -> None:
    other = build_demo_company(last_history_month=LAST, seed=7)
    assert not company()["demand_history"].equals(other["demand_history"])


@pytest.mark.parametrize("name", sorted(SHEET_NAMES))
def test_columns_order_and_key_follow_the_contract(name: str) -> None:
    sheet = SHEETS_BY_NAME[name]
    frame = company()[name]
    assert list(frame.columns) == sheet.column_names
    keys = frame[list(sheet.key)]
    assert not keys.duplicated().any()
    assert frame.equals(frame.sort_values(list(sheet.key), ignore_index=True))


def test_counts() -> None:
    frames = company()
    products = frames["products"]
    assert products["family"].nunique() >= 4
    assert len(products) >= 40
    assert len(frames["segments"]) >= 3
    assert frames["resources"]["site"].nunique() >= 2
    assert len(frames["resources"]) >= 5
    assert 20 <= len(frames["customers"]) <= 30
    assert set(frames["customers"]["segment"]) == set(frames["segments"]["segment"])
    assert 4 <= len(frames["events"]) <= 6


def test_history_covers_36_months_ending_at_the_last_month() -> None:
    periods = sorted(company(last="2023-05")["demand_history"]["period"].unique())
    assert periods == period_range(shift_period("2023-05", 1 - HISTORY_MONTHS), "2023-05")


def test_every_syntetos_boylan_class_is_present() -> None:
    for seed in (42, 1, 2):
        totals = monthly_totals(company(seed=seed)["demand_history"])
        classes = {sb_class(row) for row in totals.to_numpy()}
        assert classes == {"smooth", "erratic", "intermittent", "lumpy"}, seed


def test_new_product_ramps_up_from_its_launch() -> None:
    frames = company()
    products = frames["products"].set_index("product_id")
    new = products.index[products["status"] == "new"]
    assert len(new) == 1
    item = products.loc[new[0]]
    assert item["like_product_id"] in products.index
    assert item["like_product_id"] != new[0]
    assert products.loc[item["like_product_id"], "status"] == "active"
    assert shift_period(LAST, -5) <= item["launch_period"] <= shift_period(LAST, -3)
    sales = monthly_totals(frames["demand_history"]).loc[new[0]]
    selling = sales[sales > 0]
    assert selling.index[0] == item["launch_period"]
    assert selling.iloc[:2].mean() < selling.iloc[-2:].mean()


def test_phase_out_product_declines_and_ends_after_the_history() -> None:
    frames = company()
    products = frames["products"].set_index("product_id")
    old = products.index[products["status"] == "phase_out"]
    assert len(old) == 1
    assert shift_period(LAST, 1) <= products.loc[old[0], "end_period"] <= shift_period(LAST, 6)
    sales = monthly_totals(frames["demand_history"]).loc[old[0]]
    assert sales.iloc[-12:].sum() < 0.8 * sales.iloc[:12].sum()


def test_peak_months_overload_capacity_but_the_year_does_not() -> None:
    ratio = load_ratio(company())
    assert (ratio.max(axis=1) > 1.0).sum() >= 2
    assert ratio.mean(axis=1).between(0.65, 0.95).all()


def test_shipped_never_exceeds_ordered_and_fill_rate_is_realistic() -> None:
    history = company()["demand_history"]
    assert (history["ordered"] > 0).all()
    assert (history["shipped"] >= 0).all()
    assert (history["shipped"] <= history["ordered"]).all()
    assert (history[["ordered", "shipped"]] % 1 == 0).all().all()
    fill = history["shipped"].sum() / history["ordered"].sum()
    assert 0.92 <= fill <= 0.99


def test_references_and_bounds_hold() -> None:
    frames = company()
    products = frames["products"]
    product_ids = set(products["product_id"])
    resource_ids = set(frames["resources"]["resource_id"])
    for name in ("routings", "demand_history", "inventory", "receipts"):
        assert set(frames[name]["product_id"]) <= product_ids
    assert set(frames["inventory"]["product_id"]) == product_ids
    assert set(frames["routings"]["product_id"]) == product_ids
    for name in ("routings", "capacity", "labour"):
        assert set(frames[name]["resource_id"]) <= resource_ids
    assert set(frames["demand_history"]["customer_id"]) <= set(frames["customers"]["customer_id"])
    assert (frames["routings"]["hours_per_unit"] > 0).all()
    # production already started arrives only within each product's lead time
    receipts = frames["receipts"].merge(products[["product_id", "lead_time"]])
    first = receipts["period"].min()
    months = receipts["period"].map(
        lambda p: (int(p[:4]) - int(first[:4])) * 12 + int(p[5:]) - int(first[5:])
    )
    assert (months < receipts["lead_time"]).all() and (receipts["quantity"] > 0).all()
    assert frames["routings"].groupby("product_id").size().between(1, 3).all()
    ratio = products["unit_cost"] / products["price"]
    assert ratio.between(0.45, 0.65).all()
    assert frames["segments"]["service_target"].between(0, 1).all()
    assert (frames["segments"]["priority"] >= 1).all()


def test_events_and_targets_are_well_formed() -> None:
    frames = company()
    events = frames["events"]
    families = set(frames["products"]["family"])
    assert (events["product_id"].isna() != events["family"].isna()).all()
    assert (events["change_pct"].isna() != events["change_qty"].isna()).all()
    assert set(events["family"].dropna()) <= families
    assert (events["period_from"] <= events["period_to"]).all()
    assert (events["period_from"] > LAST).all()
    targets = frames["targets"]
    scopes = {"all"} | families | set(frames["segments"]["segment"])
    assert set(targets["scope"]) <= scopes
    assert targets["period"].map(lambda p: bool(PERIOD_PATTERN.match(p)) or len(p) == 4).all()
    fill = targets[targets["metric"] == "fill_rate"].set_index("scope")["value"]
    service = frames["segments"].set_index("segment")["service_target"]
    pd.testing.assert_series_equal(fill.sort_index(), service.sort_index(), check_names=False)


def test_rejects_a_bad_month() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        build_demo_company(last_history_month="2024-13")
