"""Service results made JSON-safe before a response model checks and describes them."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from snop.frames import records


def plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain, times ISO text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return plain(records(value))
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT:
        return None
    return value


def obj(value: Any) -> dict[str, Any]:
    """A JSON-safe object (a dict) from a service's result."""
    out = plain(value)
    assert isinstance(out, dict)
    return out
