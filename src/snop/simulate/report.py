"""Scoring the policies of a simulation on the same months, with snop's KPI definitions.

Each policy's run becomes a ledger (:mod:`snop.reconcile.ledger`): the order lines give
demand, on-time units and lines served in full; the shipments revenue and cost of goods;
the month-end stock its units and value; the resources their hours. The KPIs are then the
same ratios of sums as ``snop kpis`` computes for closed months, so a fill rate here
means what it means on the scorecard. Money is at standard cost: the cost split follows
the supply plan's (material, regular hours, overtime premium, subcontracting, holding and
backorder cost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from snop.demand.accuracy import wape
from snop.frames import records
from snop.reconcile import kpis
from snop.reconcile.ledger import (
    ORDER_COMPONENTS,
    SALES_COMPONENTS,
    order_cells,
    resource_rows,
    rollup,
    stack_ledgers,
)
from snop.reconcile.money import standard_costs
from snop.simulate.engine import PolicyRun, SimulationResult
from snop.simulate.frontier import (
    CURVE_COLUMNS,
    EQUAL_COLUMNS,
    Comparison,
    curves,
    equal_service,
)
from snop.simulate.world import Company
from snop.wording import Money

COST_COMPONENTS = ("material", "regular_hours", "overtime", "subcontract", "holding", "backorder")
"""The money a simulated month costs, split as the supply plan splits its cost."""
PAID = ("material", "regular_hours", "overtime", "subcontract", "holding")
"""Of those, money actually paid (backorder cost is the price put on making people wait)."""
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("fill_rate", "Fill rate (units on time)", "percent"),
    ("otif", "OTIF (order lines)", "percent"),
    ("value_fill_rate", "Fill rate by value (revenue on time)", "percent"),
    ("inventory_units", "Stock, mean units", "units"),
    ("inventory_value", "Stock, mean value", "money"),
    ("days_of_supply", "Days of supply", "days"),
    ("inventory_turns", "Turns", "days"),
    ("backlog_units", "Backlog, mean units", "units"),
    ("total_cost", "Total cost", "money"),
    ("paid", "of which paid", "money"),
    ("overtime_hours", "Overtime hours", "units"),
    ("capacity_cut", "Units asked beyond capacity", "units"),
    ("forecast_wape", "Forecast WAPE, 1 month ahead", "percent"),
)
"""The headline's measures as people read them: column, label, kind of number."""
MONTH_DAYS = 365.25 / 12
"""Days in an average month: days of supply over this are months of cover."""
TARGET_SLACK = 0.01
"""A segment meets its service target when within one percentage point of it."""
HEADLINE_COLUMNS = (
    "policy",
    "fill_rate",
    "otif",
    "value_fill_rate",
    "inventory_units",
    "inventory_value",
    "days_of_supply",
    "inventory_turns",
    "backlog_units",
    "total_cost",
    "paid",
    "overtime_hours",
    "capacity_cut",
    "forecast_wape",
    "segments_met",
    "segments",
    "seconds",
)


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """The policies side by side over the scored months.

    headline: ``HEADLINE_COLUMNS`` - one row per policy: fill rate, OTIF and fill rate by
        value (all segments), mean month-end stock in units and at standard cost, days of supply,
        turns, mean backlog, total cost and the part paid, overtime hours, units the
        plant could not make of what the policy asked, the policy's one-month-ahead
        forecast WAPE (NaN when it gives none), segments meeting their target.
    service: policy, segment, priority, target, fill_rate, otif, gap (fill rate -
        target), met (within `TARGET_SLACK`).
    costs: policy, component, amount (``COST_COMPONENTS``, summed over the months).
    capacity: policy, resource_id, load, capacity, utilisation, overtime_hours.
    monthly: policy, period, fill_rate, inventory_value, backlog_units, overtime_hours.
    """

    first_month: str
    last_month: str
    baseline: str
    headline: pd.DataFrame
    service: pd.DataFrame
    costs: pd.DataFrame
    capacity: pd.DataFrame
    monthly: pd.DataFrame
    sentences: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    frontier: pd.DataFrame = field(default_factory=lambda: _empty(CURVE_COLUMNS))
    """The simple rules replayed with more cover (`snop.simulate.frontier.CURVE_COLUMNS`)."""
    equal_service: pd.DataFrame = field(default_factory=lambda: _empty(EQUAL_COLUMNS))
    """Each rule at the baseline's fill rate and stock (`frontier.EQUAL_COLUMNS`)."""

    def wins(self, policy: str) -> bool:
        """True when the baseline serves better *and* holds less stock than ``policy``."""
        head = self.headline.set_index("policy")
        ours, theirs = head.loc[self.baseline], head.loc[policy]
        return bool(
            ours["fill_rate"] > theirs["fill_rate"]
            and ours["inventory_value"] < theirs["inventory_value"]
        )

    def wins_at_equal_service(self, policy: str) -> bool | None:
        """True when ``policy`` needs more stock than the baseline to serve as well."""
        return Comparison(self.frontier, self.equal_service).wins(policy)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every table as records, the sentences and notes."""
        return {
            "first_month": self.first_month,
            "last_month": self.last_month,
            "baseline": self.baseline,
            "measures": [{"key": k, "label": lb, "kind": kd} for k, lb, kd in MEASURES],
            "headline": records(self.headline),
            "service": records(self.service),
            "costs": records(self.costs),
            "capacity": records(self.capacity),
            "monthly": records(self.monthly),
            "sentences": self.sentences,
            "notes": self.notes,
            "wins": {p: self.wins(p) for p in self.headline["policy"] if p != self.baseline},
            "frontier": records(self.frontier),
            "equal_service": records(self.equal_service),
            "wins_at_equal_service": {
                p: self.wins_at_equal_service(p) for p in self.equal_service["policy"]
            },
        }


def score(
    result: SimulationResult,
    world: Company,
    *,
    baseline: str | None = None,
    currency: str = "$",
    traced: dict[str, PolicyRun] | None = None,
) -> SimulationReport:
    """Score every policy of ``result`` over its scored months.

    ``baseline`` (default: 'snop' when it ran, else the first policy) is the one the
    sentences compare the others with; ``currency`` writes their amounts. ``traced``
    holds the simple rules replayed with more cover (`snop.simulate.frontier.trace`):
    their curves are read at the baseline's fill rate and stock.
    """
    months = result.settings.scored
    names = list(result.runs)
    lead = baseline or ("snop" if "snop" in result.runs else names[0])
    standard = standard_costs(world.products, world.routings, world.resources)
    heads, services, costs, capacity, monthly = [], [], [], [], []
    for name, run in result.runs.items():
        ledger = policy_ledger(run, world, standard, months)
        table = kpis.kpi_table(ledger, {"simulated": months})
        cost = month_costs(run, world, months)
        services.append(_service(table, world).assign(policy=name))
        costs.append(cost.groupby("component", as_index=False)["amount"].sum().assign(policy=name))
        capacity.append(_capacity(table).assign(policy=name))
        monthly.append(_monthly(ledger, months).assign(policy=name))
        heads.append(_headline(name, run, table, cost, services[-1], world, months))
    report = SimulationReport(
        first_month=months[0],
        last_month=months[-1],
        baseline=lead,
        headline=pd.DataFrame(heads)[list(HEADLINE_COLUMNS)],
        service=_first(pd.concat(services, ignore_index=True), "policy"),
        costs=_first(pd.concat(costs, ignore_index=True), "policy"),
        capacity=_first(pd.concat(capacity, ignore_index=True), "policy"),
        monthly=_first(pd.concat(monthly, ignore_index=True), "policy"),
        notes={name: run.notes for name, run in result.runs.items() if run.notes},
    )
    if traced:
        report = _with_frontier(report, SimulationResult(result.settings, traced), world, standard)
    return SimulationReport(**{**_fields(report), "sentences": verdict(report, Money(currency))})


def _with_frontier(
    report: SimulationReport,
    traced: SimulationResult,
    world: Company,
    standard: pd.Series,
) -> SimulationReport:
    """The report with the traced rules' curves and their reading at the baseline's point."""
    months = traced.settings.scored
    heads = []
    for name, run in traced.runs.items():
        ledger = policy_ledger(run, world, standard, months)
        table = kpis.kpi_table(ledger, {"simulated": months})
        cost = month_costs(run, world, months)
        heads.append(_headline(name, run, table, cost, _service(table, world), world, months))
    curve = curves(traced, pd.DataFrame(heads))
    lead = report.headline.set_index("policy").loc[report.baseline]
    equal = equal_service(curve, float(lead["fill_rate"]), float(lead["inventory_value"]))
    return SimulationReport(**{**_fields(report), "frontier": curve, "equal_service": equal})


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def _fields(report: SimulationReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in SimulationReport.__slots__}


def _first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[[column, *[c for c in frame.columns if c != column]]]


def policy_ledger(
    run: PolicyRun, world: Company, standard: pd.Series, months: list[str]
) -> pd.DataFrame:
    """The ledger of one policy's run over ``months`` (components as in snop's ledger)."""
    family = world.products.set_index("product_id")["family"]
    price = world.products.set_index("product_id")["price"].astype(float)
    lines = run.lines[run.lines["period"].isin(months)]
    cells = lines.assign(
        family=lines["product_id"].map(family),
        demand=lines["ordered"],
        shipped=lines["on_time"],
    )
    orders = order_cells(cells, price, standard)
    sent = run.shipments[run.shipments["period"].isin(months)]
    sales = order_cells(
        sent.assign(
            family=sent["product_id"].map(family),
            demand=0.0,
            shipped=sent["quantity"],
            on_time=0.0,
        ),
        price,
        standard,
    )
    stock = run.stock[run.stock["period"].isin(months)]
    stock = stock.assign(
        family=stock["product_id"].map(family),
        inventory_units=stock["on_hand"],
        inventory_value=stock["on_hand"] * stock["product_id"].map(standard).astype(float),
        backlog_units=stock["backlog"],
    )
    hours = run.hours[run.hours["period"].isin(months)].rename(
        columns={"overtime": "overtime_hours"}
    )
    all_kinds = ("all", "family", "segment", "product")
    return stack_ledgers(
        [
            rollup(orders, list(ORDER_COMPONENTS), all_kinds),
            rollup(sales, list(SALES_COMPONENTS), all_kinds),
            rollup(
                stock,
                ["inventory_units", "inventory_value", "backlog_units"],
                ("all", "family", "product"),
            ),
            resource_rows(
                hours[["resource_id", "period", "load", "capacity", "overtime_hours"]], None
            ),
        ]
    )


def month_costs(run: PolicyRun, world: Company, months: list[str]) -> pd.DataFrame:
    """period, component, amount: what each month cost under the policy."""
    products = world.products.set_index("product_id")
    stock = run.stock[run.stock["period"].isin(months)]
    per = stock["product_id"]

    def by_month(values: pd.Series) -> pd.Series:
        return values.groupby(stock["period"]).sum()

    rates = world.resources.set_index("resource_id")
    hours = run.hours[run.hours["period"].isin(months)]
    regular = hours["load"] * hours["resource_id"].map(rates["regular_cost"]).astype(float)
    premium = (rates["overtime_cost"] - rates["regular_cost"]).astype(float).clip(lower=0.0)
    overtime = hours["overtime"] * hours["resource_id"].map(premium)
    parts = {
        "material": by_month(stock["made"] * per.map(products["unit_cost"]).astype(float)),
        "regular_hours": regular.groupby(hours["period"]).sum(),
        "overtime": overtime.groupby(hours["period"]).sum(),
        "subcontract": by_month(
            stock["bought"] * per.map(products["subcontract_cost"]).astype(float).fillna(0.0)
        ),
        "holding": by_month(stock["on_hand"] * per.map(products["holding_cost"]).astype(float)),
        "backorder": by_month(stock["backlog"] * per.map(products["backorder_cost"]).astype(float)),
    }
    frames = [
        values.reindex(months)
        .fillna(0.0)
        .rename("amount")
        .rename_axis("period")
        .reset_index()
        .assign(component=component)
        for component, values in parts.items()
    ]
    return pd.concat(frames, ignore_index=True)[["period", "component", "amount"]]


def _kpi(table: pd.DataFrame, name: str, kind: str = "all", scope: str = "all") -> float:
    row = table[(table["kpi"] == name) & (table["scope_kind"] == kind) & (table["scope"] == scope)]
    return float(row["value"].iloc[0]) if len(row) else float("nan")


def _service(table: pd.DataFrame, world: Company) -> pd.DataFrame:
    rows = []
    for segment in world.segments.sort_values("priority").to_dict("records"):
        name = str(segment["segment"])
        fill = _kpi(table, "fill_rate", "segment", name)
        target = float(segment["service_target"])
        rows.append(
            {
                "segment": name,
                "priority": int(segment["priority"]),
                "target": target,
                "fill_rate": fill,
                "otif": _kpi(table, "otif", "segment", name),
                "gap": fill - target,
                "met": bool(fill >= target - TARGET_SLACK) if not np.isnan(fill) else False,
            }
        )
    return pd.DataFrame(rows)


def _capacity(table: pd.DataFrame) -> pd.DataFrame:
    rows = table[table["scope_kind"] == "resource"]
    wide = rows.pivot_table(index="scope", columns="kpi", values="value", aggfunc="first")
    wide = wide.reindex(columns=["utilisation", "overtime_hours"])
    return wide.rename_axis(index="resource_id", columns=None).reset_index()


def _monthly(ledger: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    rows = ledger[ledger["scope_kind"] == "all"]
    wide = rows.pivot_table(index="period", columns="component", values="amount", aggfunc="sum")
    wide = wide.reindex(months)
    return pd.DataFrame(
        {
            "period": months,
            "fill_rate": (wide["on_time"] / wide["demand"].where(wide["demand"] > 0)).to_numpy(),
            "inventory_value": wide["inventory_value"].to_numpy(),
            "backlog_units": wide["backlog_units"].to_numpy(),
            "overtime_hours": wide.get(
                "overtime_hours", pd.Series(np.nan, index=wide.index)
            ).to_numpy(),
        }
    )


def _headline(
    name: str,
    run: PolicyRun,
    table: pd.DataFrame,
    cost: pd.DataFrame,
    service: pd.DataFrame,
    world: Company,
    months: list[str],
) -> dict[str, Any]:
    stock = run.stock[run.stock["period"].isin(months)]
    total = float(cost["amount"].sum())
    paid = float(cost.loc[cost["component"].isin(PAID), "amount"].sum())
    return {
        "policy": name,
        "fill_rate": _kpi(table, "fill_rate"),
        "otif": _kpi(table, "otif"),
        "value_fill_rate": value_fill_rate(run, world, months),
        "inventory_units": float(stock.groupby("period")["on_hand"].sum().mean()),
        "inventory_value": _kpi(table, "inventory_value"),
        "days_of_supply": _kpi(table, "days_of_supply"),
        "inventory_turns": _kpi(table, "inventory_turns"),
        "backlog_units": _kpi(table, "backlog_units"),
        "total_cost": total,
        "paid": paid,
        "overtime_hours": _kpi(table, "overtime_hours"),
        "capacity_cut": float((stock["requested"] - stock["made"]).clip(lower=0.0).sum()),
        "forecast_wape": forecast_wape(run, months),
        "segments_met": int(service["met"].sum()),
        "segments": len(service),
        "seconds": run.seconds,
    }


def value_fill_rate(run: PolicyRun, world: Company, months: list[str]) -> float:
    """Revenue shipped on time over revenue ordered (at list price): service as money sees it.

    The unit fill rate counts a spare part like a tent; a company loses more when the tent
    is late, and prices its backorders so. NaN when nothing was ordered.
    """
    lines = run.lines[run.lines["period"].isin(months)]
    price = lines["product_id"].map(world.products.set_index("product_id")["price"]).astype(float)
    ordered = float((lines["ordered"] * price).sum())
    return float((lines["on_time"] * price).sum() / ordered) if ordered > 0 else float("nan")


def forecast_wape(run: PolicyRun, months: list[str]) -> float:
    """Sum of |forecast - orders| over the orders, per product and month (NaN: no forecast)."""
    expected = run.forecasts[run.forecasts["period"].isin(months)]
    if expected.empty:
        return float("nan")
    lines = run.lines[run.lines["period"].isin(months)]
    actual = lines.groupby(["product_id", "period"])["ordered"].sum()
    forecast = expected.groupby(["product_id", "period"])["quantity"].sum()
    both = pd.concat([actual.rename("actual"), forecast.rename("forecast")], axis=1).fillna(0.0)
    abs_error = float((both["forecast"] - both["actual"]).abs().sum())
    return wape(abs_error, float(both["actual"].sum()))


def percent(share: float) -> str:
    """95.1% from 0.951."""
    return f"{share:.1%}"


def verdict(report: SimulationReport, money: Money) -> list[str]:
    """Sentences a planner reads: the baseline against each policy, then each segment."""
    head = {str(row["policy"]): row for row in report.headline.to_dict("records")}
    lead = report.baseline
    ours = head[lead]
    sentences = [
        f"From {report.first_month} to {report.last_month}, {lead} served "
        f"{percent(ours['fill_rate'])} of units on time with {money(ours['inventory_value'])} "
        f"of stock on average ({ours['days_of_supply']:.0f} days of supply)."
    ]
    sentences += [against(report, name, money) for name in head if name != lead]
    sentences += _equal_service_sentences(report, money)
    for row in report.service[report.service["policy"] == lead].to_dict("records"):
        gap = float(row["gap"]) * 100
        if row["met"] and gap >= 0:
            state = "met"
        elif row["met"]:
            state = f"within a point ({-gap:.1f} points short)"
        else:
            state = f"missed by {-gap:.1f} points"
        sentences.append(
            f"{row['segment']} (priority {row['priority']}): {percent(row['fill_rate'])} on "
            f"time against a target of {percent(row['target'])} - {state}."
        )
    return sentences


def against(report: SimulationReport, rule: str, money: Money) -> str:
    """One sentence a CFO reads: did the baseline win against ``rule``, and by how much.

    Won means more units served on time *and* less stock; the margins are in service
    points, in money and in months of cover (days of supply / `MONTH_DAYS`), then the
    service points segment by segment.
    """
    head = report.headline.set_index("policy")
    lead = report.baseline
    ours, theirs = head.loc[lead], head.loc[rule]
    points = (float(ours["fill_rate"]) - float(theirs["fill_rate"])) * 100
    stock = float(ours["inventory_value"]) - float(theirs["inventory_value"])
    months = (float(ours["days_of_supply"]) - float(theirs["days_of_supply"])) / MONTH_DAYS
    outcome = "won" if report.wins(rule) else "did not win"
    service = (
        f"{abs(points):.1f} service points {'more' if points >= 0 else 'fewer'} "
        f"({percent(float(ours['fill_rate']))} against {percent(float(theirs['fill_rate']))})"
    )
    held = (
        f"{money(abs(stock))} {'less' if stock <= 0 else 'more'} stock "
        f"({abs(months):.1f} months of cover {'less' if months <= 0 else 'more'})"
    )
    joint = "with" if (points >= 0) == (stock <= 0) else "but"
    return (
        f"Against {rule}, {lead} {outcome}: {service} {joint} {held}, total cost "
        f"{money(float(ours['total_cost']))} against {money(float(theirs['total_cost']))}; "
        f"by segment {_segment_points(report, rule)}."
    )


def _segment_points(report: SimulationReport, rule: str) -> str:
    """Key accounts +1.2 points, Retail -0.4, ...: the baseline's fill rate minus the rule's."""
    service = report.service.pivot_table(
        index="segment", columns="policy", values="fill_rate", aggfunc="first"
    )
    order = report.service.drop_duplicates("segment").sort_values("priority")["segment"]
    parts = []
    for i, segment in enumerate(order):
        gap = (service.loc[segment, report.baseline] - service.loc[segment, rule]) * 100
        parts.append(f"{segment} {gap:+.1f}{' points' if i == 0 else ''}")
    return ", ".join(parts)


def _equal_service_sentences(report: SimulationReport, money: Money) -> list[str]:
    """Each rule read on its curve at the baseline's fill rate and at its stock."""
    lead = report.baseline
    sentences = []
    for row in report.equal_service.to_dict("records"):
        name, reach = str(row["policy"]), str(row["reach"])
        best = max(_traced_buffers(report, name), default=0.0)
        if reach == "above":
            need = (
                f"to serve {percent(row['fill_rate'])} as {lead} did, {name} would need more "
                f"than {best:g} months of cover: with them it serves {percent(row['best_fill'])}"
            )
        elif reach == "below":
            need = (
                f"{name} serves {percent(row['fill_rate'])} or more without any buffer, with "
                f"{money(row['stock_needed'])} of stock"
            )
        else:
            need = (
                f"to serve {percent(row['fill_rate'])} as {lead} did, {name} needs "
                f"{money(row['stock_needed'])} of stock (x{row['stock_ratio']:.2f} "
                f"{lead}'s, {row['cover_needed']:.2g} months of cover on top)"
            )
        fill = row["fill_at_stock"]
        same = (
            f"; with {lead}'s {money(row['inventory_value'])} it serves {percent(fill)}"
            if not pd.isna(fill)
            else ""
        )
        sentences.append(f"At equal service: {need}{same}.")
    return sentences


def _traced_buffers(report: SimulationReport, policy: str) -> list[float]:
    """The buffers ``policy`` was traced with."""
    rows = report.frontier[report.frontier["policy"] == policy]
    return [float(v) for v in rows["safety_months"]]
