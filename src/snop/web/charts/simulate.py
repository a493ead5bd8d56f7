"""Figures of a closed-loop simulation: where each policy lands on service and stock.

Every function takes the stored simulation (``services.simulate.latest_simulation``) and
returns a Plotly figure as plain dicts and lists; `standalone_html` wraps the figures in
one self-contained page (plotly.js inlined from the plotly package, nothing fetched).
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd

from snop.web.charts import plain

Figure = dict[str, Any]
COLOURS = {"snop": "#1f5fa8", "naive": "#b3261e", "minmax": "#e07b00"}
OTHER = ("#1b7f3b", "#8e44ad", "#17a2b8", "#6c757d")


def colour(policy: str, index: int) -> str:
    """The colour of a policy: its own for the built-in ones, one of the others otherwise."""
    return COLOURS.get(policy, OTHER[index % len(OTHER)])


def position_figure(stored: dict[str, Any]) -> Figure:
    """Each policy at (mean stock value, fill rate): up and to the left is better.

    The simple rules replayed with more cover (when the run traced them) are dashed lines:
    the stock each of them needs for each fill rate.
    """
    head = pd.DataFrame(stored["headline"])
    data = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": row["policy"],
            "x": plain([row["inventory_value"]]),
            "y": plain([row["fill_rate"]]),
            "text": [row["policy"]],
            "textposition": "top center",
            "marker": {"size": 16, "color": colour(str(row["policy"]), i)},
            "customdata": [[row["days_of_supply"], row["otif"]]],
            "hovertemplate": (
                "%{text}<br>fill rate %{y:.1%}<br>stock %{x:$,.0f} "
                "(%{customdata[0]:.0f} days)<br>OTIF %{customdata[1]:.1%}<extra></extra>"
            ),
        }
        for i, row in enumerate(head.to_dict("records"))
    ]
    data = _cover_curves(stored, list(head["policy"])) + data
    targets = pd.DataFrame(stored["service"])
    overall = _weighted_target(targets)
    shapes, notes = [], []
    if overall is not None:
        notes.append(
            {
                "xref": "paper",
                "x": 1,
                "y": overall,
                "xanchor": "right",
                "yanchor": "bottom",
                "text": "lowest segment target",
                "showarrow": False,
                "font": {"size": 11},
            }
        )
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": overall,
                "y1": overall,
                "line": {"dash": "dot", "color": "#1d2733", "width": 1},
            }
        )
    layout = {
        "xaxis": {
            "title": {"text": "stock on hand, mean value at standard cost"},
            "tickformat": "$,.3s",
            "rangemode": "tozero",
        },
        "yaxis": {"title": {"text": "fill rate (units shipped on time)"}, "tickformat": ".1%"},
        "shapes": shapes,
        "annotations": notes,
        "showlegend": False,
        "margin": {"l": 64, "r": 24, "t": 16, "b": 48},
    }
    return {"data": data, "layout": layout}


def _cover_curves(stored: dict[str, Any], policies: list[str]) -> list[dict[str, Any]]:
    """Each simple rule replayed with more cover: a dashed line through its points."""
    curve = pd.DataFrame(stored.get("frontier") or [])
    if curve.empty:
        return []
    return [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": f"{policy} with more cover",
            "x": plain(points["inventory_value"]),
            "y": plain(points["fill_rate"]),
            "line": {"dash": "dash", "width": 1.5, "color": colour(str(policy), index)},
            "marker": {"size": 6, "color": colour(str(policy), index)},
            "customdata": plain(points["safety_months"]),
            "hovertemplate": (
                f"{policy} + %{{customdata:g}} months of cover<br>fill rate %{{y:.1%}}"
                "<br>stock %{x:$,.0f}<extra></extra>"
            ),
        }
        for policy, points in curve.groupby("policy", sort=False)
        for index in [policies.index(str(policy)) if str(policy) in policies else 0]
    ]


def _weighted_target(service: pd.DataFrame) -> float | None:
    """The lowest segment target: the line every policy should at least reach."""
    if service.empty:
        return None
    return float(service["target"].min())


def monthly_figure(stored: dict[str, Any], measure: str) -> Figure:
    """``measure`` (fill_rate or inventory_value) month by month, one line per policy."""
    monthly = pd.DataFrame(stored["monthly"])
    data = []
    for i, (policy, rows) in enumerate(monthly.groupby("policy", sort=False)):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(policy),
                "x": rows["period"].tolist(),
                "y": plain(rows[measure]),
                "line": {"color": colour(str(policy), i)},
            }
        )
    axis = {"fill_rate": ("fill rate", ".0%"), "inventory_value": ("stock value", "$,.3s")}
    title, fmt = axis[measure]
    layout = {
        "xaxis": {"type": "category"},
        "yaxis": {"title": {"text": title}, "tickformat": fmt},
        "legend": {"orientation": "h"},
        "margin": {"l": 64, "r": 24, "t": 16, "b": 40},
    }
    return {"data": data, "layout": layout}


def standalone_html(stored: dict[str, Any]) -> str:
    """One page with the three figures and the sentences, readable offline."""
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    figures = {
        "position": position_figure(stored),
        "fill": monthly_figure(stored, "fill_rate"),
        "stock": monthly_figure(stored, "inventory_value"),
    }
    sentences = "".join(f"<li>{html.escape(s)}</li>" for s in stored.get("sentences", []))
    plots = "".join(
        f'<h2>{title}</h2><div id="{key}" style="height:360px"></div>'
        for key, title in (
            ("position", "Service and stock of each policy"),
            ("fill", "Fill rate by month"),
            ("stock", "Stock value by month"),
        )
    )
    calls = "".join(
        f"Plotly.newPlot({json.dumps(key)}, {json.dumps(fig['data'])}, "
        f"{json.dumps(fig['layout'])}, {{displaylogo: false}});"
        for key, fig in figures.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>snop simulation {stored['first_month']} to {stored['last_month']}</title>"
        f"<script>{get_plotlyjs()}</script></head>"
        "<body style='font-family:sans-serif;max-width:960px;margin:2em auto'>"
        f"<h1>Simulation {stored['first_month']} to {stored['last_month']}</h1>"
        f"<ul>{sentences}</ul>{plots}<script>{calls}</script></body></html>"
    )
