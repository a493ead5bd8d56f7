"""`snop plan`, `snop capacity` and the `snop supply` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, cast

import pandas as pd
import typer
from rich.table import Table

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.progress import progress_bar
from snop.cli.render import console, print_json
from snop.frames import records
from snop.services import supply as supply_service
from snop.supply.problem import Strategy

app = typer.Typer(
    help="Supply review: the stored plan, late demand, resources, safety stocks.",
    no_args_is_help=True,
)

StrategyOption = Annotated[
    Strategy,
    typer.Option(
        "--strategy",
        help="cost (cheapest), level (steady production) or chase (production follows demand).",
    ),
]
LATE_ROWS_SHOWN = 15


def plan(
    workbook: Annotated[
        Path | None,
        typer.Argument(
            help="Plan this workbook on its own (products, resources, routings, inventory, "
            "demand_plan; labour if used) instead of the database's cycle.",
        ),
    ] = None,
    strategy: StrategyOption = Strategy.COST,
    frozen: Annotated[
        int | None,
        typer.Option(
            help="Months at the start held as the last published plan (kept for the cycle)."
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            help="Read service targets as fill-rate (default) or cycle (cycle service level)."
        ),
    ] = None,
    solver: Annotated[
        str, typer.Option(help="HiGHS solver: choose (by size), simplex, ipm or pdlp.")
    ] = "choose",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Plan production, overtime, subcontracting, stock and backlog; store it as a version."""
    measure = _measure(service)
    with progress_bar("planning supply", unit="steps", eta=False) as bar:
        if workbook is not None:
            run = supply_service.plan_workbook(
                workbook, actor=actor(), strategy=strategy, progress=bar
            )
        else:
            run = supply_service.run_plan(
                open_db(db),
                actor=actor(),
                strategy=strategy,
                frozen_periods=frozen,
                service_measure=measure,
                solver=solver,
                progress=bar,
            )
    if as_json:
        print_json(run.to_dict())
        if not run.plan.feasible:
            raise typer.Exit(3)
        return
    _print_run(run)
    if not run.plan.feasible:
        raise typer.Exit(3)


def _measure(service: str | None) -> supply_service.ServiceMeasure | None:
    if service is None:
        return None
    names = {
        "fill-rate": "fill_rate",
        "fill_rate": "fill_rate",
        "cycle": "cycle_service",
        "cycle_service": "cycle_service",
    }
    if service not in names:
        raise typer.BadParameter("use fill-rate or cycle", param_hint="--service")
    return cast(supply_service.ServiceMeasure, names[service])


def _print_run(run: supply_service.PlanRun) -> None:
    plan = run.plan
    where = "not stored" if run.version_id is None else f"version {run.version_id}"
    span = f"{plan.periods[0]} .. {plan.periods[-1]}" if plan.periods else ""
    console.print(
        f"[bold]Supply plan[/] ({where}): {plan.strategy} strategy, {span}, demand from "
        f"{run.inputs.demand_source}, service targets as {run.inputs.service_measure}: "
        f"[bold]{plan.status}[/]",
        highlight=False,
        soft_wrap=True,
    )
    for note in run.inputs.notes:
        console.print(f"  note: {note}", highlight=False, soft_wrap=True)
    if plan.feasible:
        _print_costs(plan.cost_breakdown(), plan.total_cost)
    console.print("[bold]What the plan says[/]")
    for sentence in plan.explanation.sentences:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)
    late = plan.explanation.late
    if not late.empty:
        shown = late.sort_values("backlog", ascending=False).head(LATE_ROWS_SHOWN)
        # The first clause is the cause; `snop supply late` gives the whole detail.
        shown = shown.assign(detail=shown["detail"].str.split("; ").str[0])
        print_frame(
            shown[["product_id", "segment", "period", "backlog", "cause", "detail"]],
            title=f"Late demand, largest first ({len(late)} product-segment-months; "
            "`snop supply late` lists them all)",
            integers=True,
        )
    stats = plan.stats
    console.print(
        f"LP: {stats.rows:,} rows x {stats.columns:,} columns, {stats.nonzeros:,} non-zeros; "
        f"built in {stats.build_seconds:.2f} s, solved by HiGHS {stats.solver} in "
        f"{stats.solve_seconds:.2f} s"
        + (f" as {stats.blocks} independent blocks." if stats.blocks > 1 else "."),
        highlight=False,
        style="dim",
    )


def _print_costs(costs: dict[str, float], total: float) -> None:
    table = Table(title=f"Cost {total:,.0f}", title_justify="left")
    table.add_column("component")
    table.add_column("amount", justify="right")
    table.add_column("share", justify="right")
    for name, amount in costs.items():
        if amount:
            table.add_row(name.replace("_", " "), f"{amount:,.0f}", f"{amount / total:.1%}")
    console.print(table)


def capacity(
    db: DbOption = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every resource-month, not only the tight ones.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rough-cut capacity: the load of unconstrained demand on every resource, month by month."""
    check = supply_service.capacity_check(open_db(db))
    if as_json:
        print_json(check.to_dict())
        return
    load = check.load
    shown = load if show_all else load[load["status"] != "ok"]
    columns = [
        "resource_id",
        "period",
        "load",
        "regular_capacity",
        "overtime_capacity",
        "shortfall_hours",
        "status",
    ]
    if shown.empty:
        console.print("Every resource's regular hours cover the demand in every month.")
    else:
        print_frame(
            shown[columns],
            title="Rough-cut capacity: months needing overtime or over capacity",
            percent=["utilisation"],
            integers=True,
        )
    _print_utilisation(load)
    for sentence in check.sentences:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)


def _print_utilisation(load: pd.DataFrame) -> None:
    """Months down, resources across: load as a share of regular hours, red when over."""
    grid = load.pivot_table(index="period", columns="resource_id", values="utilisation")
    status = load.pivot_table(
        index="period", columns="resource_id", values="status", aggfunc="first"
    )
    table = Table(title="Load / regular hours by month", title_justify="left")
    table.add_column("month")
    for column in grid.columns:
        table.add_column(str(column), justify="right")
    colours = {"over": "bold red", "overtime": "yellow", "ok": ""}
    states = status.to_dict("index")
    for period, row in grid.iterrows():
        cells = []
        for resource, value in row.items():
            text = "" if pd.isna(value) else f"{value:.0%}"
            colour = colours.get(str(states[period][resource]), "")
            cells.append(f"[{colour}]{text}[/]" if colour else text)
        table.add_row(str(period), *cells)
    console.print(table)
    console.print("  yellow: needs overtime; red: over regular + overtime hours", style="dim")


VersionOption = Annotated[
    int | None, typer.Option("--version", help="Plan version (default: the latest).")
]


@app.command()
def show(
    level: Annotated[str, typer.Option(help="total, family or product.")] = "family",
    key: Annotated[str | None, typer.Option(help="One family or product.")] = None,
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The stored plan by month: demand, production, stock, backlog, safety stock."""
    if level not in ("total", "family", "product"):
        raise typer.BadParameter("use total, family or product", param_hint="--level")
    stored = supply_service.stored_plan(open_db(db), version_id=version)
    grid = supply_service.plan_grid(
        stored, level=cast(Literal["total", "family", "product"], level), key=key
    )
    if as_json:
        print_json({"version": stored.version["id"], "rows": records(grid)})
        return
    for name, rows in grid.groupby("key", sort=False):
        print_frame(
            rows.drop(columns="key"),
            title=f"Plan version {stored.version['id']}: {name}",
            integers=True,
        )


@app.command()
def late(version: VersionOption = None, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every product, segment and month with demand still owed, and why it is late."""
    stored = supply_service.stored_plan(open_db(db), version_id=version)
    frame = stored.tables["late"].sort_values(["period", "product_id", "segment"])
    if as_json:
        print_json({"version": stored.version["id"], "late": records(frame)})
        return
    if frame.empty:
        console.print(f"Plan version {stored.version['id']}: every order ships on time.")
        return
    print_frame(frame, title=f"Late demand in plan version {stored.version['id']}", integers=True)


@app.command()
def resources(
    version: VersionOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Load against capacity per resource and month, and what one more hour is worth."""
    stored = supply_service.stored_plan(open_db(db), version_id=version)
    frame = stored.tables["resources"]
    if as_json:
        print_json({"version": stored.version["id"], "resources": records(frame)})
        return
    columns = [
        "resource_id",
        "period",
        "load",
        "regular_capacity",
        "overtime",
        "overtime_capacity",
        "utilisation",
        "shadow_price",
        "full",
    ]
    if frame["workers"].notna().any():
        columns += ["workers", "hired", "laid_off"]
    print_frame(
        frame[columns],
        title=f"Resources in plan version {stored.version['id']} (shadow_price = worth of one "
        "more hour)",
        percent=["utilisation"],
    )


@app.command("safety-stock")
def safety_stock(
    product: Annotated[str | None, typer.Option(help="One product.")] = None,
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Safety stock, min/max and days of supply per product and month in a plan."""
    stored = supply_service.stored_plan(open_db(db), version_id=version)
    frame = stored.tables["products"]
    if product is not None:
        frame = frame[frame["product_id"] == product]
    columns = [
        "product_id",
        "period",
        "demand",
        "inventory",
        "safety_stock",
        "min_units",
        "max_units",
        "days_of_supply",
        "below_safety_stock",
    ]
    if as_json:
        print_json({"version": stored.version["id"], "rows": records(frame[columns])})
        return
    if product is None:
        frame = frame.groupby("product_id", as_index=False).agg(
            demand=("demand", "mean"),
            safety_stock=("safety_stock", "mean"),
            min_units=("min_units", "mean"),
            max_units=("max_units", "mean"),
            inventory=("inventory", "mean"),
            days_of_supply=("days_of_supply", "median"),
            below_safety_stock=("below_safety_stock", "sum"),
        )
        title = f"Monthly averages per product, plan version {stored.version['id']}"
    else:
        frame = frame[columns]
        title = f"{product} in plan version {stored.version['id']}"
    print_frame(frame, title=title, integers=True)


@app.command()
def versions(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every plan version, newest first."""
    frame = supply_service.plan_versions(open_db(db))
    if as_json:
        print_json({"versions": records(frame)})
        return
    print_frame(frame.drop(columns=["published_at"]), title="Plan versions", integers=True)
