"""Engines and sessions for SQLite (the default, one file) and PostgreSQL (for a team)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE = "snop.db"
ENV_VAR = "SNOP_DATABASE_URL"


def resolve_url(database: str | None) -> str:
    """The database URL to use: the argument, else ``$SNOP_DATABASE_URL``, else ./snop.db.

    A plain file path means a SQLite file; ``postgresql://`` URLs use the psycopg 3 driver.
    """
    value = database or os.environ.get(ENV_VAR) or DEFAULT_DATABASE
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases or in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys on and working SAVEPOINTs."""
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # SQLAlchemy's documented fix: stop pysqlite from issuing its own BEGIN, so that
    # SAVEPOINT and transaction boundaries are exactly the ones SQLAlchemy asks for.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    # IMMEDIATE takes the write lock at the start: two requests that both read, then both
    # write, would otherwise deadlock and one fail with "database is locked"; this way the
    # second waits (busy_timeout) for the first to commit, then sees what it wrote.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit, so services can return them."""
    return sessionmaker(bind=engine, expire_on_commit=False)
