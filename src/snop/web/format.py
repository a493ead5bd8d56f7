"""Scorecard values as people read them: money, shares, days, turns."""

from __future__ import annotations

from typing import Any

from snop.report import format as fmt

LABELS = {
    "revenue": "Revenue",
    "gross_margin": "Gross margin",
    "budget": "Spend (budget)",
    "fill_rate": "Fill rate",
    "otif": "OTIF",
    "days_of_supply": "Days of supply",
    "inventory_turns": "Inventory turns",
    "utilisation_max": "Utilisation (ceiling)",
    "utilisation_min": "Utilisation (floor)",
}


def measure(value: Any, unit: str) -> str:
    """One scorecard value in its unit ('–' when it is not measured)."""
    if fmt.number(value) is None:
        return "–"
    if unit == "money":
        return fmt.money(value)
    if unit == "share":
        return fmt.percent(value)
    if unit == "days":
        return f"{fmt.number(value):,.0f} days"
    if unit == "turns":
        return f"{fmt.number(value):,.1f} turns"
    return fmt.units(value)


def label(metric: str, scope: str) -> str:
    """'Fill rate · Retail', 'Revenue'."""
    name = LABELS.get(metric, metric.replace("_", " ").capitalize())
    return name if scope == "all" else f"{name} · {scope}"
