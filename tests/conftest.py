"""Fixtures: real databases (SQLite file and the local PostgreSQL server), isolated per test."""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from clitools import snop_process
from dbtools import PG_ENV, create_pg_database, drop_pg_database, pg_server_url
from snop.services.database import Database
from snop.store import schema
from snop.store.db import make_engine

# The server's background refresh (snop.web.refresh) would compute views while a test
# changes data; tests that are about it turn it on themselves (refresh_seconds=...).
os.environ.setdefault("SNOP_REFRESH_SECONDS", "0")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database built with ``alembic upgrade head``, once per backend per test run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'snop.db'}"
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url
        return
    if pg_server_url() is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped (CI always sets it)")
    url = create_pg_database()
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    drop_pg_database(url)


@pytest.fixture
def db(migrated_url: str) -> Iterator[Database]:
    """A Database whose every transaction is rolled back after the test.

    Services open and commit transactions as usual; those become SAVEPOINTs inside one
    outer transaction that the fixture rolls back, so tests never see each other's data.
    """
    engine = make_engine(migrated_url)
    connection = engine.connect()
    outer = connection.begin()
    sessions = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield Database(migrated_url, engine, sessions)
    outer.rollback()
    connection.close()
    engine.dispose()


DEMO_END = "2026-10"


DEMO_BUILD_SECONDS = 1200
"""The demo build forecasts five times; on two busy cores it has taken over five minutes."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the tests of the demo company last, and start building it in the background.

    The build is the suite's longest single step (~3 minutes); started at collection and
    run while the tests that do not need it go first, no worker sits waiting for it. The
    sort is stable, so the order pytest-randomly gave (it shuffles before this hook) stays
    within each group, and every xdist worker collects the same order.
    """
    needs = [item for item in items if "demo_file" in getattr(item, "fixturenames", ())]
    if not needs:
        return
    later = set(needs)
    items[:] = [item for item in items if item not in later] + needs
    if not config.option.collectonly:
        _start_demo_build(_demo_folder(_run_folder(items[0].session)))


def _run_folder(session: pytest.Session) -> Path:
    """This test run's temporary folder, shared by its xdist workers."""
    factory: pytest.TempPathFactory = session.config._tmp_path_factory  # type: ignore[attr-defined]
    run_folder = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent  # pytest-N/popen-gwK: pytest-N is this run's, shared
    return run_folder


def _demo_folder(run_folder: Path) -> Path:
    folder = run_folder / "demo-company"
    folder.mkdir(exist_ok=True)
    return folder


def _start_demo_build(folder: Path) -> None:
    """Build the demo in a thread holding the build lock, unless another worker does."""
    lock = (folder / "build.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()  # another worker holds it: it is building, or has built
        return

    def build() -> None:
        try:
            if not (folder / "demo.db").exists():
                _build_demo(folder)
        except Exception as error:  # noqa: BLE001 (the tests that need it report it)
            (folder / "demo.log").write_text(f"the build raised {error!r}", encoding="utf-8")
        finally:
            lock.close()

    threading.Thread(target=build, name="demo build", daemon=True).start()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once per test run by the real `snop demo` command (SQLite).

    Every test that uses it copies it first, so it stays as built. The build starts in the
    background when the tests are collected (see `pytest_collection_modifyitems`); this
    waits for it under the build lock, and builds here if nothing has started it.
    ``$SNOP_TEST_DEMO_DB`` may name a demo built with ``snop demo --end-month 2026-10`` to
    copy instead (a shortcut while working on pages; CI builds it).
    """
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent
    folder = _demo_folder(run_folder)
    with (folder / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "demo.db").exists() and not (folder / "demo.log").exists():
            _build_demo(folder)  # nothing started it; a failed build is not tried again
    path = folder / "demo.db"
    if not path.exists():
        log = (folder / "demo.log").read_text(encoding="utf-8")
        pytest.fail(f"snop demo did not build the demo company:\n{log[-4000:]}")
    return path


def _build_demo(folder: Path) -> None:
    """Build (or copy) the demo into ``folder/demo.db``, which appears only once complete.

    Runs the real ``python -m snop demo`` in its own process, its output kept in demo.log.
    """
    path, building = folder / "demo.db", folder / "demo.building"
    prebuilt = os.environ.get("SNOP_TEST_DEMO_DB")
    if prebuilt and Path(prebuilt).is_file():
        shutil.copy(prebuilt, building)
        building.rename(path)
        return
    building.unlink(missing_ok=True)
    result = snop_process(
        "--db", str(building), "demo", "--end-month", DEMO_END, timeout=DEMO_BUILD_SECONDS
    )
    (folder / "demo.log").write_text(
        f"exit {result.returncode}\n{result.stdout}\n{result.stderr}", encoding="utf-8"
    )
    built = (
        result.returncode == 0
        and "Built the demo company Northwind Outdoor" in result.stdout
        and "Next:" in result.stdout
    )
    if built:
        building.rename(path)
