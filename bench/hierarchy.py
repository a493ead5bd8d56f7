"""Demand hierarchy: the sparse summing matrix and MinTrace against the dense ones, same run.

`snop.demand.hierarchy.build_hierarchy` used to fill a dense (nodes x bottom) matrix one
node at a time, comparing every bottom node's keys for each node: quadratic in the
catalogue. It now joins each level to the bottom on its keys and returns a scipy CSR
matrix. MinTrace used hierarchicalforecast's dense solve; snop now solves it sparse. The old
construction is kept here (``dense_build``, ``dense_reconcile``), not in src, as the
baseline.

Seeded catalogue: ``n`` products in ``n / 50`` families, 3 segments, each product sold
to 1-3 of them (so about 2 segments per product), 24 months of Poisson demand; base
forecasts for 18 months on every node (the history's last value times a seeded noise,
incoherent on purpose). Stages, each run in its own child process so memory is clean:

- ``build``: `build_hierarchy` (old: the dense node-by-node matrix and the row-wise ids);
- ``reconcile bottom_up``: old = dense ``S_df`` frame + ``BottomUp``; new = snop's
  `reconcile` (``SMatrix`` + ``BottomUpSparse``);
- ``reconcile mint_ols`` and ``reconcile mint_wls_struct``: old = dense ``S_df`` +
  hierarchicalforecast's ``MinTrace`` (which inverts a dense bottom x bottom matrix); new =
  snop's `reconcile`, which solves the same least-squares fit as one sparse LU of
  [[W, S], [S', 0]]. Both figures are compared: "max diff" is the largest absolute
  difference of the reconciled forecasts, new against old, where both ran.

Seconds come from a first call without tracing; the peak is tracemalloc's traced peak of
a second call (numpy, pandas and scipy buffers included), and "RSS" the child's
``ru_maxrss`` (imports included). A variant whose dense matrices would pass
``--max-dense-gb`` is not run and the table says why. Usage::

    .venv/bin/python bench/hierarchy.py                       # 500, 2,000, 20,000; records
    .venv/bin/python bench/hierarchy.py --products 500 --no-record
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from importlib.metadata import version as package_version
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from provenance import code_version, machine  # noqa: E402

from snop.demand.hierarchy import BOTTOM, LEVELS, Hierarchy, build_hierarchy, reconcile  # noqa: E402

SEED = 20261208
SEGMENTS = ("Key Accounts", "Retail", "Online")
MONTHS = 24
HORIZON = 18
STAGES = ("build", "reconcile bottom_up", "reconcile mint_ols", "reconcile mint_wls_struct")
LIBS = (
    f", pandas {package_version('pandas')}, scipy {package_version('scipy')}, "
    f"hierarchicalforecast {package_version('hierarchicalforecast')}"
)


def make_bottom(products: int, seed: int = SEED) -> pd.DataFrame:
    """family, product_id, segment, ds, y: the seeded catalogue's bottom-level history."""
    rng = np.random.default_rng(seed)
    families = max(1, products // 50)
    sold = rng.random((products, len(SEGMENTS))) < 0.6
    sold[np.arange(products), rng.integers(0, len(SEGMENTS), products)] = True
    product, segment = np.nonzero(sold)
    level = rng.gamma(2.0, 20.0, len(product))
    ds = np.arange(MONTHS)
    frame = pd.DataFrame(
        {
            "family": np.char.add("F", (product % families).astype(str)).repeat(MONTHS),
            "product_id": np.char.add("P", product.astype(str)).repeat(MONTHS),
            "segment": np.asarray(SEGMENTS)[segment].repeat(MONTHS),
            "ds": np.tile(ds, len(product)),
            "y": rng.poisson(np.repeat(level, MONTHS)).astype(float),
        }
    )
    return frame


def make_base(panel: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """unique_id, ds, forecast for every node: last value x noise, HORIZON months."""
    rng = np.random.default_rng(seed + 1)
    last = panel[panel["ds"] == MONTHS - 1][["unique_id", "y"]]
    base = last.loc[last.index.repeat(HORIZON)].reset_index(drop=True)
    base["ds"] = np.tile(np.arange(MONTHS, MONTHS + HORIZON), len(last))
    base["forecast"] = base["y"] * rng.uniform(0.8, 1.2, len(base))
    return base[["unique_id", "ds", "forecast"]]


# --- The construction snop used before (the baseline), as it was in src ---------------


def dense_build(bottom: pd.DataFrame) -> tuple[Hierarchy, pd.DataFrame, pd.DataFrame]:
    """The old build_hierarchy: nodes, the dense summing frame (unique_id + 0/1 columns), panel."""
    frames, nodes, tags = [], [], {}
    for level, keys in LEVELS.items():
        grouped = cast(
            pd.DataFrame,
            bottom.groupby([*keys, "ds"], as_index=False)["y"].sum()
            if keys
            else (bottom.groupby("ds", as_index=False)["y"].sum()),
        )
        grouped["unique_id"] = _dense_ids(grouped, level)
        frames.append(grouped[["unique_id", "ds", "y"]])
        level_nodes = grouped.drop_duplicates("unique_id").assign(level=level)
        for column in ("family", "product_id", "segment"):
            if column not in level_nodes:
                level_nodes[column] = None
        nodes.append(level_nodes[["unique_id", "level", "family", "product_id", "segment"]])
        tags[level] = level_nodes["unique_id"].to_numpy()
    node_frame = pd.concat(nodes, ignore_index=True)
    summing = _dense_summing(node_frame)
    # The Hierarchy's summing slot holds the sparse type now; the old frame travels apart.
    hierarchy = Hierarchy(node_frame, None, tags)  # type: ignore[arg-type]
    return hierarchy, summing, pd.concat(frames, ignore_index=True)


def _dense_ids(frame: pd.DataFrame, level: str) -> pd.Series:
    keys = [c for c in LEVELS[level] if c != "family" or level == "family"]
    if not keys:
        return pd.Series("total", index=frame.index)
    parts = frame[keys].astype(str).agg("|".join, axis=1)
    return level + "|" + parts


def _dense_summing(nodes: pd.DataFrame) -> pd.DataFrame:
    bottom = nodes[nodes["level"] == BOTTOM].reset_index(drop=True)
    matrix = np.zeros((len(nodes), len(bottom)))
    for row, node in enumerate(nodes.itertuples(index=False)):
        mask = np.ones(len(bottom), dtype=bool)
        for column in ("family", "product_id", "segment"):
            value = getattr(node, column)
            if value is not None and not (isinstance(value, float) and np.isnan(value)):
                mask &= (bottom[column] == value).to_numpy()
        matrix[row] = mask
    summing = pd.DataFrame(matrix, columns=bottom["unique_id"].tolist())
    summing.insert(0, "unique_id", nodes["unique_id"].to_numpy())
    return summing


def dense_reconcile(
    base: pd.DataFrame, hierarchy: Hierarchy, summing: pd.DataFrame, method: str
) -> pd.DataFrame:
    """The old reconcile: the dense S_df frame, BottomUp or MinTrace, a dense sum back up."""
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import BottomUp, MinTrace

    reconciler = {
        "bottom_up": BottomUp(),
        "mint_ols": MinTrace(method="ols"),
        "mint_wls_struct": MinTrace(method="wls_struct"),
    }[method]
    engine = HierarchicalReconciliation(reconcilers=[reconciler])
    y_hat = base.rename(columns={"forecast": "base"})[["unique_id", "ds", "base"]]
    y_hat = y_hat.set_index("unique_id").loc[summing["unique_id"]].reset_index()
    out = engine.reconcile(Y_hat_df=y_hat, S_df=summing, tags=hierarchy.tags)
    column = next(c for c in out.columns if c.startswith("base/"))
    bottom_ids = list(hierarchy.tags[BOTTOM])
    bottom = out[out["unique_id"].isin(bottom_ids)][["unique_id", "ds", column]]
    bottom = bottom.rename(columns={column: "forecast"})
    bottom["forecast"] = bottom["forecast"].clip(lower=0.0)
    wide = bottom.pivot(index="ds", columns="unique_id", values="forecast")
    wide = wide.reindex(columns=bottom_ids).fillna(0.0)
    totals = wide.to_numpy() @ summing.set_index("unique_id").to_numpy().T
    frame = pd.DataFrame(totals, index=wide.index, columns=summing["unique_id"])
    return frame.reset_index().melt(id_vars="ds", var_name="unique_id", value_name="forecast")


# --- One measurement in a child process ------------------------------------------------


def _action(variant: str, stage: str, products: int) -> Callable[[], object]:
    """What the child times: data and (for reconcile) the hierarchy are made beforehand."""
    bottom = make_bottom(products)
    if stage == "build":
        return (
            (lambda: dense_build(bottom)) if variant == "old" else (lambda: build_hierarchy(bottom))
        )
    method = stage.split()[1]
    if variant == "old":
        hierarchy, summing, panel = dense_build(bottom)
        base = make_base(panel)
        return lambda: dense_reconcile(base, hierarchy, summing, method)
    hierarchy, panel = build_hierarchy(bottom)
    base = make_base(panel)
    return lambda: reconcile(base, hierarchy, method)


def child(variant: str, stage: str, products: int, out: str) -> None:
    """Time one call, trace a second, print one JSON line; a reconciled frame goes to ``out``."""
    action = _action(variant, stage, products)
    # hierarchicalforecast is imported lazily by both variants: load it before the clock.
    import hierarchicalforecast.core  # noqa: F401

    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    if stage != "build":
        cast(pd.DataFrame, result).to_pickle(out)
    del result
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 2**20, "rss_mb": rss}))


def shape(products: int) -> tuple[int, int]:
    """(nodes, bottom nodes) of the seeded catalogue, from its keys alone."""
    bottom = make_bottom(products)[["family", "product_id", "segment"]].drop_duplicates()
    n_bottom = len(bottom)
    nodes = 1 + bottom["family"].nunique() + bottom["segment"].nunique()
    nodes += bottom["product_id"].nunique() + n_bottom
    return nodes, n_bottom


def dense_gb(variant: str, stage: str, nodes: int, n_bottom: int) -> float:
    """The largest dense float64 matrices a variant holds at once, in GB (an estimate)."""
    s = nodes * n_bottom * 8 / 1e9
    if variant == "new":
        return 0.0
    if stage.startswith("reconcile mint"):  # S, and (S'S) and its inverse, bottom x bottom
        return s + 2 * n_bottom * n_bottom * 8 / 1e9
    return 2 * s if stage == "reconcile bottom_up" else s  # BottomUp adds P (bottom x nodes)


def measure(variant: str, stage: str, products: int, out: Path) -> dict[str, float]:
    """Run one child; its JSON line back (and a reconciled frame in ``out``)."""
    cmd = [sys.executable, __file__, "--child", variant, stage, str(products), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{variant} {stage} {products}: {done.stderr[-2000:]}")
    return cast(dict[str, float], json.loads(done.stdout.strip().splitlines()[-1]))


def _fmt(run: dict[str, float] | str) -> tuple[str, str, str]:
    if isinstance(run, str):
        return run, "", ""
    return f"{run['seconds']:.2f}", f"{run['peak_mb']:,.1f}", f"{run['rss_mb']:,.0f}"


def _ratio(new: dict[str, float] | str, old: dict[str, float] | str, key: str) -> str:
    if isinstance(new, str) or isinstance(old, str) or old[key] == 0:
        return ""
    return f"x{new[key] / old[key]:.3f}"


def _max_diff(folder: Path) -> str:
    """Largest absolute difference of the new reconciled forecast from the old one."""
    old, new = (
        pd.read_pickle(folder / v).set_index(["unique_id", "ds"])["forecast"]
        for v in ("old", "new")
    )
    return f"{float((new - old.reindex(new.index)).abs().max()):.1e}"


Row = tuple[int, tuple[int, int], str, dict[str, float] | str, dict[str, float] | str, str]


def table(rows: list[Row]) -> str:
    """Markdown: per size and stage, old and new seconds / traced peak / RSS, and the ratios."""
    lines = [
        "| products | nodes x bottom | stage | old s | old peak MB | old RSS MB | new s "
        "| new peak MB | new RSS MB | new/old s | new/old peak | max diff |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for products, (nodes, n_bottom), stage, old, new, diff in rows:
        o, n = _fmt(old), _fmt(new)
        lines.append(
            f"| {products:,} | {nodes:,} x {n_bottom:,} | {stage} | {o[0]} | {o[1]} | {o[2]} "
            f"| {n[0]} | {n[1]} | {n[2]} | {_ratio(new, old, 'seconds')} "
            f"| {_ratio(new, old, 'peak_mb')} | {diff} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure every size, stage and variant; print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", default="500,2000,20000")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--max-dense-gb", type=float, default=4.0)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("VARIANT", "STAGE", "PRODUCTS", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.child[3])
        return
    version = code_version()
    stages = [s for s in args.stages.split(",") if s]
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="snop-hierarchy-"))
    rows = []
    for products in (int(p) for p in args.products.split(",") if p):
        nodes, n_bottom = shape(products)
        for stage in stages:
            runs: dict[str, dict[str, float] | str] = {}
            for variant in ("old", "new"):
                gb = dense_gb(variant, stage, nodes, n_bottom)
                if gb > args.max_dense_gb:
                    runs[variant] = f"not run: dense matrices ~{gb:,.0f} GB"
                else:
                    runs[variant] = measure(variant, stage, products, folder / variant)
                print(f"{products:>6} {stage:<20} {variant}: {runs[variant]}", flush=True)
            diff = (
                _max_diff(folder) if stage != "build" and len(list(folder.iterdir())) == 2 else ""
            )
            rows.append((products, (nodes, n_bottom), stage, runs["old"], runs["new"], diff))
            for done in folder.iterdir():
                done.unlink()
    wall = time.perf_counter() - started
    text = table(rows)
    print("\n" + text)
    if args.no_record:
        return
    argv = " ".join(sys.argv[1:])
    section = (
        f"\n## Demand hierarchy: sparse summing matrix and MinTrace against the dense ones — "
        f"{dt.datetime.now():%Y-%m-%d %H:%M}\n\n"
        f"Command: `{('.venv/bin/python bench/hierarchy.py ' + argv).strip()}`\n\n"
        f"Machine: {machine(LIBS)}; wall time {wall / 60:.1f} min.\n\nCode: {version}.\n\n"
        f"Seeded catalogue (seed {SEED}): products in products/50 families, 3 segments, each "
        f"product sold to 1-3 of them, {MONTHS} months of history, base forecasts "
        f"{HORIZON} months ahead on every node. old = the dense node-by-node summing matrix "
        "snop built before and hierarchicalforecast's dense reconcilers (kept in the script), "
        "new = snop's sparse matrix and its sparse MinTrace solve; each cell its own "
        "child process. s = one call; peak = tracemalloc's traced peak of a second call; "
        "RSS = the child's peak RSS, imports and data included. Ratios are new over old, "
        f"same run. Not run = its dense matrices would pass {args.max_dense_gb:g} GB "
        "(estimate from the catalogue's shape).\n\n" + text + "\n"
    )
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
