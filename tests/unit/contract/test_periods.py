"""Month arithmetic of the data contract: 'YYYY-MM' periods and their month indexes."""

from __future__ import annotations

import pandas as pd
import pytest

from snop.frames import index_to_period, index_to_periods, period_to_index, periods_to_index


def test_a_period_and_its_index_round_trip_across_a_year_end() -> None:
    assert period_to_index("2026-12") + 1 == period_to_index("2027-01")
    assert index_to_period(period_to_index("2027-01")) == "2027-01"
    assert index_to_period(period_to_index("0999-09")) == "0999-09"


def test_the_vector_forms_match_the_scalar_ones_row_by_row() -> None:
    periods = pd.Series(["2027-01", "2026-12", "2027-01", "2030-06"], index=[7, 3, 5, 1])
    indexes = periods_to_index(periods)
    assert indexes.tolist() == [period_to_index(p) for p in periods]
    assert indexes.index.tolist() == [7, 3, 5, 1]
    back = index_to_periods(indexes)
    assert back.tolist() == periods.tolist()
    assert back.index.tolist() == [7, 3, 5, 1]


def test_an_unreadable_period_is_refused() -> None:
    with pytest.raises(ValueError):
        periods_to_index(pd.Series(["2027-01", "x"]))
