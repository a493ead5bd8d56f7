"""Migrations from empty, on SQLite and PostgreSQL, and opening databases safely."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from dbtools import create_pg_database, drop_pg_database, pg_server_url
from snop.errors import Conflict, NotFound
from snop.services.database import init_database, open_database
from snop.store import schema
from snop.store.db import make_engine
from snop.store.tables import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if pg_server_url() is None:
        pytest.skip("SNOP_TEST_PG_URL is not set")
    url = create_pg_database("snop_migr")
    yield url
    drop_pg_database(url)


def test_upgrade_from_empty_builds_every_table_and_downgrade_removes_them(
    empty_url: str,
) -> None:
    engine = make_engine(empty_url)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    schema.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


def test_the_migrations_match_the_models(empty_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(empty_url)
    schema.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_init_is_safe_to_repeat(empty_url: str) -> None:
    first = init_database(empty_url)
    again = init_database(empty_url)
    assert first.changed and not again.changed


def test_opening_a_missing_sqlite_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="snop demo"):
        open_database(str(tmp_path / "nothing.db"))
    assert not (tmp_path / "nothing.db").exists()


def test_a_database_of_someone_else_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER)"))
    engine.dispose()
    with pytest.raises(Conflict, match="not snop's"):
        open_database(str(path), create=True)


def test_a_database_at_another_revision_asks_for_init(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    with pytest.raises(Conflict, match="snop init"):
        open_database(str(path))
