"""The scorecard of the tiny plan of test_money.py, every status and gap worked by hand.

Quarter totals (see test_kpis.py): revenue 980, margin 450, demand 70 worth 1,000, on time
67; Retail demand 42 worth 30 x 10 + 12 x 20 = 540, on time 39; stock value 142 (21
units), cost of goods 530; R load 102 h of 236 regular hours at 2/h; spend 239.
Tolerance 5 %: amber within 5 % of the target on the wrong side.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_kpis import ledger

from reconcile_cases import MONTHS, cells
from snop.reconcile.scorecard import SCORE_COLUMNS, score, summary_sentences

TARGETS = [
    ("2027", "revenue", "all", 1000.0),  # 0: 980, -20 within 50: amber
    ("2027-01", "revenue", "Tents", 100.0),  # 1: 150: green
    ("2027", "gross_margin", "all", 0.5),  # 2: 450 / 980 = 45.9 %, 4.1 points > 2.5: red
    ("2027", "fill_rate", "Retail", 0.95),  # 3: 39 / 42 = 92.9 %, 2.1 points < 4.75: amber
    ("2027", "fill_rate", "Online", 0.95),  # 4: 100 %: green
    ("2027-02", "days_of_supply", "all", 10.0),  # 5: 10.85, a ceiling, 8.5% over > 5%: red
    ("2027", "utilisation_max", "R", 0.9),  # 6: 102 / 236 = 43 %: green
    ("2027-01", "utilisation_max", "R", 0.9),  # 7: 40 / 36 = 111 %: red
    ("2027", "budget", "all", 200.0),  # 8: 239 > 210: red
    ("2027", "revenue", "Garden", 100.0),  # 9: unknown scope: not measured
    ("2026", "revenue", "all", 100.0),  # 10: no months: not measured
    ("2027", "inventory_turns", "all", 50.0),  # 11: 12 x 530 / 142 = 44.8 < 47.5: red
    ("2027", "happiness", "all", 3.0),  # 12: no such KPI: not measured
    ("2027", "otif", "all", 0.8),  # 13: 9 / 11 = 81.8 %: green
    ("2027", "gross_margin", "all", 400.0),  # 14: 450 money: green
    ("2027", "utilisation_min", "R", 0.5),  # 15: 43 % < 47.5 %: red
    ("2027", "spend", "all", 250.0),  # 16: a KPI name, lower is better: 239 green
]


def scorecard(basis: list[str] | None = None) -> pd.DataFrame:
    targets = pd.DataFrame(TARGETS, columns=["period", "metric", "scope", "value"])
    return score(targets, ledger(), tolerance=0.05, basis_periods=basis or MONTHS)


def test_statuses() -> None:
    card = scorecard()
    assert tuple(card.columns) == SCORE_COLUMNS
    assert card["status"].to_list() == [
        "amber",
        "green",
        "red",
        "amber",
        "green",
        "red",
        "green",
        "red",
        "red",
        "not measured",
        "not measured",
        "red",
        "not measured",
        "green",
        "green",
        "red",
        "green",
    ]
    assert card.loc[16, "direction"] == "max"
    assert card.loc[5, "direction"] == "max"
    assert card.loc[12, "direction"] is None


def test_values_gaps_units_and_money() -> None:
    """Revenue: gap -20 money, -20 / (1000 / 70) = -1.4 units at the mean price.
    Margin share: gap (450 / 980 - 0.5) x 980 = 450 - 490 = -40.
    Retail fill rate: units (39 / 42 - 0.95) x 42 = 39 - 39.9 = -0.9, x 540 / 42 per unit.
    Days of supply (Feb): gap 0.85 days x cost of goods per day 160 / 28 = 4.857, x demand
    per day 20 / 28 = 0.607 units.
    Utilisation Jan: (40 / 36 - 0.9) x 36 = 40 - 32.4 = 7.6 h, x 2/h = 15.2.
    Turns: at 50 turns the stock would be 12 x (530 / 3) / 50 = 42.4 against 142 / 3: money
    42.4 - 47.333 = -4.933, units at 142 / 21 a unit.
    Utilisation min: (102 / 236 - 0.5) x 236 = 102 - 118 = -16 h, -32 money.
    """
    card = scorecard()
    assert cells(card, 0, "value", "gap", "gap_money") == pytest.approx([980, -20, -20])
    assert card.loc[0, "gap_units"] == pytest.approx(-1.4)
    assert card.loc[0, "months"] == 3
    assert card.loc[1, "value"] == pytest.approx(150.0)
    assert card.loc[2, "unit"] == "share"
    assert card.loc[2, "gap_money"] == pytest.approx(-40.0)
    assert card.loc[3, "gap_units"] == pytest.approx(-0.9)
    assert card.loc[3, "gap_money"] == pytest.approx(-0.9 * 540 / 42)
    assert card.loc[5, "value"] == pytest.approx(10.85)
    assert card.loc[5, "gap_money"] == pytest.approx(0.85 * 160 / 28)
    assert card.loc[5, "gap_units"] == pytest.approx(0.85 * 20 / 28)
    assert cells(card, 7, "gap_units", "gap_money") == pytest.approx([7.6, 15.2])
    assert card.loc[8, "gap_money"] == pytest.approx(39.0)
    assert card.loc[11, "gap_money"] == pytest.approx(42.4 - 142 / 3)
    assert card.loc[11, "gap_units"] == pytest.approx((42.4 - 142 / 3) * 21 / 142)
    assert card.loc[14, "unit"] == "money"
    assert cells(card, 15, "gap_units", "gap_money") == pytest.approx([-16.0, -32.0])
    assert card.loc[6, "scope_kind"] == "resource"
    assert card.loc[3, "scope_kind"] == "segment"


def test_not_measured_rows_have_no_value() -> None:
    card = scorecard()
    unmeasured = card[card["status"] == "not measured"]
    assert unmeasured["value"].isna().all()
    assert unmeasured["gap_money"].isna().all()
    assert card.loc[10, "months"] == 0


def test_year_target_with_only_some_months() -> None:
    """Basis Feb and Mar only: revenue 2027 = 280 + 350 = 630 over 2 months, red against
    1,000; the January target cannot be measured."""
    card = scorecard(MONTHS[1:])
    assert card.loc[0, "months"] == 2
    assert card.loc[0, "value"] == pytest.approx(630.0)
    assert card.loc[0, "status"] == "red"
    assert card.loc[1, "status"] == "not measured"


def test_tolerance_edges() -> None:
    """Revenue target 1,031.58: 980 is 4.999 % short (amber); at 1,031.59 red. Days of
    supply (near) 10: 10.85 amber at 5 %, green at 10 % (0.85 <= 1.0)."""
    ledger_ = ledger()
    targets = pd.DataFrame(
        [
            ("2027", "revenue", "all", 980 / 0.95 - 0.01),
            ("2027", "revenue", "all", 980 / 0.95 + 0.01),
        ],
        columns=["period", "metric", "scope", "value"],
    )
    card = score(targets, ledger_, basis_periods=MONTHS)
    assert card["status"].to_list() == ["amber", "red"]
    near = pd.DataFrame(
        [("2027-02", "days_of_supply", "all", 10.0)], columns=["period", "metric", "scope", "value"]
    )
    # Days of supply is a ceiling: 10.85 days is 8.5% over 10, amber within 10%, red within 5%.
    assert score(near, ledger_, tolerance=0.1, basis_periods=MONTHS)["status"][0] == "amber"
    assert score(near, ledger_, tolerance=0.05, basis_periods=MONTHS)["status"][0] == "red"


def test_zero_demand_month_is_not_measured() -> None:
    """A month where the scope has no demand has no fill rate: not measured, not green."""
    empty = pd.DataFrame(
        {
            "period": "2027-04",
            "scope_kind": "all",
            "scope": "all",
            "component": ["demand", "on_time"],
            "amount": [0.0, 0.0],
        }
    )
    targets = pd.DataFrame(
        [("2027-04", "fill_rate", "all", 0.9)], columns=["period", "metric", "scope", "value"]
    )
    card = score(targets, empty, basis_periods=["2027-04"])
    assert card.loc[0, "status"] == "not measured"
    assert card.loc[0, "months"] == 1
    assert math.isnan(cells(card, 0, "value")[0])


def test_summary_sentences() -> None:
    """6 green, 2 amber, 6 red, 3 not measured; largest money gaps: margin 40, budget 39,
    utilisation floor 32."""
    sentences = summary_sentences(scorecard())
    assert sentences[0] == "Of 17 targets, 6 are green, 2 amber and 6 red; 3 cannot be measured."
    assert sentences[1] == (
        "Gross margin for all in 2027 is 45.9% against a target of 50.0% (red, $40 at stake)."
    )
    assert sentences[2].startswith("Budget for all in 2027 is $239 against a target of $200")
    assert sentences[3].startswith("Utilisation min for R in 2027 is 43.2%")
    assert sentences[4].startswith("Not measured")
    assert "Revenue for Garden in 2027" in sentences[4]
    assert summary_sentences(scorecard().iloc[0:0]) == ["There are no targets to score."]
