"""forecast-csv's service: says how many series are done while it forecasts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from snop.services.forecast_csv import forecast_file


def test_forecast_file_reports_the_series_done_as_it_goes(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    months = pd.period_range("2021-01", periods=36, freq="M").astype(str)
    smooth = [(s, m, 100 + rng.normal(0, 5)) for s in ("a", "b") for m in months]
    sparse = [("c", m, float(rng.random() < 0.2) * 7) for m in months]
    source = tmp_path / "in.csv"
    pd.DataFrame(smooth + sparse, columns=["series_id", "period", "quantity"]).to_csv(
        source, index=False
    )
    said: list[tuple[str, int, int | None]] = []
    report = forecast_file(
        source,
        tmp_path / "out.csv",
        horizon=3,
        progress=lambda stage, done, total: said.append((stage, done, total)),
    )
    assert said[0] == ("reading in.csv", 0, None)
    counted = [done for stage, done, total in said if stage == "forecasting 3 series"]
    # The count starts at none, grows with each group (smooth, then intermittent)
    # and ends at all three; the write comes last.
    assert counted[0] == 0 and counted[-1] == 3 and counted == sorted(counted)
    assert len(set(counted)) >= 3
    assert said[-1] == ("writing out.csv", 3, 3)
    assert report.series == 3
