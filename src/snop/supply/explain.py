"""A plan that explains itself: bottlenecks and their worth, cost drivers, why demand is late.

Everything here reads the solved plan's frames (and the dual values already in them) and
writes sentences a supply planner reads, plus the tables behind them so every sentence
can be checked against the numbers.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from snop.frames import records, shift_period
from snop.supply.problem import NO_SEGMENT, SupplyProblem
from snop.supply.service_level import planned_service
from snop.wording import Money
from snop.wording import span as _span
from snop.wording import units as _units

if TYPE_CHECKING:
    from snop.supply.model import SupplyLp
    from snop.supply.solve import LpSolution, SolveStatus

_TOL = 1e-6
_LATE_TOL = 0.5
"""Backlog under half a unit is rounding, not a late order."""
_SLACK_TOL = 1e-6
"""Slack of the elastic model above solver noise: any of it is a promise the plan broke, so
the diagnosis names it however small (a plan refused for half a unit must say why)."""
MAX_SENTENCES_PER_TOPIC = 8

CAUSES = ("lead_time", "frozen_fence", "capacity", "cost")
"""Why demand is late, most binding first."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a planner needs to trust the plan: sentences and the tables behind them.

    bottlenecks: resource_id, name, site, first, last, months, worth_per_hour (max dual
        value in the run), overtime_hours.
    late: product_id, family, segment, period, backlog, cause, detail - every product,
        segment and month with demand still owed at its end, and why.
    """

    sentences: list[str]
    bottlenecks: pd.DataFrame = field(default_factory=pd.DataFrame)
    late: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: list[str] = field(default_factory=list)
    """For a plan that could not be made: the promises that cannot be kept."""

    @classmethod
    def failure(cls, status: SolveStatus, time_limit: float) -> Explanation:
        """A solve that ended without a plan for a reason other than infeasibility."""
        if str(status) == "time_limit":
            text = (
                f"The optimiser hit its time limit of {time_limit:.0f} s before finding the "
                "best plan; give it more time or use the interior-point solver."
            )
        else:
            text = f"The optimiser stopped without a plan ({status}); this is a bug to report."
        return cls(sentences=[text], reasons=[text])

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "sentences": self.sentences,
            "reasons": self.reasons,
            "bottlenecks": records(self.bottlenecks),
            "late": records(self.late),
        }


def explain(
    problem: SupplyProblem,
    frames: dict[str, pd.DataFrame],
    costs: pd.DataFrame,
    *,
    currency: str = "$",
) -> Explanation:
    """Explain a solved plan: what binds, what it is worth, what it costs, who waits and why."""
    money = Money(currency)
    bottlenecks = find_bottlenecks(frames["resources"])
    late = late_demand(problem, frames)
    sentences = [
        *_cost_sentences(problem, costs, money),
        *_bottleneck_sentences(bottlenecks, money),
        *_overtime_sentences(frames["resources"]),
        *_backlog_sentences(late, problem),
        *_service_sentences(frames["segments"], problem),
        *_safety_stock_sentences(frames["products"]),
        *_subcontract_sentences(frames["products"]),
    ]
    return Explanation(sentences=sentences, bottlenecks=bottlenecks, late=late)


def find_bottlenecks(resources: pd.DataFrame) -> pd.DataFrame:
    """Runs of consecutive months in which a resource binds the plan.

    A resource binds when it is full (regular and overtime hours used up) or when one more
    regular hour would lower the cost (a positive dual value: it works all its regular
    hours and the next hour would replace a dearer one). ``full`` says which.
    """
    columns = [
        "resource_id",
        "name",
        "site",
        "first",
        "last",
        "months",
        "worth_per_hour",
        "overtime_hours",
        "full",
    ]
    binding = resources["full"] | (resources["shadow_price"] > _TOL)
    full = resources[binding].copy()
    if full.empty:
        return pd.DataFrame(columns=columns)
    order = {p: i for i, p in enumerate(sorted(resources["period"].unique()))}
    full["t"] = full["period"].map(order)
    full = full.sort_values(["resource_id", "t"])
    breaks = (
        (full["t"].diff() != 1)
        | (full["resource_id"] != full["resource_id"].shift())
        | (full["full"] != full["full"].shift())
    )
    full["run"] = breaks.cumsum()
    runs = full.groupby("run").agg(
        resource_id=("resource_id", "first"),
        name=("name", "first"),
        site=("site", "first"),
        first=("period", "first"),
        last=("period", "last"),
        months=("period", "size"),
        worth_per_hour=("shadow_price", "max"),
        overtime_hours=("overtime", "sum"),
        full=("full", "first"),
    )
    # Most valuable resource first, its stretches in time order.
    runs["rank"] = runs.groupby("resource_id")["worth_per_hour"].transform("max")
    runs = runs.sort_values(["rank", "resource_id", "first"], ascending=[False, True, True])
    return runs.reset_index(drop=True)[columns]


def late_demand(problem: SupplyProblem, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every product, segment and month ending with demand owed, and the cause.

    Causes, the first that applies: ``lead_time`` (nothing started inside the horizon
    can arrive yet), ``frozen_fence`` (every month whose production could arrive in time
    is frozen), ``capacity`` (a resource on the routing was full in a month whose
    production could have arrived in time), ``cost`` (capacity was there, but being late
    cost less than overtime, subcontracting or building ahead).
    """
    segments = frames["segments"]
    late = segments[segments["backlog"] > _LATE_TOL].copy()
    columns = ["product_id", "family", "segment", "period", "backlog", "cause", "detail"]
    if late.empty:
        return pd.DataFrame(columns=columns)
    order = {p: i for i, p in enumerate(problem.periods)}
    products = problem.products.set_index("product_id")
    late["t"] = late["period"].map(order)
    late["lead_time"] = products["lead_time"].reindex(late["product_id"]).to_numpy()
    late["latest_start"] = late["t"] - late["lead_time"]
    frozen = [order[p] for p in problem.frozen_periods]
    last_frozen = max(frozen) if frozen else -1
    late["cause"] = "cost"
    full = _full_on_routing(problem, frames["resources"], late)
    late = late.merge(full, on=["product_id", "t"], how="left")
    late.loc[late["full_resources"].notna(), "cause"] = "capacity"
    late.loc[(late["latest_start"] >= 0) & (late["latest_start"] <= last_frozen), "cause"] = (
        "frozen_fence"
    )
    late.loc[late["latest_start"] < 0, "cause"] = "lead_time"
    late["detail"] = _details(late, problem, frames)
    return late[columns].reset_index(drop=True)


def _full_on_routing(
    problem: SupplyProblem, resources: pd.DataFrame, late: pd.DataFrame
) -> pd.DataFrame:
    """For each late (product, month): the routing resources full when it had to start.

    A resource counts when it is full in the last month production could start and still
    arrive in time; the text gives the whole stretch of full months around it.
    """
    empty = pd.DataFrame(columns=["product_id", "t", "full_resources"])
    order = {p: i for i, p in enumerate(problem.periods)}
    full = resources.loc[resources["full"], ["resource_id", "period"]].copy()
    cells = late[["product_id", "t", "latest_start"]].drop_duplicates()
    if full.empty or cells.empty:
        return empty
    full["full_t"] = full["period"].map(order)
    full = full.sort_values(["resource_id", "full_t"])
    run = (full["full_t"].diff() != 1) | (full["resource_id"] != full["resource_id"].shift())
    full["run"] = run.cumsum()
    full["first"] = full.groupby("run")["period"].transform("min")
    full["last"] = full.groupby("run")["period"].transform("max")
    hits = cells.merge(problem.routings[["product_id", "resource_id"]], on="product_id").merge(
        full, left_on=["resource_id", "latest_start"], right_on=["resource_id", "full_t"]
    )
    if hits.empty:
        return empty
    hits["text"] = hits["resource_id"] + " (full " + _span_series(hits) + ")"
    listed = hits.groupby(["product_id", "t"])["text"].agg(", ".join)
    return listed.rename("full_resources").reset_index()


def _span_series(frame: pd.DataFrame) -> pd.Series:
    same = frame["first"] == frame["last"]
    return pd.Series(
        np.where(same, "in " + frame["first"], frame["first"] + " to " + frame["last"]),
        index=frame.index,
    )


def _details(
    late: pd.DataFrame, problem: SupplyProblem, frames: dict[str, pd.DataFrame]
) -> pd.Series:
    products = problem.products.set_index("product_id")
    first = problem.periods[0]
    subcontract = frames["products"].set_index(["product_id", "period"])["subcontract"]
    served = frames["segments"]
    priority = problem.segments.set_index("segment")["priority"]
    at_regular = _at_regular_hours(problem, frames["resources"], late)
    first_served = _served_first(served, priority)
    texts = []
    for row in late.to_dict("records"):
        product = products.loc[row["product_id"]]
        if row["cause"] == "lead_time":
            lead = int(row["lead_time"])
            text = (
                f"lead time of {lead} month{'s' if lead > 1 else ''}: what is started in "
                f"{first} arrives in {shift_period(first, lead)} at the earliest, so only "
                f"stock on hand and scheduled receipts could ship in {row['period']}"
            )
        elif row["cause"] == "frozen_fence":
            text = (
                "every month whose production could arrive in time is inside the frozen "
                "fence, where production stays as published"
            )
        elif row["cause"] == "capacity":
            text = f"resources ran out: {row['full_resources']}"
        else:
            busy = at_regular.get((row["product_id"], row["latest_start"]))
            text = (
                f"{busy} worked all regular hours, and overtime or building "
                "ahead cost more than being late"
                if busy
                else "capacity was free, but being late cost less than making it in time"
            )
        bought = float(subcontract.get((row["product_id"], row["period"]), 0.0))
        text += _subcontract_note(product, bought)
        text += _priority_note(first_served, priority, row)
        texts.append(text)
    return pd.Series(texts, index=late.index, dtype=object)


def _at_regular_hours(
    problem: SupplyProblem, resources: pd.DataFrame, late: pd.DataFrame
) -> dict[Any, str]:
    """(product, month index) -> routing resources using all their regular hours then.

    Only for the late cells' last possible start month, the one their cause looks at.
    """
    order = {p: i for i, p in enumerate(problem.periods)}
    busy = resources[
        (resources["load"] >= resources["regular_capacity"] - _TOL)
        & (resources["regular_capacity"] > 0)
    ]
    if busy.empty or late.empty:
        return {}
    busy = busy.assign(t=busy["period"].map(order))[["resource_id", "t"]]
    wanted = late[["product_id", "latest_start"]].drop_duplicates()
    cells = (
        wanted.rename(columns={"latest_start": "t"})
        .merge(problem.routings[["product_id", "resource_id"]], on="product_id")
        .merge(busy, on=["resource_id", "t"])
    )
    grouped = cells.groupby(["product_id", "t"])["resource_id"].agg(", ".join)
    return {key: str(value) for key, value in grouped.items()}


def _subcontract_note(product: pd.Series | pd.DataFrame, bought: float) -> str:
    if pd.isna(product["subcontract_cost"]):
        return "; no subcontractor is set up"
    limit = product["max_subcontract"]
    if pd.notna(limit) and bought >= limit - _TOL:
        return f"; the subcontractor is at its limit of {_units(limit)} a month"
    return ""


def _served_first(served: pd.DataFrame, priority: pd.Series) -> dict[Any, list[tuple[int, str]]]:
    """(product, month) -> the segments served in full then, with their priority."""
    full = served[(served["backlog"] <= _LATE_TOL) & (served["demand"] > 0)]
    ranks = np.nan_to_num(
        pd.to_numeric(full["segment"].map(priority), errors="coerce").to_numpy(dtype=float),
        nan=np.inf,
    )
    keys = zip(full["product_id"], full["period"], strict=True)
    out: dict[Any, list[tuple[int, str]]] = {}
    for key, rank, segment in zip(keys, ranks, full["segment"], strict=True):
        out.setdefault(key, []).append((rank, segment))
    return out


def _priority_note(
    first: dict[Any, list[tuple[int, str]]], priority: pd.Series, row: dict[Hashable, Any]
) -> str:
    mine = priority.get(row["segment"], np.inf)
    served = first.get((row["product_id"], row["period"]), [])
    higher = [segment for rank, segment in sorted(served) if rank < mine]
    if not higher:
        return ""
    return f"; {', '.join(higher)} (higher priority) served in full first"


def _cost_sentences(problem: SupplyProblem, costs: pd.DataFrame, money: Money) -> list[str]:
    real = costs[costs["component"] != "strategy_penalty"]
    totals = real.groupby("component")["amount"].sum().sort_values(ascending=False)
    total = float(totals.sum())
    if total <= 0:
        return ["The plan costs nothing: there is no demand to serve."]
    parts = [
        f"{str(name).replace('_', ' ')} {money(value)} ({value / total:.0%})"
        for name, value in totals.items()
        if value > 0.005 * total
    ]
    span = _span(problem.periods[0], problem.periods[-1])
    return [f"The plan costs {money(total)} {span}: {'; '.join(parts)}."]


def _bottleneck_sentences(bottlenecks: pd.DataFrame, money: Money) -> list[str]:
    if bottlenecks.empty:
        return ["No resource is full in any month: capacity does not limit this plan."]
    sentences = []
    for row in bottlenecks.head(MAX_SENTENCES_PER_TOPIC).to_dict("records"):
        if row["worth_per_hour"] <= _TOL:
            worth = "one more hour there would not lower the cost"
        else:
            up_to = "up to " if row["months"] > 1 else ""
            worth = f"one more hour there is worth {up_to}{money(row['worth_per_hour'])}"
        state = "is full" if row["full"] else "works all its regular hours"
        sentences.append(
            f"{row['name']} ({row['resource_id']}) at {row['site']} {state} "
            f"{_span(row['first'], row['last'])}; {worth}."
        )
    if len(bottlenecks) > MAX_SENTENCES_PER_TOPIC:
        sentences.append(
            f"... and {len(bottlenecks) - MAX_SENTENCES_PER_TOPIC} more binding stretches "
            "(see the bottleneck table)."
        )
    return sentences


def _overtime_sentences(resources: pd.DataFrame) -> list[str]:
    """Overtime on resources that are not full (a full one's is told with its bottleneck)."""
    used = resources[(resources["overtime"] > 0.5) & ~resources["full"]]
    if used.empty:
        return []
    by = used.groupby(["resource_id", "name"], as_index=False).agg(
        hours=("overtime", "sum"), first=("period", "min"), last=("period", "max")
    )
    sentences = []
    top = by.sort_values("hours", ascending=False).head(MAX_SENTENCES_PER_TOPIC)
    for row in top.to_dict("records"):
        sentences.append(
            f"{row['name']} ({row['resource_id']}) works {_units(row['hours'])} overtime hours "
            f"{_span(row['first'], row['last'])} without being full."
        )
    return sentences


def _backlog_sentences(late: pd.DataFrame, problem: SupplyProblem) -> list[str]:
    if late.empty:
        segments = set(problem.segments["segment"]) - {NO_SEGMENT}
        return [
            "Every segment's demand is shipped on time."
            if segments
            else "All demand is shipped on time."
        ]
    grouped = late.groupby(["family", "segment", "period"]).agg(
        backlog=("backlog", "sum"), cause=("cause", lambda c: c.value_counts().index[0])
    )
    grouped = grouped.reset_index().sort_values("backlog", ascending=False)
    words = {
        "lead_time": "lead time",
        "frozen_fence": "the frozen fence",
        "capacity": "capacity",
        "cost": "cost",
    }
    sentences = []
    for row in grouped.head(MAX_SENTENCES_PER_TOPIC).to_dict("records"):
        who = "customers" if row["segment"] == NO_SEGMENT else row["segment"]
        sentences.append(
            f"{_units(row['backlog'])} units of {row['family']} are owed to {who} at the end "
            f"of {row['period']} (cause: {words[row['cause']]})."
        )
    if len(grouped) > MAX_SENTENCES_PER_TOPIC:
        sentences.append(
            f"... and {len(grouped) - MAX_SENTENCES_PER_TOPIC} more family-segment-months "
            "with backlog (see the late-demand table)."
        )
    return sentences


def _service_sentences(segments: pd.DataFrame, problem: SupplyProblem) -> list[str]:
    service = planned_service(segments)
    if service.empty:
        return []
    info = problem.segments.set_index("segment")
    service = service.assign(priority=service["segment"].map(info["priority"]))
    service = service.sort_values(["priority", "segment"])
    sentences = []
    for row in service.to_dict("records"):
        segment = row["segment"]
        if segment == NO_SEGMENT:
            sentences.append(f"Customers get {row['fill_rate']:.1%} of their demand on time.")
            continue
        target = info["service_target"].get(segment) if "service_target" in info else None
        goal = "" if target is None or pd.isna(target) else f" against a target of {target:.1%}"
        priority = int(info["priority"].get(segment, 0))
        sentences.append(
            f"{segment} (priority {priority}) gets {row['fill_rate']:.1%} of its demand "
            f"on time{goal}."
        )
    return sentences


def _safety_stock_sentences(products: pd.DataFrame) -> list[str]:
    target = products["safety_stock"] > 0
    if not target.any():
        return []
    below = products[target & (products["below_safety_stock"] > 0.5)]
    if below.empty:
        return ["Safety stock is kept in full in every month."]
    months = below.groupby("period")["below_safety_stock"].sum().sort_values(ascending=False)
    worst = ", ".join(months.head(3).index)
    return [
        f"{below['product_id'].nunique()} products dip below safety stock in {len(below)} "
        f"product-months, {_units(below['below_safety_stock'].sum())} units in all; most in "
        f"{worst}."
    ]


def _subcontract_sentences(products: pd.DataFrame) -> list[str]:
    bought = products[products["subcontract"] > 0.5]
    if bought.empty:
        return []
    span = _span(str(bought["period"].min()), str(bought["period"].max()))
    return [
        f"{_units(bought['subcontract'].sum())} units of {bought['product_id'].nunique()} "
        f"products are bought from subcontractors {span}."
    ]


def diagnose_infeasible(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> Explanation:
    """Name the promises that cannot all be kept, from the elastic model's slack."""
    if not solution.ok:
        text = (
            "No plan exists, and the diagnosis could not run "
            f"({solution.status}); check the end targets and the frozen fence."
        )
        return Explanation(sentences=[text], reasons=[text])
    reasons = [
        *_end_reasons(problem, lp, solution),
        *_fence_reasons(problem, lp, solution),
    ]
    if not reasons:
        reasons = ["No plan exists, but no single promise explains it; this is a bug to report."]
    head = "No plan can keep every promise; the smallest set that must give way:"
    return Explanation(sentences=[head, *reasons], reasons=reasons)


def _slack(lp: SupplyLp, solution: LpSolution, name: str) -> tuple[pd.DataFrame, np.ndarray]:
    block = lp.columns.get(name)
    if block is None:
        return pd.DataFrame(), np.zeros(0)
    values = solution.col_value[block.slice]
    hit = values > _SLACK_TOL
    return block.keys[hit].reset_index(drop=True), values[hit]


def _end_reasons(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> list[str]:
    products = problem.products.reset_index(drop=True)
    last = problem.periods[-1]
    reasons = []
    keys, gap = _slack(lp, solution, "end_inventory_gap")
    for p, short in zip(keys.get("p", []), gap, strict=True):
        row = products.iloc[int(p)]
        reasons.append(
            f"{row['product_id']} cannot end {last} with the {_units(row['end_inventory'])} "
            f"units its end_inventory asks for: at most {_exact(row['end_inventory'] - short)} "
            "can be on hand. Lower end_inventory, or add capacity or subcontracting."
        )
    keys, gap = _slack(lp, solution, "end_backlog_gap")
    for p, over in zip(keys.get("p", []), gap, strict=True):
        row = products.iloc[int(p)]
        reasons.append(
            f"{row['product_id']} would still owe {_exact(row['end_backlog'] + over)} units at "
            f"the end of {last}, over its end_backlog limit of {_units(row['end_backlog'])}: "
            "the resources cannot make its demand in time."
            + (_GIVEN_DEMAND if problem.demand_given else "")
        )
    return reasons


def _exact(quantity: float) -> str:
    """Units as whole numbers, with a fraction kept below 10 ('0.5').

    A diagnosis of half a unit must not read '0 units'.
    """
    if abs(quantity) >= 10 or float(quantity).is_integer():
        return _units(quantity)
    return f"{quantity:.2f}".rstrip("0").rstrip(".")


_GIVEN_DEMAND = (
    " A demand_plan is served in full by its last month unless the products sheet's "
    "end_backlog allows some to stay owed."
)


def _fence_reasons(problem: SupplyProblem, lp: SupplyLp, solution: LpSolution) -> list[str]:
    products = problem.products.reset_index(drop=True)
    reasons: list[str] = []
    rows = lp.rows.get("fence")
    if rows is None:
        return reasons
    published = lp.row_lower[rows.slice]
    for name, word in (("fence_under", "less"), ("fence_over", "more")):
        block = lp.columns[name]
        values = solution.col_value[block.slice]
        for i in np.flatnonzero(values > _SLACK_TOL):
            key = block.keys.iloc[i]
            product = products.iloc[int(key["p"])]["product_id"]
            period = problem.periods[int(key["t"])]
            if word == "less":
                why = "the resources cannot make it (capacity changed since publishing)"
            else:
                why = "the end-of-horizon targets need more than was published"
            reasons.append(
                f"Inside the frozen fence, {product}'s published production of "
                f"{_units(published[i])} in {period} cannot be kept: {_exact(values[i])} "
                f"{word} is needed, because {why}."
            )
    return reasons
