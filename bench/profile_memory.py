"""Where snop's forecast pipeline spends memory and time, stage by stage.

Runs ``run_forecast`` on the synthetic panel of ``bench/throughput.py`` with every internal
stage of ``snop.demand.forecast`` wrapped: for each call it records the wall seconds, the
Python-heap peak during the call above what was allocated when it started (tracemalloc;
numpy and pandas buffers are counted), and what the call left allocated. tracemalloc slows
pure-Python code, so the seconds are for comparing stages, not for throughput.

Usage::

    .venv/bin/python bench/profile_memory.py --series 5000
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from throughput import BT_HORIZON, HORIZON, LEVELS, SEASON, WINDOWS, synth  # noqa: E402

import snop.demand.forecast as fc  # noqa: E402

STAGES = (
    "validate_panel",
    "fill_gaps",
    "_backtest",
    "_scores",
    "_choose",
    "_final_forecast",
    "_add_ensemble",
    "_pick_chosen",
    "_chosen_backtest",
    "_empirical_intervals",
    "_explain",
    "_detect_fallbacks",
)
MB = 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=5000)
    parser.add_argument("--models", default="AutoTheta,SeasonalNaive,Naive")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    models = args.models.split(",")

    panel = synth(args.series, 60, args.seed)
    toy = synth(2, 48, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = fc.StatsForecast(models=[fc._make_model(m, SEASON) for m in models], freq=1)
        sf.cross_validation(df=toy, h=6, n_windows=2, step_size=6)
        sf.forecast(df=toy, h=6, level=list(LEVELS))

    records: list[tuple[str, float, float, float]] = []
    depth = [0]

    def wrap(name, func):
        def inner(*a, **k):
            if depth[0]:  # a stage called from another: counted in the outer one
                return func(*a, **k)
            depth[0] += 1
            start, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            t0 = time.perf_counter()
            try:
                return func(*a, **k)
            finally:
                seconds = time.perf_counter() - t0
                now, peak = tracemalloc.get_traced_memory()
                records.append((name, seconds, (peak - start) / MB, (now - start) / MB))
                depth[0] -= 1

        return inner

    for name in STAGES:
        if hasattr(fc, name):
            setattr(fc, name, wrap(name, getattr(fc, name)))

    settings = fc.ForecastSettings(
        horizon=HORIZON,
        season_length=SEASON,
        levels=LEVELS,
        backtest_windows=WINDOWS,
        backtest_horizon=BT_HORIZON,
        method="select",
        models={"continuous": models},
    )
    pools = dict.fromkeys(panel["unique_id"].unique(), "continuous")
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    result = fc.run_forecast(panel, pools, settings)
    total = time.perf_counter() - t0
    now, peak = tracemalloc.get_traced_memory()

    print(f"{args.series} series x 60, models {args.models}")
    print(f"run_forecast: {total:.1f}s, traced peak {(peak - base) / MB:.0f} MB, "
          f"result holds {(now - base) / MB:.0f} MB")
    print("| stage | seconds | peak during (MB) | left allocated (MB) |")
    print("|---|---:|---:|---:|")
    for name, seconds, pk, left in records:
        print(f"| {name} | {seconds:.2f} | {pk:.0f} | {left:.0f} |")
    sizes = {k: getattr(result, k).memory_usage(deep=True).sum() / MB
             for k in ("forecast", "choice", "scores", "backtest", "fallbacks")}
    print("result frames (MB, deep):", {k: round(v, 1) for k, v in sizes.items()})


if __name__ == "__main__":
    main()
