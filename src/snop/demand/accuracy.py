"""Forecast accuracy and forecast value added (FVA) of every forecast stream.

Every planning cycle snop snapshots its demand forecasts. A snapshot has a ``cutoff`` (the
last month of history it knew) and forecasts for later months; the *lag* of a forecast is
the number of months from the cutoff to the forecast period (lag 1 = the month after the
cutoff). Forecasts are kept as separate *streams*: ``naive`` (seasonal naive),
``statistical``, one cumulative stream per contributor's adjustment layer (e.g.
``statistical+sales:alice`` or simply ``sales:alice``) and ``consensus``.

Units and conventions used throughout this module:

- quantities (``actual``, ``forecast``, ``abs_error``, ``mae``, ``rmse``) are in the
  product's unit, summed over the periods of a row;
- the error is ``forecast - actual``: a positive error, and a positive bias, means the
  forecast was too high (over-forecast);
- ``wape`` and ``bias`` are **fractions** (0.12 = 12 %), as planners read them next to
  volumes; ``mape`` and ``smape`` are **percentages** (12.0 = 12 %, smape between 0 and 200)
  as in the forecasting literature; ``mase`` is a ratio (1.0 = as good as the in-sample
  seasonal naive forecast).

The module is pure: frames in, frames out; no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import PERIOD_PATTERN, issues_where, missing_columns, periods_to_index

LEVELS: dict[str, str | None] = {
    "product": "product_id",
    "family": "family",
    "segment": "segment",
    "total": None,
}
"""Aggregation levels and the column that keys them (``None``: one key, ``'all'``)."""

TOTAL_KEY = "all"
"""The key of the single row per stream and lag at the ``total`` level."""

METRICS = ("wape", "mape", "smape", "bias", "mase")
"""Metrics :func:`forecast_value_added` can compare (bias by its absolute value)."""

CONSENSUS = "consensus"
"""The stream holding the agreed consensus demand plan."""

FORECAST_COLUMNS = ("cutoff", "period", "product_id", "family", "segment", "stream", "quantity")
ACTUAL_COLUMNS = ("period", "product_id", "family", "segment", "quantity")
ERROR_COLUMNS = (
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
)
FVA_COLUMNS = (
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
)
BACKTEST_COLUMNS = ("unique_id", "cutoff", "step", "actual", "forecast")
HORIZON_COLUMNS = (
    "unique_id",
    "step",
    "n",
    "mae",
    "rmse",
    "mean_error",
    "bias",
    "wape",
    "error_std",
)
SUMMARY_COLUMNS = ("level", "stream", "lag", "keys", "actual", "forecast", "wape", "bias")

_KEY_COLUMNS = ("product_id", "family", "segment")


@overload
def wape(abs_error: float, actual: float) -> float: ...
@overload
def wape(abs_error: pd.Series, actual: pd.Series) -> pd.Series: ...
def wape(abs_error: float | pd.Series, actual: float | pd.Series) -> float | pd.Series:
    """WAPE: the summed absolute error over the summed actual demand, as a fraction.

    ``sum|forecast - actual| / sum(actual)``, the one definition every WAPE in snop uses
    (accuracy tables, the KPI page, the reconciler backtest, the simulation report). NaN
    when there was no demand (the actuals sum to 0 or less). Element by element for
    Series (each row holds the sums of one group).
    """
    return _over_demand(abs_error, actual)


@overload
def bias(error: float, actual: float) -> float: ...
@overload
def bias(error: pd.Series, actual: pd.Series) -> pd.Series: ...
def bias(error: float | pd.Series, actual: float | pd.Series) -> float | pd.Series:
    """Bias: the summed error ``sum(forecast - actual)`` over the summed actual demand.

    A fraction, positive when the forecast was too high; NaN when there was no demand
    (the actuals sum to 0 or less), as for :func:`wape`.
    """
    return _over_demand(error, actual)


def _over_demand(amount: float | pd.Series, actual: float | pd.Series) -> float | pd.Series:
    if isinstance(actual, pd.Series):
        return amount / actual.where(actual > 0)
    return float(amount) / float(actual) if actual > 0 else float("nan")


def error_table(
    forecasts: pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    lags: Sequence[int] = (1, 3),
    levels: Sequence[str] = ("product", "family", "segment", "total"),
    history: pd.DataFrame | None = None,
    season_length: int = 12,
) -> pd.DataFrame:
    """Measure each forecast stream against actual demand, by level, key and lag.

    Forecasts and actuals are summed to each level (``product``: a product over all its
    segments; ``family``; ``segment``; ``total``: everything) before they are compared, so
    errors that cancel out within a family do not count at the family level.

    Matching rules:

    - a forecast's lag is ``period - cutoff`` in months; only lags in ``lags`` are kept;
    - periods with no actuals at all (not yet happened or not yet imported) are dropped;
    - in a period that has actuals, an item without an actual row had no demand (0);
    - an item with demand in a period that a stream forecast at that lag, but that the
      stream did not forecast, counts as forecast 0 for that stream (a missed new product
      shows up), so at every level the keys add up to the total.

    Parameters
    ----------
    forecasts
        The forecast snapshots, one row per cutoff x period x product x segment x stream:
        ``cutoff`` (str 'YYYY-MM', last month of history the snapshot knew), ``period``
        (str 'YYYY-MM', the forecast month), ``product_id``, ``family``, ``segment``,
        ``stream`` (str, e.g. 'naive', 'statistical', 'sales:alice', 'consensus') and
        ``quantity`` (float, units of the product).
    actuals
        Actual demand (ordered quantity): ``period`` (str 'YYYY-MM'), ``product_id``,
        ``family``, ``segment``, ``quantity`` (float, units). Several rows for the same
        product x segment x period (e.g. one per customer) are summed.
    lags
        The lags to evaluate, in months (1 = the month after the cutoff).
    levels
        Any of 'product', 'family', 'segment', 'total', in the order wanted in the output.
    history
        Monthly actual demand for the MASE scale, same columns as ``actuals``. Only periods
        up to and including the earliest evaluated cutoff are used (what every snapshot
        already knew). A key's series starts at its first month in ``history``; months
        without a row after that count as 0. ``None`` gives a NaN ``mase``.
    season_length
        Months in a season for the seasonal-naive scale of MASE (12 for monthly data).

    Returns
    -------
    pd.DataFrame
        One row per level x key x stream x lag, sorted in that order (levels as given):

        - ``level`` (str) and ``key`` (str: the product id, family, segment or 'all');
        - ``stream`` (str), ``lag`` (int, months);
        - ``n`` (int): periods compared;
        - ``actual``, ``forecast`` (float, units): sums over the periods;
        - ``abs_error`` (float, units): sum of ``|forecast - actual|``;
        - ``wape`` (float, fraction): ``abs_error / sum(actual)`` (:func:`wape`); NaN when
          no demand;
        - ``mape`` (float, percent): mean over periods with ``actual != 0`` of
          ``100 * |f - a| / |a|``; NaN when every actual is 0;
        - ``smape`` (float, percent, 0-200): mean of ``200 * |f - a| / (|a| + |f|)``, a
          period with both 0 counting as 0;
        - ``bias`` (float, fraction): ``sum(f - a) / sum(a)`` (:func:`bias`), positive =
          over-forecast; NaN when the actuals sum to 0;
        - ``mase`` (float, ratio): mean ``|f - a|`` over the in-sample mean absolute error
          of the seasonal naive forecast (``|y[t] - y[t - season_length]|``) on the key's
          ``history``; NaN without history, with too short a history (no more than
          ``season_length`` months) or when that scale is 0.

    Raises
    ------
    InvalidInput
        A frame misses a column (code ``missing_column``), a period is not 'YYYY-MM'
        (``invalid_period``), a quantity is not a number (``not_a_number``), a key is empty
        (``missing_value``), a forecast row is repeated (``duplicate_key``), or an argument
        is out of range (``invalid_argument``).
    """
    issues = _argument_issues(lags=lags, levels=levels, season_length=season_length)
    issues += _frame_issues(forecasts, "forecasts", FORECAST_COLUMNS, periods=("cutoff", "period"))
    issues += _frame_issues(actuals, "actuals", ACTUAL_COLUMNS, periods=("period",))
    if history is not None:
        issues += _frame_issues(history, "history", ACTUAL_COLUMNS, periods=("period",))
    if not any(i.code == "missing_column" for i in issues):
        issues += _duplicate_forecast_issues(forecasts)
    if issues:
        raise InvalidInput(issues)

    levels = list(dict.fromkeys(levels))
    forecast = _clean(forecasts, FORECAST_COLUMNS)
    forecast["lag"] = periods_to_index(forecast["period"]) - periods_to_index(forecast["cutoff"])
    known = actuals["period"].astype(str).unique()
    forecast = forecast[forecast["lag"].isin(list(lags)) & forecast["period"].isin(known)]
    if forecast.empty:
        return _empty(ERROR_COLUMNS)
    actual = _clean(actuals, ACTUAL_COLUMNS)

    matched = pd.concat([_match(forecast, actual, level) for level in levels], ignore_index=True)
    # Per-period terms first, so that every metric is a plain sum or mean per group.
    error = matched["forecast"] - matched["actual"]
    abs_error = error.abs()
    abs_actual = matched["actual"].abs()
    both = abs_actual + matched["forecast"].abs()
    matched = matched.assign(
        error=error,
        abs_error=abs_error,
        ape=100.0 * abs_error / abs_actual.where(abs_actual != 0),
        sape=(200.0 * abs_error / both.where(both != 0)).fillna(0.0),
    )
    table = matched.groupby(["level", "key", "stream", "lag"], as_index=False, sort=False).agg(
        n=("period", "size"),
        actual=("actual", "sum"),
        forecast=("forecast", "sum"),
        abs_error=("abs_error", "sum"),
        error=("error", "sum"),
        mape=("ape", "mean"),
        smape=("sape", "mean"),
        mae=("abs_error", "mean"),
    )
    table["wape"] = wape(table["abs_error"], table["actual"])
    table["bias"] = bias(table["error"], table["actual"])

    first_cutoff = int(periods_to_index(forecast["cutoff"]).min())
    scale = _naive_scales(history, levels, last=first_cutoff, season_length=season_length)
    table = table.merge(scale, on=["level", "key"], how="left")
    table["mase"] = table["mae"] / table["scale"].where(table["scale"] > 0)

    order = {level: rank for rank, level in enumerate(levels)}
    table = table.assign(_rank=table["level"].map(order)).sort_values(
        ["_rank", "key", "stream", "lag"], kind="stable"
    )
    table["lag"] = table["lag"].astype("int64")
    table["n"] = table["n"].astype("int64")
    return table[list(ERROR_COLUMNS)].reset_index(drop=True)


def forecast_value_added(
    errors: pd.DataFrame,
    *,
    metric: str = "wape",
    baseline_order: Sequence[str] = ("naive", "statistical"),
) -> pd.DataFrame:
    """Forecast value added: how much each step of the forecasting process improved accuracy.

    ``fva = compared_value - value`` for an error metric (lower is better), so a positive
    FVA means ``stream`` was more accurate than ``compared_to``; a negative FVA means that
    step made the forecast worse. For ``bias`` the absolute values are compared.

    The comparisons made, per level x key x lag present on both sides:

    - each baseline against the one before it in ``baseline_order`` (by default
      'statistical' against 'naive': does the statistical model beat seasonal naive?);
    - every other stream against the last baseline (by default 'statistical'): 'consensus'
      and each contributor stream;
    - 'consensus' also against the first baseline ('naive'), the end-to-end value of the
      whole process.

    A contributor stream (e.g. 'sales:alice', 'events') must hold the **cumulative**
    forecast: the statistical forecast *plus* that contributor's adjustments
    ('statistical+X'), not the adjustments alone; otherwise comparing it to 'statistical'
    is meaningless.

    Parameters
    ----------
    errors
        The output of :func:`error_table`; needs ``level``, ``key``, ``stream``, ``lag``
        and the ``metric`` column.
    metric
        One of 'wape', 'mape', 'smape', 'bias', 'mase'.
    baseline_order
        The baseline streams, simplest first.

    Returns
    -------
    pd.DataFrame
        One row per level x key x lag x comparison: ``level``, ``key`` (str), ``lag``
        (int, months), ``stream`` and ``compared_to`` (str), ``metric`` (str), ``value``
        and ``compared_value`` (float, the metric of each, in its own unit: fractions for
        wape and bias, percent for mape and smape, ratio for mase), ``fva`` (float, same
        unit; NaN when either metric is NaN) and ``improved`` (bool, ``fva > 0``).

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``) or ``metric`` / ``baseline_order`` is not
        valid (``invalid_argument``).
    """
    issues = missing_columns(errors, "errors", ("level", "key", "stream", "lag"))
    if metric not in METRICS:
        issues.append(
            Issue(
                code="invalid_argument",
                message=f"metric must be one of {', '.join(METRICS)}, not {metric!r}",
                value=metric,
            )
        )
    elif metric not in errors.columns:
        issues += missing_columns(errors, "errors", (metric,))
    baselines = list(dict.fromkeys(baseline_order))
    if not baselines:
        issues.append(
            Issue(code="invalid_argument", message="baseline_order names no stream", value="")
        )
    if issues:
        raise InvalidInput(issues)

    pairs = _comparisons(errors["stream"].astype(str).unique().tolist(), baselines)
    if pairs.empty or errors.empty:
        return _empty(FVA_COLUMNS)
    keys = ["level", "key", "lag"]
    scores = errors[[*keys, "stream", metric]].rename(columns={metric: "value"})
    against = scores.rename(columns={"stream": "compared_to", "value": "compared_value"})
    fva = scores.merge(pairs, on="stream").merge(against, on=[*keys, "compared_to"])
    value = fva["value"].astype(float)
    compared = fva["compared_value"].astype(float)
    if metric == "bias":
        value, compared = value.abs(), compared.abs()
    fva["fva"] = compared - value
    fva["improved"] = (fva["fva"] > 0).astype(bool)
    fva["metric"] = metric

    level_rank = {level: rank for rank, level in enumerate(errors["level"].unique())}
    fva = fva.assign(_level=fva["level"].map(level_rank)).sort_values(
        ["_level", "key", "lag", "_pair"], kind="stable"
    )
    return fva[list(FVA_COLUMNS)].reset_index(drop=True)


def summarise(errors: pd.DataFrame) -> pd.DataFrame:
    """The headline numbers: volume-weighted WAPE and bias per level, stream and lag.

    The keys of a level are pooled: ``wape = sum(abs_error) / sum(actual)`` and
    ``bias = (sum(forecast) - sum(actual)) / sum(actual)``. With non-negative demand this
    is the mean of the keys' WAPE (and bias) weighted by their actual volume, except that
    the error on keys with no demand at all still counts.

    Parameters
    ----------
    errors
        The output of :func:`error_table`; needs ``level``, ``key``, ``stream``, ``lag``,
        ``actual``, ``forecast`` and ``abs_error``.

    Returns
    -------
    pd.DataFrame
        One row per level x stream x lag (levels in their order in ``errors``):
        ``level``, ``stream`` (str), ``lag`` (int, months), ``keys`` (int, keys pooled),
        ``actual`` and ``forecast`` (float, units), ``wape`` and ``bias`` (float,
        fractions; NaN when the actuals sum to 0).

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``).
    """
    needed = ("level", "key", "stream", "lag", "actual", "forecast", "abs_error")
    issues = missing_columns(errors, "errors", needed)
    if issues:
        raise InvalidInput(issues)
    if errors.empty:
        return _empty(SUMMARY_COLUMNS)
    pooled = errors.groupby(["level", "stream", "lag"], as_index=False, sort=False).agg(
        keys=("key", "nunique"),
        actual=("actual", "sum"),
        forecast=("forecast", "sum"),
        abs_error=("abs_error", "sum"),
    )
    pooled["wape"] = wape(pooled["abs_error"], pooled["actual"])
    pooled["bias"] = bias(pooled["forecast"] - pooled["actual"], pooled["actual"])
    level_rank = {level: rank for rank, level in enumerate(errors["level"].unique())}
    pooled = pooled.assign(_level=pooled["level"].map(level_rank)).sort_values(
        ["_level", "stream", "lag"], kind="stable"
    )
    pooled["keys"] = pooled["keys"].astype("int64")
    return pooled[list(SUMMARY_COLUMNS)].reset_index(drop=True)


def accuracy_by_horizon(backtest: pd.DataFrame) -> pd.DataFrame:
    """Forecast error per series and horizon step, from a rolling-origin backtest.

    The spread of the errors per step is what safety stock needs: the further ahead a
    forecast is, the larger its error usually is.

    Parameters
    ----------
    backtest
        One row per series x cutoff x step: ``unique_id`` (the series), ``cutoff`` (the
        last period the forecast knew, any type), ``step`` (int, 1..h, months after the
        cutoff), ``actual`` and ``forecast`` (float, units). Rows whose actual or forecast
        is missing are left out.

    Returns
    -------
    pd.DataFrame
        One row per unique_id x step, sorted: ``unique_id``, ``step`` (int), ``n`` (int,
        forecasts compared), ``mae`` (float, units, mean ``|f - a|``), ``rmse`` (float,
        units, root mean squared error, which includes bias), ``mean_error`` (float, units,
        mean ``f - a``), ``bias`` (float, fraction, ``sum(f - a) / sum(a)``; NaN when the
        actuals sum to 0), ``wape`` (float, fraction, ``sum|f - a| / sum(a)``; NaN when no
        demand) and ``error_std`` (float, units, sample standard deviation of ``f - a``
        around its mean, ddof 1; NaN with a single forecast).

    Raises
    ------
    InvalidInput
        A column is missing (``missing_column``) or ``actual``, ``forecast`` or ``step``
        is not a number (``not_a_number``).
    """
    issues = missing_columns(backtest, "backtest", BACKTEST_COLUMNS)
    if not issues:
        for column in ("step", "actual", "forecast"):
            numbers = pd.to_numeric(backtest[column], errors="coerce")
            bad = numbers.isna() & backtest[column].notna()
            issues += issues_where(
                bad,
                backtest,
                sheet=None,
                column=column,
                code="not_a_number",
                message=f"backtest {column} must be a number, not '{{value}}'",
            )
    if issues:
        raise InvalidInput(issues)

    frame = pd.DataFrame(
        {
            "unique_id": backtest["unique_id"],
            "step": pd.to_numeric(backtest["step"]),
            "actual": pd.to_numeric(backtest["actual"]).astype(float),
            "forecast": pd.to_numeric(backtest["forecast"]).astype(float),
        }
    ).dropna()
    if frame.empty:
        return _empty(HORIZON_COLUMNS)
    error = frame["forecast"] - frame["actual"]
    frame = frame.assign(
        error=error,
        abs_error=error.abs(),
        squared_error=error**2,
    )
    table = frame.groupby(["unique_id", "step"], as_index=False, sort=True).agg(
        n=("error", "size"),
        mae=("abs_error", "mean"),
        mse=("squared_error", "mean"),
        mean_error=("error", "mean"),
        error_sum=("error", "sum"),
        abs_error_sum=("abs_error", "sum"),
        actual_sum=("actual", "sum"),
        error_std=("error", "std"),
    )
    table["rmse"] = np.sqrt(table["mse"])
    table["bias"] = bias(table["error_sum"], table["actual_sum"])
    table["wape"] = wape(table["abs_error_sum"], table["actual_sum"])
    table["step"] = table["step"].astype("int64")
    table["n"] = table["n"].astype("int64")
    return table[list(HORIZON_COLUMNS)].reset_index(drop=True)


def _match(forecast: pd.DataFrame, actual: pd.DataFrame, level: str) -> pd.DataFrame:
    """Forecast and actual summed to ``level``: level, key, stream, lag, period, both sums."""
    summed = (
        forecast.assign(key=_key(forecast, level))
        .groupby(["key", "stream", "lag", "period"], as_index=False)
        .agg(forecast=("quantity", "sum"))
    )
    demand = (
        actual.assign(key=_key(actual, level))
        .groupby(["key", "period"], as_index=False)
        .agg(actual=("quantity", "sum"))
    )
    # Every key with demand in a period a stream forecast at a lag is compared, so that the
    # keys of each level add up to the total: demand the stream missed counts as forecast 0.
    evaluated = summed[["stream", "lag", "period"]].drop_duplicates()
    expected = demand.merge(evaluated, on="period")
    matched = summed.merge(expected, on=["key", "stream", "lag", "period"], how="outer")
    # The period has actuals (others were dropped), so no row for a key means no demand.
    matched[["forecast", "actual"]] = matched[["forecast", "actual"]].fillna(0.0)
    matched.insert(0, "level", level)
    return matched


def _naive_scales(
    history: pd.DataFrame | None, levels: Sequence[str], *, last: int, season_length: int
) -> pd.DataFrame:
    """MASE denominators: level, key, scale (in-sample mean |y[t] - y[t - m]|, units)."""
    empty = pd.DataFrame({"level": pd.Series(dtype=str), "key": pd.Series(dtype=str)})
    empty["scale"] = pd.Series(dtype=float)
    if history is None:
        return empty
    known = _clean(history, ACTUAL_COLUMNS)
    known["month"] = periods_to_index(known["period"])
    known = known[known["month"] <= last]
    if known.empty:
        return empty
    # A complete month grid, so that shifting by m columns is shifting by m months.
    months = pd.RangeIndex(int(known["month"].min()), int(known["month"].max()) + 1)
    scales = []
    for level in levels:
        wide = (
            known.assign(key=_key(known, level))
            .groupby(["key", "month"])["quantity"]
            .sum()
            .unstack("month")
            .reindex(columns=months)
        )
        started = wide.notna().cumsum(axis=1) > 0
        series = wide.fillna(0.0).where(started)
        naive_error = (series - series.shift(season_length, axis=1)).abs()
        scale = naive_error.mean(axis=1, skipna=True)
        scales.append(
            pd.DataFrame({"level": level, "key": scale.index.astype(str), "scale": scale.values})
        )
    return pd.concat(scales, ignore_index=True)


def _comparisons(streams: list[str], baselines: list[str]) -> pd.DataFrame:
    """The (stream, compared_to) pairs FVA reports, in report order (column ``_pair``)."""
    pairs = [(baselines[i], baselines[i - 1]) for i in range(1, len(baselines))]
    others = sorted(s for s in streams if s not in baselines)
    pairs += [(stream, baselines[-1]) for stream in others if baselines]
    if CONSENSUS in streams and len(baselines) > 1:
        pairs.append((CONSENSUS, baselines[0]))
    unique = [p for p in dict.fromkeys(pairs) if p[0] != p[1]]
    return pd.DataFrame(
        {
            "stream": [p[0] for p in unique],
            "compared_to": [p[1] for p in unique],
            "_pair": range(len(unique)),
        }
    )


def _key(frame: pd.DataFrame, level: str) -> pd.Series:
    """The key of each row at ``level``, as str."""
    column = LEVELS[level]
    if column is None:
        return pd.Series(TOTAL_KEY, index=frame.index, dtype=object)
    return frame[column].astype(str)


def _clean(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Only ``columns``, with keys and periods as str and quantity as float."""
    clean = frame[list(columns)].copy()
    for column in columns:
        if column == "quantity":
            clean[column] = pd.to_numeric(clean[column]).astype(float)
        else:
            clean[column] = clean[column].astype(str)
    return clean


def _argument_issues(
    *, lags: Sequence[int], levels: Sequence[str], season_length: int
) -> list[Issue]:
    issues = [
        Issue(
            code="invalid_argument",
            message=f"level must be one of {', '.join(LEVELS)}, not {level!r}",
            value=level,
        )
        for level in levels
        if level not in LEVELS
    ]
    issues += [
        Issue(
            code="invalid_argument",
            message=f"a lag is a whole number of months of at least 1, not {lag!r}",
            value=lag,
        )
        for lag in lags
        if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 1
    ]
    if season_length < 1:
        issues.append(
            Issue(
                code="invalid_argument",
                message=f"season_length must be at least 1, not {season_length}",
                value=season_length,
            )
        )
    return issues


def _frame_issues(
    frame: pd.DataFrame, name: str, columns: Sequence[str], *, periods: Sequence[str]
) -> list[Issue]:
    """Missing columns; then bad periods, empty keys and non-numeric quantities."""
    issues = missing_columns(frame, name, columns)
    if issues:
        return issues
    for column in periods:
        bad = ~frame[column].astype(str).str.match(PERIOD_PATTERN)
        issues += issues_where(
            bad,
            frame,
            sheet=None,
            column=column,
            code="invalid_period",
            message=f"{name} {column} must be a month written YYYY-MM, not '{{value}}'",
        )
    for column in (c for c in columns if c in (*_KEY_COLUMNS, "stream")):
        issues += issues_where(
            frame[column].isna(),
            frame,
            sheet=None,
            column=column,
            code="missing_value",
            message=f"{name} has a row without a {column}",
        )
    numbers = pd.to_numeric(frame["quantity"], errors="coerce")
    issues += issues_where(
        numbers.isna(),
        frame,
        sheet=None,
        column="quantity",
        code="not_a_number",
        message=f"{name} quantity must be a number, not '{{value}}'",
    )
    return issues


def _duplicate_forecast_issues(forecasts: pd.DataFrame) -> list[Issue]:
    # Summing a repeated forecast row would silently double it at every level.
    keys = ["cutoff", "period", "product_id", "segment", "stream"]
    return issues_where(
        forecasts.duplicated(keys, keep="first"),
        forecasts,
        sheet=None,
        column=None,
        code="duplicate_key",
        message=(
            "forecasts repeat {product_id} x {segment} in {period} "
            "(cutoff {cutoff}, stream {stream})"
        ),
    )


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
