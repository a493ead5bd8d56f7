"""Fixtures: real databases (SQLite file and the local PostgreSQL server), isolated per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from dbtools import PG_ENV, create_pg_database, drop_pg_database, pg_server_url
from snop.services.database import Database, open_database
from snop.services.demo import build_demo
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
    """The demo company, built once per test run (SQLite).

    ``$SNOP_TEST_DEMO_DB`` may name a demo database built with ``snop demo --end-month
    2026-10`` to copy instead (a shortcut while working on pages; CI builds it).
    """
    path = tmp_path_factory.mktemp("web") / "demo.db"
    prebuilt = os.environ.get("SNOP_TEST_DEMO_DB")
    if prebuilt and Path(prebuilt).is_file():
        shutil.copy(prebuilt, path)
        return path
    db = open_database(f"sqlite:///{path}", create=True)
    build_demo(db, last_history_month=DEMO_END, actor="setup")
    db.close()
    return path
