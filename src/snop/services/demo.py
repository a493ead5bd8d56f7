"""Build the demo company and run every planning step snop has on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

import pandas as pd

from snop.demand.forecast import ForecastSettings
from snop.demo.company import DEMO_NAME, build_demo_company
from snop.errors import InvalidInput, Issue
from snop.frames import PERIOD_PATTERN, shift_period
from snop.progress import Progress, silent
from snop.services import audit, demand, imports, scenarios, supply, users
from snop.services.auth import Actor, name_of
from snop.services.database import Database
from snop.services.status import COMPANY_NAME
from snop.store import cycles as cycle_store
from snop.team.roles import DEMO_USERS

DEFAULT_SEED = 42


def last_full_month(today: dt.date) -> str:
    """The month before ``today``'s: the last month whose history is complete."""
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What ``snop demo`` built."""

    company: str
    seed: int
    history_from: str
    history_to: str
    counts: dict[str, int]
    families: list[str]
    sites: list[str]
    target_periods: list[str]
    import_id: int | None
    forecast: dict[str, Any] | None = None
    supply: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "company": self.company,
            "seed": self.seed,
            "history_from": self.history_from,
            "history_to": self.history_to,
            "rows": self.counts,
            "families": self.families,
            "sites": self.sites,
            "target_periods": self.target_periods,
            "import_id": self.import_id,
            "forecast": self.forecast,
            "supply": self.supply,
        }

    def _forecast_lines(self) -> list[str]:
        if not self.forecast:
            return []
        f = self.forecast
        totals = f["totals"]
        return [
            f"  demand forecast {f['first_period']} .. {f['last_period']} (version "
            f"{f['version_id']}, {f['series']} series, {f['reconciliation']} reconciliation): "
            f"consensus {totals.get('consensus', 0):,.0f} units, statistical "
            f"{totals.get('statistical', 0):,.0f}",
            f"  {REPLAY_MONTHS} earlier forecasts replayed and 2 sales overrides entered, "
            "so accuracy and forecast value added can be measured",
        ]

    def _supply_lines(self) -> list[str]:
        if not self.supply:
            return []
        p = self.supply
        lines = [
            f"  supply plan version {p['version']} ({p['strategy']} strategy, {p['status']}): "
            f"cost {p['total_cost']:,.0f}"
        ]
        lines += [f"    {sentence}" for sentence in p["headlines"]]
        runs = p.get("scenarios") or []
        if runs:
            names = ", ".join(f"{r['name']} ({r['status']})" for r in runs)
            lines.append(f"  {len(runs)} scenarios run: {names}")
        return lines

    def render(self, database: str) -> str:
        """The summary a new user reads after ``snop demo``."""
        c = self.counts
        return "\n".join(
            [
                f"[bold green]Built the demo company {self.company}[/] in {database} "
                f"(seed {self.seed}).",
                f"  {c['products']} products in {len(self.families)} families "
                f"({', '.join(self.families)})",
                f"  {c['customers']} customers in {c['segments']} segments, "
                f"{c['resources']} resources at {len(self.sites)} sites "
                f"({', '.join(self.sites)})",
                f"  demand history {self.history_from} .. {self.history_to}: "
                f"{c['demand_history']:,} order lines",
                f"  {c['targets']} strategy targets for {_span(self.target_periods)}, "
                f"{c['events']} market events, {c['capacity']} capacity overrides",
                *self._forecast_lines(),
                *self._supply_lines(),
                f"  demo users, one per role, password '{users.DEMO_PASSWORD}' (demo only): "
                + ", ".join(DEMO_USERS),
                "",
                "[bold]Next:[/]",
                *_aligned(NEXT_STEPS),
            ]
        )


NEXT_STEPS = [
    ("snop demand show", "forecast by family, next to the actuals"),
    ("snop demand profile", "ABC/XYZ and demand classes of every product"),
    ("snop demand accuracy", "how good past forecasts were, and who added value"),
    ("snop capacity", "rough-cut check: the load of demand on every resource"),
    ("snop plan", "plan supply again (--strategy level|chase) and read why"),
    ("snop supply show", "the supply plan by family: production, stock, backlog"),
    ("snop supply late", "every late order and its cause"),
    ("snop scorecard", "the plan against the strategy's targets, in units and money"),
    ("snop exceptions", "what needs attention, ranked by money at stake"),
    ("snop scenario compare base peak-surge", "a what-if next to the plan, with deltas"),
    ("snop publish", "make the plan the cycle's plan of record"),
    ("snop status", "what the database holds"),
    ("snop export demo.xlsx", "the demo as a workbook, to copy"),
    ("snop template my-data.xlsx", "an empty workbook, every column explained"),
    ("snop --db mine.db import my-data.xlsx", "your own data, in its own database"),
]


def _aligned(rows: list[tuple[str, str]]) -> list[str]:
    width = max(len(command) for command, _ in rows)
    return [f"  {command.ljust(width)}   {note}" for command, note in rows]


def _span(periods: list[str]) -> str:
    months = sorted(p for p in periods if len(p) == 7)
    years = sorted(p for p in periods if len(p) == 4)
    parts = [f"{months[0]} .. {months[-1]}"] if months else []
    parts += years
    return " and ".join(parts) if parts else "no period"


def build_demo(
    db: Database,
    *,
    last_history_month: str,
    actor: Actor,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    forecast: bool = True,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the seeded demo company in ``db``, replacing an earlier demo, and plan it.

    The data goes through the same validation and import as a user's workbook. A database
    that holds imported data of the user's is only replaced with ``force``. With
    ``forecast``, two sales overrides are entered and the demand forecast is run: first as
    it would have been in each of the last ``REPLAY_MONTHS`` months (so accuracy and
    forecast value added have something to measure), then for the coming months.
    """
    report = progress or silent
    if not PERIOD_PATTERN.match(last_history_month):
        raise InvalidInput(
            [
                Issue(
                    "bad_period",
                    f"'{last_history_month}' is not a month written YYYY-MM",
                    column="end-month",
                    value=last_history_month,
                )
            ]
        )
    report("building the demo company", 0, None)
    sheets = build_demo_company(last_history_month=last_history_month, seed=seed)
    report("importing the demo company's workbook", 0, None)
    imported = imports.import_frames(
        db,
        sheets,
        source=f"demo company (seed {seed})",
        actor=actor,
        replace=True,
        force=force,
        is_demo=True,
        settings={COMPANY_NAME: DEMO_NAME},
    )
    with db.sessions.begin() as s:
        cleared = cycle_store.clear(s)
        if cleared:
            audit.record(s, name_of(actor), "demo.reset_cycles", details={"rows": cleared})
        made = users.create_demo_users(s)
        if made:
            audit.record(s, name_of(actor), "demo.users", details={"users": made})
    forecast_summary = _plan(db, actor, last_history_month, report) if forecast else None
    supply_summary = _supply(db, actor, report) if forecast else None
    if supply_summary is not None and supply_summary["status"] == "optimal":
        supply_summary["scenarios"] = _scenarios(db, actor, report)
    history = sheets["demand_history"]["period"]
    targets = sheets["targets"]
    return DemoSummary(
        company=DEMO_NAME,
        seed=seed,
        history_from=str(history.min()),
        history_to=str(history.max()),
        counts={name: len(frame) for name, frame in sheets.items()},
        families=sorted(sheets["products"]["family"].unique()),
        sites=sorted(sheets["resources"]["site"].unique()),
        target_periods=sorted(targets["period"].unique()),
        import_id=imported.import_id,
        forecast=None if forecast_summary is None else forecast_summary.to_dict(),
        supply=supply_summary,
    )


REPLAY_MONTHS = 4


class _DemoOverride(TypedDict):
    """A demo override; ``months`` are its first and last month relative to the last."""

    author: str
    level: str
    key: str
    months: tuple[int, int]
    change_pct: float
    reason_code: str
    comment: str


DEMO_OVERRIDES: tuple[_DemoOverride, ...] = (
    # A key account's plan that turned out right, and an optimistic call on tents.
    dict(
        author="sales.maria",
        level="product",
        key="BP-200",
        months=(-3, 8),
        change_pct=10.0,
        reason_code="customer_plan",
        comment="Key account raised its backpack plan",
    ),
    dict(
        author="sales.tom",
        level="family",
        key="Tents",
        months=(-3, 8),
        change_pct=15.0,
        reason_code="market_trend",
        comment="Camping boom will continue",
    ),
)


def _tagged(report: Progress, tag: str) -> Progress:
    """``report`` with every stage prefixed by ``tag``."""
    return lambda stage, done, total: report(f"{tag}: {stage}", done, total)


def _plan(db: Database, actor: Actor, last: str, report: Progress) -> demand.ForecastSummary:
    for entry in DEMO_OVERRIDES:
        start, end = entry["months"]
        demand.add_override(
            db,
            actor=str(entry["author"]),
            level=str(entry["level"]),
            key=str(entry["key"]),
            period_from=shift_period(last, int(start)),
            period_to=shift_period(last, int(end)),
            reason_code=str(entry["reason_code"]),
            change_pct=float(entry["change_pct"]),
            comment=str(entry["comment"]),
        )
    # Replays use one backtest window to keep the demo quick; the current run uses three.
    replay = ForecastSettings(n_jobs=-1, backtest_windows=1)
    for back in range(REPLAY_MONTHS, 0, -1):
        cutoff = shift_period(last, -back)
        tag = f"replaying the forecast of {cutoff} ({REPLAY_MONTHS - back + 1} of {REPLAY_MONTHS})"
        demand.run_forecast(
            db,
            actor=actor,
            settings=replay,
            cutoff=cutoff,
            progress=_tagged(report, tag),
        )
    return demand.run_forecast(
        db,
        actor=actor,
        settings=ForecastSettings(n_jobs=-1),
        progress=_tagged(report, "forecasting the coming months"),
    )


DEMO_HEADLINES = 4
"""Sentences of the plan's explanation shown in the demo summary."""


def demo_scenarios(periods: list[str], demand: pd.DataFrame) -> list[tuple[str, str, list[str]]]:
    """The demo's what-ifs: a surge in the peak season, a line down, a new tent.

    ``demand`` is the plan's product rows (period, demand); the peak is the three months in
    a row with the most demand in the first year.
    """
    monthly = demand.groupby("period")["demand"].sum().reindex(periods[:12]).fillna(0.0)
    window = monthly.rolling(3).sum()
    end = periods.index(str(window.idxmax()))
    peak_from, peak_to = periods[end - 2], periods[end]
    return [
        (
            "peak-surge",
            "Demand 20% above the consensus in the three peak months.",
            [f"demand pct=20 from={peak_from} to={peak_to}"],
        ),
        (
            "sewing-line-down",
            "Sewing line 2 stopped for two months for a refit.",
            [f"capacity resource_id=N-SEW2 pct=-100 from={periods[2]} to={periods[3]}"],
        ),
        (
            "new-tent",
            "An ultralight 2-person tent launched like the TN-200, taking 30% of its units.",
            [
                f"new_product product_id=TN-250 like=TN-200 launch_period={periods[3]} "
                "share=0.6 ramp_months=3 cannibalisation=0.3 "
                'name="Trailhead 2P Ultralight Tent" price=259'
            ],
        ),
    ]


def _scenarios(db: Database, actor: Actor, report: Progress) -> list[dict[str, Any]]:
    """Create and run the demo's scenarios and the ready-made pessimistic and optimistic."""
    report("creating the demo's scenarios", 0, None)
    plan = supply.stored_plan(db)
    products = plan.tables["products"]
    periods = sorted(products["period"].unique())
    for name, description, changes in demo_scenarios(periods, products):
        parsed = [scenarios.change_from_text(text) for text in changes]
        scenarios.create(db, name, parsed, actor=actor, description=description)
    scenarios.create_ready_made(db, actor=actor)
    names = [view.name for view in scenarios.list_scenarios(db)]
    results = scenarios.run_many(
        db, names, actor=actor, progress=_tagged(report, "running the scenarios")
    )
    return [{"name": r.name, "status": r.status, "seconds": r.seconds} for r in results]


def _supply(db: Database, actor: Actor, report: Progress) -> dict[str, Any]:
    run = supply.run_plan(db, actor=actor, progress=_tagged(report, "planning supply"))
    data = run.to_dict(detail=False)
    data["headlines"] = run.plan.explanation.sentences[:DEMO_HEADLINES]
    return data
