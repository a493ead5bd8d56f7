"""The same forecast on a local Dask cluster as on this process (statsforecast's backend)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from snop.demand.forecast import ForecastSettings, run_forecast
from snop.errors import SnopError
from snop.services.engines import connect


def test_dask_gives_the_local_forecast() -> None:
    pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(5)
    t = np.arange(40)
    panel = pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": f"s{i}",
                    "ds": t,
                    "y": 50 + 10 * np.sin(2 * np.pi * t / 12 + i) + rng.normal(0, 2, 40),
                }
            )
            for i in range(4)
        ]
    )
    settings = ForecastSettings(
        horizon=4,
        backtest_windows=2,
        backtest_horizon=3,
        models={"continuous": ["AutoETS", "AutoTheta"]},
    )
    local = run_forecast(panel, {}, settings)
    with connect("dask") as client:
        remote = run_forecast(panel, {}, settings, engine=client)
    a = local.forecast.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    b = remote.forecast.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    assert a["model"].tolist() == b["model"].tolist()
    np.testing.assert_allclose(a["forecast"], b["forecast"], rtol=1e-4)
    np.testing.assert_allclose(a["hi_95"], b["hi_95"], rtol=1e-4)


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(SnopError, match="unknown engine spark"), connect("spark"):
        pass
