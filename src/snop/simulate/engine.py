"""The closed loop: each month a policy decides, then the real orders of that month arrive.

For every simulated month and every policy, in order:

1. the policy sees the order history up to the month before, the stock on hand, what is
   owed and what is on its way, and decides what to start (and buy in);
2. the frozen fence holds: what an earlier decision started for this month is made as
   decided, and this decision fixes the fence's months ahead;
3. production is cut to the resources' hours, arrives after its lead time, and what
   arrives this month joins the stock;
4. the month's real orders arrive and ship from stock by segment priority
   (`snop.simulate.world.ship`); what cannot ship stays owed;
5. stock, backlog, shipments, hours and what the policy expected are recorded.

Every policy starts from the same opening position and faces the same orders.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from snop.errors import InvalidInput, Issue
from snop.frames import period_range, shift_period
from snop.simulate.policies import Decision, Policy, PolicyContext
from snop.simulate.world import TINY, Company, Position, fit_to_capacity, opening_position, ship

MIN_HISTORY = 12
"""Months of history a simulation needs before its first month (a season to learn from)."""

Progress = Callable[[str, int, int], None]
"""Called after each month: (policy name, months done, months in all)."""

STOCK_COLUMNS = (
    "product_id",
    "period",
    "requested",
    "made",
    "bought",
    "arrivals",
    "shipped",
    "on_hand",
    "backlog",
)


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """Which months to replay and under which rules.

    ``first_month`` is the first month scored; ``warm_up`` months before it are
    simulated too (so the opening position's effect fades) but not scored.
    """

    first_month: str
    months: int = 12
    warm_up: int = 3
    frozen_months: int = 0
    opening_cover: float = 1.0
    """Months of recent average demand every product starts with on hand."""

    @property
    def start(self) -> str:
        """The first simulated month (the warm-up's first)."""
        return shift_period(self.first_month, -self.warm_up)

    @property
    def simulated(self) -> list[str]:
        """Every simulated month, warm-up included."""
        return period_range(self.start, self.last_month)

    @property
    def scored(self) -> list[str]:
        """The months the policies are scored on."""
        return period_range(self.first_month, self.last_month)

    @property
    def last_month(self) -> str:
        """The last simulated month."""
        return shift_period(self.first_month, self.months - 1)


def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})


@dataclass(frozen=True, slots=True)
class PolicyRun:
    """What happened under one policy, month by month (warm-up included).

    lines: period, product_id, customer_id, segment, ordered, on_time - each month's
        order lines and the units shipped the same month.
    shipments: period, product_id, customer_id, segment, ordered_in, quantity - every
        shipment, late ones (``ordered_in`` before ``period``) included.
    stock: ``STOCK_COLUMNS`` - per product and month: units the policy asked to start,
        made (after capacity), bought in, arrived, shipped, on hand and owed at month end.
    hours: resource_id, period, load, capacity, overtime_capacity, overtime (hours).
    forecasts: product_id, period, quantity - what the policy expected for each month
        when it decided it (one month ahead), when it says.
    """

    name: str
    lines: pd.DataFrame
    shipments: pd.DataFrame
    stock: pd.DataFrame
    hours: pd.DataFrame
    forecasts: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Every policy's run over the same months."""

    settings: SimulationSettings
    runs: dict[str, PolicyRun]


def simulate(
    world: Company,
    policies: Mapping[str, Policy],
    settings: SimulationSettings,
    *,
    progress: Progress | None = None,
) -> SimulationResult:
    """Replay ``settings.simulated`` under each of ``policies`` (by name).

    Raises `InvalidInput` when the settings are out of range, the history does not
    cover every simulated month or has less than `MIN_HISTORY` months before them, or a
    policy returns a decision that breaks its contract (naming the policy and month).
    """
    _check(world, policies, settings)
    runs = {}
    for name, policy in policies.items():
        started = time.perf_counter()
        runs[name] = _run(world, name, policy, settings, progress)
        runs[name] = _with_seconds(runs[name], time.perf_counter() - started)
    return SimulationResult(settings=settings, runs=runs)


def _with_seconds(run: PolicyRun, seconds: float) -> PolicyRun:
    return PolicyRun(
        run.name, run.lines, run.shipments, run.stock, run.hours, run.forecasts, run.notes, seconds
    )


def _check(world: Company, policies: Mapping[str, Policy], settings: SimulationSettings) -> None:
    issues = []
    if settings.months < 1:
        issues.append(Issue("out_of_range", "simulate at least 1 month", column="months"))
    if settings.warm_up < 0:
        issues.append(Issue("out_of_range", "the warm-up is 0 months or more", column="warm_up"))
    if settings.frozen_months < 0:
        issues.append(Issue("out_of_range", "the fence is 0 months or more", column="frozen"))
    if settings.opening_cover < 0:
        issues.append(Issue("out_of_range", "the opening cover is >= 0", column="opening_cover"))
    if not policies:
        issues.append(Issue("empty_input", "name at least one policy to simulate"))
    if issues:
        raise InvalidInput(issues)
    months = world.months
    if not months:
        raise InvalidInput([Issue("empty_input", "there is no demand history to replay")])
    if settings.last_month > months[-1]:
        issues.append(
            Issue(
                "out_of_range",
                f"the history ends in {months[-1]}: it cannot replay up to "
                f"{settings.last_month}; start earlier or simulate fewer months",
                "demand_history",
                column="period",
            )
        )
    known = [m for m in months if m < settings.start]
    if len(known) < MIN_HISTORY:
        issues.append(
            Issue(
                "too_little_history",
                f"a simulation from {settings.start} (warm-up included) needs at least "
                f"{MIN_HISTORY} months of history before it; there are {len(known)}",
                "demand_history",
                column="period",
            )
        )
    if issues:
        raise InvalidInput(issues)


def _run(
    world: Company,
    name: str,
    policy: Policy,
    settings: SimulationSettings,
    progress: Progress | None,
) -> PolicyRun:
    position = opening_position(world, settings.start, cover=settings.opening_cover)
    committed = pd.DataFrame(columns=["product_id", "period", "quantity"])
    records: dict[str, list[pd.DataFrame]] = {
        k: [] for k in ("lines", "shipments", "stock", "hours", "forecasts")
    }
    notes: list[str] = []
    months = settings.simulated
    for done, month in enumerate(months, start=1):
        context = PolicyContext(
            month=month,
            company=world,
            history=world.history[world.history["period"] < month],
            position=position,
            committed=committed,
            frozen_months=settings.frozen_months,
        )
        decision = as_decision(policy(context), name, month, context)
        notes += list(decision.notes)
        committed = _commit(committed, decision.production, context.months_to_decide)
        position, month_records = _book_month(world, month, position, committed, decision)
        committed = committed[committed["period"] > month]
        for key, frame in month_records.items():
            records[key].append(frame)
        if progress is not None:
            progress(name, done, len(months))
    frames = {k: pd.concat(v, ignore_index=True) for k, v in records.items()}
    return PolicyRun(
        name=name,
        lines=frames["lines"],
        shipments=frames["shipments"],
        stock=frames["stock"],
        hours=frames["hours"],
        forecasts=frames["forecasts"],
        notes=notes,
    )


def as_decision(
    result: Decision | pd.DataFrame, name: str, month: str, context: PolicyContext
) -> Decision:
    """A policy's answer as a checked `Decision` (a bare frame is its production)."""
    decision = result if isinstance(result, Decision) else Decision(production=result)
    known = set(context.product_ids)
    issues = []
    for part in ("production", "subcontract"):
        frame = getattr(decision, part)
        issues += _quantity_issues(frame, f"policy {name} in {month}: {part}", known)
    if issues:
        raise InvalidInput(issues)
    return decision


def _quantity_issues(frame: pd.DataFrame, what: str, known: set[str]) -> list[Issue]:
    if not isinstance(frame, pd.DataFrame):
        return [Issue("not_a_frame", f"{what} must be a pandas DataFrame")]
    missing = [c for c in ("product_id", "period", "quantity") if c not in frame]
    if missing:
        return [Issue("missing_column", f"{what} has no column {c!r}", column=c) for c in missing]
    issues = []
    quantity = pd.to_numeric(frame["quantity"], errors="coerce")
    if quantity.isna().any():
        issues.append(
            Issue("not_a_number", f"{what}: every quantity must be a number", column="quantity")
        )
    if (quantity < -1e-6).any():
        issues.append(
            Issue("negative_value", f"{what}: quantities must not be negative", column="quantity")
        )
    unknown = sorted(set(frame["product_id"]) - known)
    if unknown:
        issues.append(
            Issue(
                "unknown_key",
                f"{what} names products the company does not have: "
                + ", ".join(map(str, unknown[:5])),
                column="product_id",
            )
        )
    return issues


def _commit(committed: pd.DataFrame, production: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Fix the decision's quantities for the months to decide that nothing holds yet."""
    held = set(committed["period"])
    new = production[production["period"].isin([m for m in months if m not in held])]
    new = new.groupby(["product_id", "period"])["quantity"].sum().reset_index()
    new["quantity"] = new["quantity"].astype(float).clip(lower=0.0)
    parts = [frame for frame in (committed, new) if not frame.empty]
    if not parts:
        return committed
    return pd.concat(parts, ignore_index=True)


def _book_month(
    world: Company,
    month: str,
    position: Position,
    committed: pd.DataFrame,
    decision: Decision,
) -> tuple[Position, dict[str, pd.DataFrame]]:
    """Make, receive, ship and book one month; return the next month's position."""
    products = world.products.set_index("product_id")
    ids = products.index
    starts = _per_product(committed[committed["period"] == month], ids)
    made, hours = fit_to_capacity(starts, world.routings, world.capacity_of([month]))
    bought = _bought(decision.subcontract, month, products)
    lead = products["lead_time"].astype(int)
    pipeline = position.pipeline
    arriving = _per_product(pipeline[pipeline["period"] == month], ids)
    arrivals = arriving + made.where(lead == 0, 0.0) + bought
    later = made[(lead > 0) & (made > TINY)]
    started = pd.DataFrame(
        {
            "product_id": later.index,
            "period": [shift_period(month, int(lead[p])) for p in later.index],
            "quantity": later.to_numpy(),
        }
    )
    pipeline = pd.concat(
        [frame for frame in (pipeline[pipeline["period"] > month], started) if not frame.empty]
        or [pipeline.iloc[0:0]],
        ignore_index=True,
    )
    orders = world.orders_of(month)
    owed = pd.concat([frame for frame in (position.owed, orders) if not frame.empty] or [orders])
    available = position.on_hand.reindex(ids).fillna(0.0) + arrivals
    served, left = ship(available, owed)
    remaining = served.assign(quantity=served["quantity"] - served["shipped"])
    remaining = remaining[remaining["quantity"] > TINY].drop(columns="shipped")
    next_position = Position(on_hand=left, owed=remaining.reset_index(drop=True), pipeline=pipeline)
    new = served[served["ordered_in"] == month]
    lines = new[["product_id", "customer_id", "segment"]].assign(
        period=month, ordered=new["quantity"], on_time=new["shipped"]
    )
    sent = served[served["shipped"] > TINY]
    shipments = sent[["product_id", "customer_id", "segment", "ordered_in"]].assign(
        period=month, quantity=sent["shipped"]
    )
    stock = pd.DataFrame(
        {
            "product_id": ids,
            "period": month,
            "requested": starts.to_numpy(),
            "made": made.reindex(ids).to_numpy(),
            "bought": bought.to_numpy(),
            "arrivals": arrivals.to_numpy(),
            "shipped": _per_product(sent.rename(columns={"shipped": "q"}), ids, "q").to_numpy(),
            "on_hand": left.reindex(ids).to_numpy(),
            "backlog": next_position.backlog().reindex(ids).to_numpy(),
        }
    )
    forecast = decision.forecast
    return next_position, {
        "lines": lines[["period", "product_id", "customer_id", "segment", "ordered", "on_time"]],
        "shipments": shipments[
            ["period", "product_id", "customer_id", "segment", "ordered_in", "quantity"]
        ],
        "stock": stock,
        "hours": hours.assign(period=month),
        "forecasts": forecast[forecast["period"] == month][["product_id", "period", "quantity"]],
    }


def _per_product(frame: pd.DataFrame, ids: pd.Index, column: str = "quantity") -> pd.Series:
    totals = (
        frame.groupby("product_id")[column].sum() if not frame.empty else pd.Series(dtype=float)
    )
    return totals.reindex(ids).fillna(0.0).astype(float)


def _bought(subcontract: pd.DataFrame, month: str, products: pd.DataFrame) -> pd.Series:
    """Units bought in this month: only where allowed, at most ``max_subcontract``."""
    asked = _per_product(subcontract[subcontract["period"] == month], products.index)
    allowed = products["subcontract_cost"].notna()
    cap = products["max_subcontract"].astype(float).fillna(np.inf)
    return asked.clip(lower=0.0).where(allowed, 0.0).clip(upper=cap)
