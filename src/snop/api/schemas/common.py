"""Bases of the response models, and the body of every error."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Number = float | None
"""A quantity or an amount; null where a table has no value (NaN)."""


class Read(BaseModel):
    """A response: every field named; a key the model does not know is a server error."""

    model_config = ConfigDict(extra="forbid")


class WideRow(BaseModel):
    """A table row whose columns depend on the data (one per stream, scenario or user).

    The fixed columns are named; the others are numbers (or null).
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Number]


class IssueRead(Read):
    """One problem with the input, pointing at its sheet, row and column when it has them."""

    code: str
    message: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | int | float | bool | None
    severity: Literal["error", "warning"]


class ErrorRead(Read):
    """What went wrong and what to fix (any status from 400 up)."""

    error: str
    kind: str
    issues: list[IssueRead] | None = None
