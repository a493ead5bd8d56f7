"""What a database holds, in a few lines a planner reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from snop.services import memo
from snop.services.database import Database
from snop.store import cycles as cycle_store
from snop.store import forecasts as forecast_store
from snop.store import frames as store_frames
from snop.store import plans as plan_store
from snop.store.tables import DataImport, DemandHistory, Product, Resource, Setting

COMPANY_NAME = "company_name"


@dataclass(frozen=True, slots=True)
class DataSummary:
    """Counts per sheet, the history's span and the last import."""

    database: str
    company: str | None
    rows: dict[str, int]
    families: list[str] = field(default_factory=list)
    sites: list[str] = field(default_factory=list)
    history_from: str | None = None
    history_to: str | None = None
    last_import: dict[str, Any] | None = None
    forecast: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    cycle: dict[str, Any] | None = None
    scenarios: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "database": self.database,
            "company": self.company,
            "rows": self.rows,
            "families": self.families,
            "sites": self.sites,
            "history_from": self.history_from,
            "history_to": self.history_to,
            "last_import": self.last_import,
            "forecast": self.forecast,
            "plan": self.plan,
            "cycle": self.cycle,
            "scenarios": self.scenarios,
        }

    def render(self) -> str:
        """A short text for the terminal."""
        lines = [f"[bold]{self.company or 'snop database'}[/] at {self.database}"]
        if not any(self.rows.values()):
            lines.append("No data yet: run `snop demo`, or `snop import <workbook>`.")
            return "\n".join(lines)
        lines.append(
            f"{self.rows['products']:,} products in {len(self.families)} families, "
            f"{self.rows['customers']:,} customers in {self.rows['segments']} segments, "
            f"{self.rows['resources']} resources at {len(self.sites)} sites."
        )
        if self.history_from:
            lines.append(
                f"Demand history {self.history_from} .. {self.history_to}: "
                f"{self.rows['demand_history']:,} rows."
            )
        if self.last_import:
            lines.append(
                f"Last import: {self.last_import['source']} by {self.last_import['actor']} "
                f"at {self.last_import['at']}."
            )
        if self.forecast:
            f = self.forecast
            lines.append(
                f"Latest forecast: version {f['version']}, {f['first_period']} onwards, "
                f"{f['horizon']} months (history up to {f['cutoff']})."
            )
        if self.plan:
            p = self.plan
            cost = "" if p["total_cost"] is None else f", cost {p['total_cost']:,.0f}"
            lines.append(
                f"Latest supply plan: version {p['version']}, {p['strategy']} strategy, "
                f"{p['status']}{cost}."
            )
        if self.cycle:
            c = self.cycle
            record = (
                f"plan of record version {c['plan_of_record']}"
                if c["plan_of_record"] is not None
                else "no plan of record yet"
            )
            lines.append(f"Open cycle {c['period']}: {record}; {self.scenarios} scenarios.")
        return "\n".join(lines)


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive UTC; PostgreSQL an aware time in the session's zone."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment


def describe(db: Database) -> DataSummary:
    """Summarise the database's content."""
    with db.sessions.begin() as s:
        rows = store_frames.count_rows(s)
        first, last = s.execute(
            select(func.min(DemandHistory.period), func.max(DemandHistory.period))
        ).one()
        setting = s.get(Setting, COMPANY_NAME)
        latest = s.scalars(select(DataImport).order_by(DataImport.id.desc()).limit(1)).first()
        forecast = forecast_store.latest_version(s)
        plan = plan_store.latest_version(s)
        cycle = cycle_store.open_cycle(s)
        return DataSummary(
            database=db.display_url,
            company=setting.value if setting else None,
            rows=rows,
            families=sorted(s.scalars(select(Product.family).distinct())),
            sites=sorted(s.scalars(select(Resource.site).distinct())),
            history_from=first,
            history_to=last,
            last_import=None
            if latest is None
            else {
                "source": latest.source,
                "actor": latest.actor,
                "at": f"{_utc(latest.at):%Y-%m-%d %H:%M} UTC",
                "demo": latest.is_demo,
            },
            forecast=None
            if forecast is None
            else {
                "version": forecast.id,
                "cutoff": forecast.cutoff,
                "first_period": forecast.first_period,
                "horizon": forecast.horizon,
            },
            plan=None
            if plan is None
            else {
                "version": plan.id,
                "strategy": plan.strategy,
                "status": plan.status,
                "total_cost": plan.total_cost,
            },
            cycle=None
            if cycle is None
            else {"period": cycle.period, "plan_of_record": cycle.plan_version_id},
            scenarios=len(cycle_store.scenarios(s)),
        )


def describe_kept(db: Database) -> DataSummary:
    """`describe`, kept until the data changes (counting a large history takes a while)."""
    return memo.kept(db, "status", lambda: describe(db))
