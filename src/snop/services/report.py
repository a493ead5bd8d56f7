"""The executive meeting pack: one self-contained HTML file, and a PDF printed from it.

Reads the plan (by default the plan of record), its evaluation, the forecasts, the
scenarios that have run, the exceptions and the cycle's open decisions through the other
services; :mod:`snop.report.pack` turns them into text and the Jinja2 template lays it
out. The PDF is printed by Debian's headless Chromium from the written HTML file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from sqlalchemy import select

from snop.errors import NotFound, SnopError
from snop.report.pack import PackInputs, build
from snop.services import cycle as cycle_service
from snop.services import memo, reconcile, scenarios, simulate
from snop.services.database import Database
from snop.services.status import COMPANY_NAME
from snop.store import forecasts as forecast_store
from snop.store.tables import Decision, Setting

CHROMIUM = Path("/usr/bin/chromium")
PRINT_TIMEOUT = 180.0
"""Seconds Chromium may take to print the pack."""
TEMPLATE = "pack.html.j2"


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """What `write_report` wrote."""

    html: Path
    pdf: Path | None
    version: int
    plan_of_record: bool
    families: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "html": str(self.html),
            "pdf": None if self.pdf is None else str(self.pdf),
            "plan_version": self.version,
            "plan_of_record": self.plan_of_record,
            "families": self.families,
        }


def pack_inputs(
    db: Database, *, version_id: int | None = None, today: dt.date | None = None
) -> PackInputs:
    """Everything the pack shows, read from the store (the plan of record by default)."""
    evaluation = reconcile.evaluate(db, version_id=version_id)
    inputs = _plan_inputs(db, evaluation, today)
    with db.sessions.begin() as s:
        decisions = [
            {
                "title": d.title,
                "owner": d.owner,
                "due_date": d.due_date,
                "scenario": d.scenario,
                "notes": d.notes,
            }
            for d in s.scalars(
                select(Decision)
                .where(Decision.cycle_period == inputs.cycle_period, Decision.status == "open")
                .order_by(Decision.due_date, Decision.id)
            )
        ]
    ran = [v for v in scenarios.list_scenarios(db) if v.status == "optimal"]
    measures: pd.DataFrame | None = None
    if ran:
        compared = scenarios.compare(db, [scenarios.BASE, *[v.name for v in ran]])
        measures = compared.measures
    try:
        simulation: dict[str, Any] | None = simulate.latest_simulation(db)
    except NotFound:
        simulation = None
    return dataclasses.replace(
        inputs,
        measures=measures,
        scenarios=[v.to_dict() for v in ran],
        decisions=decisions,
        simulation=simulation,
    )


def family_inputs(
    db: Database, *, version_id: int | None = None, today: dt.date | None = None
) -> PackInputs:
    """What the family sheets need: `pack_inputs` without the scenarios and decisions.

    Reads the kept evaluation (`reconcile.evaluate_kept`), so it is quick once the plan
    has been evaluated; the sheets `snop.report.pack.build` makes from it are the pack's.
    """
    return _plan_inputs(db, reconcile.evaluate_kept(db, version_id=version_id), today)


def _plan_inputs(
    db: Database, evaluation: reconcile.Evaluation, today: dt.date | None
) -> PackInputs:
    """The plan, its evaluation and its history, as the pack and the family sheets read them."""
    version = evaluation.version
    cycle = cycle_service.status(db)
    with db.sessions.begin() as s:
        book = reconcile.load_book(s, int(version["id"]))
        setting = s.get(Setting, COMPANY_NAME)
        company = setting.value if setting is not None else "snop"
        forecasts = forecast_store.read_values(s, streams=["consensus"])
    products = book.master["products"]
    return PackInputs(
        company=company,
        cycle_period=cycle.period,
        version=version,
        plan_of_record=version.get("published_at") is not None
        and cycle.plan_version_id == version["id"],
        today=today or dt.date.today(),
        sentences=evaluation.sentences,
        scorecard=evaluation.scorecard,
        ledger=evaluation.ledger,
        plan_products=book.plan["products"],
        products=products[["product_id", "family"]],
        routings=book.master["routings"],
        resources=book.master["resources"],
        forecasts=forecasts[["version_id", "cutoff", "period", "family", "quantity"]],
        snapshots=book.snapshots,
        production=book.production,
        recorded=book.recorded,
        targets=book.master["targets"],
        exceptions=evaluation.exceptions,
    )


@dataclass(frozen=True, slots=True)
class FamilySheets:
    """The S&OP family sheets of a plan, as the meeting pack lays them out, and their numbers."""

    version: dict[str, Any]
    plan_of_record: bool
    months: list[dict[str, Any]]
    """The sheets' columns: period and whether it is a closed month (``past``)."""
    families: list[dict[str, Any]]
    """One sheet per family (`snop.report.pack.build`'s): name, anchor, summary, groups."""
    series: pd.DataFrame
    """Per family and sheet month: actual_demand, plan_demand, production, subcontract,
    inventory, actual_inventory, safety_stock, backlog (NaN where there is no number)."""

    def sheet(self, family: str) -> dict[str, Any]:
        """One family's sheet; NotFound for a family the plan does not have."""
        for sheet in self.families:
            if sheet["name"] == family:
                return sheet
        raise NotFound(f"there is no family {family!r} in plan version {self.version['id']}")


def family_sheets(db: Database, *, version_id: int | None = None) -> FamilySheets:
    """Every family's S&OP sheet for a plan version (the plan of record by default).

    Kept between calls until the data changes (`snop.services.memo`): building the
    sheets reads the whole evaluation.
    """
    return memo.kept(
        db, ("report.family_sheets", version_id), lambda: _family_sheets(db, version_id)
    )


def _family_sheets(db: Database, version_id: int | None) -> FamilySheets:
    inputs = family_inputs(db, version_id=version_id)
    context = build(inputs)
    months = [str(m["period"]) for m in context["months"]]
    return FamilySheets(
        version=inputs.version,
        plan_of_record=inputs.plan_of_record,
        months=context["months"],
        families=context["families"],
        series=_family_series(inputs, months),
    )


_SERIES = (
    "actual_demand",
    "plan_demand",
    "production",
    "subcontract",
    "inventory",
    "actual_inventory",
    "safety_stock",
    "backlog",
)


def _family_series(inputs: PackInputs, months: list[str]) -> pd.DataFrame:
    """The numbers behind each family's chart: actuals for closed months, the plan after."""
    first = str(inputs.version["first_period"])
    past = [m for m in months if m < first]
    future = [m for m in months if m >= first]
    ledger = inputs.ledger
    orders = ledger[(ledger["scope_kind"] == "family") & (ledger["component"] == "demand")]
    orders = orders[orders["period"].astype(str).isin(past)]
    actual_demand = orders.groupby(["scope", "period"])["amount"].sum()
    plan = inputs.plan_products[inputs.plan_products["period"].astype(str).isin(future)]
    columns = ["demand", "production", "subcontract", "inventory", "safety_stock", "backlog"]
    planned = plan.groupby(["family", "period"])[columns].sum()
    families = inputs.products.set_index("product_id")["family"].astype(str)
    snapshots = inputs.snapshots
    on_hand = pd.Series(dtype=float)
    if not snapshots.empty:
        held = snapshots[snapshots["period"].astype(str).isin(past)]
        on_hand = held.groupby([held["product_id"].map(families), held["period"]])["on_hand"].sum()
    index = pd.MultiIndex.from_product(
        [sorted(plan["family"].astype(str).unique()), months], names=["family", "period"]
    )
    frame = pd.DataFrame(index=index)
    frame["actual_demand"] = actual_demand.reindex(index)
    frame["plan_demand"] = planned["demand"].reindex(index)
    for column in columns[1:]:
        frame[column] = planned[column].reindex(index)
    frame["actual_inventory"] = on_hand.reindex(index) if len(on_hand) else float("nan")
    frame = frame.reset_index()
    frame["past"] = frame["period"] < first
    return frame[["family", "period", "past", *_SERIES]].astype({c: float for c in _SERIES})


def meeting_pack_html(db: Database, *, version_id: int | None = None) -> str:
    """The executive meeting pack as one self-contained HTML page (the plan of record).

    Raises ``NotFound`` saying what is missing (no plan yet, no such version) before any
    pack is laid out.
    """
    try:
        inputs = pack_inputs(db, version_id=version_id)
    except NotFound as missing:
        raise NotFound(f"no meeting pack yet: {missing}") from missing
    return render_html(build(inputs))


def render_html(context: dict[str, Any]) -> str:
    """The pack's HTML from its context (see `snop.report.pack.build`)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("snop.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(TEMPLATE).render(**context)


def write_report(
    db: Database,
    out: Path,
    *,
    pdf: bool = False,
    version_id: int | None = None,
    today: dt.date | None = None,
    chromium: Path = CHROMIUM,
) -> ReportFiles:
    """Write the meeting pack to ``out`` (.html) and, with ``pdf``, the PDF next to it."""
    if pdf and not chromium.exists():
        raise NotFound(
            f"printing the PDF needs Chromium at {chromium}: install the chromium package "
            "(`apt-get install chromium`), or leave out --pdf for the HTML alone"
        )
    inputs = pack_inputs(db, version_id=version_id, today=today)
    context = build(inputs)
    out = out.expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(context), encoding="utf-8")
    printed = print_pdf(out, out.with_suffix(".pdf"), chromium=chromium) if pdf else None
    return ReportFiles(
        html=out,
        pdf=printed,
        version=int(inputs.version["id"]),
        plan_of_record=inputs.plan_of_record,
        families=[f["name"] for f in context["families"]],
    )


def print_pdf(
    html: Path, pdf: Path, *, chromium: Path = CHROMIUM, timeout: float = PRINT_TIMEOUT
) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (no network, a throwaway profile)."""
    if not chromium.exists():
        raise NotFound(
            f"printing the PDF needs Chromium at {chromium}: install the chromium package "
            "(`apt-get install chromium`)"
        )
    pdf = pdf.resolve()
    if pdf.exists():
        pdf.unlink()
    profile = Path(tempfile.mkdtemp(prefix="snop-chromium-"))
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        html.resolve().as_uri(),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise SnopError(f"Chromium did not print {pdf.name} within {timeout:.0f} s") from error
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SnopError(
            f"Chromium could not print {pdf.name} (exit code {done.returncode}): "
            + " ".join(detail)
        )
    return pdf
