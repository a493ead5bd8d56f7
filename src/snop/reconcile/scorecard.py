"""The strategy scorecard: the business's targets held against the plan (or the past).

Each target (period, metric, scope, value) is measured with a KPI over the ledger months
it covers: a month target over that month, a year target over the months of that year the
ledger holds (the ``months`` column says how many, so a year half in the past is visible).
The gap is value - target in the metric's unit, then put into units and money so targets
can be ranked by what is at stake; gap_units and gap_money carry the gap's sign.

Status: on the right side of the target is green; on the wrong side by at most
``tolerance`` of the target is amber; further is red. A metric to keep *near* its target
(days of supply) is green within the tolerance either way, amber within twice it, red
beyond. A target whose metric, scope or months cannot be found, or whose KPI is NaN (no
demand, no capacity), is 'not measured' - never green by default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal, NamedTuple

import pandas as pd

from snop.frames import PERIOD_PATTERN, YEAR_PATTERN
from snop.reconcile.kpis import KPI_DEFINITIONS, kpi_value
from snop.reconcile.ledger import SCOPE_KINDS
from snop.reconcile.money import check_columns

Direction = Literal["min", "max", "near"]


class MetricRule(NamedTuple):
    """How a target metric is scored: the KPI measuring it, which side is good, its unit."""

    kpi: str
    direction: Direction
    unit: str


METRIC_RULES: dict[str, MetricRule] = {
    "revenue": MetricRule("revenue", "min", "money"),
    "gross_margin": MetricRule("gross_margin", "min", "money"),
    "fill_rate": MetricRule("fill_rate", "min", "share"),
    "otif": MetricRule("otif", "min", "share"),
    # A days-of-supply target is a ceiling: stock is cash, and service has its own targets.
    "days_of_supply": MetricRule("days_of_supply", "max", "days"),
    "inventory_turns": MetricRule("inventory_turns", "min", "turns"),
    "utilisation_min": MetricRule("utilisation", "min", "share"),
    "utilisation_max": MetricRule("utilisation", "max", "share"),
    "budget": MetricRule("spend", "max", "money"),
    "backlog_units": MetricRule("backlog_units", "max", "units"),
}
"""Target metrics with a scoring rule. A gross_margin target <= 1 is a share of revenue
(KPI gross_margin_pct). Any other metric named like a KPI is scored with that KPI
(higher is better: min; lower: max; neither: near); other names are 'not measured'.

Gaps in units and money (totals over the scored months, or stock levels for stocks):
revenue and budget gaps are money (revenue in units at the mean price of demand); a
margin share gap x revenue; fill rate gap x demand = units, x mean price = money; days of
supply gap x cost of goods per day = money, x demand per day = units; inventory turns:
the stock value at which turns would meet the target minus the stock value; utilisation
gap x capacity = hours (in gap_units), x regular cost per hour = money.
"""

SCORE_COLUMNS = (
    "period",
    "metric",
    "scope",
    "scope_kind",
    "kpi",
    "months",
    "target",
    "value",
    "gap",
    "gap_units",
    "gap_money",
    "status",
    "direction",
    "unit",
)

STATUSES = ("green", "amber", "red", "not measured")
_NAN = float("nan")


def score(
    targets: pd.DataFrame,
    ledger: pd.DataFrame,
    *,
    tolerance: float = 0.05,
    basis_periods: Sequence[str],
) -> pd.DataFrame:
    """Score every target against the ledger's months among ``basis_periods``.

    One row per target, in the targets' order; columns: period (as given), metric,
    scope, scope_kind (where the scope was found), kpi, months (how many months were
    scored), target, value, gap (value - target), gap_units, gap_money, status, direction,
    unit.
    """
    check_columns({"targets": (targets, ("period", "metric", "scope", "value"))})
    window = ledger[ledger["period"].isin(list(basis_periods))]
    months = sorted(pd.unique(window["period"]))
    kinds = _scope_kinds(ledger)
    rows = [
        _score_one(t.period, t.metric, t.scope, t.value, window, months, kinds, tolerance)
        for t in targets[["period", "metric", "scope", "value"]].itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def _scope_kinds(ledger: pd.DataFrame) -> dict[str, str]:
    """Where each scope name is found; the first kind in SCOPE_KINDS order wins."""
    pairs = ledger[["scope_kind", "scope"]].drop_duplicates()
    pairs = pairs.assign(order=pairs["scope_kind"].map({k: i for i, k in enumerate(SCOPE_KINDS)}))
    pairs = pairs.sort_values("order").drop_duplicates("scope")
    return dict(zip(pairs["scope"].astype(str), pairs["scope_kind"].astype(str), strict=True))


def _rule(metric: str, target: float) -> MetricRule | None:
    if metric == "gross_margin" and target <= 1:
        return MetricRule("gross_margin_pct", "min", "share")
    if metric in METRIC_RULES:
        return METRIC_RULES[metric]
    definition = KPI_DEFINITIONS.get(metric)
    if definition is None:
        return None
    better = {True: "min", False: "max", None: "near"}[definition.higher_is_better]
    return MetricRule(metric, better, definition.unit)  # type: ignore[arg-type]


def _months_of(period: str, months: list[str]) -> list[str]:
    if YEAR_PATTERN.match(period):
        return [m for m in months if m.startswith(f"{period}-")]
    if PERIOD_PATTERN.match(period):
        return [period] if period in months else []
    return []


def _score_one(
    period: object,
    metric: object,
    scope: object,
    target: object,
    window: pd.DataFrame,
    months: list[str],
    kinds: dict[str, str],
    tolerance: float,
) -> dict[str, object]:
    period, metric, scope = str(period), str(metric), str(scope)
    goal = _as_float(target)
    rule = None if math.isnan(goal) else _rule(metric, goal)
    row: dict[str, object] = {
        "period": period,
        "metric": metric,
        "scope": scope,
        "scope_kind": None,
        "kpi": rule.kpi if rule else None,
        "months": 0,
        "target": goal,
        "value": _NAN,
        "gap": _NAN,
        "gap_units": _NAN,
        "gap_money": _NAN,
        "status": "not measured",
        "direction": rule.direction if rule else None,
        "unit": rule.unit if rule else None,
    }
    kind = "all" if scope == "all" else kinds.get(scope)
    chosen = _months_of(period, months)
    if rule is None or kind is None or not chosen:
        return row
    value = kpi_value(window, rule.kpi, chosen, kind, scope)
    row.update(scope_kind=kind, months=len(chosen), value=value)
    if math.isnan(value):
        return row
    gap = value - goal
    in_scope = window[
        window["period"].isin(chosen) & (window["scope_kind"] == kind) & (window["scope"] == scope)
    ]
    parts = in_scope.groupby("component")["amount"].sum(min_count=1)
    units, money = _gap_effect(rule, gap, goal, parts, len(chosen))
    row.update(
        gap=gap,
        gap_units=units,
        gap_money=money,
        status=_status(rule.direction, gap, goal, tolerance),
    )
    return row


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _NAN


def _ratio(numerator: float, denominator: float) -> float:
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return _NAN
    return numerator / denominator


def _gap_effect(
    rule: MetricRule, gap: float, target: float, parts: pd.Series, months: int
) -> tuple[float, float]:
    """The gap in units (hours for utilisation) and in money; NaN where it has no meaning."""

    def part(name: str) -> float:
        return float(parts.get(name, _NAN))

    mean_price = _ratio(part("demand_value"), part("demand"))
    kpi = rule.kpi
    if kpi == "gross_margin_pct":
        return _NAN, gap * part("revenue")
    if kpi in ("fill_rate",):
        units = gap * part("demand")
        return units, units * mean_price
    if kpi == "days_of_supply":
        return gap * part("demand_per_day") / months, gap * part("cogs_days") / months
    if kpi == "inventory_turns":
        stock = part("inventory_value") / months
        needed = _ratio(12.0 * part("cost_of_goods") / months, target)
        money = needed - stock
        return money / _ratio(part("inventory_value"), part("inventory_units")), money
    if kpi == "utilisation":
        hours = gap * part("capacity")
        return hours, hours * _ratio(part("capacity_cost"), part("capacity"))
    if kpi == "revenue":
        return _ratio(gap, mean_price), gap
    if rule.unit == "money":
        return _NAN, gap
    if rule.unit == "units":
        return gap, gap * mean_price
    return _NAN, _NAN


def status_of(metric: str, value: float, target: float, tolerance: float) -> str:
    """The scorecard's colour for any figure against its target: the one rule every page uses.

    green, amber or red as `score` colours a row; "not measured" for a metric without a rule.
    """
    rule = _rule(metric, target)
    if rule is None:
        return "not measured"
    return _status(rule.direction, value - target, target, tolerance)


def _status(direction: Direction, gap: float, target: float, tolerance: float) -> str:
    band = tolerance * abs(target)
    slack = 1e-9 * max(1.0, abs(target))  # float noise is not a miss
    if direction == "near":
        if abs(gap) <= band + slack:
            return "green"
        return "amber" if abs(gap) <= 2 * band + slack else "red"
    wrong = -gap if direction == "min" else gap
    if wrong <= slack:
        return "green"
    return "amber" if wrong <= band + slack else "red"


_UNIT_FORMATS = {
    "share": "{:.1%}",
    "days": "{:,.1f} days",
    "turns": "{:.1f} turns",
    "units": "{:,.0f} units",
    "hours": "{:,.0f} hours",
}


def summary_sentences(scorecard: pd.DataFrame, *, currency: str = "$", top: int = 3) -> list[str]:
    """A planner's reading of the scorecard: the count per status, the largest money gaps."""
    if scorecard.empty:
        return ["There are no targets to score."]
    counts = scorecard["status"].value_counts()
    n = len(scorecard)
    text = (
        f"Of {n} target{'s' if n != 1 else ''}, {counts.get('green', 0)} "
        f"{'is' if counts.get('green', 0) == 1 else 'are'} green, "
        f"{counts.get('amber', 0)} amber and {counts.get('red', 0)} red"
    )
    unmeasured = int(counts.get("not measured", 0))
    text += f"; {unmeasured} cannot be measured." if unmeasured else "."
    sentences = [text]
    missed = scorecard[scorecard["status"].isin(["amber", "red"]) & scorecard["gap_money"].notna()]
    missed = missed.reindex(missed["gap_money"].abs().sort_values(ascending=False).index)
    for row in missed.head(top).to_dict("records"):
        unit = str(row["unit"])
        value = _format(float(row["value"]), unit, currency)
        goal = _format(float(row["target"]), unit, currency)
        worth = _format(abs(float(row["gap_money"])), "money", currency)
        sentences.append(
            f"{_label(str(row['metric']))} for {row['scope']} in {row['period']} is {value} "
            f"against a target of {goal} ({row['status']}, {worth} at stake)."
        )
    if unmeasured:
        names = scorecard[scorecard["status"] == "not measured"].head(top)
        listed = "; ".join(
            f"{_label(str(r['metric']))} for {r['scope']} in {r['period']}"
            for r in names.to_dict("records")
        )
        more = " and more" if unmeasured > top else ""
        sentences.append(f"Not measured (no data for the scope or months): {listed}{more}.")
    return sentences


def _label(metric: str) -> str:
    return re.sub("_", " ", metric).capitalize()


def _format(amount: float, unit: str, currency: str) -> str:
    if unit == "money":
        sign = "-" if amount < 0 else ""
        return f"{sign}{currency}{abs(amount):,.0f}"
    return _UNIT_FORMATS.get(unit, "{:,.2f}").format(amount)
