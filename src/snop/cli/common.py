"""Options and helpers shared by the command modules."""

from __future__ import annotations

import getpass
import math
import os
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from snop.cli.render import console
from snop.errors import NotSignedIn
from snop.services import users
from snop.services.auth import Actor
from snop.services.database import Database, open_database


@dataclass
class State:
    """Global options of one invocation."""

    database: str | None = None
    debug: bool = False
    json: bool = False
    opened: Database | None = None
    """The database this command opened last: where `actor()` signs in."""


STATE = State()

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="SNOP_DATABASE_URL",
        help="SQLite file or database URL (postgresql://user@host/name). Default: ./snop.db.",
        show_envvar=True,
    ),
]


def _remember_json(value: bool) -> bool:
    STATE.json = STATE.json or value
    return value


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON for scripts.", callback=_remember_json)
]


def open_db(db: str | None, *, create: bool = False) -> Database:
    """Open the database named by --db (on the command or before it)."""
    STATE.opened = open_database(db or STATE.database, create=create)
    return STATE.opened


def actor() -> Actor:
    """Who is running the command.

    With ``$SNOP_TOKEN``, or ``$SNOP_USER`` and ``$SNOP_PASSWORD``, the signed-in user (their
    roles and the cycle's stage apply). Otherwise the owner of a local database working
    alone, named ``$SNOP_USER`` or the login name — refused on a shared (PostgreSQL)
    database that has users: there, people sign in.
    """
    name = os.environ.get("SNOP_USER") or getpass.getuser()
    database = STATE.opened
    if database is None:
        return name
    token = os.environ.get("SNOP_TOKEN")
    if token:
        return users.caller_from_token(database, token)
    password = os.environ.get("SNOP_PASSWORD")
    if password:
        return users.authenticate(database, name, password)
    if not database.is_sqlite and users.has_any(database):
        raise NotSignedIn(
            "this database has users: sign in with $SNOP_TOKEN (`snop user token`), or "
            "$SNOP_USER and $SNOP_PASSWORD"
        )
    return name


def print_frame(
    frame: pd.DataFrame,
    *,
    title: str,
    percent: list[str] | None = None,
    integers: bool = False,
    right: list[str] | None = None,
) -> None:
    """Print a frame as a table: numbers (and the ``right`` columns) right-aligned."""
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        aligned = numeric or column in (right or [])
        table.add_column(str(column), justify="right" if aligned else "left")
    for row in frame.itertuples(index=False):
        table.add_row(
            *[_cell(v, c, percent or [], integers) for v, c in zip(row, frame.columns, strict=True)]
        )
    console.print(table)


def _cell(value: object, column: str, percent: list[str], integers: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if column in percent:
            return f"{value:.1%}"
        if integers or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)
