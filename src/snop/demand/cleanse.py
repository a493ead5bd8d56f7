"""Find outliers in demand history and cleanse them for fitting (the raw history is kept).

A month is an outlier when its residual lies more than ``threshold`` interquartile ranges
outside the residuals' quartiles (the rule of R's ``tsoutliers``), the residual being the
gap to what its series leads one to expect: trend plus season from a robust STL
decomposition when there are two seasons of history, else the centred rolling median
(so a seasonal peak is not mistaken for a spike).
Its cleansed value is clipped to that limit, so a promotion spike still counts as high
demand, just not as five times normal. Intermittent series are left alone: their zeros and
spikes are the pattern, not noise.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import cast

import numpy as np
import pandas as pd

MIN_RELATIVE_SPREAD = 0.05
MIN_RELATIVE_GAP = 0.5


def cleanse_outliers(
    panel: pd.DataFrame,
    *,
    skip: Collection[str] = (),
    threshold: float = 3.0,
    window: int = 7,
    min_length: int = 12,
    season_length: int = 12,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the cleansed panel and the list of outliers found.

    Parameters
    ----------
    panel
        unique_id, ds (int step), y (demand, units), sorted or not.
    skip
        unique_ids not to cleanse (intermittent and lumpy series).
    threshold
        How many interquartile ranges beyond the quartiles of the residuals make an outlier.
    window
        Width of the centred rolling median, in steps.
    min_length
        Series shorter than this are not cleansed (too little to judge).
    season_length
        Steps per season, for the STL decomposition.

    Returns
    -------
    cleansed
        The same columns as ``panel`` with outliers clipped.
    outliers
        unique_id, ds, raw, cleansed, expected (trend + season, or rolling median), score
        (residual in interquartile ranges).
    """
    data = panel.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    grouped = data.groupby("unique_id", sort=False)["y"]
    expected = grouped.transform(lambda y: _expected(y, season_length, window))
    resid = data["y"] - expected
    by_series = resid.groupby(data["unique_id"], sort=False)
    q1, q3 = (
        by_series.transform(lambda r: r.quantile(0.25)),
        by_series.transform(lambda r: r.quantile(0.75)),
    )
    # A floor on the spread: a nearly perfect fit must not turn ordinary noise into outliers.
    level = data["y"].abs().groupby(data["unique_id"], sort=False).transform("mean")
    # np.maximum of two Series is a Series; numpy's stubs only promise an array.
    iqr = cast(pd.Series, np.maximum(q3 - q1, MIN_RELATIVE_SPREAD * level))
    length = grouped.transform("size")
    eligible = ~data["unique_id"].isin(set(skip)) & (length >= min_length) & (iqr > 0)
    low, high = q1 - threshold * iqr, q3 + threshold * iqr
    # Customer orders are lumpy; only a gap of half the normal level or more is worth
    # cleansing, however regular the rest of the series.
    material = resid.abs() >= MIN_RELATIVE_GAP * np.maximum(expected.abs(), level)
    flagged = eligible & material & ((resid < low) | (resid > high))
    limit = expected + np.where(resid > high, high, low)
    score = resid / iqr.where(iqr > 0)
    cleansed = data.copy()
    cleansed.loc[flagged, "y"] = limit[flagged].clip(lower=0.0)
    outliers = pd.DataFrame(
        {
            "unique_id": data.loc[flagged, "unique_id"],
            "ds": data.loc[flagged, "ds"],
            "raw": data.loc[flagged, "y"],
            "cleansed": cleansed.loc[flagged, "y"],
            "expected": expected[flagged],
            "score": score[flagged],
        }
    ).reset_index(drop=True)
    return cleansed, outliers


def _expected(y: pd.Series, season_length: int, window: int) -> pd.Series:
    # Imported here: statsmodels takes half a second to load.
    from statsmodels.tsa.seasonal import STL  # type: ignore[import-untyped]

    if season_length > 1 and len(y) >= 2 * season_length and y.nunique() > 2:
        # A long seasonal smoother keeps the seasonal pattern nearly fixed from year to year:
        # on three years of history a flexible one would absorb the very spikes we look for.
        fit = STL(
            y.to_numpy(dtype=float),
            period=season_length,
            seasonal=_odd(7 * season_length),
            robust=True,
        ).fit()
        return pd.Series(fit.trend + fit.seasonal, index=y.index)
    return y.rolling(window, center=True, min_periods=1).median()


def _odd(n: int) -> int:
    return n if n % 2 else n + 1
