"""What people type into forms, read as numbers, dates and lists.

An empty field is ``None``; anything that is not what the field needs is an `InvalidInput`
naming the field, which the page shows at the top.
"""

from __future__ import annotations

import datetime as dt
import math

from snop.errors import InvalidInput, Issue


def _refuse(code: str, message: str, field: str, text: str) -> InvalidInput:
    return InvalidInput([Issue(code, message, column=field, value=text)])


def number(text: str, field: str) -> float | None:
    """A typed number ('1,200', '15%', '−3' with a real minus)."""
    cleaned = text.strip().replace(",", "").replace("%", "").replace("\u2212", "-")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise _refuse("not_a_number", f"{field} is a number, not {text!r}", field, text) from None
    if not math.isfinite(value):
        raise _refuse("not_a_number", f"{field} is a number, not {text!r}", field, text)
    return value


def whole(text: str, field: str) -> int | None:
    """A whole number (an id, a version)."""
    if not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        message = f"{field} is a whole number, not {text!r}"
        raise _refuse("not_a_number", message, field, text) from None


def day(text: str, field: str) -> dt.date | None:
    """A date typed as YYYY-MM-DD (what a date input sends)."""
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        message = f"{field} is a date (YYYY-MM-DD), not {text!r}"
        raise _refuse("bad_date", message, field, text) from None


def names(text: str) -> list[str]:
    """A comma-separated list ('Tents, Backpacks'), blanks dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]
