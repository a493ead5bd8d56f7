"""Plotly figure dicts built from the services' frames (templates never compute)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def plain(values: Iterable[Any], digits: int | None = None) -> list[float | None]:
    """Numbers as JSON-clean floats, rounded to ``digits`` (None for missing or not finite)."""
    out: list[float | None] = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            out.append(None)
            continue
        if not math.isfinite(number):
            out.append(None)
        else:
            out.append(number if digits is None else round(number, digits))
    return out
