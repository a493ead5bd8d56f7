"""Fixtures: real databases (SQLite file and the local PostgreSQL server), isolated per test."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from clitools import snop
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


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once per test run by the real `snop demo` command (SQLite).

    Every test that uses it copies it first, so it stays as built. With pytest-xdist the
    workers share one build: the first to need it builds it under a file lock in the run's
    own temporary folder, the others wait for it. ``$SNOP_TEST_DEMO_DB`` may name a demo
    built with ``snop demo --end-month 2026-10`` to copy instead (a shortcut while working
    on pages; CI builds it).
    """
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent  # pytest-N/popen-gwK: pytest-N is this run's, shared
    path = run_folder / "demo-company" / "demo.db"
    path.parent.mkdir(exist_ok=True)
    with (run_folder / "demo-company.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            _build_demo(path)
    return path


def _build_demo(path: Path) -> None:
    """Build (or copy) the demo into ``path``, which appears only once it is complete."""
    building = path.with_suffix(".building")
    prebuilt = os.environ.get("SNOP_TEST_DEMO_DB")
    if prebuilt and Path(prebuilt).is_file():
        shutil.copy(prebuilt, building)
    else:
        building.unlink(missing_ok=True)
        result = snop(
            "--db", str(building), "demo", "--end-month", DEMO_END, timeout=DEMO_BUILD_SECONDS
        )
        assert result.returncode == 0, result.stderr
        assert "Built the demo company Northwind Outdoor" in result.stdout
        assert "Next:" in result.stdout
    building.rename(path)
