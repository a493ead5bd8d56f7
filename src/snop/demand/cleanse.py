"""Find outliers in demand history and cleanse them for fitting (the raw history is kept).

A month is an outlier when it lies further than ``threshold`` robust standard deviations
(1.4826 x the median absolute deviation) from the centred rolling median of its series.
Its cleansed value is clipped to that limit, so a promotion spike still counts as high
demand, just not as five times normal. Intermittent series are left alone: their zeros and
spikes are the pattern, not noise.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

MAD_TO_SIGMA = 1.4826


def cleanse_outliers(
    panel: pd.DataFrame,
    *,
    skip: Collection[str] = (),
    threshold: float = 4.0,
    window: int = 7,
    min_length: int = 12,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the cleansed panel and the list of outliers found.

    Parameters
    ----------
    panel
        unique_id, ds (int step), y (demand, units), sorted or not.
    skip
        unique_ids not to cleanse (intermittent and lumpy series).
    threshold
        How many robust standard deviations from the rolling median make an outlier.
    window
        Width of the centred rolling median, in steps.
    min_length
        Series shorter than this are not cleansed (too little to judge).

    Returns
    -------
    cleansed
        The same columns as ``panel`` with outliers clipped.
    outliers
        unique_id, ds, raw, cleansed, expected (the rolling median), score (robust z).
    """
    data = panel.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    grouped = data.groupby("unique_id", sort=False)["y"]
    expected = grouped.transform(lambda y: y.rolling(window, center=True, min_periods=1).median())
    resid = data["y"] - expected
    mad = resid.abs().groupby(data["unique_id"], sort=False).transform("median")
    sigma = MAD_TO_SIGMA * mad
    length = grouped.transform("size")
    eligible = ~data["unique_id"].isin(set(skip)) & (length >= min_length) & (sigma > 0)
    score = resid / sigma.where(sigma > 0)
    flagged = eligible & (score.abs() > threshold)
    limit = expected + np.sign(resid) * threshold * sigma
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
