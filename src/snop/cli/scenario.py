"""`snop scenario create|run|list|show|compare|promote` and `snop tradeoff`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.progress import progress_bar
from snop.cli.render import console, print_json
from snop.frames import records
from snop.services import scenarios

app = typer.Typer(
    help="What-if scenarios on top of the cycle: create, run, compare, promote.",
    no_args_is_help=True,
)

CHANGE_HELP = (
    "A change: its kind, then field=value pairs. Kinds: demand (pct= or qty=, product_id= "
    "family= segment=, from= to=), demand_bound (bound=lo_80|hi_80|lo_95|hi_95), new_product "
    "(product_id= like= launch_period= share= ramp_months= price= cannibalisation=), capacity "
    "(resource_id= pct= or hours=, from= to=), cost (field=price|unit_cost|... pct= "
    "product_id= family=), resource_cost (field=regular_cost|overtime_cost pct= "
    "resource_id=), service_target (service_target= segment=), strategy "
    "(strategy=cost|level|chase). Repeat for several."
)


@app.command()
def create(
    name: Annotated[str | None, typer.Argument(help="The scenario's name.")] = None,
    change: Annotated[list[str] | None, typer.Option("--change", help=CHANGE_HELP)] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="A JSON file with a list of changes.")
    ] = None,
    description: Annotated[str, typer.Option(help="Why this scenario matters.")] = "",
    ready_made: Annotated[
        bool,
        typer.Option(
            "--ready-made",
            help="Create the pessimistic and optimistic scenarios from the "
            "forecast's 80% interval.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a scenario: the cycle plus named changes (only the changes are stored)."""
    database = open_db(db)
    if ready_made:
        made = scenarios.create_ready_made(database, actor=actor())
        if as_json:
            print_json([m.to_dict() for m in made])
            return
        names = ", ".join(m.name for m in made) or "none (they exist already)"
        console.print(f"Ready-made scenarios created: {names}.", highlight=False)
        return
    if name is None:
        raise typer.BadParameter("give the scenario a name (or use --ready-made)")
    changes: list[dict[str, Any]] = [scenarios.change_from_text(c) for c in change or []]
    if file is not None:
        changes += json.loads(file.read_text())
    view = scenarios.create(database, name, changes, actor=actor(), description=description)
    if as_json:
        print_json(view.to_dict())
        return
    console.print(f"Scenario '{view.name}' created:", highlight=False)
    for sentence in view.changes:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)
    console.print(f'Run it with `snop scenario run "{view.name}"`.', highlight=False)


@app.command()
def run(
    name: Annotated[str, typer.Argument(help="The scenario to run.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-plan the scenario from today's data and its changes; score it."""
    with progress_bar(f"running scenario '{name}'", unit="steps", eta=False) as bar:
        result = scenarios.run(open_db(db), name, actor=actor(), progress=bar)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"[bold]Scenario '{name}'[/]: plan version {result.version_id}, {result.status}, "
        f"{result.seconds:.1f} s",
        highlight=False,
    )
    for sentence in result.explanation[:6]:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)
    if result.evaluation is not None:
        for sentence in result.evaluation.sentences:
            console.print(f"  - {sentence}", highlight=False, soft_wrap=True)


@app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every scenario, its changes and its last run's figures."""
    views = scenarios.list_scenarios(open_db(db))
    if as_json:
        print_json([v.to_dict() for v in views])
        return
    if not views:
        console.print("No scenarios yet: `snop scenario create NAME --change ...`.")
        return
    rows = [
        {
            "name": v.name,
            "changes": "; ".join(v.changes),
            "run": "not run" if v.run_at is None else v.run_at.isoformat()[:16],
            "status": v.status or "",
            "revenue": v.summary.get("money", {}).get("revenue"),
            "gross margin": v.summary.get("money", {}).get("gross_margin"),
            "promoted": "yes" if v.promoted_at else "",
        }
        for v in views
    ]
    print_frame(pd.DataFrame(rows), title="Scenarios")


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="The scenario.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """One scenario: its changes, when it ran, its figures."""
    view = scenarios.show(open_db(db), name)
    if as_json:
        print_json(view.to_dict())
        return
    console.print(f"[bold]{view.name}[/] by {view.created_by}", highlight=False)
    if view.description:
        console.print(view.description, highlight=False)
    for sentence in view.changes:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)
    summary = view.summary
    if summary:
        console.print(f"Last run: plan version {view.plan_version_id}, {summary.get('status')}")
        for sentence in summary.get("explanation", []):
            console.print(f"  - {sentence}", highlight=False, soft_wrap=True)


@app.command()
def compare(
    names: Annotated[
        list[str], typer.Argument(help="Two or more scenarios; 'base' is the plan of record.")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scenarios side by side: money, service, stock and targets, with their differences."""
    result = scenarios.compare(open_db(db), names)
    measures, families = result.measures, result.families
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title="Scenarios compared (differences against the first)", title_justify="left")
    table.add_column("measure")
    for column in measures.columns:
        table.add_column(str(column), justify="right")
    for measure, row in measures.iterrows():
        rate = str(measure).startswith("fill rate")
        table.add_row(str(measure), *[f"{v:.1%}" if rate else f"{v:,.0f}" for v in row.to_numpy()])
    console.print(table)
    print_frame(
        families,
        title=f"Families that differ most: units over the horizon, against {names[0]}",
        integers=True,
    )


@app.command()
def promote(
    name: Annotated[
        str, typer.Argument(help="The scenario whose plan becomes the plan of record.")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a scenario's plan the cycle's plan of record."""
    promoted = scenarios.promote(open_db(db), name, actor=actor())
    if as_json:
        print_json(promoted.to_dict())
        return
    console.print(
        f"Scenario '{name}' promoted: plan version {promoted.cycle.plan_version_id} is the "
        f"plan of record of cycle {promoted.cycle.period}.",
        highlight=False,
    )


@app.command()
def delete(
    name: Annotated[str, typer.Argument(help="The scenario to remove.")],
    db: DbOption = None,
) -> None:
    """Remove a scenario (its changes are kept in the audit trail, its plans as versions)."""
    scenarios.delete(open_db(db), name, actor=actor())
    console.print(f"Scenario '{name}' deleted.", highlight=False)


def tradeoff(
    levels: Annotated[
        list[float] | None,
        typer.Option("--level", help="Service levels to price (repeat); default 80% to 99.5%."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The service-inventory curve: the stock and cost of each service level."""
    kwargs = {"levels": tuple(levels)} if levels else {}
    with progress_bar("pricing service levels", unit="levels") as bar:
        table = scenarios.tradeoff(open_db(db), progress=bar, **kwargs)
    if as_json:
        print_json(records(table))
        return
    print_frame(
        table,
        title="What each service level costs (the same fill-rate target for every segment)",
        percent=["service_level"],
    )
    console.print(
        "safety_stock_value: mean value of the safety stock over the horizon at standard cost; "
        "value_per_point: the extra stock value for one more point of service; plan_cost: the "
        "whole plan's cost over the horizon, re-optimised for that service level.",
        style="dim",
        soft_wrap=True,
    )
