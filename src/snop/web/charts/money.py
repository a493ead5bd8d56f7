"""Figures of the Money & strategy and Scenarios pages.

Revenue and margin against target, scenarios side by side, and the service-inventory curve.

Every function takes frames the route prepared from the services' results and returns a
Plotly figure as plain dicts, lists, floats and None (no numpy values, no NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from snop.web.charts import plain

Figure = dict[str, Any]

ACTUAL = "#9aa5b1"
PLAN = "#1f5fa8"
TARGET = "#1d2733"
MARGIN = "#1b7f3b"
SERIES = ("#1f5fa8", "#e07b00", "#1b7f3b", "#8e44ad", "#b3261e", "#17a2b8", "#6c757d")

MONTHLY_COLUMNS = (
    "period",
    "basis",
    "revenue",
    "gross_margin",
    "margin_pct",
    "revenue_target",
    "margin_pct_target",
)
"""What `revenue_figure` reads: one row per month, basis 'actual' or 'plan'."""


def revenue_figure(monthly: pd.DataFrame) -> Figure:
    """Revenue by month (actuals grey, plan blue) against the revenue target.

    With the gross margin in money and, on the right axis, as a share of revenue against
    its target.
    """
    actual = monthly[monthly["basis"] == "actual"]
    plan = monthly[monthly["basis"] == "plan"]
    targeted = monthly[monthly["revenue_target"].notna()]
    margin_target = monthly[monthly["margin_pct_target"].notna()]
    money_hover = "%{x}: %{y:$,.0f}<extra>%{fullData.name}</extra>"
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": "Actual revenue",
            "x": actual["period"].tolist(),
            "y": plain(actual["revenue"]),
            "marker": {"color": ACTUAL},
            "hovertemplate": money_hover,
        },
        {
            "type": "bar",
            "name": "Plan revenue",
            "x": plan["period"].tolist(),
            "y": plain(plan["revenue"]),
            "marker": {"color": PLAN},
            "hovertemplate": money_hover,
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Revenue target",
            "x": targeted["period"].tolist(),
            "y": plain(targeted["revenue_target"]),
            "line": {"color": TARGET, "dash": "dash", "width": 2},
            "marker": {"size": 6},
            "hovertemplate": money_hover,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Gross margin",
            "x": monthly["period"].tolist(),
            "y": plain(monthly["gross_margin"]),
            "line": {"color": MARGIN, "width": 2},
            "hovertemplate": money_hover,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Margin % (right)",
            "x": monthly["period"].tolist(),
            "y": plain(monthly["margin_pct"]),
            "yaxis": "y2",
            "line": {"color": MARGIN, "dash": "dot", "width": 1.5},
            "hovertemplate": "%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
        },
    ]
    if not margin_target.empty:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Margin % target (right)",
                "x": margin_target["period"].tolist(),
                "y": plain(margin_target["margin_pct_target"]),
                "yaxis": "y2",
                "line": {"color": MARGIN, "dash": "dash", "width": 1},
                "hovertemplate": "%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
            }
        )
    shares = [v for v in plain(monthly["margin_pct"]) if v is not None]
    top = max([0.3, *[v * 1.5 for v in shares]])
    layout: dict[str, Any] = {
        "barmode": "overlay",
        "hovermode": "x unified",
        "yaxis": {"title": {"text": "$ a month"}, "tickformat": "$,.2s", "rangemode": "tozero"},
        "yaxis2": {
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "tickmode": "linear",
            "dtick": 0.05,
            "range": [0, top],
            "showgrid": False,
            "title": {"text": "margin %"},
        },
        "xaxis": {"type": "date", "tickformat": "%b %Y", "hoverformat": "%Y-%m"},
        "margin": {"l": 64, "r": 56, "t": 16, "b": 40},
    }
    first_plan = str(plan["period"].iloc[0]) if not plan.empty else None
    if first_plan is not None and not actual.empty:
        year, month = int(first_plan[:4]), int(first_plan[5:7])
        before = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}-16"
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": before,
                "x1": before,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#5b6776", "width": 1, "dash": "dot"},
            }
        ]
    return {"data": data, "layout": layout}


COMPARE_MONEY = ("revenue", "gross margin", "plan cost", "inventory value (mean)")
"""The money measures of `scenarios.compare` drawn side by side."""


def compare_figure(measures: pd.DataFrame, names: Sequence[str]) -> Figure:
    """Revenue, gross margin, plan cost and mean inventory value: one bar per scenario."""
    rows = [m for m in COMPARE_MONEY if m in measures.index]
    data = [
        {
            "type": "bar",
            "name": name,
            "x": [m.capitalize() for m in rows],
            "y": plain(measures.loc[rows, name]),
            "marker": {"color": SERIES[i % len(SERIES)]},
            "hovertemplate": "%{x}: %{y:$,.0f}<extra>%{fullData.name}</extra>",
        }
        for i, name in enumerate(names)
    ]
    layout = {
        "barmode": "group",
        "yaxis": {"title": {"text": "$ over the horizon"}, "tickformat": "$,.2s"},
        "margin": {"l": 64, "r": 16, "t": 16, "b": 40},
    }
    return {"data": data, "layout": layout}


def service_figure(measures: pd.DataFrame, names: Sequence[str]) -> Figure:
    """Planned fill rate per segment, one bar per scenario."""
    rows = [m for m in measures.index if str(m).startswith("fill rate ")]
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": name,
            "x": [str(m).removeprefix("fill rate ") for m in rows],
            "y": plain(measures.loc[rows, name]),
            "marker": {"color": SERIES[i % len(SERIES)]},
            "hovertemplate": "%{x}: %{y:.1%}<extra>%{fullData.name}</extra>",
        }
        for i, name in enumerate(names)
    ]
    values = [v for trace in data for v in trace["y"] if v is not None]
    low = min(values, default=0.0)
    layout = {
        "barmode": "group",
        "yaxis": {
            "title": {"text": "planned fill rate"},
            "tickformat": ".0%",
            "range": [max(0.0, math.floor(low * 20) / 20 - 0.05), 1.0],
        },
        "margin": {"l": 64, "r": 16, "t": 16, "b": 40},
    }
    return {"data": data, "layout": layout}


def tradeoff_figure(table: pd.DataFrame) -> Figure:
    """The service-inventory curve: safety stock value (x) for each service level (y)."""
    labels = [f"{level:.1%}" for level in table["service_level"]]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers+text",
            "name": "Safety stock value",
            "x": plain(table["safety_stock_value"]),
            "y": plain(table["service_level"]),
            "text": labels,
            "textposition": "bottom right",
            "customdata": [
                [h, c]
                for h, c in zip(
                    plain(table["holding_cost_per_year"]),
                    plain(table["plan_cost_change"]),
                    strict=True,
                )
            ],
            "hovertemplate": (
                "service %{y:.1%}<br>safety stock %{x:$,.0f}<br>"
                "holding %{customdata[0]:$,.0f} a year<br>"
                "plan cost %{customdata[1]:+$,.0f} vs lowest<extra></extra>"
            ),
            "line": {"color": PLAN},
        }
    ]
    values = [v for v in plain(table["safety_stock_value"]) if v is not None]
    low, high = min(values, default=0.0), max(values, default=1.0)
    span = max(high - low, 1.0)
    layout = {
        "xaxis": {
            "title": {"text": "safety stock value (mean, at standard cost)"},
            "tickformat": "$,.2s",
            "range": [low - 0.05 * span, high + 0.12 * span],
        },
        "yaxis": {"title": {"text": "service level (fill-rate target)"}, "tickformat": ".0%"},
        "showlegend": False,
        "margin": {"l": 64, "r": 24, "t": 16, "b": 48},
    }
    return {"data": data, "layout": layout}
