"""Fixtures: real databases (SQLite file and the local PostgreSQL server), isolated per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from snop.services.database import Database
from snop.store import schema
from snop.store.db import make_engine, resolve_url

PG_ENV = "SNOP_TEST_PG_URL"


def pg_server_url() -> str | None:
    """The PostgreSQL server to test on (a URL to any database on it), if configured."""
    value = os.environ.get(PG_ENV)
    return resolve_url(value) if value else None


def create_pg_database(prefix: str = "snop_test") -> str:
    """Create an empty, uniquely named database on the test server; return its URL."""
    server = pg_server_url()
    assert server is not None
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by :func:`create_pg_database`."""
    server = pg_server_url()
    assert server is not None
    name = make_url(url).database
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
