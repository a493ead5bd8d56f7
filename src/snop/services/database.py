"""Open, create and upgrade snop databases (SQLite file or PostgreSQL server)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from snop.errors import Conflict, NotFound, SnopError
from snop.store import schema
from snop.store.db import make_engine, make_sessionmaker, resolve_url, sqlite_path


@dataclass(frozen=True, slots=True)
class Database:
    """An open database: its URL, engine and the sessionmaker services work with."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def display_url(self) -> str:
        """The SQLite file, or the URL without its password: fit to print."""
        path = sqlite_path(self.url)
        if path is not None:
            return str(path)
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()


@dataclass(frozen=True, slots=True)
class InitReport:
    """What ``snop init`` did."""

    database: str
    from_revision: str | None
    to_revision: str

    @property
    def changed(self) -> bool:
        """Whether any migration ran."""
        return self.from_revision != self.to_revision


def open_database(database: str | None = None, *, create: bool = False) -> Database:
    """Open a snop database, creating its schema if it is new and ``create`` allows.

    Parameters
    ----------
    database
        A URL (``postgresql://user@host/db``) or a SQLite file path; None uses
        ``$SNOP_DATABASE_URL`` or ``./snop.db``.
    create
        Whether a missing SQLite file or an empty database may be created.

    Raises
    ------
    NotFound
        The SQLite file does not exist and ``create`` is False.
    Conflict
        The database's schema is older or newer than this snop's.
    SnopError
        The database cannot be reached.
    """
    url = resolve_url(database)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        if not create:
            raise NotFound(
                f"there is no snop database at {path}: run `snop demo` to build the demo "
                "company or `snop import <workbook>` to load your data"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        _check_schema(engine, create=create)
    except OperationalError as exc:
        engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        raise SnopError(f"cannot open the database {shown}: {exc.orig}") from exc
    except SnopError:
        engine.dispose()
        raise
    return Database(url, engine, make_sessionmaker(engine))


def _check_schema(engine: Engine, *, create: bool) -> None:
    current, head = schema.current_revision(engine), schema.head_revision()
    if current == head:
        return
    if current is None:
        if schema.has_tables(engine):
            raise Conflict("this database holds tables that are not snop's; use an empty one")
        if not create:
            raise NotFound("this database has no snop data yet: run `snop init` first")
        schema.upgrade(engine)
        return
    raise Conflict(
        f"the database schema is at revision {current} and this snop needs {head}: "
        "run `snop init` to upgrade it (a newer database needs a newer snop)"
    )


def init_database(database: str | None = None) -> InitReport:
    """Create the database, or upgrade it to the newest schema; safe to run again."""
    url = resolve_url(database)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        before = schema.current_revision(engine)
        if before is None and schema.has_tables(engine):
            raise Conflict("this database holds tables that are not snop's; use an empty one")
        schema.upgrade(engine)
        after = schema.current_revision(engine)
    except OperationalError as exc:
        raise SnopError(f"cannot open the database: {exc.orig}") from exc
    finally:
        engine.dispose()
    assert after is not None
    return InitReport(make_url(url).render_as_string(hide_password=True), before, after)
