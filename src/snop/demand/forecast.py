"""The statistical forecast: statsforecast models chosen per series by backtest.

Frames use statsforecast's long format inside this module: ``unique_id`` (str), ``ds``
(int: consecutive time steps, e.g. months since year 0) and ``y`` (float). Callers map
their periods to integer steps and back; that keeps this module calendar-free.

How a series is forecast:

1. Its *pool* of candidate models follows its demand class: ``continuous`` (smooth or
   erratic demand: AutoETS, AutoTheta, AutoCES; AutoARIMA from four seasons of history
   up to `ARIMA_MAX_OBS` steps, MSTL from two seasons)
   or ``intermittent`` (intermittent or lumpy: CrostonOptimized, TSB, ADIDA, IMAPA). Naive
   and seasonal naive are always candidates, as is ``Ensemble``, the mean of the pool's
   main models (and of the seasonal naive model, on continuous seasonal series with fewer
   than `SEASONAL_MEMBER_SEASONS` seasons of history: see `ensemble_members`).
2. A rolling-origin backtest (``backtest_windows`` windows of ``backtest_horizon`` steps
   on the most recent history) scores every candidate by its mean absolute error.
3. ``method="ensemble"`` (the default) takes the ensemble; ``method="select"`` keeps
   each series' best candidate. On the M3 competition data the ensemble is clearly more
   accurate than per-series selection (bench/RESULTS.md): a backtest of a few windows is
   too noisy to pick one model reliably. With the ensemble only its members and the naive
   references are fitted; every fitted model's backtest error is kept, so each forecast
   can be explained. Series longer than ``refit_max_obs`` backtest on one fit rolled
   forward over the windows.
4. Prediction intervals come from the model where it has them (ETS, ARIMA, Theta, CES,
   naive); intermittent-demand models have none, so their intervals come from the
   backtest errors, widening with the square root of the horizon step.

Series too short to backtest get the pool's default model, and say so.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import pandas as pd
from scipy import special  # type: ignore[import-untyped]

from snop.errors import InvalidInput, Issue

if TYPE_CHECKING:
    from statsforecast import StatsForecast

Pool = Literal["continuous", "intermittent"]
Method = Literal["select", "ensemble"]
ENSEMBLE = "Ensemble"
NAIVE = "Naive"
SEASONAL_NAIVE = "SeasonalNaive"
POOLS: tuple[Pool, ...] = ("continuous", "intermittent")

# The models the ensemble averages, per pool; chosen to be diverse, as in the statistical
# ensemble the statsforecast authors published for M3 (ETS, ARIMA, Theta, CES).
ENSEMBLE_MEMBERS: dict[Pool, tuple[str, ...]] = {
    "continuous": ("AutoETS", "AutoARIMA", "AutoTheta", "CES"),
    "intermittent": ("CrostonOptimized", "TSB", "ADIDA", "IMAPA"),
}
DEFAULT_MODEL: dict[Pool, str] = {"continuous": ENSEMBLE, "intermittent": "CrostonOptimized"}
FAST_MODELS: dict[Pool, tuple[str, ...]] = {
    "continuous": ("AutoETS", "AutoTheta", "CES"),
    "intermittent": ENSEMBLE_MEMBERS["intermittent"],
}
"""The ensemble without AutoARIMA, its slowest member (about x5 faster on long monthly
series), and without the candidates only the model explanation uses."""
ARIMA_MIN_SEASONS = 4
ARIMA_MAX_OBS = 150
"""AutoARIMA's order search grows with the history: on 300-month series it costs x28.6
AutoETS, so 366 of them took over an hour, while the ensemble without it beats AutoETS
there (Tourism monthly MASE 1.455 against 1.531; bench/RESULTS.md). Longer series leave it
out; every M3 and M1 series is shorter."""
SEASONAL_MEMBER_SEASONS = 3
"""A continuous series with fewer seasons of history than this has the seasonal naive
model in its ensemble: ETS, Theta and CES cannot estimate a season from two years, so
without it the ensemble runs flat through the peaks (bench/RESULTS.md, policy lab)."""
NO_NATIVE_INTERVALS = frozenset({"CrostonOptimized", "TSB", "ADIDA", "IMAPA"})


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    """How to forecast.

    ``horizon`` and ``backtest_horizon`` are in time steps (months for monthly data);
    ``levels`` are the prediction-interval coverages in percent.
    """

    horizon: int = 18
    season_length: int = 12
    levels: tuple[int, ...] = (80, 95)
    backtest_windows: int = 3
    backtest_horizon: int = 6
    method: Method = "ensemble"
    models: Mapping[Pool, Sequence[str]] | None = None
    """Restrict each pool to these candidates (names as in ``candidate_names``)."""
    n_jobs: int = 1
    refit_max_obs: int = 120
    """Series longer than this fit the backtest's models once, at its first cutoff, and roll
    them forward over the later windows instead of refitting each: ten years of history
    barely move the estimates in a year, and the refits were half the work of a long
    catalogue (bench/RESULTS.md)."""

    def __post_init__(self) -> None:
        issues = []
        for name in ("horizon", "season_length", "backtest_windows", "backtest_horizon"):
            if int(getattr(self, name)) < 1:
                issues.append(Issue("out_of_range", f"{name} must be at least 1", column=name))
        if any(not 0 < level < 100 for level in self.levels):
            issues.append(Issue("out_of_range", "levels must be between 0 and 100"))
        if issues:
            raise InvalidInput(issues)

    @property
    def min_backtest_length(self) -> int:
        """Shortest series that can be backtested: one window plus a season to learn from."""
        return self.backtest_horizon + max(self.season_length, 6)

    def windows_for(self, n_obs: int) -> int:
        """Backtest windows a series of ``n_obs`` steps affords (0 to ``backtest_windows``).

        As many windows as fit after a season to learn from: a product with two years of
        monthly history still gets its forecast error measured, on fewer windows.
        """
        room = (n_obs - max(self.season_length, 6)) // self.backtest_horizon
        return int(max(0, min(self.backtest_windows, room)))

    def refits(self, n_obs: int) -> bool:
        """Whether the backtest of a series of ``n_obs`` steps refits its models per window."""
        return n_obs <= self.refit_max_obs


@dataclass(frozen=True, slots=True)
class ForecastResult:
    """The forecast, why each series got its model, and the backtest behind it.

    forecast : unique_id, ds, step (1..horizon), forecast, lo_<L>, hi_<L> per level, model
    choice : unique_id, pool, model, n_obs, backtested (bool), reason (text)
    scores : unique_id, model, mae (backtest mean absolute error, units of y), rank
    backtest : unique_id, cutoff, ds, step, actual, forecast (the chosen model's backtest)
    fallbacks : unique_id, model, reason (models that failed on a series and fell back)
    """

    forecast: pd.DataFrame
    choice: pd.DataFrame
    scores: pd.DataFrame
    backtest: pd.DataFrame
    fallbacks: pd.DataFrame = field(default_factory=pd.DataFrame)


def candidate_names(pool: Pool, season_length: int, n_obs: int) -> list[str]:
    """Names of the candidate models of a pool for a series of ``n_obs`` steps."""
    if pool == "intermittent":
        names = ["CrostonOptimized", "TSB", "ADIDA", "IMAPA"]
    else:
        names = ["AutoETS", "AutoTheta", "CES"]
        # A seasonal ARIMA spends a season on differencing and needs several more to fit;
        # on shorter series it is slow and rarely wins, so it is a candidate from 4 seasons
        # up to ARIMA_MAX_OBS steps.
        if ARIMA_MIN_SEASONS * max(season_length, 4) <= n_obs <= ARIMA_MAX_OBS:
            names.insert(1, "AutoARIMA")
        if season_length > 1 and n_obs >= 2 * season_length + 1:
            names.append("MSTL")
    names += [NAIVE]
    if season_length > 1 and n_obs > season_length:
        names.append(SEASONAL_NAIVE)
    return names


def _make_model(name: str, season_length: int) -> Any:
    # Imported here: statsforecast takes seconds to load, and most commands never forecast.
    from statsforecast import models as sf

    m = season_length
    factories: dict[str, Any] = {
        "AutoETS": lambda: sf.AutoETS(season_length=m),
        "AutoARIMA": lambda: sf.AutoARIMA(season_length=m),
        "AutoTheta": lambda: sf.AutoTheta(season_length=m),
        "CES": lambda: sf.AutoCES(season_length=m),
        "MSTL": lambda: sf.MSTL(season_length=m, trend_forecaster=sf.AutoETS(model="ZZN")),
        "CrostonOptimized": sf.CrostonOptimized,
        # TSB needs its smoothing weights; 0.1 for both is the common textbook choice.
        "TSB": lambda: sf.TSB(alpha_d=0.1, alpha_p=0.1),
        "ADIDA": sf.ADIDA,
        "IMAPA": sf.IMAPA,
        NAIVE: sf.Naive,
        SEASONAL_NAIVE: lambda: sf.SeasonalNaive(season_length=m),
    }
    return factories[name]()


def validate_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Check a long-format panel and return it sorted with clean dtypes.

    Raises ``InvalidInput`` for missing columns, non-numeric or non-finite values and
    duplicate (unique_id, ds) pairs.
    """
    missing = [c for c in ("unique_id", "ds", "y") if c not in panel.columns]
    if missing:
        raise InvalidInput(
            [Issue("missing_column", f"the panel has no column {c}", column=c) for c in missing]
        )
    out = panel[["unique_id", "ds", "y"]].copy()
    out["unique_id"] = out["unique_id"].astype(str)
    out["y"] = pd.to_numeric(out["y"], errors="coerce").astype(float)
    issues = []
    if not np.isfinite(out["y"]).all():
        issues.append(Issue("wrong_type", "y holds values that are not finite numbers", column="y"))
    if out.duplicated(["unique_id", "ds"]).any():
        issues.append(Issue("duplicate_key", "a series has two values for one time step"))
    if issues:
        raise InvalidInput(issues)
    out["ds"] = out["ds"].astype(np.int64)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)


def fill_gaps(panel: pd.DataFrame, *, end: int | None = None) -> pd.DataFrame:
    """Give every series every step from its first one to ``end`` (default: the last of all).

    A missing step is a month without demand, so it becomes 0.
    """
    if panel.empty:
        return panel
    last = int(panel["ds"].max()) if end is None else end
    first = panel.groupby("unique_id", sort=True)["ds"].min()
    lengths = (last - first + 1).to_numpy()
    ids = np.repeat(first.index.to_numpy(), lengths)
    steps = np.concatenate([np.arange(f, last + 1) for f in first.to_numpy()])
    full = pd.DataFrame({"unique_id": ids, "ds": steps.astype(np.int64)})
    out = full.merge(panel, on=["unique_id", "ds"], how="left")
    out["y"] = out["y"].fillna(0.0)
    return out


def run_forecast(
    panel: pd.DataFrame,
    pools: Mapping[str, Pool],
    settings: ForecastSettings,
    *,
    engine: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> ForecastResult:
    """Forecast every series of ``panel``.

    Parameters
    ----------
    panel
        unique_id (str), ds (int time step), y (float demand). Gaps are filled with zeros
        up to the last step of the panel.
    pools
        unique_id -> "continuous" or "intermittent" (series not listed are continuous).
    settings
        Horizon, season length, interval levels, backtest and selection method.
    engine
        None to run here, or a distributed backend statsforecast accepts (a Dask or Ray
        client): the panel is then handed over as that engine's data frame.
    progress
        Called with (series done, series in all) after each group of series.

    Returns
    -------
    ForecastResult (see its docstring for the columns).
    """
    panel = fill_gaps(validate_panel(panel))
    if panel.empty:
        raise InvalidInput([Issue("empty_input", "there is no demand history to forecast")])
    # One statsforecast run per pool and candidate list: series long enough for MSTL or
    # ARIMA get them, without holding every other series of the pool to the shortest one.
    n_obs = panel.groupby("unique_id")["ds"].size()
    groups: dict[tuple[Pool, tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for uid, n in n_obs.items():
        pool: Pool = pools.get(str(uid), "continuous")
        names = _pool_models(pool, settings, int(n))
        key = (pool, tuple(names), tuple(ensemble_members(pool, names, settings, int(n))))
        groups.setdefault(key, []).append(str(uid))
    parts, done = [], 0
    for (pool, _, _), ids in sorted(groups.items()):
        for chunk in _chunks(ids, len(n_obs)):
            part = panel[panel["unique_id"].isin(chunk)]
            parts.append(_forecast_pool(part, pool, settings, engine))
            done += len(chunk)
            if progress is not None:
                progress(done, len(n_obs))
    return ForecastResult(
        forecast=_concat([p.forecast for p in parts]),
        choice=_concat([p.choice for p in parts]),
        scores=_concat([p.scores for p in parts]),
        backtest=_concat([p.backtest for p in parts]),
        fallbacks=_concat([p.fallbacks for p in parts]),
    )


PROGRESS_CHUNK = 100
"""Series per statsforecast call at least, so that progress is heard while big groups run.

Series are forecast independently, so chunks change no figure; each call costs a pool of
worker processes (a fraction of a second), hence chunks of a hundred series or more and
never more than `PROGRESS_TICKS` of them in all.
"""
PROGRESS_TICKS = 20


def _chunks(ids: list[str], total: int) -> list[list[str]]:
    """``ids`` in runs of about ``total / PROGRESS_TICKS`` (at least `PROGRESS_CHUNK`)."""
    size = max(PROGRESS_CHUNK, -(-total // PROGRESS_TICKS))
    n_chunks = max(1, round(len(ids) / size))
    step = -(-len(ids) // n_chunks)
    return [ids[i : i + step] for i in range(0, len(ids), step)]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate, skipping empty parts (pandas no longer guesses their dtypes)."""
    filled = [f for f in frames if not f.empty]
    if not filled:
        return frames[0] if frames else pd.DataFrame()
    return pd.concat(filled, ignore_index=True)


def _forecast_pool(
    panel: pd.DataFrame, pool: Pool, settings: ForecastSettings, engine: Any
) -> ForecastResult:
    n_obs = panel.groupby("unique_id")["ds"].size()
    names = _pool_models(pool, settings, int(n_obs.min()))
    members = ensemble_members(pool, names, settings, int(n_obs.min()))
    cv = _backtests(panel, n_obs, names, members, settings, engine)
    scores = _scores(cv, [*names, ENSEMBLE] if members else names)
    chosen = _choose(n_obs, scores, pool, settings, has_ensemble=bool(members))
    raw = _final_forecast(panel, names, settings, engine)
    if members:
        raw = _add_ensemble(raw, members, settings.levels)
    forecast = _pick_chosen(raw, chosen, settings)
    backtest = _chosen_backtest(cv, chosen)
    forecast = _empirical_intervals(forecast, backtest, panel, settings)
    return ForecastResult(
        forecast=forecast,
        choice=_explain(chosen, scores, n_obs, pool, settings),
        scores=scores,
        backtest=backtest,
        fallbacks=_detect_fallbacks(raw, cv, names),
    )


def _pool_models(pool: Pool, settings: ForecastSettings, shortest: int) -> list[str]:
    """The models fitted on a series: its candidates, or only what the ensemble needs.

    With ``method="ensemble"`` a candidate outside the ensemble can never be the forecast,
    so only the members and the naive references (the fallback, and the yardstick a planner
    compares with) are fitted: that halves the work on long series.
    """
    names = candidate_names(pool, settings.season_length, shortest)
    if settings.models and pool in settings.models:
        kept = {NAIVE, SEASONAL_NAIVE} if _seasonal_member(pool, settings, shortest) else {NAIVE}
        wanted = set(settings.models[pool]) | kept
        names = [n for n in names if n in wanted]
    if settings.method == "ensemble" and ensemble_members(pool, names, settings, shortest):
        names = [n for n in names if n in ENSEMBLE_MEMBERS[pool] or n in (NAIVE, SEASONAL_NAIVE)]
    return names


def _seasonal_member(pool: Pool, settings: ForecastSettings, n_obs: int) -> bool:
    """True when a series is seasonal data too short for the smoothing models' seasons."""
    season = settings.season_length
    return pool == "continuous" and season > 1 and season < n_obs < SEASONAL_MEMBER_SEASONS * season


def ensemble_members(
    pool: Pool, names: Sequence[str], settings: ForecastSettings, n_obs: int
) -> list[str]:
    """The models the ensemble of a series averages.

    The pool's members among its candidates, and the seasonal naive model on seasonal
    series with under three seasons of history.
    """
    members = [m for m in ENSEMBLE_MEMBERS[pool] if m in names]
    if members and SEASONAL_NAIVE in names and _seasonal_member(pool, settings, n_obs):
        members.append(SEASONAL_NAIVE)
    return members


def _statsforecast(names: Sequence[str], settings: ForecastSettings) -> StatsForecast:
    from statsforecast import StatsForecast

    from snop.demand.failure import FailureMarker

    models = [_make_model(n, settings.season_length) for n in names]
    return StatsForecast(
        models=models, freq=1, n_jobs=settings.n_jobs, fallback_model=FailureMarker()
    )


def _quiet(call: Any, *args: Any, **kwargs: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        # statsforecast warns per series about short or constant history; we report those
        # cases ourselves in the choice table rather than flood the planner's terminal.
        warnings.simplefilter("ignore")
        result = call(*args, **kwargs)
    return _to_pandas(result)


def _to_pandas(frame: Any) -> pd.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return frame.reset_index(drop="unique_id" not in frame.index.names)
    if hasattr(frame, "compute"):  # a Dask frame from a distributed engine
        return pd.DataFrame(frame.compute()).reset_index(drop=True)
    if hasattr(frame, "to_pandas"):  # Ray datasets, polars
        return pd.DataFrame(frame.to_pandas())
    return pd.DataFrame(frame)


def _backtests(
    panel: pd.DataFrame,
    n_obs: pd.Series,
    names: Sequence[str],
    members: Sequence[str],
    settings: ForecastSettings,
    engine: Any,
) -> pd.DataFrame:
    """The backtest of every series long enough, each on as many windows as it affords.

    Every series ends at the same step, so the windows of shorter series are the latest
    windows of the longer ones.
    """
    plans = {
        str(uid): (settings.windows_for(int(n)), settings.refits(int(n)))
        for uid, n in n_obs.items()
    }
    parts = [
        _backtest(
            panel[panel["unique_id"].isin([u for u, p in plans.items() if p == plan])],
            names,
            members,
            dataclasses.replace(settings, backtest_windows=plan[0]),
            engine,
            refit=plan[1],
        )
        for plan in sorted(set(plans.values()))
        if plan[0] > 0
    ]
    return _concat(parts) if parts else _backtest(panel.iloc[0:0], names, members, settings, engine)


def _backtest(
    panel: pd.DataFrame,
    names: Sequence[str],
    members: Sequence[str],
    settings: ForecastSettings,
    engine: Any,
    *,
    refit: bool = True,
) -> pd.DataFrame:
    """Wide frame: unique_id, cutoff, ds, step, actual, then one column per candidate.

    Kept wide (not one row per model) because it is the largest frame of a run: at 30,000
    series the long form alone would take hundreds of megabytes.
    """
    if panel.empty:
        return pd.DataFrame(columns=["unique_id", "cutoff", "ds", "step", "actual"])
    sf = _statsforecast(names, settings)
    # Only models that can roll their fit forward go without refits (not the intermittent ones).
    refit = refit or not all(hasattr(model, "forward") for model in sf.models)
    h = settings.backtest_horizon

    def run(refit: bool) -> pd.DataFrame:
        return _quiet(
            sf.cross_validation,
            h=h,
            df=_on_engine(panel, engine),
            n_windows=settings.backtest_windows,
            step_size=h,
            refit=refit,
        )

    try:
        wide = run(refit)
    except Exception:  # noqa: BLE001
        if refit:
            raise
        # statsforecast guards a failing fit with the fallback, not a failing roll forward.
        wide = run(True)
    wide["unique_id"] = wide["unique_id"].astype(str)
    if members:
        wide[ENSEMBLE] = wide[list(members)].mean(axis=1)
    wide["step"] = (wide["ds"] - wide["cutoff"]).astype(int)
    wide = wide.rename(columns={"y": "actual"})
    model_cols = [c for c in [*names, ENSEMBLE] if c in wide.columns]
    return wide[["unique_id", "cutoff", "ds", "step", "actual", *model_cols]]


def _on_engine(panel: pd.DataFrame, engine: Any) -> Any:
    if engine is None:
        return panel
    from snop.demand.engines import distribute

    return distribute(panel, engine)


def _scores(cv: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """unique_id, model, mae (backtest mean absolute error), rank (1 = best)."""
    columns = [n for n in names if n in cv.columns]
    if cv.empty or not columns:
        return pd.DataFrame(columns=["unique_id", "model", "mae", "rank"])
    abs_error = cv[columns].sub(cv["actual"], axis=0).abs()
    mae = abs_error.groupby(cv["unique_id"].to_numpy()).mean()
    mae.index.name, mae.columns.name = "unique_id", "model"
    stacked = cast(pd.Series, mae.stack(future_stack=True))  # one value per series x model
    scores = stacked.rename("mae").reset_index()
    # Ties go to the simpler model: the order of ``names`` lists sophisticated ones first,
    # so rank on (mae, reversed position) to prefer what comes later on equal error.
    position = {n: i for i, n in enumerate(names)}
    scores["_pref"] = -scores["model"].map(position)
    scores = scores.sort_values(["unique_id", "mae", "_pref"], kind="stable")
    scores["rank"] = scores.groupby("unique_id").cumcount() + 1
    return scores.drop(columns="_pref").reset_index(drop=True)


def _choose(
    n_obs: pd.Series,
    scores: pd.DataFrame,
    pool: Pool,
    settings: ForecastSettings,
    *,
    has_ensemble: bool,
) -> pd.Series:
    """unique_id -> chosen model name."""
    default = DEFAULT_MODEL[pool] if has_ensemble or pool == "intermittent" else "AutoETS"
    chosen = pd.Series(default, index=n_obs.index, dtype=object)
    if settings.method == "ensemble" and has_ensemble:
        return chosen
    best = scores[scores["rank"] == 1].set_index("unique_id")["model"]
    chosen.loc[best.index] = best
    return chosen


def _final_forecast(
    panel: pd.DataFrame, names: Sequence[str], settings: ForecastSettings, engine: Any
) -> pd.DataFrame:
    sf = _statsforecast(names, settings)
    native = [n for n in names if n not in NO_NATIVE_INTERVALS]
    if len(native) < len(names):
        # Intermittent models cannot give intervals; forecast them without, the rest with.
        plain = _quiet(
            _statsforecast([n for n in names if n in NO_NATIVE_INTERVALS], settings).forecast,
            h=settings.horizon,
            df=_on_engine(panel, engine),
        )
        with_levels = _quiet(
            _statsforecast(native, settings).forecast,
            h=settings.horizon,
            df=_on_engine(panel, engine),
            level=list(settings.levels),
        )
        plain["unique_id"] = plain["unique_id"].astype(str)
        with_levels["unique_id"] = with_levels["unique_id"].astype(str)
        return plain.merge(with_levels, on=["unique_id", "ds"])
    out = _quiet(
        sf.forecast, h=settings.horizon, df=_on_engine(panel, engine), level=list(settings.levels)
    )
    out["unique_id"] = out["unique_id"].astype(str)
    return out


def _add_ensemble(raw: pd.DataFrame, members: Sequence[str], levels: Sequence[int]) -> pd.DataFrame:
    raw = raw.copy()
    raw[ENSEMBLE] = raw[list(members)].mean(axis=1)
    for level in levels:
        for side in ("lo", "hi"):
            cols = [f"{m}-{side}-{level}" for m in members if f"{m}-{side}-{level}" in raw]
            if len(cols) == len(members):
                # Averaging the members' bounds: a simple, conservative combination.
                raw[f"{ENSEMBLE}-{side}-{level}"] = raw[cols].mean(axis=1)
    return raw


def _pick_chosen(raw: pd.DataFrame, chosen: pd.Series, settings: ForecastSettings) -> pd.DataFrame:
    raw = raw.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    model = raw["unique_id"].map(chosen)
    out = pd.DataFrame({"unique_id": raw["unique_id"], "ds": raw["ds"].astype(np.int64)})
    out["step"] = out.groupby("unique_id").cumcount() + 1
    out["forecast"] = _lookup(raw, model, "")
    for level in settings.levels:
        out[f"lo_{level}"] = _lookup(raw, model, f"-lo-{level}")
        out[f"hi_{level}"] = _lookup(raw, model, f"-hi-{level}")
    out["model"] = model.to_numpy()
    failed = out["forecast"].isna().to_numpy()
    if failed.any():
        # The chosen model failed on the full history: the naive forecast stands in.
        naive = pd.Series(NAIVE, index=raw.index)
        out.loc[failed, "forecast"] = _lookup(raw, naive, "")[failed]
        for level in settings.levels:
            for side in ("lo", "hi"):
                values = _lookup(raw, naive, f"-{side}-{level}")
                out.loc[failed, f"{side}_{level}"] = values[failed]
        out.loc[failed, "model"] = NAIVE
    return out


def _lookup(raw: pd.DataFrame, model: pd.Series, suffix: str) -> np.ndarray:
    """Per row, the value of column ``<model><suffix>`` (NaN if the model has none)."""
    values = np.full(len(raw), np.nan)
    for name in model.unique():
        column = f"{name}{suffix}"
        if column in raw.columns:
            rows = (model == name).to_numpy()
            values[rows] = raw.loc[rows, column].to_numpy(dtype=float)
    return values


def _empirical_intervals(
    forecast: pd.DataFrame,
    backtest: pd.DataFrame,
    panel: pd.DataFrame,
    settings: ForecastSettings,
) -> pd.DataFrame:
    """Intervals for rows the model gave none: from backtest errors, widening as sqrt(step).

    The one-step error scale is the backtest RMSE of the chosen model with each error
    divided by sqrt(step); without a backtest, the series' own standard deviation stands in.
    """
    missing = forecast[f"lo_{settings.levels[0]}"].isna()
    if not missing.any():
        return forecast
    scaled = (backtest["forecast"] - backtest["actual"]) / np.sqrt(backtest["step"].clip(lower=1))
    sigma_bt = scaled.pow(2).groupby(backtest["unique_id"]).mean().pow(0.5)
    sigma_sd = panel.groupby("unique_id")["y"].std(ddof=1).fillna(0.0)
    # An empty backtest gives an object-typed Series; as float it fills without downcasting.
    sigma = sigma_bt.astype(float).reindex(sigma_sd.index).fillna(sigma_sd)
    rows = forecast.loc[missing]
    spread = rows["unique_id"].map(sigma).to_numpy() * np.sqrt(rows["step"].to_numpy())
    out = forecast.copy()
    for level in settings.levels:
        z = float(special.ndtri(0.5 + level / 200))
        out.loc[missing, f"lo_{level}"] = rows["forecast"].to_numpy() - z * spread
        out.loc[missing, f"hi_{level}"] = rows["forecast"].to_numpy() + z * spread
    return out


def _chosen_backtest(cv: pd.DataFrame, chosen: pd.Series) -> pd.DataFrame:
    """unique_id, cutoff, ds, step, actual, forecast: the chosen model's backtest."""
    out = cv[["unique_id", "cutoff", "ds", "step", "actual"]].reset_index(drop=True)
    if cv.empty:
        return out.assign(forecast=pd.Series(dtype=float))
    model = cv["unique_id"].map(chosen).reset_index(drop=True)
    out["forecast"] = _lookup(cv.reset_index(drop=True), model, "")
    return out


def _explain(
    chosen: pd.Series,
    scores: pd.DataFrame,
    n_obs: pd.Series,
    pool: Pool,
    settings: ForecastSettings,
) -> pd.DataFrame:
    backtested = n_obs.map(settings.windows_for) > 0
    by_series = {
        uid: group.sort_values("rank") for uid, group in scores.groupby("unique_id", sort=False)
    }
    reasons = []
    # The index holds the unique_ids (str); pandas-stubs only knows Hashable labels.
    for uid, model in cast(Iterable[tuple[str, str]], chosen.items()):
        if not backtested[uid]:
            reasons.append(
                f"{n_obs[uid]} months of history is too short to backtest "
                f"({settings.min_backtest_length} needed); {model} is the default"
            )
            continue
        table = by_series.get(uid)
        if table is None or table.empty:
            reasons.append(f"{model}: no backtest result")
            continue
        ranked = ", ".join(
            f"{m} {e:.3g}" for m, e in zip(table["model"], table["mae"], strict=True)
        )
        how = "ensemble, the default" if settings.method == "ensemble" else "lowest backtest error"
        reasons.append(f"{model} ({how}); backtest mean absolute error: {ranked}")
    return pd.DataFrame(
        {
            "unique_id": chosen.index.astype(str),
            "pool": pool,
            "model": chosen.to_numpy(),
            "n_obs": n_obs.reindex(chosen.index).to_numpy(),
            "backtested": backtested.reindex(chosen.index).to_numpy(),
            "reason": reasons,
        }
    )


def _detect_fallbacks(raw: pd.DataFrame, cv: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Series on which a model failed (its forecast is NaN), in the backtest or the final fit."""
    rows: list[tuple[str, str, str]] = []
    for frame, where in ((raw, "on this series"), (cv, "in the backtest")):
        for name in names:
            if name in frame.columns and not frame.empty:
                failed = frame[name].isna().groupby(frame["unique_id"]).any()
                seen = {(u, m) for u, m, _ in rows}
                rows += [
                    (str(u), name, f"{name} failed {where}")
                    for u in failed.index[failed.to_numpy()]
                    if (str(u), name) not in seen
                ]
    return pd.DataFrame(rows, columns=["unique_id", "model", "reason"])


def classify_pools(panel: pd.DataFrame, *, adi_cutoff: float = 1.32) -> dict[str, Pool]:
    """Pools from the data alone, for files without product data.

    A series is intermittent when its average interval between non-zero values (ADI) is at
    least ``adi_cutoff`` (Syntetos-Boylan) and it has no negative values; every other
    series is continuous.
    """
    # Summing booleans counts them; pandas-stubs keeps the bool dtype.
    nonzero = cast("pd.Series[int]", panel["y"].ne(0).groupby(panel["unique_id"]).sum())
    length = panel.groupby("unique_id")["y"].size()
    negative = panel["y"].lt(0).groupby(panel["unique_id"]).any()
    adi = length / nonzero.where(nonzero > 0)
    intermittent = (adi >= adi_cutoff) & ~negative
    return {
        str(uid): ("intermittent" if flag else "continuous")
        for uid, flag in intermittent.fillna(False).items()
    }
