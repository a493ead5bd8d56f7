"""kill -9 in the middle of a write: the database and the plan of record stay whole.

For each backend (a SQLite file, a PostgreSQL database) and each command (`snop import` of
a changed workbook, `snop plan`), on a company that already has a plan of record:

1. The command is run to the end twice from the same starting copy. Columns whose values
   differ between those two runs (times, ids) are "volatile" and not compared below;
   every other column of every table is, and every table's row count. Key columns are
   compared by the order of their values: a PostgreSQL sequence does not roll back.
2. It is run ``--kills`` more times, each killed with SIGKILL at a chosen moment after its
   write transaction was seen open (the SQLite rollback journal exists; on PostgreSQL the
   client's backend holds a transaction id), spread from the first to the last moment the
   write was seen open in the run to the end. A few more are killed at moments spread over
   the whole run, most before it writes.
3. After each kill the database is checked: SQLite ``PRAGMA integrity_check`` and
   ``foreign_key_check``; then every table is compared with the starting copy and with the
   run to the end. "untouched" = every table as it started (the write was rolled back);
   "complete" = every table as after a run to the end; anything else is a half-written
   database, a failure. Both the plan of record (newest plan version and its tables) and
   the starting data must be untouched unless the run is complete.
4. Once per case, the killed command is run again to the end on a database a kill left.

Usage::

    .venv/bin/python bench/faults.py --db demo.db          # a built demo company
    .venv/bin/python bench/faults.py --db demo.db --kills 4 --no-record
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from provenance import code_version, machine  # noqa: E402

SNOP = HERE.parent / ".venv" / "bin" / "snop"
PG_SERVER = os.environ.get("SNOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
POLL_SECONDS = 0.002


def _run(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SNOP_USER": "demand", "COLUMNS": "200"}
    env.pop("SNOP_DATABASE_URL", None)
    result = subprocess.run(
        [str(SNOP), "--db", url, *args], capture_output=True, text=True, env=env
    )
    if check and result.returncode != 0:
        raise SystemExit(f"snop {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


# -- databases: a pristine copy per backend, restored before every run --------------------


@dataclass
class Backend:
    """A database to kill commands on: its pristine copy, the work copy, how to watch it."""

    name: str
    pristine: str
    work: str
    restore: Callable[[], None]
    write_open: Callable[[], bool]
    drop: Callable[[], None] = lambda: None


def sqlite_backend(folder: Path, pristine_file: Path) -> Backend:
    """A SQLite file: a write is open while its rollback journal exists."""
    work = folder / "work.db"
    journal = Path(f"{work}-journal")

    def restore() -> None:
        journal.unlink(missing_ok=True)
        shutil.copy(pristine_file, work)

    return Backend("SQLite", f"sqlite:///{pristine_file}", f"sqlite:///{work}", restore,
                   journal.exists)  # fmt: skip


def postgresql_backend(pristine_url: str) -> Backend:
    """A PostgreSQL database: a write is open while a client's backend holds an xid."""
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    pristine_name = make_url(pristine_url).database
    work_name = f"snop_faults_work_{uuid.uuid4().hex[:8]}"
    work_url = make_url(PG_SERVER).set(database=work_name).render_as_string(False)

    def restore() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{work_name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{work_name}" TEMPLATE "{pristine_name}"'))

    def write_open() -> bool:
        # A backend gets a transaction id at its first write; it loses it at commit/rollback.
        with admin.connect() as c:
            found = c.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = :d "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                ),
                {"d": work_name},
            ).scalar_one()
        return bool(found)

    def drop() -> None:
        with admin.connect() as c:
            for name in (work_name, pristine_name):
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Backend("PostgreSQL", pristine_url, work_url, restore, write_open, drop)


def new_pg_database() -> str:
    """An empty database on the server; its URL."""
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"snop_faults_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_SERVER).set(database=name).render_as_string(False)


# -- what the database holds ---------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Every column of every table as a digest of its sorted values; counts; integrity."""

    digests: dict[str, str]
    counts: dict[str, int]
    integrity: str


def snapshot(url: str) -> Snapshot:
    """What the database holds now (opening it rolls back a hot SQLite journal)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    digests: dict[str, str] = {}
    counts: dict[str, int] = {}
    with engine.connect() as c:
        for name, table in sorted(meta.tables.items()):
            rows = list(c.execute(select(table)))
            counts[name] = len(rows)
            for i, column in enumerate(table.columns):
                values = sorted(repr(v) for v in _comparable(column, [r[i] for r in rows]))
                digest = hashlib.sha256("\n".join(values).encode()).hexdigest()
                digests[f"{name}.{column.name}"] = digest
        integrity = "ok"
        if url.startswith("sqlite"):
            checked = [r[0] for r in c.execute(text("PRAGMA integrity_check"))]
            keys = list(c.execute(text("PRAGMA foreign_key_check")))
            integrity = "ok" if checked == ["ok"] and not keys else f"{checked} {keys[:3]}"
    engine.dispose()
    return Snapshot(digests, counts, integrity)


def _comparable(column: Column[Any], values: list[Any]) -> list[Any]:
    """Key values by their order, not their number.

    A PostgreSQL sequence does not roll back: a killed transaction uses up ids, so a run
    after it numbers its rows higher with the same rows and the same order.
    """
    if column.name == "entity_key":  # the audit trail names a row by its id, as text
        numbers = {int(v) for v in values if isinstance(v, str) and v.isdigit()}
        rank = {str(v): f"#{i}" for i, v in enumerate(sorted(numbers))}
        return [rank.get(v, v) for v in values]
    if not (column.primary_key or column.foreign_keys):
        return values
    if not all(isinstance(v, int) or v is None for v in values):
        return values
    ranks = {v: i for i, v in enumerate(sorted({v for v in values if v is not None}))}
    return [None if v is None else ranks[v] for v in values]


def differing(state: Snapshot, end: Snapshot, volatile: set[str]) -> list[str]:
    """The columns (and row counts) where ``state`` is not as after a run to the end."""
    columns = [
        c for c in end.digests if c not in volatile and state.digests.get(c) != end.digests[c]
    ]
    counts = [f"{t} rows" for t in end.counts if state.counts.get(t) != end.counts[t]]
    return counts + columns


def classify(state: Snapshot, start: Snapshot, end: Snapshot, volatile: set[str]) -> str:
    """untouched, complete, half-written or corrupt (``volatile``: table.column names)."""
    if state.integrity != "ok":
        return "corrupt"
    if state.digests == start.digests:
        return "untouched"
    if state.counts != end.counts or state.digests.keys() != end.digests.keys():
        return "half-written"
    same = all(state.digests[c] == end.digests[c] for c in end.digests if c not in volatile)
    return "complete" if same else "half-written"


# -- one case: a command killed at many moments ---------------------------------------------


@dataclass
class CaseResult:
    """One backend and command: its timings and what every kill left."""

    backend: str
    command: str
    seconds: float
    write_window: float
    outcomes: Counter[str] = field(default_factory=Counter)
    in_write: Counter[str] = field(default_factory=Counter)
    rerun: str = ""
    volatile: list[str] = field(default_factory=list)


def _watch(backend: Backend, args: tuple[str, ...], kill_after_write: float | None,
           kill_at: float | None) -> tuple[float, float, bool]:  # fmt: skip
    """Run; kill ``kill_after_write`` s after the write was seen open (or at ``kill_at``).

    Returns (seconds run, seconds the write was seen open, killed while it was open).
    """
    env = {**os.environ, "SNOP_USER": "demand", "COLUMNS": "200"}
    env.pop("SNOP_DATABASE_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(SNOP), "--db", backend.work, *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    first_open = last_open = None
    killed_open = False
    while process.poll() is None:
        now = time.perf_counter()
        is_open = backend.write_open()
        if is_open:
            first_open = first_open or now
            last_open = now
        due_write = first_open is not None and kill_after_write is not None
        if (due_write and now - first_open >= kill_after_write) or (  # type: ignore[operator]
            kill_at is not None and now - started >= kill_at
        ):
            killed_open = backend.write_open()
            process.send_signal(signal.SIGKILL)
            process.wait()
            break
        time.sleep(POLL_SECONDS)
    window = (last_open - first_open) if first_open and last_open else 0.0
    return time.perf_counter() - started, window, killed_open


def run_case(backend: Backend, args: tuple[str, ...], kills: int) -> CaseResult:
    """Run to the end twice, then kill at every chosen moment and check what is left."""
    backend.restore()
    start = snapshot(backend.work)
    seconds, window, _ = _watch(backend, args, None, None)
    end = snapshot(backend.work)
    backend.restore()
    _watch(backend, args, None, None)
    again = snapshot(backend.work)
    volatile = {c for c in end.digests if end.digests[c] != again.digests[c]}
    result = CaseResult(backend.name, "snop " + " ".join(args), seconds, window,
                        volatile=sorted(volatile))  # fmt: skip
    moments = [(window * i / max(kills - 1, 1), None) for i in range(kills)]
    moments += [(None, seconds * f) for f in (0.25, 0.5, 0.75, 0.9)]
    for after_write, at in moments:
        backend.restore()
        _, _, killed_open = _watch(backend, args, after_write, at)
        state = snapshot(backend.work)
        outcome = classify(state, start, end, volatile)
        result.outcomes[outcome] += 1
        if outcome in ("half-written", "corrupt"):
            print(f"    {outcome}: {state.integrity}; {differing(state, end, volatile)[:6]}")
        if killed_open:
            result.in_write[outcome] += 1
        if not result.rerun and outcome == "untouched":
            # The command runs to the end on the database this kill left behind.
            _watch(backend, args, None, None)
            rerun = snapshot(backend.work)
            result.rerun = classify(rerun, start, end, volatile)
            if result.rerun != "complete":
                result.rerun += f" ({', '.join(differing(rerun, end, volatile)[:4])})"
    print(f"  {result.backend} {result.command}: {dict(result.outcomes)}; with the write "
          f"open: {dict(result.in_write)}; run again: {result.rerun}", flush=True)  # fmt: skip
    return result


# -- set-up: the demo's data on both backends, planned, and a changed workbook -------------


def changed_workbook(folder: Path) -> Path:
    """The company's workbook with every order one unit larger: an import that rewrites."""
    import pandas as pd

    changed = folder / "changed"
    shutil.copytree(folder / "workbook", changed)
    path = changed / "demand_history.csv"
    history = pd.read_csv(path, dtype=str, keep_default_na=False)
    history["ordered"] = (pd.to_numeric(history["ordered"]) + 1).astype(str)
    history.to_csv(path, index=False)
    return changed


def prepare(url: str, workbook: Path) -> None:
    """The company with a plan of record: imported, forecast, planned."""
    _run(url, "import", str(workbook))
    _run(url, "forecast")
    _run(url, "plan")


def main() -> None:
    """Prepare both backends, kill every case, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a built demo company (SQLite)")
    parser.add_argument("--kills", type=int, default=10, help="kills inside the write, per case")
    parser.add_argument("--no-postgresql", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="snop-faults-"))
    _run(f"sqlite:///{args.db}", "export", str(folder / "workbook"))
    changed = changed_workbook(folder)
    pristine_file = folder / "pristine.db"
    print("preparing the company on SQLite", flush=True)
    prepare(f"sqlite:///{pristine_file}", folder / "workbook")
    backends = [sqlite_backend(folder, pristine_file)]
    if not args.no_postgresql:
        print("preparing the company on PostgreSQL", flush=True)
        pg = new_pg_database()
        prepare(pg, folder / "workbook")
        backends.append(postgresql_backend(pg))

    results = []
    try:
        for backend in backends:
            for command in (("import", str(changed)), ("plan",)):
                results.append(run_case(backend, command, args.kills))
    finally:
        for backend in backends:
            backend.drop()
    report = render(results, args)
    print(report)
    if not args.no_record:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + report)
        print(f"appended to {HERE / 'RESULTS.md'}")
    shutil.rmtree(folder, ignore_errors=True)


def render(results: list[CaseResult], args: argparse.Namespace) -> str:
    """The RESULTS.md section."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        f"## kill -9 during an import and during a plan — {when}",
        "",
        f"Command: `.venv/bin/python bench/faults.py --db {args.db} --kills {args.kills}`",
        "",
        f"Machine: {machine()}.",
        "",
        f"Code: {code_version()}.",
        "",
        "The demo company's data imported, forecast and planned (so there is a plan of "
        "record); each command then run and killed with SIGKILL. `import` loads the same "
        "workbook with every order one unit larger (17,157 changed rows). Outcomes: "
        "untouched = every table as before the command; complete = every table as after a "
        "run to the end (every column, except those two runs to the end write differently: "
        "times; keys compared by order, as PostgreSQL sequences do not roll back); "
        "half-written or corrupt would be failures.",
        "",
        "| backend | command | run to the end | write open | kills | untouched | complete "
        "| half-written or corrupt | killed with the write open | run again after a kill |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        bad = r.outcomes["half-written"] + r.outcomes["corrupt"]
        open_kills = sum(r.in_write.values())
        lines.append(
            f"| {r.backend} | `{r.command.replace(str(Path(tempfile.gettempdir())), '/tmp')}` "
            f"| {r.seconds:.1f} s | {r.write_window:.2f} s | {sum(r.outcomes.values())} "
            f"| {r.outcomes['untouched']} | {r.outcomes['complete']} | {bad} "
            f"| {open_kills} (all untouched: {r.in_write['untouched'] == open_kills}) "
            f"| {r.rerun} |"
        )
    volatile = sorted({t for r in results for t in r.volatile})
    lines += [
        "",
        "Columns that differ between two runs to the end (not compared): "
        f"{', '.join(volatile) or 'none'}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
