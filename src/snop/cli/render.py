"""Printing for the command line: tables for people, JSON for scripts, errors for both."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from snop.errors import Issue
from snop.frames import display

console = Console()
err_console = Console(stderr=True)

MAX_ISSUES_SHOWN = 200


def print_json(data: Any) -> None:
    """Write strict JSON to stdout (no colours; empty numbers as null), for scripts."""
    sys.stdout.write(json.dumps(_strict(data), indent=2, default=str, allow_nan=False) + "\n")


def _strict(value: Any) -> Any:
    """NaN and infinity are not JSON: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def issues_table(issues: Sequence[Issue], title: str) -> Table:
    """A table of issues, each located by sheet, row and column."""
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for name in ("sheet", "row", "column", "value", "problem"):
        table.add_column(name, overflow="fold", no_wrap=name != "problem")
    for issue in issues[:MAX_ISSUES_SHOWN]:
        value = display(issue.value)
        table.add_row(
            issue.sheet or "",
            "" if issue.row is None else str(issue.row),
            issue.column or "",
            value[:40],
            issue.message,
        )
    return table


def print_issues(issues: Sequence[Issue], *, title: str, to: Console) -> None:
    """Print issues as a table (cut at MAX_ISSUES_SHOWN, saying how many more)."""
    if not issues:
        return
    to.print(issues_table(issues, title))
    if len(issues) > MAX_ISSUES_SHOWN:
        to.print(f"... and {len(issues) - MAX_ISSUES_SHOWN} more (use --json to see them all)")
