"""Page latency of the web app: p50/p95 of every page, warm, demo and scaled company.

Measured on the demo company and on a company scaled to ``--products`` products.

Each page is requested in-process through Starlette's TestClient as a signed-in admin (the
full server path: cookie session, services, templates; not the network or the browser's
drawing). The first request of each page is reported apart (it fills the evaluation kept
between requests); then ``--repeat`` requests give p50 and p95. Baseline, measured in the same
run: ``GET /api/me`` (session check and a JSON answer), so ratios survive a noisy machine.

The scaled company is the demo's workbook with every product copied (ids suffixed ``-2``,
``-3``, ...; same family, routing and history shape with seeded noise) and every resource's
hours, workforce and revenue targets multiplied to match; it is forecast with seasonal naive
and naive only (one backtest window) to keep the set-up short, and planned as usual.

Usage::

    .venv/bin/python bench/web_pages.py --no-record             # demo company only
    .venv/bin/python bench/web_pages.py --products 2000         # also 2,000 products; records
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
warnings.filterwarnings("ignore")

from fastapi.testclient import TestClient  # noqa: E402
from provenance import code_version, machine  # noqa: E402

from snop.demand.forecast import ForecastSettings  # noqa: E402
from snop.demo.company import build_demo_company  # noqa: E402
from snop.services import demand, supply, users  # noqa: E402
from snop.services.database import Database, open_database  # noqa: E402
from snop.services.demo import build_demo  # noqa: E402
from snop.services.imports import import_frames  # noqa: E402
from snop.web.app import create_app  # noqa: E402

END = "2026-10"
BASELINE = "/api/me"
LAZY = ("/demand/profile", "/demand/accuracy")
HTMX = {"HX-Request": "true"}


def pages(families: list[str]) -> list[str]:
    """Every page of the app (the first family's sheet and demand view)."""
    first = families[0]
    return [
        "/",
        "/demand/profile",
        "/demand/accuracy",
        "/demand",
        f"/demand?level=family&key={first}",
        "/supply",
        "/family",
        f"/family/{first}",
        "/money",
        "/scenarios",
        "/cycle",
        "/audit",
        "/data",
        "/admin",
    ]


def scaled_company(products: int, seed: int = 11) -> dict[str, pd.DataFrame]:
    """The demo's workbook with every product copied until there are ``products``."""
    sheets = build_demo_company(last_history_month=END)
    copies = max(1, -(-products // len(sheets["products"])))
    rng = np.random.default_rng(seed)

    def replicate(frame: pd.DataFrame) -> pd.DataFrame:
        parts = []
        for k in range(copies):
            part = frame.copy()
            if k:
                part["product_id"] = part["product_id"].astype(str) + f"-{k + 1}"
                if "name" in part.columns and frame is sheets["products"]:
                    part["name"] = part["name"].astype(str) + f" ({k + 1})"
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    out = dict(sheets)
    for name in ("products", "routings", "inventory", "receipts"):
        out[name] = replicate(sheets[name])
    out["products"]["like_product_id"] = None
    history = replicate(sheets["demand_history"])
    noise = rng.uniform(0.8, 1.2, len(history))
    history["ordered"] = np.round(history["ordered"] * noise)
    history["shipped"] = np.minimum(np.round(history["shipped"] * noise), history["ordered"])
    out["demand_history"] = history
    for name, columns in (
        ("resources", ("capacity", "overtime_capacity")),
        ("capacity", ("capacity", "overtime_capacity")),
        ("labour", ("workers",)),
    ):
        frame = sheets[name].copy()
        for column in columns:
            frame[column] = frame[column] * copies
        out[name] = frame
    targets = sheets["targets"].copy()
    money = targets["metric"].isin(["revenue", "budget"])
    targets.loc[money, "value"] = targets.loc[money, "value"] * copies
    out["targets"] = targets
    out["events"] = sheets["events"].iloc[0:0]
    return out


def build_scaled(db: Database, products: int) -> None:
    """Import, forecast (cheap models) and plan the scaled company; add the demo users."""
    import_frames(db, scaled_company(products), source=f"bench {products} products", actor="bench")
    cheap = {"continuous": ["SeasonalNaive", "Naive"], "intermittent": ["SeasonalNaive", "Naive"]}
    settings = ForecastSettings(backtest_windows=1, models=cheap, n_jobs=2)
    demand.run_forecast(db, actor="bench", settings=settings)
    supply.run_plan(db, actor="bench")
    with db.sessions.begin() as s:
        users.create_demo_users(s)


KEEP_ALIVE: list[object] = []  # apps measured, kept so no later database reuses their id()


def measure(
    db_url: str, families: list[str], repeat: int, *, refresh: bool
) -> tuple[list[dict[str, object]], float | None]:
    """Cold and warm latencies of every page, and of the baseline.

    With ``refresh`` the server's background refresh runs (as under `snop serve`) and the
    pages are timed once it has computed the views for the current data; its time is
    returned. Without it every view is computed by its first request.
    """
    app = create_app(db_url, refresh_seconds=0.5 if refresh else 0)
    KEEP_ALIVE.append(app)
    client = TestClient(app)
    client.__enter__()  # runs the app's lifespan: the background refresh starts
    client.post("/signin", data={"username": "admin", "password": "demo"})
    token = client.post("/api/session", json={"username": "admin", "password": "demo"})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    refreshed: float | None = None
    if refresh:
        refresher = app.state.refresher
        assert refresher.wait(timeout=600), "the background refresh did not finish"
        refreshed = refresher.last_seconds
    rows: list[dict[str, object]] = []
    for path in [BASELINE, *pages(families)]:
        # The demand page fetches its profile and accuracy sections with HTMX when they are
        # not kept yet: they are asked for first, as the browser would, and timed on their own.
        headers = bearer if path.startswith("/api") else HTMX if path in LAZY else {}
        started = time.perf_counter()
        first = client.get(path, headers=headers)
        cold = time.perf_counter() - started
        assert first.status_code == 200, (path, first.status_code, first.text[:300])
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        times.sort()
        rows.append(
            {
                "page": path,
                "cold_ms": cold * 1000,
                "p50_ms": statistics.median(times) * 1000,
                "p95_ms": times[max(0, int(round(0.95 * len(times))) - 1)] * 1000,
                "kb": len(first.content) / 1024,
            }
        )
    client.__exit__(None, None, None)
    app.state.database.close()
    return rows, refreshed


def _how(refreshed: float | None) -> str:
    if refreshed is None:
        return "no background refresh (each view computed by its first request)"
    return f"after the background refresh (it took {refreshed:.1f} s after the server started)"


def table(title: str, rows: list[dict[str, object]]) -> str:
    base = float(rows[0]["p50_ms"])  # type: ignore[arg-type]
    lines = [
        f"#### {title}",
        "",
        "| page | first request ms | p50 ms | p95 ms | p95 / baseline p50 | KB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        p95 = float(row["p95_ms"])  # type: ignore[arg-type]
        lines.append(
            f"| `{row['page']}` | {float(row['cold_ms']):.0f} | {float(row['p50_ms']):.1f} | "  # type: ignore[arg-type]
            f"{p95:.1f} | x{p95 / base:.1f} | {float(row['kb']):.0f} |"  # type: ignore[arg-type]
        )
    worst = max(float(r["p95_ms"]) for r in rows[1:])  # type: ignore[arg-type]
    lines += ["", f"Worst page p95: {worst:.0f} ms (goal < 150 ms).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--products", type=int, default=0, help="also a scaled company")
    parser.add_argument("--demo-db", help="an already built demo (snop demo --end-month 2026-10)")
    parser.add_argument("--scaled-db", help="an already built scaled company (kept; built if missing)")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    sections = []
    with tempfile.TemporaryDirectory(prefix="snop-bench-web-") as folder:
        if args.demo_db:
            demo_url = f"sqlite:///{Path(args.demo_db).resolve()}"
        else:
            demo_url = f"sqlite:///{Path(folder) / 'demo.db'}"
            db = open_database(demo_url, create=True)
            started = time.perf_counter()
            build_demo(db, last_history_month=END, actor="bench")
            print(f"demo built in {time.perf_counter() - started:.0f} s", flush=True)
            db.close()
        families = sorted(build_demo_company(last_history_month=END)["products"]["family"].unique())
        for refresh in (False, True):
            rows, took = measure(demo_url, families, args.repeat, refresh=refresh)
            sections.append(table(f"Demo company (44 products, 3 segments, 6 resources), {_how(took)}", rows))
            print(sections[-1], flush=True)
        if args.products:
            path = Path(args.scaled_db) if args.scaled_db else Path(folder) / "scaled.db"
            url = f"sqlite:///{path.resolve()}"
            if not path.exists():
                db = open_database(url, create=True)
                started = time.perf_counter()
                build_scaled(db, args.products)
                db.close()
                print(f"scaled company built in {time.perf_counter() - started:.0f} s", flush=True)
            for refresh in (False, True):
                rows, took = measure(url, families, args.repeat, refresh=refresh)
                sections.append(table(f"Scaled company (~{args.products:,} products), {_how(took)}", rows))
                print(sections[-1], flush=True)
    command = "python bench/web_pages.py " + " ".join(sys.argv[1:])
    report = "\n".join(
        [
            f"### Web page latency — {dt.datetime.now():%Y-%m-%d %H:%M}",
            "",
            f"`{command.strip()}`; {machine()}; {code_version()}; {args.repeat} warm requests "
            f"per page after a first one; baseline `{BASELINE}`.",
            "",
            *sections,
        ]
    )
    if not args.no_record:
        with (ROOT / "bench" / "RESULTS.md").open("a") as out:
            out.write("\n" + report + "\n")


if __name__ == "__main__":
    main()
