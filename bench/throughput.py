"""Throughput benchmark: snop's forecast pipeline against raw statsforecast doing the same work.

The data: ``--series`` synthetic monthly series (default 30,000) of ``--length`` points
(default 60), from a seeded generator mixing a level, a trend, a two-harmonic seasonality
and noise (multiplicative or additive), clipped at zero.

Two pipelines, each measured in a fresh child process so that its peak RSS is its own:

(a) ``snop``: ``run_forecast(panel, pools, settings)`` with every series in the
    "continuous" pool and ``settings.models`` restricted to ``--models``;
(b) ``raw``: ``StatsForecast(models=[same models], freq=1, fallback_model=Naive())``
    ``.cross_validation(h=backtest_horizon, n_windows=backtest_windows, step_size=...)`` and
    ``.forecast(h=horizon, level=levels)``: the same fits snop makes, without snop's
    validation, gap filling, scoring, choice, explanation and interval post-processing.

Both use snop's defaults: horizon 18, season 12, 3 backtest windows of 6, levels 80 and 95.
Measured: wall seconds of the pipeline call only (data generation, imports and numba
compilation happen before the clock starts) and the child's peak RSS (``ru_maxrss``), also
net of the RSS it had just before the pipeline started.

Usage::

    .venv/bin/python bench/throughput.py --series 2000 --no-record
    .venv/bin/python bench/throughput.py                # 30,000 series, appends to RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

from provenance import code_version, machine

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
DEFAULT_MODELS = ("AutoTheta", "SeasonalNaive", "Naive")
HORIZON, SEASON, WINDOWS, BT_HORIZON, LEVELS = 18, 12, 3, 6, (80, 95)


def synth(n_series: int, length: int, seed: int):
    """Long panel (unique_id, ds, y) of seeded synthetic monthly demand."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    t = np.arange(length)[None, :]
    level = rng.lognormal(mean=5.0, sigma=1.5, size=(n_series, 1))
    slope = rng.normal(0.0, 0.01, size=(n_series, 1)) * (rng.random((n_series, 1)) < 0.6)
    amp1 = rng.uniform(0.0, 0.4, size=(n_series, 1)) * (rng.random((n_series, 1)) < 0.75)
    amp2 = amp1 * rng.uniform(0.0, 0.5, size=(n_series, 1))
    ph1 = rng.uniform(0, 2 * np.pi, size=(n_series, 1))
    ph2 = rng.uniform(0, 2 * np.pi, size=(n_series, 1))
    season = amp1 * np.sin(2 * np.pi * t / 12 + ph1) + amp2 * np.sin(4 * np.pi * t / 12 + ph2)
    trend = 1.0 + slope * t
    noise_cv = rng.uniform(0.03, 0.3, size=(n_series, 1))
    eps = rng.normal(size=(n_series, length))
    # a random walk component on a fifth of the series
    walk = np.cumsum(rng.normal(0, 0.03, size=(n_series, length)), axis=1)
    walk *= rng.random((n_series, 1)) < 0.2
    multiplicative = rng.random((n_series, 1)) < 0.5
    base = level * np.maximum(trend + walk, 0.05)
    y = np.where(
        multiplicative,
        base * (1 + season) * (1 + noise_cv * eps),
        base + level * season + level * noise_cv * eps,
    )
    y = np.maximum(y, 0.0).round(2)
    ids = np.array([f"S{i:06d}" for i in range(n_series)])
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, length),
            "ds": np.tile(np.arange(length, dtype=np.int64), n_series),
            "y": y.ravel(),
        }
    )


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(args: argparse.Namespace) -> None:
    """Run one pipeline and print a JSON line with its figures."""
    sys.path.insert(0, str(SRC))
    import numpy as np
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    from snop.demand.forecast import ForecastSettings, _make_model, run_forecast

    models = args.models.split(",")
    panel = synth(args.series, args.length, args.seed)

    # compile numba code on a toy series, off the clock (both pipelines alike)
    toy = synth(2, 48, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = StatsForecast(models=[_make_model(m, SEASON) for m in models], freq=1)
        sf.cross_validation(df=toy, h=6, n_windows=2, step_size=6)
        sf.forecast(df=toy, h=6, level=list(LEVELS))

    if args.tracemalloc:
        import gc
        import tracemalloc

        gc.collect()
        tracemalloc.start()
    before = _current_mb()
    peak_before = _peak_mb()
    t0 = time.perf_counter()
    if args.child == "snop":
        settings = ForecastSettings(
            horizon=HORIZON,
            season_length=SEASON,
            levels=LEVELS,
            backtest_windows=WINDOWS,
            backtest_horizon=BT_HORIZON,
            method="select",
            models={"continuous": models},
            n_jobs=args.n_jobs,
        )
        pools = dict.fromkeys(panel["unique_id"].unique(), "continuous")
        result = run_forecast(panel, pools, settings)
        rows = len(result.forecast)
        extra = {
            "chosen": result.choice["model"].value_counts().to_dict(),
            "candidates": sorted(result.scores["model"].unique().tolist()),
        }
    else:
        sf = StatsForecast(
            models=[_make_model(m, SEASON) for m in models],
            freq=1,
            n_jobs=args.n_jobs,
            fallback_model=Naive(),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cv = sf.cross_validation(
                df=panel, h=BT_HORIZON, n_windows=WINDOWS, step_size=BT_HORIZON
            )
            fc = sf.forecast(df=panel, h=HORIZON, level=list(LEVELS))
        rows = len(fc)
        extra = {"cv_rows": len(cv)}
    seconds = time.perf_counter() - t0
    if args.tracemalloc:
        traced_now, traced_peak = tracemalloc.get_traced_memory()
        extra["traced_peak_mb"] = traced_peak / 2**20
        extra["traced_kept_mb"] = traced_now / 2**20
    print(
        json.dumps(
            {
                "pipeline": args.child,
                "series": args.series,
                "seconds": seconds,
                "peak_mb": _peak_mb(),
                "rss_before_mb": before,
                "peak_before_mb": peak_before,
                "forecast_rows": int(rows),
                **extra,
            },
            default=lambda o: int(o) if isinstance(o, np.integer) else str(o),
        )
    )


def measure(pipeline: str, args: argparse.Namespace) -> dict:
    """Run one pipeline in a child process and return its figures."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        pipeline,
        "--series",
        str(args.series),
        "--length",
        str(args.length),
        "--seed",
        str(args.seed),
        "--models",
        args.models,
        "--n-jobs",
        str(args.n_jobs),
        *(["--tracemalloc"] if args.tracemalloc else []),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{pipeline} child failed ({proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = wall
    # peak growth during the pipeline, over the RSS it started from
    out["pipeline_peak_mb"] = out["peak_mb"] - out["rss_before_mb"]
    print(
        f"  {pipeline}: {out['seconds']:.1f}s, peak RSS {out['peak_mb']:.0f} MB "
        f"(+{out['pipeline_peak_mb']:.0f} MB over {out['rss_before_mb']:.0f} MB before)"
        + (
            f"; traced peak {out['traced_peak_mb']:.0f} MB, kept {out['traced_kept_mb']:.0f} MB"
            if "traced_peak_mb" in out
            else ""
        ),
        flush=True,
    )
    return out


def main() -> None:
    """Parse the options, measure both pipelines, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=30_000)
    parser.add_argument("--length", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help="comma-separated snop model names (Naive is always added)",
    )
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="measurements per pipeline")
    parser.add_argument("--pipelines", default="raw,snop")
    parser.add_argument(
        "--no-record", action="store_true", help="do not append to bench/RESULTS.md"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python-heap allocations (numpy and pandas included) "
        "during the pipeline; slows it, so read the seconds with care",
    )
    parser.add_argument("--child", choices=["snop", "raw"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    if "Naive" not in names:
        names.append("Naive")  # snop always keeps Naive as a candidate
    args.models = ",".join(names)
    if args.child:
        child(args)
        return

    version = code_version()
    print(
        f"{args.series} series x {args.length} points; models {args.models}; n_jobs {args.n_jobs}",
        flush=True,
    )
    results: dict[str, list[dict]] = {}
    for _ in range(args.repeat):
        for pipeline in args.pipelines.split(","):
            results.setdefault(pipeline, []).append(measure(pipeline, args))

    def best(p: str, key: str) -> float:
        return min(r[key] for r in results[p])

    traced = args.tracemalloc
    lines = [
        "| pipeline | seconds | series/s | peak RSS (MB) | peak over start (MB) | process s |"
        + (" traced peak (MB) | traced kept (MB) |" if traced else ""),
        "|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if traced else ""),
    ]
    for p in results:
        lines.append(
            f"| {p} | {best(p, 'seconds'):.1f} | {args.series / best(p, 'seconds'):.1f} | "
            f"{best(p, 'peak_mb'):.0f} | {best(p, 'pipeline_peak_mb'):.0f} | "
            f"{best(p, 'process_seconds'):.0f} |"
            + (
                f" {best(p, 'traced_peak_mb'):.0f} | {best(p, 'traced_kept_mb'):.0f} |"
                if traced
                else ""
            )
        )
    ratios = ""
    if {"snop", "raw"} <= results.keys():
        ratios = (
            f"snop/raw: seconds x{best('snop', 'seconds') / best('raw', 'seconds'):.2f}, "
            f"peak RSS x{best('snop', 'peak_mb') / best('raw', 'peak_mb'):.2f}, "
            "peak over start "
            f"x{best('snop', 'pipeline_peak_mb') / best('raw', 'pipeline_peak_mb'):.2f}"
        )
        if traced:
            traced_ratio = best("snop", "traced_peak_mb") / best("raw", "traced_peak_mb")
            ratios += f", traced peak x{traced_ratio:.2f}"
    table = "\n".join(lines)
    print()
    print(table)
    print(ratios)
    if args.repeat > 1:
        print("all runs:", json.dumps(results, indent=1))
    if args.no_record:
        return
    command = "cd /work/main && .venv/bin/python " + " ".join(
        [str(Path(sys.argv[0]).resolve().relative_to(HERE.parent)), *sys.argv[1:]]
    )
    snop_info = results.get("snop", [{}])[0]
    section = f"""
## Throughput — {dt.datetime.now().strftime("%Y-%m-%d %H:%M")}

Command: `{command}`

Machine: {machine()}; n_jobs {args.n_jobs}.

Code: {version}.

Work: {args.series:,} synthetic monthly series x {args.length} points (seed {args.seed});
models {args.models}; season {SEASON}; {WINDOWS} backtest windows of {BT_HORIZON} steps,
then an {HORIZON}-step forecast with {LEVELS[0]} and {LEVELS[1]} % intervals. Each pipeline
ran in its own child process (best of {args.repeat}); seconds = the pipeline call only;
peak RSS = the child's ru_maxrss; "peak over start" = that peak minus the RSS just before the
pipeline (data, imports and compiled numba code already loaded).

{table}

{ratios}

snop's candidates: {snop_info.get("candidates")}; chosen: {snop_info.get("chosen")}.
"""
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        if fh.tell() == 0:
            fh.write("# snop benchmarks\n\nAppended by the scripts in bench/ (see README.md).\n")
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
