"""Test databases on the local PostgreSQL server: created per need, dropped after."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from snop.store.db import make_engine, resolve_url

PG_ENV = "SNOP_TEST_PG_URL"


def pg_server_url() -> str | None:
    """The PostgreSQL server to test on (a URL to any database on it), if configured."""
    value = os.environ.get(PG_ENV)
    return resolve_url(value) if value else None


def create_pg_database(prefix: str = "snop_test", copy_of: str | None = None) -> str:
    """Create a uniquely named database on the test server; return its URL.

    Empty, or with ``copy_of`` (the URL of a database nobody is connected to) a copy of
    it: PostgreSQL copies the files, far quicker than building the data again.
    """
    server = pg_server_url()
    assert server is not None
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{make_url(copy_of).database}"' if copy_of else ""
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
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
