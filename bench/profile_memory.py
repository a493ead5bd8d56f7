"""Where snop's forecast pipeline spends memory and time, stage by stage.

Runs ``run_forecast`` on the synthetic panel of ``bench/throughput.py`` with every internal
stage of ``snop.demand.forecast`` wrapped: for each call it records the wall seconds, the
Python-heap allocations (tracemalloc; numpy and pandas buffers are counted) at its start,
at its peak and at its end, all above what was allocated when ``run_forecast`` started.
tracemalloc slows pure-Python code, so the seconds are for comparing stages, not for
throughput.

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
    """Run the wrapped pipeline and report per stage."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=5000)
    parser.add_argument("--models", default="AutoTheta,SeasonalNaive,Naive")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    models = args.models.split(",")

    panel = synth(args.series, 60, args.seed)
    toy = synth(2, 48, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = fc.StatsForecast(models=[fc._make_model(m, SEASON) for m in models], freq=1)
        sf.cross_validation(df=toy, h=6, n_windows=2, step_size=6)
        sf.forecast(df=toy, h=6, level=list(LEVELS))

    records: list[tuple[str, float, float, float, float]] = []
    depth = [0]
    base = [0]
    overall = [0]

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
                records.append(
                    (
                        name,
                        seconds,
                        (start - base[0]) / MB,
                        (peak - base[0]) / MB,
                        (now - base[0]) / MB,
                    )
                )
                overall[0] = max(overall[0], peak)
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
    base[0], _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    result = fc.run_forecast(panel, pools, settings)
    total = time.perf_counter() - t0
    now, peak = tracemalloc.get_traced_memory()
    peak = max(peak, overall[0])

    lines = [
        f"run_forecast: {total:.1f}s (under tracemalloc), "
        f"traced peak {(peak - base[0]) / MB:.0f} MB,"
        f" result holds {(now - base[0]) / MB:.0f} MB (all MB above the start of run_forecast)",
        "",
        "| stage | seconds | allocated at start (MB) | peak during (MB) | allocated at end (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, seconds, start, pk, end in records:
        lines.append(f"| {name} | {seconds:.2f} | {start:.0f} | {pk:.0f} | {end:.0f} |")
    sizes = {
        k: getattr(result, k).memory_usage(deep=True).sum() / MB
        for k in ("forecast", "choice", "scores", "backtest", "fallbacks")
    }
    lines += [
        "",
        "result frames (MB, deep): " + ", ".join(f"{k} {v:.1f}" for k, v in sizes.items()),
    ]
    text = "\n".join(lines)
    print(f"{args.series} series x 60, models {args.models}")
    print(text)
    if args.record:
        import datetime as dt

        from provenance import code_version, machine

        command = "cd /work/main && .venv/bin/python " + " ".join(
            [str(Path(sys.argv[0]).resolve().relative_to(HERE.parent)), *sys.argv[1:]]
        )
        section = f"""
## Memory by stage of run_forecast — {dt.datetime.now().strftime("%Y-%m-%d %H:%M")}

Command: `{command}`

Machine: {machine()}. Code: {code_version()}.

{args.series:,} synthetic series x 60 (the throughput generator), models {args.models},
snop's default settings with method "select". tracemalloc counts numpy and pandas buffers;
the panel itself was allocated before the run and is not counted.

{text}
"""
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(section)
        print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
