"""Post-hoc analysis of a bench/m3.py run: other ways snop could pick its forecast.

Reads what ``bench/m3.py`` saved in ``bench/out/`` (per-series test forecasts of every
individual model, snop's forecasts, and snop select's backtest scores of every candidate)
and replays selection rules on snop's own backtest scores, without refitting anything:

- ``select (replayed)``: the rank-1 candidate, i.e. snop's ``method="select"`` (a check);
- ``ensemble``: snop's ``method="ensemble"``;
- ``ensemble unless beaten by X%``: keep the ensemble unless the best candidate's backtest
  MAE is more than X% below the ensemble's;
- ``select, no naive``: rank-1 among the non-naive candidates;
- ``mean of top k``: the mean of the k best candidates by backtest MAE;
- ``oracle``: the candidate best on the test itself (a bound no rule can beat).

Each individual candidate's final forecast is the raw statsforecast forecast of the same
model on the same history that bench/m3.py ran (``CES`` = AutoCES; ``Ensemble`` = snop's
ensemble forecast), so the replay is exact up to statsforecast's fallback handling.

Usage::

    .venv/bin/python bench/m3_analysis.py [--tag _limit50] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
FREQS = ("yearly", "quarterly", "monthly", "other")
COLUMN = {
    "AutoETS": "AutoETS",
    "AutoARIMA": "AutoARIMA",
    "AutoTheta": "AutoTheta",
    "CES": "AutoCES",
    "MSTL": "MSTL",
    "Naive": "Naive",
    "SeasonalNaive": "SeasonalNaive",
    "Ensemble": "snop ensemble",
}
NAIVES = ("Naive", "SeasonalNaive")


def load(out: Path, freq: str, tag: str):
    """The saved forecasts and backtest scores of one frequency."""
    fc = pd.read_parquet(out / f"m3_{freq}{tag}_forecasts.parquet")
    scores = pd.read_parquet(out / f"m3_{freq}{tag}_scores.parquet")
    return fc, scores


def series_errors(fc: pd.DataFrame) -> pd.DataFrame:
    """unique_id x candidate -> (per-series sMAPE, MASE) frames."""
    y = fc["actual"].to_numpy()
    sm, ms = {}, {}
    for name, col in COLUMN.items():
        if col not in fc.columns:
            continue
        f = fc[col].to_numpy()
        err = np.abs(y - f)
        sm[name] = pd.Series(200 * err / (np.abs(y) + np.abs(f))).groupby(fc["unique_id"]).mean()
        ms[name] = pd.Series(err / fc["scale"].to_numpy()).groupby(fc["unique_id"]).mean()
    return pd.DataFrame(sm), pd.DataFrame(ms)


def rules(fc: pd.DataFrame, scores: pd.DataFrame) -> dict[str, pd.Series]:
    """Rule -> per-series forecasts as a long Series aligned with fc rows."""
    ids = fc["unique_id"]
    table = scores.pivot(index="unique_id", columns="model", values="mae")
    cands = [c for c in table.columns if c in COLUMN and COLUMN[c] in fc.columns]
    table = table[cands]
    forecasts = {c: fc[COLUMN[c]].to_numpy() for c in cands}
    out: dict[str, np.ndarray] = {}

    def pick(choice: pd.Series) -> np.ndarray:
        chosen = ids.map(choice).fillna("Ensemble").to_numpy()
        values = np.full(len(fc), np.nan)
        for c in cands:
            rows = chosen == c
            values[rows] = forecasts[c][rows]
        return values

    # snop's own rank 1 (its tie-break prefers the simpler model)
    best = scores[scores["rank"] == 1].set_index("unique_id")["model"]
    out["select (replayed)"] = pick(best)
    out["ensemble"] = forecasts["Ensemble"]
    for pct in (5, 10, 20, 30):
        beaten = table.min(axis=1) < (1 - pct / 100) * table["Ensemble"]
        out[f"ensemble unless beaten by {pct}%"] = pick(best.where(beaten, "Ensemble"))
    no_naive = table[[c for c in cands if c not in NAIVES]]
    out["select, no naive"] = pick(no_naive.idxmin(axis=1))
    members = [c for c in cands if c != "Ensemble"]
    order = table[members].rank(axis=1, method="first")
    for k in (2, 3):
        stacked = np.stack([forecasts[c] for c in members], axis=1)
        mask = np.stack([ids.map(order[c] <= k).to_numpy(dtype=bool) for c in members], axis=1)
        out[f"mean of top {k}"] = np.nanmean(np.where(mask, stacked, np.nan), axis=1)
    return out


def metric(fc: pd.DataFrame, f: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """Per-series sMAPE and MASE of the forecasts ``f`` aligned with ``fc``."""
    y = fc["actual"].to_numpy()
    err = np.abs(y - f)
    s = pd.Series(200 * err / (np.abs(y) + np.abs(f))).groupby(fc["unique_id"]).mean()
    m = pd.Series(err / fc["scale"].to_numpy()).groupby(fc["unique_id"]).mean()
    return s, m


def main() -> None:
    """Replay the rules, print and optionally record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--tag", default="", help="e.g. _limit50 for a --limit 50 run")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()

    per_rule: dict[str, dict[str, tuple[pd.Series, pd.Series]]] = {}
    share_lines = []
    freqs = [f for f in FREQS if (args.out / f"m3_{f}{args.tag}_scores.parquet").exists()]
    for freq in freqs:
        fc, scores = load(args.out, freq, args.tag)
        fc = fc.sort_values(["unique_id", "step"]).reset_index(drop=True)
        for name, f in rules(fc, scores).items():
            per_rule.setdefault(name, {})[freq] = metric(fc, f)
        sm, _ = series_errors(fc)
        cands = [c for c in scores["model"].unique() if c in sm.columns]
        sm = sm[cands]
        per_rule.setdefault("oracle (best on test)", {})[freq] = (
            sm.min(axis=1),
            pd.Series(np.nan, index=sm.index),
        )
        check = np.allclose(
            rules(fc, scores)["select (replayed)"], fc["snop select"].to_numpy(), equal_nan=True
        )
        # how often the backtest winner is also the test winner
        rank1 = scores[scores["rank"] == 1].set_index("unique_id")["model"]
        hit = (rank1.reindex(sm.index) == sm.idxmin(axis=1)).mean()
        ens_rank = sm.rank(axis=1)["Ensemble"].mean()
        share_lines.append(
            f"| {freq} | {check} | {hit:.0%} (chance {1 / len(cands):.0%}) | "
            f"{ens_rank:.2f} of {len(cands)} | "
            + ", ".join(f"{c} {v:.2f}" for c, v in sm.mean().sort_values().items())
            + " |"
        )

    header = "| rule | " + " | ".join(f"sMAPE {f}" for f in freqs)
    header += " | sMAPE overall | MASE overall |" if len(freqs) > 1 else " | MASE |"
    lines = [header, "|---|" + "---:|" * (len(freqs) + 2)]
    for name, by_freq in per_rule.items():
        cells = [f"{by_freq[f][0].mean():.2f}" for f in freqs]
        all_s = pd.concat([by_freq[f][0] for f in freqs])
        all_m = pd.concat([by_freq[f][1] for f in freqs])
        cells.append(f"{all_s.mean():.2f}")
        cells.append("" if all_m.isna().all() else f"{all_m.mean():.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    rules_md = "\n".join(lines)
    cand_md = "\n".join(
        [
            "| frequency | replay = snop select | backtest winner = test winner | "
            "mean test rank of Ensemble | test sMAPE of each candidate |",
            "|---|---|---:|---:|---|",
            *share_lines,
        ]
    )
    print(rules_md)
    print()
    print(cand_md)
    if not args.record:
        return
    command = "cd /work/main && .venv/bin/python " + " ".join(
        [str(Path(sys.argv[0]).resolve().relative_to(HERE.parent)), *sys.argv[1:]]
    )
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    section = f"""
## M3 post-hoc: selection rules replayed on snop's backtest — {now}

Command: `{command}` (reads the forecasts and backtest scores saved by the bench/m3.py run
above; no refitting, seconds of CPU). sMAPE and MASE as above ("overall" = mean over
series). The oracle picks, per series, the candidate best on the test: a bound, not a rule.

{rules_md}

Per frequency: whether replaying rank 1 reproduces snop select, how often the backtest's
best candidate is also best on the test, the ensemble's mean rank on the test among the
candidates (1 = best), and each candidate's test sMAPE:

{cand_md}
"""
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
