"""Accuracy on long real monthly series: Tourism monthly (366 series, h=24 hold-out), MASE.

AutoETS, AutoTheta, AutoCES, seasonal naive and the mean of the first three (snop's
ensemble on series longer than ARIMA_MAX_OBS), each fitted once by raw statsforecast on
the training part; MASE scaled by the in-sample seasonal naive error. Prints the figures.

Usage::

    .venv/bin/python bench/long_series_accuracy.py    # about 1 minute
"""

import time
import warnings

import numpy as np
import pandas as pd
from long_series_models import tourism_monthly
from statsforecast import StatsForecast
from statsforecast import models as sf

warnings.simplefilter("ignore")
rows, test = [], {}
for i, (y, held_out) in enumerate(tourism_monthly()):
    rows.append(pd.DataFrame({"unique_id": f"T{i}", "ds": np.arange(len(y)), "y": y}))
    test[f"T{i}"] = (y, held_out)
panel = pd.concat(rows, ignore_index=True)
t = time.perf_counter()
fc = StatsForecast(
    models=[
        sf.AutoETS(season_length=12),
        sf.AutoTheta(season_length=12),
        sf.AutoCES(season_length=12),
        sf.SeasonalNaive(12),
    ],
    freq=1,
    n_jobs=2,
).forecast(h=24, df=panel)
print("fit s", time.perf_counter() - t)
fc["ens3"] = fc[["AutoETS", "AutoTheta", "CES"]].mean(axis=1)
res = {}
for m in ["AutoETS", "AutoTheta", "CES", "SeasonalNaive", "ens3"]:
    vals = []
    for uid, g in fc.groupby("unique_id"):
        y, yy = test[uid]
        h = len(yy)
        scale = np.mean(np.abs(y[12:] - y[:-12]))
        vals.append(np.mean(np.abs(g[m].to_numpy()[:h] - yy)) / scale)
    res[m] = np.mean(vals)
print(res)
