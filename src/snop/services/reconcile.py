"""Pre-S&OP: a plan turned into money, scored against the strategy, its KPIs and exceptions.

Everything here reads one plan version (by default the cycle's plan of record, else the
latest feasible plan) with the actuals before it, and computes in `snop.reconcile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.demand import accuracy as accuracy_core
from snop.errors import InvalidInput, Issue, NotFound
from snop.frames import records
from snop.reconcile import kpis as kpi_core
from snop.reconcile import ledger as ledger_core
from snop.reconcile import money as money_core
from snop.reconcile import scorecard as score_core
from snop.reconcile.exceptions import NEXT_MONTHS, ExceptionInputs, find_exceptions
from snop.reconcile.scenario import PlanningData, apply_changes, parse_changes
from snop.services import audit, memo
from snop.services.database import Database
from snop.services.demand import AccuracyReport
from snop.services.demand import accuracy as demand_accuracy
from snop.store import cycles as cycle_store
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.store.tables import PlanVersion, Scenario, Setting

TOLERANCE_SETTING = "scorecard.tolerance"
DEFAULT_TOLERANCE = 0.05
ACTUAL_MONTHS = 12
"""How many closed months the past KPIs cover."""
_MASTER = ("products", "routings", "resources", "segments", "customers", "targets")


@dataclass(frozen=True, slots=True)
class Book:
    """What one plan version and the actuals before it are made of (frames)."""

    version: dict[str, Any]
    master: dict[str, pd.DataFrame]
    plan: dict[str, pd.DataFrame]
    history: pd.DataFrame
    production: pd.DataFrame
    snapshots: pd.DataFrame
    tolerance: float
    recorded: pd.DataFrame
    """Plans of record of the closed months: product_id, period, production."""
    previous: pd.DataFrame
    """The plan published in the cycle before this plan's (its products), for stability."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A plan in money, against the strategy, its KPIs and what needs attention."""

    version: dict[str, Any]
    money: pd.DataFrame
    ledger: pd.DataFrame
    scorecard: pd.DataFrame
    kpis: pd.DataFrame
    exceptions: pd.DataFrame
    tolerance: float
    sentences: list[str] = field(default_factory=list)

    def money_table(self, by: list[str]) -> pd.DataFrame:
        """Money measures summed by any of period, family, segment ([] = the total)."""
        return money_core.money_table(self.money, by)

    def headline(self) -> dict[str, Any]:
        """A scenario's figures for comparing: money totals, service, stock, scorecard."""
        total = self.money_table([]).iloc[0].to_dict() if not self.money.empty else {}
        plan_kpis = self.kpis[(self.kpis["basis"] == "plan")]
        kpi = {
            f"{row['kpi']}:{row['scope']}": _plain(row["value"])
            for row in plan_kpis.to_dict("records")
            if row["scope_kind"] in ("all", "segment")
        }
        status = self.scorecard["status"].value_counts().to_dict()
        return {
            "version": self.version.get("id"),
            "total_cost": _plain(self.version.get("total_cost")),
            "money": {k: _plain(v) for k, v in total.items()},
            "kpis": kpi,
            "scorecard": {str(k): int(v) for k, v in status.items()},
            "exceptions": len(self.exceptions),
            "money_at_stake": _plain(self.exceptions["money"].sum())
            if not self.exceptions.empty
            else 0.0,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the headline and every table."""
        return {
            "version": _header(self.version),
            "tolerance": self.tolerance,
            "headline": self.headline(),
            "sentences": self.sentences,
            "money": records(self.money_table(["period"])),
            "scorecard": records(self.scorecard),
            "kpis": records(self.kpis),
            "exceptions": records(self.exceptions),
        }


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _header(version: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in version.items()}


def plan_of_record_id(s: Session) -> int:
    """The open cycle's plan of record, else the latest feasible plan of the cycle."""
    cycle = cycle_store.open_cycle(s)
    if cycle is not None and cycle.plan_version_id is not None:
        return int(cycle.plan_version_id)
    version = plan_store.latest_version(s, feasible=True)
    if version is None:
        raise NotFound("no feasible supply plan yet: run `snop plan`")
    return int(version.id)


def load_book(s: Session, version_id: int | None = None) -> Book:
    """Read a plan version (default: the plan of record) and everything scored with it."""
    version_id = plan_of_record_id(s) if version_id is None else version_id
    version = s.get(PlanVersion, version_id)
    if version is None:
        raise NotFound(f"there is no plan version {version_id}")
    if version.status != "optimal":
        raise InvalidInput(
            [
                Issue(
                    "infeasible_plan",
                    f"plan version {version_id} is {version.status}: it has no numbers to score",
                )
            ]
        )
    header = {c.name: getattr(version, c.name) for c in PlanVersion.__table__.columns}
    master = {name: store_frames.read_sheet(s, name) for name in _MASTER}
    plan = {name: plan_store.read_table(s, name, version_id) for name in plan_store.PLAN_TABLES}
    if version.scenario_id is not None:
        scenario = s.get(Scenario, version.scenario_id)
        if scenario is not None:
            master = _scenario_master(master, plan, scenario.changes)
    setting = s.get(Setting, TOLERANCE_SETTING)
    earlier = s.scalars(
        select(PlanVersion)
        .where(
            PlanVersion.published_at.is_not(None),
            PlanVersion.first_period < version.first_period,
        )
        .order_by(PlanVersion.first_period.desc(), PlanVersion.id.desc())
        .limit(1)
    ).first()
    previous = (
        plan_store.read_table(s, "products", earlier.id) if earlier is not None else pd.DataFrame()
    )
    return Book(
        version=header,
        master=master,
        plan=plan,
        history=store_frames.read_sheet(s, "demand_history"),
        production=store_frames.read_sheet(s, "production"),
        snapshots=cycle_store.read_snapshots(s),
        tolerance=float(setting.value) if setting is not None else DEFAULT_TOLERANCE,
        recorded=_recorded(s),
        previous=previous,
    )


def _scenario_master(
    master: dict[str, pd.DataFrame], plan: dict[str, pd.DataFrame], changes: list[dict[str, Any]]
) -> dict[str, pd.DataFrame]:
    """The master data as the scenario sees it: its prices, costs, new products, targets."""
    segments = plan["segments"]
    data = PlanningData(
        periods=sorted(plan["products"]["period"].unique()),
        demand=segments[["product_id", "segment", "period"]].assign(quantity=segments["demand"]),
        products=master["products"],
        segments=master["segments"],
        resources=master["resources"],
        capacity=pd.DataFrame(columns=["resource_id", "period", "capacity", "overtime_capacity"]),
        routings=master["routings"],
    )
    try:
        changed = apply_changes(data, parse_changes(changes))
    except InvalidInput:  # the base moved on since the run: score with today's master data
        return master
    return master | {
        "products": changed.products,
        "segments": changed.segments,
        "resources": changed.resources,
        "routings": changed.routings,
    }


def _recorded(s: Session) -> pd.DataFrame:
    """What each closed month's plan of record planned to produce in that month."""
    parts = []
    for cycle in cycle_store.cycles(s):
        if cycle.closed_at is None or cycle.plan_version_id is None:
            continue
        plan = plan_store.read_table(s, "products", cycle.plan_version_id)
        parts.append(
            plan.loc[plan["period"] == cycle.period, ["product_id", "period", "production"]]
        )
    columns = ["product_id", "period", "production"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def evaluate_book(
    book: Book, *, accuracy: AccuracyReport | None = None, tolerance: float | None = None
) -> Evaluation:
    """Money, ledger, scorecard, KPIs and exceptions of one plan (pure computation)."""
    m, plan = book.master, book.plan
    tolerance = book.tolerance if tolerance is None else tolerance
    standard = money_core.standard_costs(m["products"], m["routings"], m["resources"])
    money = money_core.plan_money(
        plan["products"],
        plan["segments"],
        plan["resources"],
        m["products"],
        m["routings"],
        m["resources"],
    )
    ledger = _ledger(book, money, standard)
    periods = sorted(plan["products"]["period"].unique())
    past = sorted(book.history["period"].unique())[-ACTUAL_MONTHS:]
    # The same length of window on both sides, so totals compare.
    kpis = kpi_core.kpi_table(ledger, {"actual": past, "plan": periods[:ACTUAL_MONTHS]})
    process = _process_kpis(book, accuracy, past, periods)
    if not process.empty:
        kpis = pd.concat([kpis, process], ignore_index=True)
    scorecard = score_core.score(
        m["targets"], ledger, tolerance=tolerance, basis_periods=[*past, *periods]
    )
    exceptions = find_exceptions(_exception_inputs(book, standard, scorecard, accuracy))
    sentences = score_core.summary_sentences(scorecard)
    return Evaluation(
        book.version, money, ledger, scorecard, kpis, exceptions, tolerance, sentences
    )


def _ledger(book: Book, money: pd.DataFrame, standard: pd.Series) -> pd.DataFrame:
    m, plan = book.master, book.plan
    planned = ledger_core.plan_ledger(
        plan["products"],
        plan["segments"],
        plan["resources"],
        plan["costs"],
        money,
        m["products"],
        standard,
        resources=m["resources"],
    )
    first = plan["products"]["period"].min()
    history = book.history[book.history["period"] < first]
    inventory = book.snapshots[["product_id", "period", "on_hand"]]
    actual = ledger_core.actual_ledger(
        history,
        m["products"],
        m["customers"],
        standard,
        production=book.production[book.production["period"] < first],
        inventory=inventory[inventory["period"] < first],
        routings=m["routings"],
        resources=m["resources"],
    )
    return pd.concat([actual, planned], ignore_index=True)


STABILITY_MONTHS = 3
"""Months compared for plan stability when the plan has no frozen fence."""


def _process_kpis(
    book: Book, accuracy: AccuracyReport | None, past: list[str], periods: list[str]
) -> pd.DataFrame:
    """Forecast accuracy and bias, plan adherence and plan stability (KPI table rows)."""
    rows: list[dict[str, Any]] = []

    def add(
        kpi: str, kind: str, scope: str, basis: str, span: list[str], value: float, unit: str
    ) -> None:
        rows.append(
            {
                "kpi": kpi,
                "scope_kind": kind,
                "scope": scope,
                "basis": basis,
                "period_from": span[0] if span else None,
                "period_to": span[-1] if span else None,
                "value": value,
                "unit": unit,
            }
        )

    if accuracy is not None and not accuracy.errors.empty:
        errors = accuracy.errors
        lag1 = errors[(errors["stream"] == "consensus") & (errors["lag"] == 1)]
        for level, kind in (("product", "all"), ("family", "family")):
            chosen = lag1[lag1["level"] == level]
            groups = chosen.groupby("key") if kind == "family" else [("all", chosen)]
            for key, part in groups:
                actual = float(part["actual"].sum())
                if actual <= 0:
                    continue
                wape = accuracy_core.wape(float(part["abs_error"].sum()), actual)
                bias = accuracy_core.bias(float(part["forecast"].sum()) - actual, actual)
                add("forecast_wape_lag1", kind, str(key), "actual", past, wape, "share")
                add("forecast_bias_lag1", kind, str(key), "actual", past, bias, "share")
    if not book.recorded.empty and not book.production.empty:
        table = kpi_core.plan_adherence(book.production, book.recorded)
        total = table[(table["product_id"] == "all") & (table["period"] == "all")]
        months = sorted(book.recorded["period"].unique())
        if len(total):
            add(
                "plan_adherence",
                "all",
                "all",
                "actual",
                months,
                float(total["adherence"].iloc[0]),
                "share",
            )
    if not book.previous.empty:
        fence = int(book.version.get("frozen_periods") or 0) or STABILITY_MONTHS
        window = periods[:fence]
        table = kpi_core.plan_stability(book.previous, book.plan["products"], window)
        for row in table.to_dict("records"):
            kind = "all" if row["family"] == "all" else "family"
            add("plan_change", kind, str(row["family"]), "plan", window, row["change"], "share")
    return pd.DataFrame(rows, columns=list(kpi_core.KPI_TABLE_COLUMNS))


def _exception_inputs(
    book: Book, standard: pd.Series, scorecard: pd.DataFrame, accuracy: AccuracyReport | None
) -> ExceptionInputs:
    m, plan = book.master, book.plan
    targets = m["targets"]
    band = targets.groupby("metric")["value"].min()
    return ExceptionInputs(
        plan_products=plan["products"],
        plan_segments=plan["segments"],
        plan_resources=plan["resources"],
        products=m["products"],
        segments=m["segments"],
        resources=m["resources"],
        standard=standard,
        price=m["products"].set_index("product_id")["price"],
        scorecard=scorecard,
        bias=_bias(accuracy, plan["products"]),
        override_fva=_override_fva(accuracy),
        min_util=_maybe(band.get("utilisation_min")),
        max_util=_maybe(targets[targets["metric"] == "utilisation_max"]["value"].max()),
    )


def _maybe(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _bias(accuracy: AccuracyReport | None, plan_products: pd.DataFrame) -> pd.DataFrame:
    """Lag-1 bias of the consensus per family and product, with the next months' volume.

    The months are the exceptions' own (`NEXT_MONTHS`): one number in one place.
    """
    columns = ["level", "key", "lag", "bias", "actual", "forecast_next"]
    if accuracy is None or accuracy.errors.empty:
        return pd.DataFrame(columns=columns)
    errors = accuracy.errors
    rows = errors[
        (errors["stream"] == "consensus")
        & (errors["lag"] == 1)
        & errors["level"].isin(["product", "family"])
    ]
    periods = sorted(plan_products["period"].unique())[:NEXT_MONTHS]
    soon = plan_products[plan_products["period"].isin(periods)]
    ahead = pd.concat(
        [
            soon.groupby("product_id")["demand"]
            .sum()
            .rename_axis("key")
            .reset_index()
            .assign(level="product"),
            soon.groupby("family")["demand"]
            .sum()
            .rename_axis("key")
            .reset_index()
            .assign(level="family"),
        ]
    ).rename(columns={"demand": "forecast_next"})
    out = rows.merge(ahead, on=["level", "key"], how="left")
    out["forecast_next"] = out["forecast_next"].fillna(0.0)
    return out[columns].reset_index(drop=True)


def _override_fva(accuracy: AccuracyReport | None) -> pd.DataFrame:
    """Each override author's forecast value added, and the error units it added."""
    columns = ["stream", "author", "level", "key", "lag", "fva", "extra_error_units"]
    if accuracy is None or accuracy.fva.empty:
        return pd.DataFrame(columns=columns)
    fva = accuracy.fva
    prefix = "statistical+override:"
    rows = fva[fva["stream"].str.startswith(prefix) & (fva["compared_to"] == "statistical")]
    keys = ["level", "key", "lag", "stream"]
    rows = rows.merge(accuracy.errors[[*keys, "actual"]], on=keys, how="left")
    rows = rows.assign(
        author=rows["stream"].str.removeprefix(prefix),
        stream=rows["stream"].str.removeprefix("statistical+"),
        extra_error_units=(-rows["fva"] * rows["actual"]).clip(lower=0.0),
    )
    return rows[columns].reset_index(drop=True)


def evaluate_kept(db: Database, *, version_id: int | None = None) -> Evaluation:
    """`evaluate`, kept between calls until the data changes (for the web pages)."""
    return memo.kept(db, ("evaluate", version_id), lambda: evaluate(db, version_id=version_id))


def evaluate(
    db: Database, *, version_id: int | None = None, tolerance: float | None = None
) -> Evaluation:
    """Evaluate a plan version (default: the plan of record) against strategy and actuals.

    ``tolerance`` (a fraction: 0.05 = 5%), when given, becomes the scorecard's setting.
    """
    if tolerance is not None and not 0 <= tolerance < 1:
        raise InvalidInput([Issue("bad_tolerance", "the tolerance is a fraction from 0 to 1")])
    with db.sessions.begin() as s:
        if tolerance is not None:
            old = s.get(Setting, TOLERANCE_SETTING)
            if old is None or old.value != str(tolerance):
                audit.record(
                    s,
                    "snop",
                    "setting.changed",
                    entity="setting",
                    entity_key=TOLERANCE_SETTING,
                    details={"old": None if old is None else old.value, "new": str(tolerance)},
                )
            s.merge(Setting(key=TOLERANCE_SETTING, value=str(tolerance)))
        book = load_book(s, version_id)
    accuracy = _accuracy(db)
    return evaluate_book(book, accuracy=accuracy)


def _accuracy(db: Database) -> AccuracyReport | None:
    try:
        return demand_accuracy(db, lags=(1,))
    except NotFound:
        return None
