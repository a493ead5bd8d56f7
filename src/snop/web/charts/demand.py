"""The demand page's chart: history and forecast of one key, with the consensus's intervals.

Actuals are a solid dark line; naive, statistical and consensus are lines from the first
forecast month; the 95% and 80% intervals of the consensus are shaded bands behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from snop.web.charts import plain

Figure = dict[str, Any]

INK = "#1d2733"
BLUE = "#1f5fa8"
ORANGE = "#c75d00"
GREY = "#8a96a3"
BAND_95 = "rgba(199, 93, 0, 0.10)"
BAND_80 = "rgba(199, 93, 0, 0.20)"
LINES = (
    # stream, name, colour, dash, width
    ("naive", "naive (same month last year)", GREY, "dot", 1.5),
    ("statistical", "statistical", BLUE, "dash", 2.0),
    ("consensus", "consensus", ORANGE, "solid", 3.0),
)


def values(series: pd.Series | Sequence[Any]) -> list[float | None]:
    """Plain floats rounded to a tenth of a unit (NaN and infinities become None)."""
    return plain(list(series), digits=1)


def forecast_figure(table: pd.DataFrame, first_period: str) -> Figure:
    """History and forecast of one key: ``table`` is a `ForecastView` table.

    Traces, in order: the 95% band, the 80% band, actual, naive, statistical, consensus
    (a stream or band the table lacks is left out).
    """
    periods = [str(p) for p in table["period"]]
    future = table[table["period"] >= first_period]
    ahead = [str(p) for p in future["period"]]
    traces: list[dict[str, Any]] = []
    for level, colour in (("95", BAND_95), ("80", BAND_80)):
        low, high = f"lo_{level}", f"hi_{level}"
        if low not in table or future[low].isna().all():
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"{level}% interval",
                "x": ahead + ahead[::-1],
                "y": values(future[high]) + values(future[low])[::-1],
                "fill": "toself",
                "fillcolor": colour,
                "line": {"width": 0, "color": colour},
                "hoverinfo": "skip",
            }
        )
    if "actual" in table and table["actual"].notna().any():
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "actual",
                "x": periods,
                "y": values(table["actual"]),
                "line": {"color": INK, "width": 2.5, "dash": "solid"},
                "marker": {"size": 4},
                "hovertemplate": "actual %{y:,.0f}<extra></extra>",
            }
        )
    for stream, name, colour, dash, width in LINES:
        if stream not in table:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "x": ahead,
                "y": values(future[stream]),
                "line": {"color": colour, "dash": dash, "width": width},
                "hovertemplate": f"{stream} %{{y:,.0f}}<extra></extra>",
            }
        )
    boundary = periods.index(first_period) - 0.5 if first_period in periods else None
    layout: dict[str, Any] = {
        "height": 380,
        "hovermode": "x unified",
        "xaxis": {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": periods,
            "tickangle": -45,
        },
        "yaxis": {"title": {"text": "units"}, "rangemode": "tozero", "tickformat": ",.0f"},
        "margin": {"l": 64, "r": 16, "t": 24, "b": 64},
    }
    if boundary is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": boundary,
                "x1": boundary,
                "y0": 0,
                "y1": 1,
                "line": {"color": GREY, "width": 1, "dash": "dot"},
            }
        ]
        layout["annotations"] = [
            {
                "xref": "x",
                "yref": "paper",
                "x": boundary,
                "y": 1,
                "text": "forecast →",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11, "color": GREY},
            }
        ]
    return {"data": traces, "layout": layout}
