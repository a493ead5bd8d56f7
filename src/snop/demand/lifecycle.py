"""New products forecast from a like-item, phase-outs run down to zero.

Both work on forecasts at product x segment x period, with periods as integer steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

DEFAULT_RAMP_MONTHS = 6


def ramp(months_since_launch: np.ndarray, ramp_months: int = DEFAULT_RAMP_MONTHS) -> np.ndarray:
    """Share of mature demand a new product reaches: 1/R in its launch month, 1 after R."""
    k = np.asarray(months_since_launch, dtype=float) + 1.0
    return np.clip(k / ramp_months, 0.0, 1.0)


def like_item_forecast(
    like: pd.DataFrame,
    *,
    launch: int,
    actual_since_launch: pd.DataFrame | None = None,
    like_history: pd.DataFrame | None = None,
    ramp_months: int = DEFAULT_RAMP_MONTHS,
) -> tuple[pd.DataFrame, float]:
    """Forecast a new product as its like-item's forecast, scaled and ramped from launch.

    Parameters
    ----------
    like
        The like-item's forecast: segment, ds (int step), forecast, and any interval columns
        (lo_*, hi_*), which are scaled the same way.
    launch
        The new product's launch step.
    actual_since_launch
        The new product's demand so far: segment, ds, y. With at least two months of it,
        the scale is its demand divided by what the ramped like-item would have sold in
        those months; otherwise 1.
    like_history
        The like-item's demand history: segment, ds, y.
    ramp_months
        Months from launch to full (like-item) volume.

    Returns
    -------
    The new product's forecast (same columns as ``like``) and the scale used.
    """
    scale = _scale(actual_since_launch, like_history, launch, ramp_months)
    out = like.copy()
    factor = scale * ramp(out["ds"].to_numpy() - launch, ramp_months)
    factor = np.where(out["ds"].to_numpy() < launch, 0.0, factor)
    for column in _value_columns(out):
        out[column] = out[column].to_numpy() * factor
    return out, scale


def _scale(
    actual: pd.DataFrame | None,
    like_history: pd.DataFrame | None,
    launch: int,
    ramp_months: int,
) -> float:
    if actual is None or like_history is None or actual["ds"].nunique() < 2:
        return 1.0
    months = actual["ds"].unique()
    # What the like-item sold in the same calendar months, ramped as the new product was.
    like = like_history[like_history["ds"].isin(months)]
    expected = float((like["y"] * ramp(like["ds"].to_numpy() - launch, ramp_months)).sum())
    observed = float(actual["y"].sum())
    if expected <= 0:
        return 1.0
    return observed / expected


def run_down(
    forecast: pd.DataFrame, *, start: int, end: int | npt.NDArray[np.integer[Any]]
) -> pd.DataFrame:
    """Scale a phase-out product's forecast linearly from full at ``start`` to 0 after ``end``.

    ``forecast`` has ds (int step), forecast and interval columns; the last month of
    sales (``end``) still sells 1/(months left) of normal, every later month nothing.
    ``end`` may also be one end month per row, to run several products down at once.
    """
    out = forecast.copy()
    ds = out["ds"].to_numpy()
    months_left = np.asarray(end) - start + 1
    factor = np.clip((end - ds + 1) / np.maximum(months_left, 1), 0.0, 1.0)
    for column in _value_columns(out):
        out[column] = out[column].to_numpy() * factor
    return out


def _value_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c == "forecast" or c.startswith(("lo_", "hi_"))]
