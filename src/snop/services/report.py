"""The executive meeting pack: one self-contained HTML file, and a PDF printed from it.

Reads the plan (by default the plan of record), its evaluation, the forecasts, the
scenarios that have run, the exceptions and the cycle's open decisions through the other
services; :mod:`snop.report.pack` turns them into text and the Jinja2 template lays it
out. The PDF is printed by Debian's headless Chromium from the written HTML file.
"""

from __future__ import annotations

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
from snop.services import reconcile, scenarios
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
    version = evaluation.version
    cycle = cycle_service.status(db)
    with db.sessions.begin() as s:
        book = reconcile.load_book(s, int(version["id"]))
        setting = s.get(Setting, COMPANY_NAME)
        company = setting.value if setting is not None else "snop"
        forecasts = forecast_store.read_values(s, streams=["consensus"])
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
                .where(Decision.cycle_period == cycle.period, Decision.status == "open")
                .order_by(Decision.due_date, Decision.id)
            )
        ]
    ran = [v for v in scenarios.list_scenarios(db) if v["summary"].get("status") == "optimal"]
    measures: pd.DataFrame | None = None
    if ran:
        compared = scenarios.compare(db, [scenarios.BASE, *[v["name"] for v in ran]])
        measures = compared["measures"]
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
        measures=measures,
        scenarios=ran,
        decisions=decisions,
    )


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
