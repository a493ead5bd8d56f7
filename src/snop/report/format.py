"""Numbers written for people: $1,234,567; 95.1%; 1,234 units; -$250 with a real minus."""

from __future__ import annotations

import math
from typing import Any

MINUS = "\u2212"
"""The minus sign (wider than a hyphen, so negative figures read at a glance)."""


def number(value: Any) -> float | None:
    """The value as a float, or None when it is missing or not finite."""
    if value is None or isinstance(value, str):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _signed(text: str, negative: bool, sign: bool) -> str:
    if negative:
        return MINUS + text
    return ("+" + text) if sign else text


def money(value: Any, *, sign: bool = False) -> str:
    """``$1,234,567`` (whole dollars); ``+`` shown when ``sign`` (for differences)."""
    v = number(value)
    if v is None:
        return ""
    rounded = round(v)
    return _signed(f"${abs(rounded):,.0f}", rounded < 0, sign and rounded != 0)


def units(value: Any, *, sign: bool = False) -> str:
    """``1,234`` (whole units or hours)."""
    v = number(value)
    if v is None:
        return ""
    rounded = round(v)
    return _signed(f"{abs(rounded):,.0f}", rounded < 0, sign and rounded != 0)


def percent(value: Any, *, sign: bool = False) -> str:
    """``95.1%`` from a fraction (0.951)."""
    v = number(value)
    if v is None:
        return ""
    text = f"{abs(v):.1%}"
    zero = text == "0.0%"
    return _signed(text, v < 0 and not zero, sign and not zero)


def points(value: Any) -> str:
    """A difference of two fractions in percentage points: ``+2.0 pts``."""
    v = number(value)
    if v is None:
        return ""
    text = f"{abs(v) * 100:.1f} pts"
    zero = text == "0.0 pts"
    return _signed(text, v < 0 and not zero, not zero)


def days(value: Any, *, sign: bool = False) -> str:
    """``18.4`` days."""
    v = number(value)
    if v is None:
        return ""
    text = f"{abs(v):,.1f}"
    zero = text == "0.0"
    return _signed(text, v < 0 and not zero, sign and not zero)


def by_unit(value: Any, unit: str, *, sign: bool = False) -> str:
    """A value in its unit: money, share (a percentage), days, units or hours."""
    if unit == "money":
        return money(value, sign=sign)
    if unit == "share":
        return points(value) if sign else percent(value)
    if unit == "days":
        text = days(value, sign=sign)
        return f"{text} days" if text else ""
    return units(value, sign=sign)


def by_kind(value: Any, kind: str) -> str:
    """``value`` written as a ``kind`` of number: percent, money, days or units."""
    writers = {"percent": percent, "money": money, "days": days, "units": units}
    return writers[kind](value)
