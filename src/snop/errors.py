"""The errors snop raises, shared by the core, the services and every adapter.

Each adapter (CLI, REST, web) translates them in one place; nothing else catches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in the user's input, located as the user sees it.

    ``row`` is 1-based as in Excel: the header is row 1, the first data row is row 2.
    """

    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    severity: Severity = "error"

    def where(self) -> str:
        """Return 'sheet products, row 7, column price' (the parts that are known)."""
        parts = []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as JSON-ready plain values."""
        data = asdict(self)
        value = data["value"]
        if value is not None and not isinstance(value, (str, int, float, bool)):
            data["value"] = str(value)
        return data

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class SnopError(Exception):
    """Base class of every error snop reports to a user."""


class InvalidInput(SnopError):
    """The input breaks the data contract; carries every issue found, not just the first."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = [i for i in issues if i.severity == "error"]
        self.warnings = [i for i in issues if i.severity == "warning"]
        count = len(self.issues)
        noun = "error" if count == 1 else "errors"
        super().__init__(f"{count} {noun} in the input; nothing was changed")


class NotFound(SnopError):
    """Something the user named does not exist."""


class Conflict(SnopError):
    """The change clashes with the current state (stale version, wrong database state)."""


class Forbidden(SnopError):
    """The user may not do this (their roles, their scope, or the cycle's stage)."""


class NotSignedIn(SnopError):
    """No valid credentials: a wrong password, an unknown, revoked or expired token."""


class TooManyAttempts(NotSignedIn):
    """Too many wrong passwords lately: sign-in is refused for a while (HTTP 429)."""
