"""Demand review use cases: profile, forecast runs, overrides, accuracy and FVA."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, cast

import pandas as pd
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from snop.demand import accuracy as accuracy_core
from snop.demand.forecast import ForecastSettings
from snop.demand.plan import (
    CONSENSUS,
    EVENTS,
    NAIVE,
    OVERRIDE_PREFIX,
    STATISTICAL,
    DemandInputs,
    build_streams,
    plan_demand,
    streams_from_values,
)
from snop.demand.profile import DemandProfile, demand_profile
from snop.errors import InvalidInput, Issue, NotFound
from snop.frames import PERIOD_PATTERN, shift_period
from snop.progress import Progress, silent
from snop.services import audit
from snop.services.auth import Actor, Caller, require
from snop.services.database import Database
from snop.store import forecasts as store
from snop.store import frames as store_frames
from snop.store.tables import (
    Customer,
    DemandHistory,
    DemandOverride,
    ForecastError,
    ForecastModel,
    ForecastOutlier,
    ForecastValue,
    ForecastVersion,
    Product,
    Segment,
)
from snop.team.roles import Action, Role

Level = Literal["total", "family", "segment", "product", "product_segment"]
OVERRIDE_LEVELS = ("product", "family", "segment")


@dataclass(frozen=True, slots=True)
class ForecastSummary:
    """What a forecast run made."""

    version_id: int
    cutoff: str
    first_period: str
    last_period: str
    series: int
    reconciliation: str
    models: dict[str, int]
    outliers: int
    seconds: float
    totals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def _inputs(s: Session) -> DemandInputs:
    sheets = {
        name: store_frames.read_sheet(s, name)
        for name in ("demand_history", "products", "customers", "segments", "events")
    }
    overrides = store.read_overrides(s)
    return DemandInputs(
        history=sheets["demand_history"],
        products=sheets["products"],
        customers=sheets["customers"],
        segments=sheets["segments"],
        events=sheets["events"],
        overrides=overrides,
    )


def profile(db: Database) -> DemandProfile:
    """The demand profile of every product and product x segment over the whole history."""
    with db.sessions.begin() as s:
        inputs = _inputs(s)
    _require_history(inputs)
    return demand_profile(inputs.history, inputs.products, inputs.customers, inputs.segments)


def _require_history(inputs: DemandInputs) -> None:
    if inputs.history.empty:
        raise NotFound("there is no demand history yet: import a workbook or run `snop demo`")


def run_forecast(
    db: Database,
    *,
    actor: Actor,
    settings: ForecastSettings | None = None,
    cutoff: str | None = None,
    engine: object = None,
    progress: Progress | None = None,
) -> ForecastSummary:
    """Forecast demand and store it as a new version (earlier versions are kept).

    ``progress`` hears the reading and storing (uncounted) and `plan_demand`'s stages.
    """
    settings = settings or ForecastSettings(n_jobs=-1)
    if cutoff is not None and not PERIOD_PATTERN.match(cutoff):
        raise InvalidInput([Issue("bad_period", f"'{cutoff}' is not a month written YYYY-MM")])
    report = progress or silent
    report("reading the demand history", 0, None)
    with db.sessions.begin() as s:
        name = require(s, actor, Action.FORECAST)
        inputs = _inputs(s)
    _require_history(inputs)
    started = time.perf_counter()
    plan = plan_demand(inputs, settings, cutoff=cutoff, engine=engine, progress=progress)
    seconds = time.perf_counter() - started
    periods = sorted(plan.values["period"].unique())
    totals = plan.values.groupby("stream")["quantity"].sum().round(1).to_dict()
    models = plan.models[plan.models["level"] == "product_segment"]["model"].value_counts()
    report("storing the forecast as a new version", 0, None)
    with db.sessions.begin() as s:
        version_id = store.add_version(
            s,
            actor=name,
            cutoff=plan.cutoff,
            first_period=periods[0],
            horizon=settings.horizon,
            reconciliation=plan.method,
            settings=_settings_dict(settings, engine),
            summary={"totals": totals, "reconciliation": plan.reconciliation.to_dict("records")},
            seconds=seconds,
        )
        store.write_forecast(
            s,
            version_id,
            values=plan.values,
            models=plan.models,
            outliers=plan.outliers,
            errors=plan.backtest_errors,
        )
        audit.record(
            s,
            name,
            "demand.forecast_run",
            entity="forecast_version",
            entity_key=str(version_id),
            details={"cutoff": plan.cutoff},
        )
    return ForecastSummary(
        version_id=version_id,
        cutoff=plan.cutoff,
        first_period=periods[0],
        last_period=periods[-1],
        series=int(plan.models["unique_id"].nunique()),
        reconciliation=plan.method,
        models={str(k): int(v) for k, v in models.items()},
        outliers=len(plan.outliers),
        seconds=round(seconds, 1),
        totals={str(k): float(v) for k, v in totals.items()},
    )


def _settings_dict(settings: ForecastSettings, engine: object) -> dict[str, Any]:
    return {
        "horizon": settings.horizon,
        "season_length": settings.season_length,
        "levels": list(settings.levels),
        "backtest_windows": settings.backtest_windows,
        "backtest_horizon": settings.backtest_horizon,
        "method": settings.method,
        "engine": None if engine is None else type(engine).__name__,
    }


def forecast_table(
    db: Database,
    *,
    level: Level = "family",
    key: str | None = None,
    version_id: int | None = None,
    include_history: int = 12,
) -> pd.DataFrame:
    """Streams by month for a level (and one key of it), with recent actuals beside them.

    Returns key, period, actual, then one column per stream (units), summed from the
    product x segment rows so every level adds up.
    """
    with db.sessions.begin() as s:
        version = _version(s, version_id)
        values = store.read_values(s, [version.id])
        history = store_frames.read_sheet(s, "demand_history")
        segment_of = store.segments_of_customers(s)
        products = store_frames.read_sheet(s, "products")[["product_id", "family"]]
    values = _at_level(values, level)
    if key is not None:
        values = values[values["key"] == key]
        if values.empty:
            raise NotFound(f"no forecast for {level} {key}")
    wide = values.pivot_table(
        index=["key", "period"], columns="stream", values="quantity", aggfunc="sum"
    ).reset_index()
    actual = history.assign(segment=history["customer_id"].map(segment_of)).merge(products)
    actual = _at_level(actual.rename(columns={"ordered": "quantity"}), level)
    first = shift_period(version.first_period, -include_history)
    actual = actual[actual["period"] >= first]
    # as_index=False gives a frame; pandas-stubs types the column selection as a Series.
    actual = cast(pd.DataFrame, actual.groupby(["key", "period"], as_index=False)["quantity"].sum())
    if key is not None:
        actual = actual[actual["key"] == key]
    table = actual.rename(columns={"quantity": "actual"}).merge(
        wide, on=["key", "period"], how="outer"
    )
    return table.sort_values(["key", "period"]).reset_index(drop=True)


def _at_level(frame: pd.DataFrame, level: Level) -> pd.DataFrame:
    keys = {
        "total": None,
        "family": ["family"],
        "segment": ["segment"],
        "product": ["product_id"],
        "product_segment": ["product_id", "segment"],
    }[level]
    out = frame.copy()
    out["key"] = "all" if keys is None else out[keys].astype(str).agg(" / ".join, axis=1)
    return out


def _version(s: Session, version_id: int | None) -> ForecastVersion:
    if version_id is None:
        version = store.latest_version(s)
        if version is None:
            raise NotFound("no forecast yet: run `snop forecast`")
        return version
    version = s.get(ForecastVersion, version_id)
    if version is None:
        raise NotFound(f"there is no forecast version {version_id}")
    return version


def forecast_details(db: Database, *, version_id: int | None = None) -> dict[str, pd.DataFrame]:
    """The models chosen (and why), the outliers cleansed and the backtest errors."""
    with db.sessions.begin() as s:
        version = _version(s, version_id)
        return {
            "models": store.read_table(s, ForecastModel, version.id),
            "outliers": store.read_table(s, ForecastOutlier, version.id),
            "errors": store.read_table(s, ForecastError, version.id),
        }


def add_override(
    db: Database,
    *,
    actor: Actor,
    level: str,
    key: str,
    period_from: str,
    period_to: str,
    reason_code: str,
    change_pct: float | None = None,
    change_qty: float | None = None,
    comment: str | None = None,
) -> int:
    """Record an override and apply it to the latest forecast's consensus at once."""
    change = MonthChange(period_from, change_pct, change_qty, period_to)
    return add_overrides(
        db,
        actor=actor,
        level=level,
        key=key,
        changes=[change],
        reason_code=reason_code,
        comment=comment,
    )[0]


@dataclass(frozen=True, slots=True)
class MonthChange:
    """One override of a grid: a month (or ``period_to`` for a range), by % or by units."""

    period: str
    change_pct: float | None = None
    change_qty: float | None = None
    period_to: str | None = None


def add_overrides(
    db: Database,
    *,
    actor: Actor,
    level: str,
    key: str,
    changes: Sequence[MonthChange],
    reason_code: str,
    comment: str | None = None,
) -> list[int]:
    """Record several overrides of one key (a grid's changed cells) in one transaction.

    All are checked before any is written, the consensus is recomputed once, and either all
    are recorded or none.
    """
    if not changes:
        return []
    with db.sessions.begin() as s:
        known = _keys_of(s, level) if level in OVERRIDE_LEVELS else set()
        for change in changes:
            last = change.period_to or change.period
            pct, qty = change.change_pct, change.change_qty
            _check_override(known, level, key, change.period, last, reason_code, pct, qty)
        families, segments = _override_scope(s, level, key)
        name = require(s, actor, Action.OVERRIDE, families=families, segments=segments)
        ids = [
            _record_override(s, name, actor, level, key, change, reason_code, comment)
            for change in changes
        ]
        _refresh_consensus(s, family=families[0] if len(families) == 1 else None)
    return ids


def _record_override(
    s: Session,
    name: str,
    actor: Actor,
    level: str,
    key: str,
    change: MonthChange,
    reason_code: str,
    comment: str | None,
) -> int:
    last = change.period_to or change.period
    override_id = store.add_override(
        s,
        author=name,
        role=_override_role(actor),
        reason_code=reason_code,
        comment=comment,
        level=level,
        key=key,
        period_from=change.period,
        period_to=last,
        change_pct=change.change_pct,
        change_qty=change.change_qty,
    )
    audit.record(
        s,
        name,
        "demand.override_added",
        entity="demand_override",
        entity_key=str(override_id),
        details={
            "level": level,
            "key": key,
            "from": change.period,
            "to": last,
            "change_pct": change.change_pct,
            "change_qty": change.change_qty,
            "reason_code": reason_code,
        },
    )
    return override_id


def _override_scope(s: Session, level: str, key: str) -> tuple[list[str], list[str]]:
    """The family or segment an override touches, for a scoped user's check."""
    if level == "family":
        return [key], []
    if level == "segment":
        return [], [key]
    products = store_frames.read_sheet(s, "products").set_index("product_id")["family"]
    return ([str(products[key])] if key in products.index else []), []


def _override_role(actor: Actor) -> str | None:
    """The role an override was entered in: sales before the planners, else the first."""
    if not isinstance(actor, Caller):
        return None
    for role in (Role.SALES, Role.DEMAND, Role.ADMIN):
        if role in actor.roles:
            return role.value
    return actor.roles[0].value if actor.roles else None


def _check_override(
    known: set[str],
    level: str,
    key: str,
    period_from: str,
    period_to: str,
    reason_code: str,
    change_pct: float | None,
    change_qty: float | None,
) -> None:
    """Refuse an override that cannot be applied; ``known``: the keys of its level."""
    issues = []
    if level not in OVERRIDE_LEVELS:
        issues.append(
            Issue(
                "bad_choice",
                f"level must be one of {', '.join(OVERRIDE_LEVELS)}",
                column="level",
                value=level,
            )
        )
    elif key not in known:
        issues.append(
            Issue("unknown_reference", f"{key} is not a known {level}", column="key", value=key)
        )
    for name, value in (("period_from", period_from), ("period_to", period_to)):
        if not PERIOD_PATTERN.match(value or ""):
            issues.append(
                Issue(
                    "bad_period",
                    f"'{value}' is not a month written YYYY-MM",
                    column=name,
                    value=value,
                )
            )
    if not issues and period_from > period_to:
        issues.append(
            Issue("inconsistent_periods", "period_to is before period_from", column="period_to")
        )
    if (change_pct is None) == (change_qty is None):
        issues.append(Issue("ambiguous_change", "give either a percentage or a quantity"))
    if change_pct is not None and change_pct < -100:
        issues.append(
            Issue(
                "out_of_range",
                "a change below -100% makes demand negative",
                column="change_pct",
                value=change_pct,
            )
        )
    if not reason_code.strip():
        issues.append(
            Issue("missing_value", "every override needs a reason code", column="reason_code")
        )
    if issues:
        raise InvalidInput(issues)


def _keys_of(s: Session, level: str) -> set[str]:
    products = store_frames.read_sheet(s, "products")
    if level == "product":
        return set(products["product_id"])
    if level == "family":
        return set(products["family"])
    return set(store_frames.read_sheet(s, "segments")["segment"])


def _refresh_consensus(s: Session, *, family: str | None = None) -> None:
    """Apply the active events and overrides again to the latest version's forecast.

    ``family``: only the rows of that family can have changed (an override of the family or
    of one of its products was recorded), so only they are read, rebuilt and compared. That
    holds while every change spreads within one family and the streams stay the same: events
    and product or family overrides spread within a family, but a segment override by
    quantity shares units across families, and a person's first override (or last one
    withdrawn) adds (or drops) a stream on every row; then the whole version is rebuilt.
    """
    version = store.latest_version(s)
    if version is None:
        return
    overrides = store.read_overrides(s)
    if family is not None and _spreads_across_families(overrides):
        family = None
    values = store.read_values(s, [version.id], family=family)
    if family is not None and values.empty:  # a family the version has no forecast for
        _refresh_consensus(s)
        return
    statistical, naive = streams_from_values(values)
    events = store_frames.read_sheet(s, "events")
    streams = build_streams(statistical, naive, events, overrides)
    changed = [
        st
        for st in streams["stream"].unique()
        if st in (EVENTS, CONSENSUS) or st.startswith(OVERRIDE_PREFIX)
    ]
    stale = [st for st in values["stream"].unique() if st.startswith(OVERRIDE_PREFIX)]
    if family is not None and set(stale) != {
        st for st in changed if st.startswith(OVERRIDE_PREFIX)
    }:
        _refresh_consensus(s)  # a stream appears or goes: on every row, not the family's only
        return
    rewritten = sorted(set(changed) | set(stale))
    store.replace_streams(s, version.id, streams, rewritten, stored=values)


def _spreads_across_families(overrides: pd.DataFrame) -> bool:
    """Whether an active override shares a quantity over rows of several families."""
    by_quantity = overrides["change_qty"].notna() & overrides["change_pct"].isna()
    return bool((by_quantity & (overrides["level"] == "segment")).any())


def list_overrides(db: Database) -> pd.DataFrame:
    """Active overrides, oldest first."""
    with db.sessions.begin() as s:
        return store.read_overrides(s)


def override_conflicts(db: Database) -> pd.DataFrame:
    """Pairs of active overrides by different people on the same key and overlapping months.

    Both change the consensus (they add up), which is rarely what either meant: the demand
    planner keeps one (`resolve_conflict`). Columns: first, second (override ids), level,
    key, months (the overlap), first_author, second_author, first_change, second_change.
    """
    columns = [
        "first",
        "second",
        "level",
        "key",
        "months",
        "first_author",
        "second_author",
        "first_change",
        "second_change",
    ]
    overrides = list_overrides(db)
    if overrides.empty:
        return pd.DataFrame(columns=columns)
    pairs = overrides.merge(overrides, on=["level", "key"], suffixes=("_a", "_b"))
    pairs = pairs[
        (pairs["override_id_a"] < pairs["override_id_b"])
        & (pairs["author_a"] != pairs["author_b"])
        & (pairs["period_from_a"] <= pairs["period_to_b"])
        & (pairs["period_from_b"] <= pairs["period_to_a"])
    ]
    if pairs.empty:
        return pd.DataFrame(columns=columns)

    def change(frame: pd.DataFrame, side: str) -> list[str]:
        pct, qty = frame[f"change_pct_{side}"], frame[f"change_qty_{side}"]
        return [
            f"{p:+g}%" if pd.notna(p) else f"{q:+g} units" for p, q in zip(pct, qty, strict=True)
        ]

    start = pairs[["period_from_a", "period_from_b"]].max(axis=1)
    end = pairs[["period_to_a", "period_to_b"]].min(axis=1)
    return pd.DataFrame(
        {
            "first": pairs["override_id_a"].to_numpy(),
            "second": pairs["override_id_b"].to_numpy(),
            "level": pairs["level"].to_numpy(),
            "key": pairs["key"].to_numpy(),
            "months": (start + ".." + end).to_numpy(),
            "first_author": pairs["author_a"].to_numpy(),
            "second_author": pairs["author_b"].to_numpy(),
            "first_change": change(pairs, "a"),
            "second_change": change(pairs, "b"),
        }
    )


def resolve_conflict(db: Database, *, actor: Actor, drop: int, reason: str) -> None:
    """Withdraw one override of a conflict (kept, inactive, with the reason); re-consensus."""
    if not reason.strip():
        raise InvalidInput([Issue("no_reason", "say why the override is dropped", column="reason")])
    with db.sessions.begin() as s:
        name = require(s, actor, Action.RESOLVE_CONFLICT)
        override = s.get(DemandOverride, drop)
        if override is None or not override.active:
            raise NotFound(f"there is no active override {drop}")
        override.active = False
        override.version += 1
        audit.record(
            s,
            name,
            "demand.override_dropped",
            entity="demand_override",
            entity_key=str(drop),
            details={"old": {"active": True}, "new": {"active": False}, "reason": reason},
        )
        _refresh_consensus(s)


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    """Accuracy of past forecast versions against what customers then ordered.

    errors : error_table rows (level, key, stream, lag, n, actual, forecast, wape, mape,
        smape, bias, mase)
    summary : per level x stream x lag, volume-weighted wape and bias
    fva : forecast value added of each stream over its baseline
    """

    errors: pd.DataFrame
    summary: pd.DataFrame
    fva: pd.DataFrame

    def headline(self, level: str = "product") -> pd.DataFrame:
        """Per stream: WAPE and bias at each lag, and WAPE points gained over its baseline.

        The baseline of ``statistical`` is ``naive``; of every other stream, ``statistical``.
        Positive ``fva_lag<N>`` means the stream made the forecast more accurate.
        """
        rows = self.summary[self.summary["level"] == level]
        wide = rows.pivot_table(index="stream", columns="lag", values=["wape", "bias"])
        pairs = cast(list[tuple[str, int]], list(wide.columns))
        wide.columns = pd.Index([f"{metric}_lag{lag}" for metric, lag in pairs])
        out = wide.reset_index()
        for lag in sorted(rows["lag"].unique()):
            wape = out.set_index("stream")[f"wape_lag{lag}"]
            baseline = out["stream"].map(
                lambda st: (
                    "naive" if st == "statistical" else (None if st == "naive" else "statistical")
                )
            )
            out[f"fva_lag{lag}"] = baseline.map(wape).to_numpy() - out[f"wape_lag{lag}"]
        order = {"naive": 0, "statistical": 1, "consensus": 9}
        out = out.sort_values("stream", key=lambda c: c.map(lambda x: order.get(x, 5)))
        lags = sorted(rows["lag"].unique())
        columns = [f"{m}_lag{lag}" for m in ("wape", "fva", "bias") for lag in lags]
        return out[["stream", *columns]].reset_index(drop=True)


def accuracy(db: Database, *, lags: tuple[int, ...] = (1, 3)) -> AccuracyReport:
    """Measure every stored forecast version on the actuals that have come in since."""
    with db.sessions.begin() as s:
        values = store.read_values(s)
        history = store_frames.read_sheet(s, "demand_history")
        segment_of = store.segments_of_customers(s)
        products = store_frames.read_sheet(s, "products")[["product_id", "family"]]
    if values.empty:
        raise NotFound("no forecast versions yet: run `snop forecast`")
    actuals = history.assign(segment=history["customer_id"].map(segment_of)).merge(products)
    # as_index=False gives a frame; pandas-stubs types the column selection as a Series.
    actuals = cast(
        pd.DataFrame,
        actuals.groupby(["period", "product_id", "family", "segment"], as_index=False)[
            "ordered"
        ].sum(),
    ).rename(columns={"ordered": "quantity"})
    forecasts = _cumulative_streams(values)
    errors = accuracy_core.error_table(
        forecasts, actuals, lags=lags, history=actuals, season_length=12
    )
    return AccuracyReport(
        errors=errors,
        summary=accuracy_core.summarise(errors),
        fva=accuracy_core.forecast_value_added(errors),
    )


def _cumulative_streams(values: pd.DataFrame) -> pd.DataFrame:
    """Streams as forecasts: adjustment layers become statistical + that layer."""
    keys = ["cutoff", "period", "product_id", "family", "segment"]
    base = values[values["stream"] == "statistical"].set_index(keys)["quantity"]
    frames = [values[values["stream"].isin(["naive", "statistical", CONSENSUS])]]
    for stream in values["stream"].unique():
        if stream == EVENTS or stream.startswith(OVERRIDE_PREFIX):
            layer = values[values["stream"] == stream].set_index(keys)["quantity"]
            combined = (base.reindex(layer.index).fillna(0.0) + layer).clip(lower=0.0)
            frames.append(combined.reset_index().assign(stream=f"statistical+{stream}"))
    out = pd.concat(frames, ignore_index=True)
    return out[[*keys, "stream", "quantity"]]


# Reads for the web pages: one key of one level at a time, summed by the database.

ViewLevel = Literal["total", "family", "segment", "product"]
VIEW_LEVELS: tuple[ViewLevel, ...] = ("total", "family", "segment", "product")
INTERVALS = ("lo_80", "hi_80", "lo_95", "hi_95")
REASON_CODES: dict[str, str] = {
    "promotion": "a promotion or campaign",
    "customer_plan": "a customer's own plan or order forecast",
    "new_business": "business won: a new customer, listing or contract",
    "lost_business": "business lost: a customer, listing or contract",
    "market_trend": "a market trend the history does not show yet",
    "price_change": "a price change, ours or a competitor's",
    "competitor": "a competitor's move: launch, exit, shortage",
    "one_off_event": "a one-off event: trade fair, weather, season start",
    "correction": "the history misleads the model (a data issue)",
}
"""Reason codes offered to people overriding the forecast (any non-empty code is kept)."""


@dataclass(frozen=True, slots=True)
class ForecastView:
    """One key of one level of a forecast version, month by month.

    table : period, actual, then one column per stream (naive, statistical, events,
        override:<author>, consensus; units), then lo_80, hi_80, lo_95, hi_95: the
        consensus's intervals for the key, its product x segment rows' intervals combined
        as if their errors were independent (each side's distance from the consensus is
        the root of the rows' summed squares). Adding the rows' bounds instead, as the
        pessimistic and optimistic scenarios do, would assume every row misses the same
        way at once: far wider than the errors the backtest finds for a family or the
        total.
    """

    version_id: int
    cutoff: str
    first_period: str
    last_period: str
    level: str
    key: str
    table: pd.DataFrame

    @property
    def streams(self) -> list[str]:
        """The stream columns of ``table``, in the table's order."""
        return [c for c in self.table.columns if c not in ("period", "actual", *INTERVALS)]


@dataclass(frozen=True, slots=True)
class DemandKeys:
    """What the forecast can be looked at by: families, segments, products by family."""

    families: list[str]
    segments: list[str]
    products: dict[str, list[str]]

    def of(self, level: str) -> list[str]:
        """The keys of a level ('all' for the total)."""
        if level == "family":
            return self.families
        if level == "segment":
            return self.segments
        if level == "product":
            return [p for family in self.products.values() for p in family]
        return ["all"]


def forecast_keys(db: Database) -> DemandKeys:
    """The families, segments and products (grouped by family), sorted."""
    with db.sessions.begin() as s:
        products = s.execute(
            select(Product.family, Product.product_id).order_by(Product.family, Product.product_id)
        ).all()
        segments = list(s.scalars(select(Segment.segment).order_by(Segment.segment)))
    by_family: dict[str, list[str]] = {}
    for family, product_id in products:
        by_family.setdefault(str(family), []).append(str(product_id))
    return DemandKeys(families=list(by_family), segments=segments, products=by_family)


def forecast_view(
    db: Database,
    *,
    level: ViewLevel = "total",
    key: str | None = None,
    version_id: int | None = None,
    include_history: int = 24,
) -> ForecastView:
    """The streams and actuals of one family, segment or product (or the total) by month.

    The same numbers as :func:`forecast_table` for that key, summed by the database so
    that one key is quick to read however many products there are.
    """
    if level not in VIEW_LEVELS:
        raise InvalidInput(
            [
                Issue(
                    "bad_choice",
                    f"level must be one of {', '.join(VIEW_LEVELS)}",
                    column="level",
                    value=level,
                )
            ]
        )
    if level == "total":
        key = "all"
    elif not key:
        raise InvalidInput([Issue("missing_value", f"name the {level} to show", column="key")])
    with db.sessions.begin() as s:
        version = _version(s, version_id)
        values = _view_values(s, version.id, level, key)
        if values.empty:
            raise NotFound(f"no forecast for {level} {key}")
        first = shift_period(version.first_period, -include_history)
        actual = _view_actuals(s, level, key, first)
    wide = values.pivot_table(index="period", columns="stream", values="quantity", aggfunc="sum")
    order = {NAIVE: 0, STATISTICAL: 1, EVENTS: 2, CONSENSUS: 9}
    streams = sorted(wide.columns, key=lambda st: (order.get(str(st), 5), str(st)))
    bounds = _combined_bounds(values[values["stream"] == CONSENSUS].set_index("period"))
    table = (
        actual.set_index("period")
        .join(wide[streams], how="outer")
        .join(bounds, how="left")
        .rename_axis("period")
        .reset_index()
        .sort_values("period")
        .reset_index(drop=True)
    )
    table.columns = pd.Index([str(c) for c in table.columns])
    periods = sorted(values["period"].unique())
    return ForecastView(
        version_id=int(version.id),
        cutoff=str(version.cutoff),
        first_period=str(periods[0]),
        last_period=str(periods[-1]),
        level=level,
        key=key,
        table=table,
    )


def _combined_bounds(consensus: pd.DataFrame) -> pd.DataFrame:
    """lo_*/hi_* of a key from its rows' summed squared distances (independent errors)."""
    out = pd.DataFrame(index=consensus.index)
    for bound in INTERVALS:
        spread = consensus[f"sq_{bound}"].clip(lower=0.0) ** 0.5
        if bound.startswith("lo_"):
            out[bound] = (consensus["quantity"] - spread).clip(lower=0.0)
        else:
            out[bound] = consensus["quantity"] + spread
    return out


def _view_values(s: Session, version_id: int, level: str, key: str) -> pd.DataFrame:
    """One key of a version by period and stream: quantity and its rows' spreads.

    sq_lo_* and sq_hi_* are the rows' summed squared distances from their quantity to
    each interval bound.
    """
    value = ForecastValue
    where: list[ColumnElement[bool]] = [value.version_id == version_id]
    squares = []
    for bound in INTERVALS:
        column = getattr(value, bound)
        distance = value.quantity - column if bound.startswith("lo_") else column - value.quantity
        squares.append(func.sum(distance * distance))
    query = select(value.period, value.stream, func.sum(value.quantity), *squares)
    if level == "family":
        query = query.join(Product, Product.product_id == value.product_id)
        where.append(Product.family == key)
    elif level == "segment":
        where.append(value.segment == key)
    elif level == "product":
        where.append(value.product_id == key)
    rows = s.execute(query.where(*where).group_by(value.period, value.stream)).all()
    squared = [f"sq_{bound}" for bound in INTERVALS]
    frame = pd.DataFrame(rows, columns=["period", "stream", "quantity", *squared])
    return frame.astype({c: float for c in ("quantity", *squared)})


def _view_actuals(s: Session, level: str, key: str, first: str) -> pd.DataFrame:
    """period, actual: units ordered of one key from ``first`` on."""
    history = DemandHistory
    query = (
        select(history.period, func.sum(history.ordered))
        .join(Product, Product.product_id == history.product_id)
        .join(Customer, Customer.customer_id == history.customer_id)
    )
    where: list[ColumnElement[bool]] = [history.period >= first]
    if level == "family":
        where.append(Product.family == key)
    elif level == "segment":
        where.append(Customer.segment == key)
    elif level == "product":
        where.append(history.product_id == key)
    rows = s.execute(query.where(*where).group_by(history.period)).all()
    frame = pd.DataFrame(rows, columns=["period", "actual"])
    return frame.astype({"actual": float})


def overrides_with_roles(db: Database) -> pd.DataFrame:
    """Active overrides, oldest first, with the role each was entered in.

    The columns of :func:`list_overrides` and ``role`` (sales, demand planner, ...; None
    for an override entered by a local owner without a role).
    """
    with db.sessions.begin() as s:
        overrides = store.read_overrides(s)
        rows = s.execute(
            select(DemandOverride.id, DemandOverride.role).where(DemandOverride.active.is_(True))
        )
        roles = {int(override_id): role for override_id, role in rows}
    return overrides.assign(role=overrides["override_id"].map(roles).astype(object))


def reason_codes(db: Database) -> dict[str, str]:
    """The reason codes to offer (code -> meaning): the usual ones and any used before."""
    with db.sessions.begin() as s:
        used = sorted(set(s.scalars(select(DemandOverride.reason_code))))
    codes = dict(REASON_CODES)
    for code in used:
        codes.setdefault(code, "used before")
    return codes
