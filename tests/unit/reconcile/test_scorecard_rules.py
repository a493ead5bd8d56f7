"""The scorecard's rules one at a time, each test named after the rule it pins.

Written from a mutation run (bench/RESULTS.md, "Mutation run on the reconcile rules"):
every assertion here turns red under a mutant that the older tests let through. Tolerance
0.25 of a target of 100 gives a band of exactly 25, so the edges are exact floats.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_kpis import ledger

from reconcile_cases import MONTHS, cells
from snop.reconcile.scorecard import score, status_of, summary_sentences

TARGET_COLUMNS = ["period", "metric", "scope", "value"]


def _score(*targets: tuple[str, str, str, object]) -> pd.DataFrame:
    return score(pd.DataFrame(targets, columns=TARGET_COLUMNS), ledger(), basis_periods=MONTHS)


# --- status ----------------------------------------------------------------------------------


def test_a_near_metric_is_green_within_the_band_either_way() -> None:
    """inventory_value has no better side (a KPI without a scoring rule): 'near'."""
    assert status_of("inventory_value", 125.0, 100.0, 0.25) == "green"  # exactly the band
    assert status_of("inventory_value", 75.0, 100.0, 0.25) == "green"
    assert status_of("inventory_value", 120.0, 100.0, 0.25) == "green"  # above: not a ceiling


def test_a_near_metric_is_amber_within_twice_the_band_and_red_beyond() -> None:
    assert status_of("inventory_value", 150.0, 100.0, 0.25) == "amber"  # exactly twice
    assert status_of("inventory_value", 50.0, 100.0, 0.25) == "amber"
    assert status_of("inventory_value", 126.0, 100.0, 0.25) == "amber"
    assert status_of("inventory_value", 160.0, 100.0, 0.25) == "red"  # 2.4 bands: not 3
    assert status_of("inventory_value", 40.0, 100.0, 0.25) == "red"


def test_a_floor_missed_by_exactly_the_band_is_amber() -> None:
    assert status_of("revenue", 75.0, 100.0, 0.25) == "amber"
    assert status_of("budget", 125.0, 100.0, 0.25) == "amber"
    assert status_of("revenue", 74.0, 100.0, 0.25) == "red"


def test_float_noise_is_scaled_by_the_target_and_floored_at_one() -> None:
    """Slack is 1e-9 x max(1, |target|): a million short by 1e-4 is noise (slack 1e-3), a
    target of 0.5 short by 1.5e-9 with no tolerance is a miss (slack 1e-9, not 2e-9)."""
    assert status_of("revenue", 1e6 - 1e-4, 1e6, 0.0) == "green"
    assert status_of("revenue", 0.5 - 1.5e-9, 0.5, 0.0) == "red"


def test_a_kpi_named_target_takes_its_side_from_the_kpi() -> None:
    """higher_is_better True: a floor; False: a ceiling; None: near."""
    assert status_of("gross_margin_pct", 0.3, 0.4, 0.05) == "red"
    assert status_of("gross_margin_pct", 0.5, 0.4, 0.05) == "green"
    assert status_of("overtime_hours", 110.0, 100.0, 0.05) == "red"
    assert status_of("overtime_hours", 90.0, 100.0, 0.05) == "green"
    assert status_of("demand", 120.0, 100.0, 0.25) == "green"


def test_a_gross_margin_target_up_to_one_is_a_share_above_it_money() -> None:
    card = _score(
        ("2027", "gross_margin", "all", 1.0),
        ("2027", "gross_margin", "all", 1.5),
        ("2027", "gross_margin_pct", "all", 0.4),
    )
    assert card["kpi"].to_list() == ["gross_margin_pct", "gross_margin", "gross_margin_pct"]
    assert card["unit"].to_list() == ["share", "money", "share"]
    assert card["direction"].to_list() == ["min", "min", "min"]
    assert status_of("gross_margin", 0.45, 0.5, 0.05) == "red"


# --- what cannot be measured -------------------------------------------------------------------


def test_an_unmeasured_row_keeps_its_rule_but_no_scope_kind() -> None:
    """Unknown scope, a year without months, a month outside the ledger: the rule is named
    (kpi, direction, unit) so the row can be read, but nothing was found (scope_kind None)."""
    card = _score(
        ("2027", "revenue", "Garden", 100.0),
        ("2026", "revenue", "all", 100.0),
        ("2027-05", "revenue", "all", 100.0),
    )
    assert card["status"].to_list() == ["not measured"] * 3
    assert card["kpi"].to_list() == ["revenue"] * 3
    assert card["scope_kind"].to_list() == [None, None, None]
    assert card["months"].to_list() == [0, 0, 0]


def test_a_target_that_is_not_a_number_is_not_measured() -> None:
    card = _score(("2027", "revenue", "all", "n/a"))
    assert card.loc[0, "status"] == "not measured"
    assert card.loc[0, "kpi"] is None
    assert math.isnan(card.loc[0, "target"])


@pytest.mark.parametrize("products_first", [True, False])
def test_a_name_that_is_a_family_and_a_product_is_scored_as_the_family(
    products_first: bool,
) -> None:
    """Product B renamed "Tents", the family of product A: a target on "Tents" is looked
    up in SCOPE_KINDS order (family before product), whatever the ledger's row order."""
    plain = ledger()
    clash = plain.copy()
    clash.loc[(clash["scope_kind"] == "product") & (clash["scope"] == "B"), "scope"] = "Tents"
    is_product = clash["scope_kind"] == "product"
    first, then = (clash[is_product], clash[~is_product])
    clash = pd.concat([first, then] if products_first else [then, first], ignore_index=True)
    targets = pd.DataFrame([("2027", "revenue", "Tents", 100.0)], columns=TARGET_COLUMNS)
    (row,) = score(targets, clash, basis_periods=MONTHS).to_dict("records")
    family = score(targets, plain, basis_periods=MONTHS)["value"].iloc[0]
    product_b = score(targets.assign(scope="B"), plain, basis_periods=MONTHS)["value"].iloc[0]
    assert family != product_b
    assert row["scope_kind"] == "family"
    assert row["value"] == family


# --- gaps in units and money ---------------------------------------------------------------------


def test_days_of_supply_gap_is_priced_at_the_monthly_mean_over_a_year() -> None:
    """Over the quarter the gap in days is priced at the mean cost of goods per day and the
    mean demand per day of the months (sums / 3), not the sums x 3."""
    frame = ledger()
    card = _score(("2027", "days_of_supply", "all", 10.0))
    rows = frame[(frame["scope_kind"] == "all") & frame["period"].isin(MONTHS)]
    parts = rows.groupby("component")["amount"].sum()
    gap = card.loc[0, "gap"]
    assert card.loc[0, "months"] == 3
    assert card.loc[0, "gap_units"] == pytest.approx(gap * parts["demand_per_day"] / 3)
    assert card.loc[0, "gap_money"] == pytest.approx(gap * parts["cogs_days"] / 3)


def test_a_units_gap_is_units_and_money_at_the_mean_price() -> None:
    """Backlog: mean of 0, 2 and 1 = 1 unit against 0.5: gap 0.5 units, x 1,000 / 70."""
    card = _score(("2027", "backlog_units", "all", 0.5))
    assert cells(card, 0, "gap", "gap_units") == pytest.approx([0.5, 0.5])
    assert card.loc[0, "gap_money"] == pytest.approx(0.5 * 1000 / 70)


def test_a_share_without_a_pricing_rule_has_no_units_or_money() -> None:
    card = _score(("2027", "otif", "all", 0.9))
    assert math.isnan(card.loc[0, "gap_units"])
    assert math.isnan(card.loc[0, "gap_money"])


def test_a_revenue_gap_without_demand_has_money_but_no_units() -> None:
    """Shipping a backlog in a month with no demand: no mean price, so no units."""
    ledger_ = pd.DataFrame(
        {
            "period": "2027-04",
            "scope_kind": "all",
            "scope": "all",
            "component": ["revenue", "demand", "demand_value"],
            "amount": [100.0, 0.0, 0.0],
        }
    )
    targets = pd.DataFrame([("2027-04", "revenue", "all", 200.0)], columns=TARGET_COLUMNS)
    card = score(targets, ledger_, basis_periods=["2027-04"])
    assert card.loc[0, "gap_money"] == -100.0
    assert math.isnan(card.loc[0, "gap_units"])


# --- the summary -----------------------------------------------------------------------------


def _card(*rows: tuple[str, str, float, float, float, str]) -> pd.DataFrame:
    """Rows of metric, status, value, target, gap_money, unit; scope all, period 2027."""
    frame = pd.DataFrame(rows, columns=["metric", "status", "value", "target", "gap_money", "unit"])
    return frame.assign(scope="all", period="2027")


def test_summary_counts_one_target_in_the_singular() -> None:
    one = _card(("revenue", "green", 100.0, 90.0, 10.0, "money"))
    assert summary_sentences(one) == ["Of 1 target, 1 is green, 0 amber and 0 red."]


def test_summary_counts_two_greens_in_the_plural() -> None:
    two = _card(
        ("revenue", "green", 100.0, 90.0, 10.0, "money"),
        ("revenue", "green", 100.0, 90.0, 10.0, "money"),
    )
    assert summary_sentences(two)[0] == "Of 2 targets, 2 are green, 0 amber and 0 red."


def test_summary_names_amber_misses_and_formats_money_signs() -> None:
    card = _card(
        ("revenue", "amber", 0.0, 100.0, -100.0, "money"),
        ("gross_margin", "red", -50.0, 10.0, -60.0, "money"),
        ("widgets", "amber", 1234.5, 1300.0, -5.0, "gizmos"),
    )
    sentences = summary_sentences(card)
    assert sentences[0] == "Of 3 targets, 0 are green, 2 amber and 1 red."
    assert sentences[1] == (
        "Revenue for all in 2027 is $0 against a target of $100 (amber, $100 at stake)."
    )
    assert sentences[2].startswith("Gross margin for all in 2027 is -$50 against")
    assert sentences[3].startswith("Widgets for all in 2027 is 1,234.50 against a target of")


def test_summary_lists_the_unmeasured_and_says_when_there_are_more() -> None:
    def unmeasured(n: int) -> pd.DataFrame:
        return _card(*[(f"m{i}", "not measured", math.nan, 1.0, math.nan, "x") for i in range(n)])

    three = summary_sentences(unmeasured(3), top=3)
    assert three[0] == "Of 3 targets, 0 are green, 0 amber and 0 red; 3 cannot be measured."
    assert three[1] == (
        "Not measured (no data for the scope or months): "
        "M0 for all in 2027; M1 for all in 2027; M2 for all in 2027."
    )
    four = summary_sentences(unmeasured(4), top=3)
    assert four[1].endswith("M2 for all in 2027 and more.")
    assert "M3" not in four[1]
