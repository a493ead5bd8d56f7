"""KPIs of a plan and of the past: each one a ratio of ledger sums over a window of months.

A KPI names its numerator and denominator components of the ledger
(:mod:`snop.reconcile.ledger`); over any set of months and any scope its value is
``scale x sum(numerator) / sum(denominator)``, or for a stock (``per_month``) the average
``sum(numerator) / months``. Ratios of sums weigh each month by its size, so a quarter's
fill rate is its on-time units over its demand, not an average of three monthly rates.

A KPI is NaN when it cannot be measured: the scope has no rows of its numerator in those
months, or its denominator sums to 0 (a fill rate without demand is not 100 %).

Also here: OTIF (order lines served in full and on time), plan adherence (did the factory
make what the plan said) and plan stability (how much a later plan moved the earlier one
inside the fence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.reconcile.ledger import LEDGER_COLUMNS
from snop.reconcile.money import check_columns


class KpiDefinition(NamedTuple):
    """How a KPI is computed from the ledger.

    value = scale x sum(numerator) / sum(denominator); without a denominator the sum
    itself, or its monthly average when ``per_month`` (a stock such as inventory or
    backlog, whose months do not add up).
    """

    numerator: str
    denominator: str | None
    unit: str
    higher_is_better: bool | None
    scale: float = 1.0
    per_month: bool = False


KPI_DEFINITIONS: dict[str, KpiDefinition] = {
    "revenue": KpiDefinition("revenue", None, "money", True),
    "cost_of_goods": KpiDefinition("cost_of_goods", None, "money", None),
    "gross_margin": KpiDefinition("gross_margin", None, "money", True),
    "gross_margin_pct": KpiDefinition("gross_margin", "revenue", "share", True),
    "demand": KpiDefinition("demand", None, "units", None),
    "fill_rate": KpiDefinition("on_time", "demand", "share", True),
    "otif": KpiDefinition("lines_in_full", "order_lines", "share", True),
    "days_of_supply": KpiDefinition("inventory_value", "cogs_days", "days", None),
    # 12 x mean monthly cost of goods / mean stock value = 12 x sum(cogs) / sum(value).
    "inventory_turns": KpiDefinition("cost_of_goods", "inventory_value", "turns", True, 12.0),
    "inventory_value": KpiDefinition("inventory_value", None, "money", None, per_month=True),
    "utilisation": KpiDefinition("load", "capacity", "share", None),
    "overtime_hours": KpiDefinition("overtime_hours", None, "hours", False),
    "spend": KpiDefinition("spend", None, "money", False),
    "backlog_units": KpiDefinition("backlog_units", None, "units", False, per_month=True),
}
"""Every KPI by name."""

KPI_TABLE_COLUMNS = (
    "kpi",
    "scope_kind",
    "scope",
    "basis",
    "period_from",
    "period_to",
    "value",
    "unit",
)


def kpi_value(
    ledger: pd.DataFrame, name: str, periods: Sequence[str], scope_kind: str, scope: str
) -> float:
    """One KPI of one scope over ``periods`` (NaN when it cannot be measured).

    Months of ``periods`` absent from the ledger are ignored; a per-month KPI averages over
    the months present.
    """
    definition = _definition(name)
    window = ledger[ledger["period"].isin(list(periods))]
    months = window["period"].nunique()
    rows = window[(window["scope_kind"] == scope_kind) & (window["scope"] == scope)]
    sums, _ = _sums(rows)
    if sums.empty:
        return float("nan")
    values = _evaluate(sums, definition, months)
    return float(values.iloc[0])


def kpi_table(ledger: pd.DataFrame, periods_by_basis: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Every KPI of every scope, over each basis' window of months.

    ``periods_by_basis`` maps 'actual' and/or 'plan' to their months (past and future).
    The ledger is the actual and plan ledgers stacked: their months do not overlap, or the
    ledger has a ``basis`` column saying which rows are which. A KPI is listed for a scope
    that has rows of its numerator; its value may still be NaN (no demand, no capacity).

    Columns: kpi, scope_kind, scope, basis, period_from, period_to, value, unit.
    """
    parts = []
    for basis, periods in periods_by_basis.items():
        rows = ledger[ledger["basis"] == basis] if "basis" in ledger else ledger
        rows = rows[rows["period"].isin(list(periods))]
        if rows.empty:
            continue
        months = sorted(pd.unique(rows["period"]))
        sums, present = _sums(rows)
        for name, definition in KPI_DEFINITIONS.items():
            if definition.numerator not in present:
                continue
            values = _evaluate(sums, definition, len(months))
            values = values[present[definition.numerator]]
            frame = values.rename("value").reset_index()
            parts.append(
                frame.assign(
                    kpi=name,
                    basis=basis,
                    period_from=months[0],
                    period_to=months[-1],
                    unit=definition.unit,
                )
            )
    if not parts:
        return pd.DataFrame(columns=list(KPI_TABLE_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(KPI_TABLE_COLUMNS)]


def _definition(name: str) -> KpiDefinition:
    if name not in KPI_DEFINITIONS:
        known = ", ".join(KPI_DEFINITIONS)
        raise InvalidInput(
            [Issue(code="unknown_kpi", message=f"no KPI {name!r}; known: {known}", value=name)]
        )
    return KPI_DEFINITIONS[name]


def _sums(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Component sums per (scope_kind, scope), and whether the scope has rows of each."""
    check_columns({"ledger": (rows, LEDGER_COLUMNS)})
    grouped = rows.groupby(["scope_kind", "scope", "component"])["amount"]
    sums = grouped.sum(min_count=1).unstack("component")
    present = grouped.size().unstack("component").fillna(0) > 0
    return sums, present


def _evaluate(sums: pd.DataFrame, definition: KpiDefinition, months: int) -> pd.Series:
    """The KPI for every row of ``sums`` (NaN where it cannot be measured)."""
    nan = pd.Series(np.nan, index=sums.index)
    if definition.numerator not in sums:
        return nan
    numerator = sums[definition.numerator].astype(float)
    if definition.denominator is not None:
        if definition.denominator not in sums:
            return nan
        denominator = sums[definition.denominator].astype(float)
        value = numerator / denominator.where(denominator != 0)
    elif definition.per_month:
        value = numerator / months if months else nan
    else:
        value = numerator
    return value * definition.scale


def plan_adherence(actual_production: pd.DataFrame, plan_production: pd.DataFrame) -> pd.DataFrame:
    """How closely production followed the plan: 1 - sum|actual - plan| / sum plan.

    ``actual_production``: product_id, period, quantity; ``plan_production``: product_id,
    period, production (the plan of record for those months). Only months with actuals
    recorded count; a product missing on one side made or planned 0. Rows per product and
    month, per month (product_id 'all') and overall ('all', 'all'). Columns: product_id,
    period, planned, actual, deviation, adherence (NaN when nothing was planned; below 0
    when the deviation exceeds the plan).
    """
    check_columns(
        {
            "actual production": (actual_production, ("product_id", "period", "quantity")),
            "plan production": (plan_production, ("product_id", "period", "production")),
        }
    )
    keys = ["product_id", "period"]
    actual = actual_production.groupby(keys)["quantity"].sum().rename("actual")
    months = set(actual.index.get_level_values("period"))
    planned = plan_production[plan_production["period"].isin(months)]
    plan = planned.groupby(keys)["production"].sum().rename("planned")
    both = pd.concat([plan, actual], axis=1).fillna(0.0).reset_index()
    both["deviation"] = (both["actual"] - both["planned"]).abs()
    sums = ["planned", "actual", "deviation"]
    per_month = both.groupby("period", as_index=False)[sums].sum().assign(product_id="all")
    total = both[sums].sum().to_frame().T.assign(product_id="all", period="all")
    table = pd.concat([both, per_month, total], ignore_index=True)
    table["adherence"] = 1.0 - table["deviation"] / table["planned"].where(table["planned"] > 0)
    return table[["product_id", "period", *sums, "adherence"]]


def plan_stability(
    earlier_plan_products: pd.DataFrame,
    later_plan_products: pd.DataFrame,
    periods: Sequence[str],
) -> pd.DataFrame:
    """How much a later plan changed the earlier plan's production in ``periods`` (the fence).

    By family and in total (family 'all'): earlier and later production, units_changed =
    sum|later - earlier| over products and months, and change = units_changed / earlier
    production (NaN when the earlier plan made nothing). A product in one plan only made 0
    in the other.
    """
    columns = ("product_id", "family", "period", "production")
    check_columns(
        {
            "earlier plan": (earlier_plan_products, columns),
            "later plan": (later_plan_products, columns),
        }
    )
    keys = ["product_id", "family", "period"]
    chosen = list(periods)
    earlier = earlier_plan_products[earlier_plan_products["period"].isin(chosen)]
    later = later_plan_products[later_plan_products["period"].isin(chosen)]
    both = pd.concat(
        [
            earlier.groupby(keys)["production"].sum().rename("earlier"),
            later.groupby(keys)["production"].sum().rename("later"),
        ],
        axis=1,
    ).fillna(0.0)
    both = both.reset_index()
    both["units_changed"] = (both["later"] - both["earlier"]).abs()
    sums = ["earlier", "later", "units_changed"]
    per_family = both.groupby("family", as_index=False)[sums].sum()
    total = both[sums].sum().to_frame().T.assign(family="all")
    table = pd.concat([per_family, total], ignore_index=True)
    table["change"] = table["units_changed"] / table["earlier"].where(table["earlier"] > 0)
    return table[["family", *sums, "change"]]
