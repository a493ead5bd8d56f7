"""`snop publish`, `snop cycle ...` and `snop versions ...`: the rolling monthly cycle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.render import console, print_json
from snop.frames import records
from snop.services import cycle as cycle_service
from snop.services import versions as versions_service

app = typer.Typer(help="The monthly cycle: where it stands, closing a month.", no_args_is_help=True)
versions_app = typer.Typer(
    help="Every forecast and plan run, and what changed between two plans.", no_args_is_help=True
)


def publish(
    version: Annotated[
        int | None, typer.Argument(help="Plan version (default: the latest feasible plan).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the cycle's plan of record if it has one.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a plan as the cycle's plan of record (frozen until the month is closed)."""
    view = cycle_service.publish(open_db(db), actor=actor(), version_id=version, replace=replace)
    if as_json:
        print_json(view.to_dict())
        return
    console.print(
        f"Plan version {view.plan_version_id} is the plan of record of cycle {view.period}.",
        highlight=False,
    )


@app.command()
def status(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The open cycle, its plan of record, and what closing earlier months found."""
    view = cycle_service.status(open_db(db))
    if as_json:
        print_json(view.to_dict())
        return
    record = (
        f"plan of record: version {view.plan_version_id}, published by {view.published_by}"
        if view.plan_version_id is not None
        else "no plan of record yet (`snop publish`)"
    )
    console.print(f"[bold]Cycle {view.period}[/]: {record}", highlight=False)
    if view.stages:
        stages = pd.DataFrame([s.to_dict() for s in view.stages])
        stages["signed_off_at"] = stages["signed_off_at"].fillna("").str[:16]
        marker = stages["stage"].eq(view.stage).map({True: "->", False: ""})
        print_frame(
            stages.assign(now=marker)[
                ["now", "title", "owner", "due", "status", "signed_off_by", "signed_off_at", "note"]
            ],
            title="Stages",
        )
    if view.closed:
        closed = pd.DataFrame([c.to_dict() for c in view.closed])
        print_frame(closed, title="Closed months", percent=_PERCENT)


_PERCENT = [
    "plan_adherence",
    "demand_wape_lag1",
    "demand_bias_lag1",
    "fill_rate",
    "planned_fill_rate",
]


@app.command()
def advance(
    note: Annotated[str | None, typer.Option(help="A note with the sign-off.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign off the cycle's current stage (its owner) and open the next."""
    database = open_db(db)
    result = cycle_service.advance(database, actor=actor(), note=note)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"{result.signed_off.replace('_', ' ').capitalize()} signed off; the cycle is in "
        f"{result.stage.replace('_', ' ')}.",
        highlight=False,
    )


@app.command()
def reopen(
    stage: Annotated[str, typer.Argument(help="The stage to reopen, e.g. demand_review.")],
    reason: Annotated[str, typer.Option(help="Why it must change (kept in the audit trail).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reopen a signed-off stage; the stages after it wait again."""
    database = open_db(db)
    result = cycle_service.reopen(database, actor=actor(), stage=stage, reason=reason)
    if as_json:
        print_json(result.to_dict())
        return
    withdrawn = result.withdrawn_plan
    extra = f"; plan version {withdrawn} is no longer the plan of record" if withdrawn else ""
    console.print(f"{stage} reopened{extra}.", highlight=False)


@app.command()
def health(db: DbOption = None, as_json: JsonOption = False) -> None:
    """The data-health report: what to fix before the demand review."""
    database = open_db(db)
    report = cycle_service.data_health(database, actor=actor())
    if as_json:
        print_json(report.to_dict())
        return
    if not report.findings:
        console.print(f"Cycle {report.period}: the data has no gaps snop can see.")
        return
    rows = [{**f.to_dict(), "examples": ", ".join(map(str, f.examples))} for f in report.findings]
    print_frame(pd.DataFrame(rows), title=f"Data health, cycle {report.period}")


@app.command("simulate-month")
def simulate_month(
    out: Annotated[Path, typer.Argument(help="Where to write the actuals workbook (.xlsx).")],
    seed: Annotated[int, typer.Option(help="Seed of the simulated month.")] = 7,
    db: DbOption = None,
) -> None:
    """Demo company only: simulate the open month against its plan, write the actuals."""
    path = cycle_service.demo_actuals(open_db(db), out, seed=seed)
    console.print(f"Wrote the month's actuals to {path}; close it with `snop cycle close {path}`.")


@app.command()
def close(
    actuals: Annotated[
        Path,
        typer.Argument(
            help="Workbook with the month's demand_history, production, "
            "inventory (next month's opening) and receipts."
        ),
    ],
    replan: Annotated[
        bool, typer.Option("--replan/--no-replan", help="Forecast and plan the next cycle.")
    ] = True,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close the month: import its actuals, compare them with the plan of record, roll on."""
    result = cycle_service.close_month(open_db(db), actuals, actor=actor(), replan=replan)
    if as_json:
        print_json(result.to_dict())
        return
    report, replanned = result.closed, result.replanned
    review = report.review
    console.print(
        f"[bold]Closed {report.period}[/] against plan version {review['plan_version']}; "
        f"cycle {report.next_period} is open.",
        highlight=False,
    )
    for line in cycle_service.review_sentences(review):
        console.print(f"  - {line}", highlight=False, soft_wrap=True)
    if replanned:
        console.print(
            f"  Next cycle: forecast version {replanned.forecast_version}, plan version "
            f"{replanned.plan_version} ({replanned.status}).",
            highlight=False,
        )


@versions_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every forecast and plan run: who, when, with what inputs."""
    table = versions_service.list_versions(open_db(db))
    if as_json:
        print_json(records(table))
        return
    shown = table.assign(
        created_at=pd.to_datetime(table["created_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        published=pd.to_datetime(table["published"]).dt.strftime("%Y-%m-%d %H:%M").fillna(""),
    )
    print_frame(shown, title="Versions, newest first")


@versions_app.command()
def diff(
    earlier: Annotated[int, typer.Argument(help="The earlier plan version.")],
    later: Annotated[int, typer.Argument(help="The later plan version.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two plan versions, by family and month, and why."""
    result = versions_service.diff(open_db(db), earlier, later)
    if as_json:
        print_json(versions_service.diff_dict(result))
        return
    console.print(f"[bold]Plan {earlier} -> plan {later}[/]", highlight=False)
    for sentence in result.sentences:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)
    print_frame(result.by_family, title="Change by family")
    if not result.causes.empty:
        print_frame(result.causes, title="Causes")
