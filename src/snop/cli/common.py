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
from snop.services.database import Database, open_database


@dataclass
class State:
    """Global options of one invocation."""

    database: str | None = None
    debug: bool = False
    json: bool = False


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
    return open_database(db or STATE.database, create=create)


def actor() -> str:
    """Who is running the command (``$SNOP_USER``, else the login name)."""
    return os.environ.get("SNOP_USER") or getpass.getuser()


def print_frame(
    frame: pd.DataFrame,
    *,
    title: str,
    percent: list[str] | None = None,
    integers: bool = False,
) -> None:
    """Print a frame as a table: numbers right-aligned with thousands separators."""
    table = Table(title=title, title_justify="left")
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and frame[column].dtype != bool
        table.add_column(str(column), justify="right" if numeric else "left")
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
