"""The supply pages' charts: capacity load, inventory against safety stock, family months.

Capacity load per resource, inventory against safety stock, and each family's demand,
production and stock. Every chart is a grid of small panels sharing the month axis, one
per resource, family or product, so a planner compares them without reading numbers; the
tables below each chart carry the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from snop.web.charts import plain

Figure = dict[str, Any]

BLUE = "#1f5fa8"
LIGHT_BLUE = "#9dbbe0"
GREEN = "#2e8540"
AMBER = "#d08a00"
RED = "#b3261e"
GREY = "#3d4a57"
LIGHT_GREY = "#8a96a3"
SAFETY_FILL = "rgba(208, 138, 0, 0.14)"

FULL = 0.95
"""Utilisation of regular hours from which a resource counts as full (amber)."""
OVER = 1.0005
"""Utilisation above which the resource works overtime (red)."""
PANEL_HEIGHT = 200
COLUMNS = 3


def values(series: pd.Series | Sequence[Any]) -> list[float | None]:
    """Plain floats rounded to hundredths (NaN and infinities become None)."""
    return plain(list(series), digits=2)


def load_colour(utilisation: float | None) -> str:
    """Blue under 95% of regular hours, amber when full, red in overtime."""
    if utilisation is None:
        return BLUE
    if utilisation > OVER:
        return RED
    if utilisation >= FULL:
        return AMBER
    return BLUE


def _panels(titles: Sequence[str], *, columns: int = COLUMNS) -> tuple[dict[str, Any], int]:
    """A layout with one panel per title (rows of ``columns``) and the number of rows."""
    n = max(len(titles), 1)
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    height = rows * PANEL_HEIGHT + 90
    gap_x = 0.06
    gap_y = 80 / height if rows > 1 else 0.0  # room for the month labels and the next title
    layout: dict[str, Any] = {"annotations": [], "showlegend": True, "bargap": 0.25}
    for i, title in enumerate(titles):
        row, col = divmod(i, columns)
        x0 = col / columns + (gap_x / 2 if col else 0)
        x1 = (col + 1) / columns - (gap_x / 2 if col < columns - 1 else 0)
        y1 = 1 - row / rows - (gap_y / 2 if row else 0)
        y0 = 1 - (row + 1) / rows + (gap_y / 2 if row < rows - 1 else 0)
        suffix = "" if i == 0 else str(i + 1)
        layout[f"xaxis{suffix}"] = {
            "domain": [x0, x1],
            "anchor": f"y{suffix}",
            "type": "category",
            "tickangle": -45,
            "tickfont": {"size": 10},
            "automargin": True,
            **({"matches": "x"} if i else {}),
        }
        layout[f"yaxis{suffix}"] = {
            "domain": [y0, y1],
            "anchor": f"x{suffix}",
            "rangemode": "tozero",
            "tickfont": {"size": 10},
            "separatethousands": True,
            "automargin": True,
        }
        layout["annotations"].append(
            {
                "text": f"<b>{title}</b>",
                "x": (x0 + x1) / 2,
                "y": y1,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    layout["height"] = height
    layout["margin"] = {"l": 56, "r": 16, "t": 64, "b": 40}
    # The legend sits above the panels' titles, at the top of the figure.
    layout["legend"] = {
        "orientation": "h",
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "x": 0,
        "xanchor": "left",
    }
    return layout, rows


def _axes(i: int) -> dict[str, str]:
    suffix = "" if i == 0 else str(i + 1)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def capacity_figure(resources: pd.DataFrame) -> Figure:
    """Per resource, bars of hours loaded against its regular and overtime capacity.

    ``resources`` is a plan's resource table (resource_id, period, name, site, load,
    regular_capacity, overtime_capacity, utilisation). Bars are blue, amber when the
    regular hours are full, red in overtime; the solid line is the regular capacity, the
    dashed one regular plus overtime. The tightest resources come first.
    """
    if resources.empty:
        return {"data": [], "layout": {"title": {"text": "No resources in this plan"}}}
    frame = resources.sort_values(["resource_id", "period"])
    peaks = frame.groupby("resource_id")["utilisation"].max().fillna(0.0)
    order = sorted(peaks.index, key=lambda r: (-round(float(peaks[r]), 3), str(r)))
    titles = []
    for resource in order:
        first = frame[frame["resource_id"] == resource].iloc[0]
        titles.append(
            f"{first['name']} ({resource}) · {first['site']} · peak {peaks[resource]:.0%}"
        )
    layout, _ = _panels(titles)
    data: list[dict[str, Any]] = []
    for i, resource in enumerate(order):
        rows = frame[frame["resource_id"] == resource]
        periods = [str(p) for p in rows["period"]]
        use = values(rows["utilisation"])
        regular = values(rows["regular_capacity"])
        ceiling = values(rows["regular_capacity"].fillna(0) + rows["overtime_capacity"].fillna(0))
        axes = _axes(i)
        first = i == 0
        data.append(
            {
                "type": "bar",
                "name": "Load (hours)",
                "meta": str(resource),
                "legendgroup": "load",
                "showlegend": first,
                "x": periods,
                "y": values(rows["load"]),
                "customdata": [u * 100 if u is not None else None for u in use],
                "marker": {"color": [load_colour(u) for u in use]},
                "hovertemplate": "%{x}: %{y:,.0f} h loaded (%{customdata:.0f}% of regular)"
                f"<extra>{resource}</extra>",
                **axes,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Regular capacity",
                "meta": str(resource),
                "legendgroup": "regular",
                "showlegend": first,
                "x": periods,
                "y": regular,
                "line": {"color": GREY, "width": 2, "shape": "hvh"},
                "hovertemplate": f"%{{x}}: %{{y:,.0f}} regular h<extra>{resource}</extra>",
                **axes,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Regular + overtime",
                "meta": str(resource),
                "legendgroup": "overtime",
                "showlegend": first,
                "x": periods,
                "y": ceiling,
                "line": {"color": LIGHT_GREY, "width": 2, "dash": "dash", "shape": "hvh"},
                "hovertemplate": f"%{{x}}: %{{y:,.0f}} h with overtime<extra>{resource}</extra>",
                **axes,
            }
        )
    return {"data": data, "layout": layout}


def inventory_figure(grid: pd.DataFrame, keys: Sequence[str]) -> Figure:
    """Per family or product (``keys``), projected inventory against its safety stock.

    ``grid`` is `supply.plan_grid`'s frame (key, period, inventory, safety_stock, backlog,
    ...). The shaded band is the safety stock; the stock line's markers turn red in the
    months it dips below it; red bars are units still owed (backlog), drawn below zero.
    """
    if grid.empty or not keys:
        return {"data": [], "layout": {"title": {"text": "No plan to project"}}}
    layout, _ = _panels([str(k) for k in keys])
    data: list[dict[str, Any]] = []
    owed_anywhere = bool((grid["backlog"] > 0.5).any())
    for i, key in enumerate(keys):
        rows = grid[grid["key"] == key].sort_values("period")
        periods = [str(p) for p in rows["period"]]
        stock = values(rows["inventory"])
        safety = values(rows["safety_stock"])
        below = [
            s is not None and t is not None and s < t - 0.5
            for s, t in zip(stock, safety, strict=True)
        ]
        axes = _axes(i)
        first = i == 0
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Safety stock",
                "meta": str(key),
                "legendgroup": "safety",
                "showlegend": first,
                "x": periods,
                "y": safety,
                "fill": "tozeroy",
                "fillcolor": SAFETY_FILL,
                "line": {"color": AMBER, "width": 1.5, "dash": "dot", "shape": "hvh"},
                "hovertemplate": f"%{{x}}: safety stock %{{y:,.0f}}<extra>{key}</extra>",
                **axes,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Projected inventory",
                "meta": str(key),
                "legendgroup": "inventory",
                "showlegend": first,
                "x": periods,
                "y": stock,
                "line": {"color": BLUE, "width": 2},
                "marker": {"color": [RED if b else BLUE for b in below], "size": 6},
                "hovertemplate": f"%{{x}}: %{{y:,.0f}} on hand<extra>{key}</extra>",
                **axes,
            }
        )
        if owed_anywhere:
            data.append(
                {
                    "type": "bar",
                    "name": "Backlog (units owed)",
                    "meta": str(key),
                    "legendgroup": "backlog",
                    "showlegend": first,
                    "x": periods,
                    "y": [-v if v else 0.0 for v in values(rows["backlog"])],
                    "marker": {"color": RED},
                    "hovertemplate": f"%{{x}}: %{{y:,.0f}} owed<extra>{key}</extra>",
                    **axes,
                }
            )
    for name, axis in layout.items():
        if name.startswith("yaxis"):
            axis["rangemode"] = "normal" if owed_anywhere else "tozero"
    return {"data": data, "layout": layout}


def family_figure(series: pd.DataFrame, family: str) -> Figure:
    """A family's months: orders and the plan's demand, production, and stock.

    ``series`` is `report.family_sheets`' frame (family, period, past, actual_demand,
    plan_demand, production, subcontract, inventory, actual_inventory, safety_stock).
    Closed months are shaded, as on the sheet.
    """
    rows = series[series["family"] == family].sort_values("period")
    periods = [str(p) for p in rows["period"]]
    past = [str(p) for p, closed in zip(rows["period"], rows["past"], strict=True) if closed]
    made = rows["production"].fillna(0) + rows["subcontract"].fillna(0)
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": "Production + subcontract (plan)",
            "x": periods,
            "y": values(made.where(~rows["past"])),
            "marker": {"color": LIGHT_BLUE},
            "hovertemplate": "%{x}: %{y:,.0f} made or bought<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Actual orders",
            "x": periods,
            "y": values(rows["actual_demand"]),
            "line": {"color": GREY, "width": 2},
            "marker": {"size": 5},
            "hovertemplate": "%{x}: %{y:,.0f} ordered<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Demand plan (forecast)",
            "x": periods,
            "y": values(rows["plan_demand"]),
            "line": {"color": BLUE, "width": 2, "dash": "dash"},
            "marker": {"size": 5},
            "hovertemplate": "%{x}: %{y:,.0f} planned demand<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Inventory (actual, then plan)",
            "x": periods,
            "y": values(rows["actual_inventory"].fillna(rows["inventory"])),
            "line": {"color": GREEN, "width": 2},
            "hovertemplate": "%{x}: %{y:,.0f} on hand<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Safety stock",
            "x": periods,
            "y": values(rows["safety_stock"]),
            "line": {"color": AMBER, "width": 1.5, "dash": "dot"},
            "hovertemplate": "%{x}: safety stock %{y:,.0f}<extra></extra>",
        },
    ]
    shapes = []
    if past:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": -0.5,
                "x1": len(past) - 0.5,
                "y0": 0,
                "y1": 1,
                "fillcolor": "rgba(120, 130, 140, 0.10)",
                "line": {"width": 0},
                "layer": "below",
            }
        )
    layout = {
        "height": 300,
        "barmode": "overlay",
        "xaxis": {"type": "category", "tickfont": {"size": 10}},
        "yaxis": {"title": {"text": "units"}, "rangemode": "tozero", "separatethousands": True},
        "shapes": shapes,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
        "annotations": (
            [
                {
                    "text": "closed months",
                    "x": (len(past) - 1) / 2,
                    "y": 1,
                    "xref": "x",
                    "yref": "paper",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": 10, "color": LIGHT_GREY},
                }
            ]
            if past
            else []
        ),
    }
    return {"data": data, "layout": layout}
