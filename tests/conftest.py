"""Fixtures: real databases (SQLite file and the local PostgreSQL server), isolated per test."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once per test run by the real `snop demo` command (SQLite).

    Every test that uses it copies it first, so it stays as built. ``$SNOP_TEST_DEMO_DB``
    may name a demo built with ``snop demo --end-month 2026-10`` to copy instead (a shortcut
    while working on pages; CI builds it).
    """
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    prebuilt = os.environ.get("SNOP_TEST_DEMO_DB")
    if prebuilt and Path(prebuilt).is_file():
        shutil.copy(prebuilt, path)
        return path
    result = snop("--db", str(path), "demo", "--end-month", DEMO_END)
    assert result.returncode == 0, result.stderr
    assert "Built the demo company Northwind Outdoor" in result.stdout
    assert "Next:" in result.stdout
    return path
