"""The forecast engine on small synthetic panels (real statsforecast models, short runs)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from snop.demand import forecast
from snop.demand.forecast import (
    ForecastSettings,
    candidate_names,
    classify_pools,
    ensemble_members,
    fill_gaps,
    run_forecast,
    validate_panel,
)
from snop.errors import InvalidInput

SETTINGS = ForecastSettings(horizon=6, backtest_windows=2, backtest_horizon=3, method="select")


def seasonal(n: int = 48, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 30 * np.sin(2 * np.pi * t / 12) + 0.5 * t + rng.normal(0, 3, n)


def intermittent(n: int = 48, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(n) < 0.3, rng.integers(1, 20, n), 0).astype(float)


def panel(**series: np.ndarray) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({"unique_id": k, "ds": np.arange(len(v)), "y": v}) for k, v in series.items()]
    )


def test_each_series_gets_a_backtested_model_and_intervals() -> None:
    data = panel(season=seasonal(), spares=intermittent())
    result = run_forecast(data, classify_pools(data), SETTINGS)
    assert classify_pools(data) == {"season": "continuous", "spares": "intermittent"}
    fc = result.forecast
    assert len(fc) == 12 and fc["ds"].min() == 48 and fc["step"].max() == 6
    assert (fc["lo_95"] <= fc["lo_80"]).all() and (fc["lo_80"] <= fc["forecast"]).all()
    assert (fc["forecast"] <= fc["hi_80"]).all() and (fc["hi_80"] <= fc["hi_95"]).all()
    choice = result.choice.set_index("unique_id")
    assert choice.loc["season", "model"] in [*candidate_names("continuous", 12, 48), "Ensemble"]
    assert choice.loc["spares", "pool"] == "intermittent"
    assert "backtest mean absolute error" in choice.loc["season", "reason"]
    # The winner has the lowest backtest error among the candidates scored.
    scores = result.scores[result.scores["unique_id"] == "season"]
    assert scores.loc[scores["mae"].idxmin(), "model"] == choice.loc["season", "model"]
    # The seasonal series' forecast follows its season: next peak above next trough.
    season = fc[fc["unique_id"] == "season"]["forecast"].to_numpy()
    assert season.max() - season.min() > 20


def test_the_ensemble_policy_always_takes_the_ensemble() -> None:
    data = panel(season=seasonal())
    settings = ForecastSettings(
        horizon=6, backtest_windows=2, backtest_horizon=3, method="ensemble"
    )
    result = run_forecast(data, {}, settings)
    assert set(result.choice["model"]) == {"Ensemble"}


def test_a_big_group_is_forecast_in_chunks_that_report_progress_and_change_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = panel(**{f"s{i}": seasonal(seed=i) for i in range(5)})
    whole = run_forecast(data, {}, SETTINGS)
    monkeypatch.setattr(forecast, "PROGRESS_CHUNK", 2)
    monkeypatch.setattr(forecast, "PROGRESS_TICKS", 5)
    heard: list[tuple[int, int]] = []
    chunked = run_forecast(
        data, {}, SETTINGS, progress=lambda done, total: heard.append((done, total))
    )
    assert len(heard) > 1 and heard[-1] == (5, 5)
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
    key = ["unique_id", "ds"]
    pd.testing.assert_frame_equal(
        whole.forecast.sort_values(key).reset_index(drop=True),
        chunked.forecast.sort_values(key).reset_index(drop=True),
        rtol=1e-6,
    )


def test_a_short_series_gets_the_default_and_says_why() -> None:
    launch = pd.DataFrame(
        {"unique_id": "launch", "ds": [44, 45, 46, 47], "y": [5.0, 8.0, 12.0, 15.0]}
    )
    data = pd.concat([panel(season=seasonal()), launch])
    result = run_forecast(data, {}, SETTINGS)
    launch = result.choice.set_index("unique_id").loc["launch"]
    assert not launch["backtested"] and "too short to backtest" in launch["reason"]
    assert len(result.forecast[result.forecast["unique_id"] == "launch"]) == 6


def test_gaps_are_months_without_demand() -> None:
    data = pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [0, 3, 2], "y": [1.0, 4.0, 2.0]})
    filled = fill_gaps(data)
    assert filled[filled["unique_id"] == "a"]["y"].tolist() == [1.0, 0.0, 0.0, 4.0]
    assert filled[filled["unique_id"] == "b"]["ds"].tolist() == [2, 3]


def test_bad_panels_are_refused() -> None:
    with pytest.raises(InvalidInput, match="error"):
        validate_panel(pd.DataFrame({"unique_id": ["a", "a"], "ds": [1, 1], "y": [1.0, 2.0]}))
    with pytest.raises(InvalidInput):
        validate_panel(pd.DataFrame({"unique_id": ["a"], "ds": [1]}))
    with pytest.raises(InvalidInput):
        ForecastSettings(horizon=0)


@pytest.mark.parametrize("refit_max_obs", [120, 10], ids=["refits", "rolls-forward"])
def test_a_model_that_fails_is_recorded_and_never_chosen(
    monkeypatch: pytest.MonkeyPatch, refit_max_obs: int
) -> None:
    from statsforecast.models import AutoETS

    import snop.demand.forecast as forecast

    class Fragile(AutoETS):  # type: ignore[misc]
        """AutoETS that breaks on series starting with 999, as real models break on odd data."""

        def forecast(self, y: np.ndarray, h: int, *args: object, **kwargs: object) -> object:
            if y[0] == 999:
                raise ValueError("cannot fit")
            return super().forecast(y, h, *args, **kwargs)

        def fit(self, y: np.ndarray, *args: object, **kwargs: object) -> object:
            if y[0] == 999:  # the backtest without refits fits once, then rolls forward
                raise ValueError("cannot fit")
            return super().fit(y, *args, **kwargs)

    make = forecast._make_model
    monkeypatch.setattr(
        forecast,
        "_make_model",
        lambda name, m: Fragile(season_length=m) if name == "AutoETS" else make(name, m),
    )
    odd = seasonal()
    odd[0] = 999
    data = panel(fine=seasonal(seed=4), odd=odd)
    settings = ForecastSettings(
        horizon=6,
        backtest_windows=2,
        backtest_horizon=3,
        models={"continuous": ["AutoETS", "AutoTheta"]},
        refit_max_obs=refit_max_obs,
    )
    result = run_forecast(data, {}, settings)
    failed = result.fallbacks
    assert failed[["unique_id", "model"]].values.tolist() == [["odd", "AutoETS"]]
    odd_scores = result.scores[result.scores["unique_id"] == "odd"]
    assert odd_scores[odd_scores["model"] == "AutoETS"]["mae"].isna().all()
    assert result.choice.set_index("unique_id").loc["odd", "model"] != "AutoETS"
    assert result.forecast["forecast"].notna().all()


def test_a_short_seasonal_series_averages_the_seasonal_naive_into_its_ensemble(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = seasonal(30)
    data = panel(season=history)
    settings = ForecastSettings(
        horizon=6, backtest_windows=2, backtest_horizon=3, method="ensemble"
    )
    names = candidate_names("continuous", 12, 30)
    assert ensemble_members("continuous", names, settings, 30)[-1] == "SeasonalNaive"
    assert "SeasonalNaive" not in ensemble_members("continuous", names, settings, 36)
    spares = candidate_names("intermittent", 12, 30)
    assert "SeasonalNaive" not in ensemble_members("intermittent", spares, settings, 30)
    with_member = run_forecast(data, {}, settings).forecast["forecast"].to_numpy()
    monkeypatch.setattr(forecast, "SEASONAL_MEMBER_SEASONS", 0)
    without = run_forecast(data, {}, settings).forecast["forecast"].to_numpy()
    # Three smoothing models and the seasonal naive, which repeats the same months a year ago.
    same_months_last_year = history[30 - 12 : 30 - 12 + 6]
    assert with_member == pytest.approx((3 * without + same_months_last_year) / 4, rel=1e-6)


def test_arima_is_a_candidate_from_four_seasons_up_to_its_length_cap() -> None:
    def has_arima(n_obs: int) -> bool:
        return "AutoARIMA" in candidate_names("continuous", 12, n_obs)

    assert not has_arima(47)
    assert has_arima(48)
    assert has_arima(forecast.ARIMA_MAX_OBS)
    # Past the cap its order search costs many times every other model together.
    assert not has_arima(forecast.ARIMA_MAX_OBS + 1)
    assert "AutoETS" in candidate_names("continuous", 12, 300)
    assert ensemble_members(
        "continuous", candidate_names("continuous", 12, 300), ForecastSettings(), 300
    ) == ["AutoETS", "AutoTheta", "CES"]


def test_the_ensemble_fits_only_its_members_and_the_naive_references() -> None:
    data = panel(season=seasonal(60))
    settings = ForecastSettings(horizon=6, backtest_windows=2, backtest_horizon=3)
    fitted = set(run_forecast(data, {}, settings).scores["model"])
    assert fitted == {"AutoETS", "AutoARIMA", "AutoTheta", "CES", "Naive", "SeasonalNaive"} | {
        "Ensemble"
    }
    # Selecting per series still weighs every candidate, MSTL included.
    select = dataclasses.replace(settings, method="select")
    assert "MSTL" in set(run_forecast(data, {}, select).scores["model"])


def test_a_long_history_is_backtested_on_one_fit_rolled_forward(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from statsforecast import StatsForecast

    calls: list[tuple[frozenset[str], bool]] = []
    original = StatsForecast.cross_validation

    def spy(self: StatsForecast, *args: object, **kwargs: object) -> object:
        ids = frozenset(str(u) for u in kwargs["df"]["unique_id"].unique())  # type: ignore[index]
        calls.append((ids, bool(kwargs.get("refit", True))))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StatsForecast, "cross_validation", spy)
    data = panel(long=seasonal(60), short=seasonal(36, seed=3)[:36], spares=intermittent(60))
    data.loc[data["unique_id"] == "short", "ds"] += 24
    settings = ForecastSettings(horizon=6, backtest_windows=2, backtest_horizon=3, refit_max_obs=48)
    result = run_forecast(data, classify_pools(data), settings)
    assert sorted(calls, key=str) == sorted(
        [(frozenset({"long"}), False), (frozenset({"short"}), True), (frozenset({"spares"}), True)],
        key=str,
    )
    # The rolled-forward backtest is still a backtest: two windows, every model scored.
    long = result.scores[result.scores["unique_id"] == "long"]
    assert long["mae"].notna().all() and len(long) == 7
    assert result.backtest[result.backtest["unique_id"] == "long"]["cutoff"].nunique() == 2


def test_a_model_that_cannot_roll_forward_is_refitted_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from statsforecast.models import AutoETS

    class NoRoll(AutoETS):  # type: ignore[misc]
        def forward(self, *args: object, **kwargs: object) -> object:
            raise ValueError("cannot roll forward")

    make = forecast._make_model
    monkeypatch.setattr(
        forecast,
        "_make_model",
        lambda name, m: NoRoll(season_length=m) if name == "AutoETS" else make(name, m),
    )
    settings = ForecastSettings(horizon=6, backtest_windows=2, backtest_horizon=3, refit_max_obs=10)
    result = run_forecast(panel(long=seasonal(60)), {}, settings)
    assert result.scores.set_index("model").loc["AutoETS", "mae"] > 0
