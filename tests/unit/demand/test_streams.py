"""Events and overrides on the statistical forecast: how each change is spread over rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snop.demand.plan import CONSENSUS, EVENTS, OVERRIDE_COLUMNS, build_streams
from snop.frames import period_to_index

MONTHS = ["2027-01", "2027-02", "2027-03"]


def _statistical(forecasts: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """(product, segment) -> forecast per month of MONTHS; products P* in family F, Q* in G."""
    rows = [
        {
            "family": "F" if product.startswith("P") else "G",
            "product_id": product,
            "segment": segment,
            "ds": period_to_index(month),
            "forecast": value,
            "lo_80": value * 0.8,
            "hi_80": value * 1.2,
        }
        for (product, segment), values in forecasts.items()
        for month, value in zip(MONTHS, values, strict=True)
    ]
    return pd.DataFrame(rows)


def _override(level: str, key: str, first: str, last: str, **change: float) -> dict[str, object]:
    return {
        "override_id": 1,
        "author": "sales.sam",
        "reason_code": "customer_plan",
        "level": level,
        "key": key,
        "period_from": first,
        "period_to": last,
        "change_pct": change.get("pct", np.nan),
        "change_qty": change.get("qty", np.nan),
    }


def _stream(streams: pd.DataFrame, name: str) -> pd.Series:
    rows = streams[streams["stream"] == name]
    return rows.set_index(["product_id", "segment", "period"])["quantity"]


NO_EVENTS = pd.DataFrame(
    columns=["product_id", "family", "period_from", "period_to", "change_pct", "change_qty"]
).assign(reason=[])


def _streams(
    statistical: pd.DataFrame, overrides: pd.DataFrame, events: pd.DataFrame = NO_EVENTS
) -> pd.DataFrame:
    """build_streams with the statistical forecast (without intervals) as the naive one."""
    return build_streams(
        statistical, statistical.drop(columns=["lo_80", "hi_80"]), events, overrides
    )


def test_a_quantity_is_shared_by_forecast_and_a_percentage_applies_to_each_row() -> None:
    statistical = _statistical(
        {("P1", "Key"): [30, 30, 30], ("P2", "Key"): [10, 10, 10], ("Q1", "Key"): [50, 50, 50]}
    )
    overrides = pd.DataFrame(
        [
            _override("family", "F", "2027-02", "2027-02", qty=100.0),
            _override("product", "Q1", "2027-01", "2027-03", pct=-10.0),
        ],
        columns=list(OVERRIDE_COLUMNS),
    )
    streams = _streams(statistical, overrides)
    change = _stream(streams, "override:sales.sam")
    assert change[("P1", "Key", "2027-02")] == pytest.approx(75.0)  # 30 of 40
    assert change[("P2", "Key", "2027-02")] == pytest.approx(25.0)
    assert change[("P1", "Key", "2027-01")] == 0.0 and change[("P1", "Key", "2027-03")] == 0.0
    assert change.xs("Q1", level="product_id").tolist() == pytest.approx([-5.0, -5.0, -5.0])
    consensus = _stream(streams, CONSENSUS)
    assert consensus[("P1", "Key", "2027-02")] == pytest.approx(105.0)
    assert consensus[("Q1", "Key", "2027-03")] == pytest.approx(45.0)


def test_a_quantity_over_rows_forecast_at_zero_is_shared_evenly_and_never_below_zero() -> None:
    statistical = _statistical({("P1", "Key"): [0, 0, 8], ("P1", "Web"): [0, 0, 2]})
    overrides = pd.DataFrame(
        [
            _override("product", "P1", "2027-01", "2027-01", qty=9.0),
            _override("segment", "Web", "2027-03", "2027-03", qty=-5.0),
        ],
        columns=list(OVERRIDE_COLUMNS),
    )
    streams = _streams(statistical, overrides)
    change = _stream(streams, "override:sales.sam")
    assert change[("P1", "Key", "2027-01")] == pytest.approx(4.5)
    assert change[("P1", "Web", "2027-01")] == pytest.approx(4.5)
    consensus = _stream(streams, CONSENSUS)
    assert consensus[("P1", "Web", "2027-03")] == 0.0  # 2 - 5 is clipped at zero
    assert consensus[("P1", "Key", "2027-03")] == pytest.approx(8.0)


def test_an_override_applies_on_top_of_the_events() -> None:
    statistical = _statistical({("P1", "Key"): [10, 10, 10], ("Q1", "Key"): [10, 10, 10]})
    events = pd.DataFrame(
        [
            {
                "product_id": None,
                "family": "F",
                "period_from": "2027-01",
                "period_to": "2027-02",
                "change_pct": 50.0,
                "change_qty": np.nan,
                "reason": "trade show",
            }
        ]
    )
    overrides = pd.DataFrame(
        [_override("product", "P1", "2027-01", "2027-01", pct=10.0)],
        columns=list(OVERRIDE_COLUMNS),
    )
    streams = _streams(statistical, overrides, events)
    assert _stream(streams, EVENTS)[("P1", "Key", "2027-02")] == pytest.approx(5.0)
    assert _stream(streams, EVENTS)[("Q1", "Key", "2027-01")] == 0.0
    assert _stream(streams, "override:sales.sam")[("P1", "Key", "2027-01")] == pytest.approx(1.5)
    consensus = _stream(streams, CONSENSUS)
    assert consensus[("P1", "Key", "2027-01")] == pytest.approx(16.5)
    hi = streams[(streams["stream"] == CONSENSUS) & (streams["period"] == "2027-01")]
    assert hi.set_index("product_id").loc["P1", "hi_80"] == pytest.approx(12.0 + 6.5)
