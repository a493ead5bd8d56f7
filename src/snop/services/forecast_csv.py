"""`snop forecast-csv`: forecast any long-format file of series, with no database."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from snop.contract.parse import normalise_header
from snop.demand.forecast import (
    ForecastSettings,
    Method,
    classify_pools,
    fill_gaps,
    run_forecast,
)
from snop.errors import InvalidInput, Issue
from snop.frames import PERIOD_PATTERN, index_to_period, issues_where, period_to_index
from snop.progress import Progress, silent

COLUMNS = ("series_id", "period", "quantity")
OUTPUT = ["series_id", "period", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "model"]
_MONTH = re.compile(PERIOD_PATTERN.pattern)


@dataclass(frozen=True, slots=True)
class ForecastFileReport:
    """What forecast-csv did."""

    source: str
    target: str
    series: int
    horizon: int
    models: dict[str, int]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def forecast_file(
    source: Path,
    target: Path,
    *,
    horizon: int = 12,
    season_length: int = 12,
    method: Method = "ensemble",
    progress: Progress | None = None,
) -> ForecastFileReport:
    """Read ``source``, forecast every series ``horizon`` steps ahead, write ``target``.

    ``source`` has columns series_id, period (YYYY-MM or evenly spaced dates), quantity.
    ``target`` gets series_id, period, forecast, lo_80, hi_80, lo_95, hi_95, model.
    A bad file raises ``InvalidInput`` naming every bad row, and nothing is written.
    ``progress`` hears the reading (uncounted), then the series done out of all series
    after each group of them, as `run_forecast` reports it.
    """
    report = progress or silent
    started = time.perf_counter()
    report(f"reading {source.name}", 0, None)
    raw = _read(source)
    panel, to_period = _panel(raw, source.stem)
    settings = ForecastSettings(
        horizon=horizon, season_length=season_length, method=method, n_jobs=-1
    )
    panel = fill_gaps(panel)
    series = panel["unique_id"].nunique()
    stage = f"forecasting {series} series"
    report(stage, 0, series)
    result = run_forecast(
        panel,
        classify_pools(panel),
        settings,
        progress=lambda done, total: report(stage, done, total),
    )
    out = result.forecast.rename(columns={"unique_id": "series_id"})
    out["period"] = out["ds"].map(to_period)
    report(f"writing {target.name}", series, series)
    target.parent.mkdir(parents=True, exist_ok=True)
    out[OUTPUT].to_csv(target, index=False)
    models = result.choice["model"].value_counts()
    return ForecastFileReport(
        source=str(source),
        target=str(target),
        series=int(result.choice["unique_id"].nunique()),
        horizon=horizon,
        models={str(k): int(v) for k, v in models.items()},
        seconds=round(time.perf_counter() - started, 2),
    )


def _read(source: Path) -> pd.DataFrame:
    sheet = source.stem
    if not source.is_file():
        raise InvalidInput([Issue("file_not_found", f"{source} does not exist")])
    try:
        raw = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(
            [Issue("unreadable_file", f"{source.name} cannot be read as CSV: {exc}", sheet)]
        ) from exc
    raw.columns = [normalise_header(c) for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise InvalidInput(
            [
                Issue("missing_column", f"required column {c} is missing", sheet, 1, c)
                for c in missing
            ]
        )
    raw = raw[list(COLUMNS)].copy()
    raw["_row"] = np.arange(2, len(raw) + 2)
    if raw.empty:
        raise InvalidInput([Issue("empty_input", "the file has no rows", sheet)])
    return raw


def _panel(raw: pd.DataFrame, sheet: str) -> tuple[pd.DataFrame, Callable[[int], str]]:
    raw = raw.assign(
        series_id=raw["series_id"].str.strip(),
        period=raw["period"].str.strip(),
        y=pd.to_numeric(raw["quantity"].str.strip(), errors="coerce"),
    )
    issues = issues_where(
        raw["series_id"] == "",
        raw,
        sheet=sheet,
        column="series_id",
        code="missing_value",
        message="series_id is empty",
    )
    issues += issues_where(
        raw["y"].isna() | ~np.isfinite(raw["y"].fillna(0)),
        raw,
        sheet=sheet,
        column="quantity",
        code="wrong_type",
        message="'{quantity}' is not a number",
    )
    ds, to_period, period_issues = _steps(raw, sheet)
    issues += period_issues
    raw["ds"] = ds
    issues += issues_where(
        raw.duplicated(["series_id", "period"], keep="first"),
        raw,
        sheet=sheet,
        column="period",
        code="duplicate_key",
        message="series {series_id} has {period} twice",
    )
    if issues:
        raise InvalidInput(issues)
    panel = raw.rename(columns={"series_id": "unique_id"})[["unique_id", "ds", "y"]]
    return panel.astype({"ds": np.int64, "y": float}), to_period


def _steps(raw: pd.DataFrame, sheet: str) -> tuple[pd.Series, Callable[[int], str], list[Issue]]:
    """Integer steps for the periods, and the way back to the file's own format."""
    periods = raw["period"]
    if periods.str.match(_MONTH.pattern).all():
        return periods.map(period_to_index), index_to_period, []
    dates = pd.to_datetime(periods, errors="coerce", format="mixed")
    issues = issues_where(
        dates.isna(),
        raw,
        sheet=sheet,
        column="period",
        code="bad_period",
        message="'{period}' is neither a month (YYYY-MM) nor a date",
    )
    if issues:
        return pd.Series(0, index=raw.index), str, issues
    calendar = pd.DatetimeIndex(sorted(dates.unique()))
    freq = pd.infer_freq(calendar) if len(calendar) >= 3 else None
    if freq is None:
        return (
            pd.Series(0, index=raw.index),
            str,
            [
                Issue(
                    "irregular_dates",
                    "the dates are not evenly spaced (daily, weekly, monthly "
                    "...), so the steps to forecast are unclear",
                    sheet,
                    None,
                    "period",
                )
            ],
        )
    full = pd.date_range(calendar.min(), calendar.max(), freq=freq)
    position = pd.Series(np.arange(len(full)), index=full)
    offset = pd.tseries.frequencies.to_offset(freq)

    def to_period(step: int) -> str:
        return (full[0] + step * offset).strftime("%Y-%m-%d")

    return dates.map(position).astype(np.int64), to_period, []
