"""Concurrent users of one `snop serve`: same-cell overrides at once, and many readers.

A real server (`snop serve` in a subprocess, over HTTP on localhost) on a copy of a demo
database. Two measurements:

- ``same cell``: two users (demand, sales) post an override of the same product and month
  at the same moment, ``--rounds`` times. Counted: replies by status (a 500 or "database is
  locked" would be a failure), and whether every accepted override is there afterwards
  (no lost update: overrides of one cell are kept side by side as a conflict to resolve).
- ``readers``: ``--readers`` threads read the API (KPIs, the forecast, overrides, the
  cycle) for ``--seconds`` each; error rate, p50 and p95, against one reader alone for the
  same time in the same run (the ratio).

Usage::

    .venv/bin/python bench/concurrency.py --db demo.db            # a built demo company
    .venv/bin/python bench/concurrency.py --db demo.db --no-record --seconds 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from provenance import code_version, machine  # noqa: E402

READS = ("/api/kpis", "/api/forecast", "/api/overrides", "/api/cycle", "/api/me")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    snop = HERE.parent / ".venv" / "bin" / "snop"
    server = subprocess.Popen(
        [str(snop), "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/signin", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("snop serve did not start")


def _token(base: str, user: str) -> dict[str, str]:
    reply = httpx.post(f"{base}/api/session", json={"username": user, "password": "demo"})
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def _a_cell(base: str, auth: dict[str, str]) -> tuple[str, str]:
    """A product and a month of the forecast horizon (no actuals yet)."""
    rows = httpx.get(
        f"{base}/api/forecast", params={"level": "product"}, headers=auth, timeout=60
    ).json()["rows"]
    row = next(r for r in rows if r.get("actual") is None and r.get("consensus") is not None)
    return str(row["key"]), str(row["period"])


def same_cell(base: str, rounds: int) -> dict[str, object]:
    """Two users override one cell at the same instant, ``rounds`` times."""
    auths = {user: _token(base, user) for user in ("demand", "sales")}
    # Overrides are taken in the demand review: the demand planner signs data gathering off.
    stage = httpx.get(f"{base}/api/cycle", headers=auths["demand"]).json()["stage"]
    if stage == "data_gathering":
        httpx.get(f"{base}/api/cycle/health", headers=auths["demand"], timeout=120)
        signed = httpx.post(f"{base}/api/cycle/advance", json={}, headers=auths["demand"])
        if signed.status_code != 200:
            raise RuntimeError(f"cannot open the demand review: {signed.text}")
    product, period = _a_cell(base, auths["demand"])
    before = len(httpx.get(f"{base}/api/overrides", headers=auths["demand"]).json()["rows"])
    statuses: Counter[int] = Counter()
    slowest = 0.0
    for n in range(rounds):
        gate = threading.Barrier(len(auths))

        def post(user: str, n: int = n, gate: threading.Barrier = gate) -> None:
            nonlocal slowest
            body = {
                "level": "product",
                "key": product,
                "period_from": period,
                "period_to": period,
                "reason_code": "promotion",
                "change_qty": 10.0 + n,
                "comment": f"round {n} by {user}",
            }
            gate.wait()
            started = time.perf_counter()
            reply = httpx.post(f"{base}/api/overrides", json=body, headers=auths[user], timeout=120)
            slowest = max(slowest, time.perf_counter() - started)
            statuses[reply.status_code] += 1

        threads = [threading.Thread(target=post, args=(u,)) for u in auths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    after = len(httpx.get(f"{base}/api/overrides", headers=auths["demand"]).json()["rows"])
    return {
        "posts": 2 * rounds,
        "statuses": dict(statuses),
        "kept": after - before,
        "slowest": slowest,
    }


def readers(base: str, count: int, seconds: float) -> dict[str, float]:
    """``count`` threads reading for ``seconds``: replies, errors, p50 and p95 in ms."""
    auth = _token(base, "viewer")
    times: list[float] = []
    errors = 0
    lock = threading.Lock()
    with httpx.Client(base_url=base, headers=auth, timeout=120) as warm:
        for path in READS * 2:  # the first read of a view computes it; measure steady state
            warm.get(path)
    stop = time.monotonic() + seconds

    def read(start: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, headers=auth, timeout=120) as http:
            i = start
            while time.monotonic() < stop:
                began = time.perf_counter()
                try:
                    ok = http.get(READS[i % len(READS)]).status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - began
                with lock:
                    times.append(took)
                    errors += not ok
                i += 1

    threads = [threading.Thread(target=read, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ordered = sorted(times)
    return {
        "replies": len(ordered),
        "errors": errors,
        "p50": 1000 * ordered[len(ordered) // 2],
        "p95": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
    }


def main() -> None:
    """Serve a copy of the database, measure, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo company's SQLite file")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    version = code_version()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.db"
        shutil.copy(args.db, db)
        port = _free_port()
        server = _serve(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            cell = same_cell(base, args.rounds)
            print(f"same cell: {cell}", flush=True)
            one = readers(base, 1, args.seconds)
            print(f"1 reader: {one}", flush=True)
            many = readers(base, args.readers, args.seconds)
            print(f"{args.readers} readers: {many}", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:  # a slow view still computing: stop it hard
                server.kill()
                server.wait()
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(cell["statuses"].items()))  # type: ignore[attr-defined]
    table = "\n".join(
        [
            "| measurement | result |",
            "|---|---|",
            f"| same cell, {cell['posts']} posts by 2 users at once | replies {statuses}; "
            f"{cell['kept']} overrides kept; slowest reply {cell['slowest']:.2f} s |",
            f"| 1 reader, {args.seconds:.0f} s | {one['replies']:.0f} replies, "
            f"{one['errors']:.0f} errors, p50 {one['p50']:.0f} ms, p95 {one['p95']:.0f} ms |",
            f"| {args.readers} readers, {args.seconds:.0f} s | {many['replies']:.0f} replies, "
            f"{many['errors']:.0f} errors ({many['errors'] / max(many['replies'], 1):.2%}), "
            f"p50 {many['p50']:.0f} ms (x{many['p50'] / one['p50']:.1f}), "
            f"p95 {many['p95']:.0f} ms (x{many['p95'] / one['p95']:.1f}) |",
        ]
    )
    print("\n" + table)
    if args.no_record:
        return
    argv = " ".join(sys.argv[1:])
    section = (
        f"\n## Concurrent users of one server (SQLite) — {dt.datetime.now():%Y-%m-%d %H:%M}\n\n"
        f"Command: `.venv/bin/python bench/concurrency.py {argv}`\n\n"
        f"Machine: {machine()}.\n\nCode: {version}.\n\n"
        "`snop serve` in a subprocess on a copy of the demo company, over HTTP on localhost. "
        "Readers cycle through " + ", ".join(f"`{r}`" for r in READS) + "; x = against one "
        "reader alone in the same run.\n\n" + table + "\n"
    )
    with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
        fh.write(section)
    print(f"appended to {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
