"""Entry point of the ``snop`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from snop import __version__
from snop.cli import collab as collab_cli
from snop.cli import cycle as cycle_cli
from snop.cli import demand as demand_cli
from snop.cli import reconcile as reconcile_cli
from snop.cli import report as report_cli
from snop.cli import scenario as scenario_cli
from snop.cli import simulate as simulate_cli
from snop.cli import supply as supply_cli
from snop.cli import users as users_cli
from snop.cli.common import STATE, DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.progress import progress_bar
from snop.cli.render import console, err_console, print_issues, print_json
from snop.errors import InvalidInput, SnopError
from snop.services import demo as demo_service
from snop.services import exports, imports, status
from snop.services.database import init_database

app = typer.Typer(
    name="snop",
    help="snop: Sales & Operations Planning. One agreed plan of record every month.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"snop {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    db: DbOption = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Sales & Operations Planning: demand, supply, inventory and money in one plan."""
    STATE.database = db
    STATE.debug = debug


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database, or upgrade it to this version's schema (safe to repeat)."""
    report = init_database(db or STATE.database)
    if report.changed:
        before = report.from_revision or "empty"
        console.print(f"Database {report.database}: schema {before} -> {report.to_revision}.")
    else:
        console.print(f"Database {report.database} is up to date ({report.to_revision}).")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Planning workbook (.xlsx) or folder of .csv.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and count, change nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a planning workbook: all sheets checked first, then written in one go.

    Every error is reported with its sheet, row and column, and then nothing is written.
    Importing the same workbook again changes nothing (rows are matched on their keys).
    """
    database = open_db(db, create=True)
    with err_console.status(f"Importing {path} ..."):
        report = imports.import_workbook(database, path, actor=actor(), dry_run=dry_run)
    if as_json:
        print_json({"ok": True, **report.to_dict()})
        return
    print_issues(report.warnings, title="Warnings (imported anyway)", to=console)
    _print_import(report)


def _print_import(report: imports.ImportReport) -> None:
    table = Table(
        title=f"{'Checked' if report.dry_run else 'Imported'} {report.source}", title_justify="left"
    )
    for name in ("sheet", "rows", "new", "changed", "unchanged"):
        table.add_column(name, justify="left" if name == "sheet" else "right")
    for row in report.sheets:
        table.add_row(
            row.sheet,
            f"{row.rows:,}",
            f"{row.inserted:,}",
            f"{row.updated:,}",
            f"{row.unchanged:,}",
        )
    console.print(table)
    if report.dry_run:
        console.print("Dry run: the workbook is valid; nothing was written.")
    elif report.changed == 0:
        console.print("Nothing changed: the database already holds exactly this data.")
    else:
        console.print(f"{report.changed:,} rows written in one transaction.")


@app.command()
def export(
    path: Annotated[Path, typer.Argument(help="File.xlsx to write, or a folder for .csv files.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export all planning data as a workbook in the import format (or a .csv folder)."""
    report = exports.export_workbook(open_db(db), path)
    if as_json:
        print_json({"path": report.path, "rows": report.rows})
        return
    total = sum(report.rows.values())
    filled = ", ".join(f"{name} {count:,}" for name, count in report.rows.items() if count)
    console.print(f"Wrote {report.path}: {total:,} rows ({filled}).")


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="Where to write the empty workbook (.xlsx).")],
) -> None:
    """Write an empty planning workbook with an instructions sheet explaining every column."""
    exports.export_template(path)
    console.print(
        f"Wrote {path}: fill in the sheets (the first one explains each column), then run "
        f"`snop import {path}`."
    )


@app.command()
def demo(
    db: DbOption = None,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed builds the same company.")
    ] = demo_service.DEFAULT_SEED,
    end_month: Annotated[
        str | None,
        typer.Option(help="Last month of history (YYYY-MM). Default: last month."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace data that is not an earlier demo.")
    ] = False,
    forecast: Annotated[
        bool, typer.Option("--forecast/--no-forecast", help="Also run the demand forecast.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Build the demo company (a seeded outdoor-gear manufacturer) and plan it."""
    last = end_month or demo_service.last_full_month(dt.date.today())
    database = open_db(db, create=True)
    with progress_bar("building the demo company", unit="steps", eta=False) as bar:
        summary = demo_service.build_demo(
            database,
            seed=seed,
            last_history_month=last,
            actor=actor(),
            force=force,
            forecast=forecast,
            progress=bar,
        )
    if as_json:
        print_json(summary.to_dict())
        return
    console.print(summary.render(database.display_url), highlight=False, soft_wrap=True)


@app.command("audit")
def audit_(
    who: Annotated[str | None, typer.Option("--actor", help="Only this user's changes.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only actions starting so (cycle., scenario., ...).")
    ] = None,
    entity: Annotated[str | None, typer.Option(help="Only changes to this kind of thing.")] = None,
    since: Annotated[
        dt.datetime | None, typer.Option(help="Only changes from this time (YYYY-MM-DD).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The audit trail: who changed what, when, with the old and new values."""
    from snop.frames import records
    from snop.services import audit

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    rows = audit.log(open_db(db), actor=who, action=action, entity=entity, since=since, limit=limit)
    if as_json:
        print_json(records(rows))
        return
    shown = rows.assign(
        at=rows["at"].astype(str).str[:19],
        details=rows["details"].map(lambda d: json.dumps(d, default=str)[:120]),
    )
    print_frame(shown.drop(columns=["id"]), title="Audit trail, newest first")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    https: Annotated[
        bool,
        typer.Option(
            "--https",
            help="People reach snop over HTTPS (a TLS proxy in front, or --ssl-certfile): "
            "the session cookie is sent only over HTTPS.",
        ),
    ] = False,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve HTTPS directly with this certificate (PEM).")
    ] = None,
    ssl_keyfile: Annotated[
        Path | None, typer.Option(help="The private key of --ssl-certfile (PEM).")
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Proxies whose X-Forwarded-For/-Proto headers are believed (comma-separated "
            "addresses, '*' for any); the default trusts a proxy on this machine only.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the web app and the REST API (OpenAPI description at /openapi.json)."""
    import uvicorn

    from snop.web.app import create_app

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise typer.BadParameter("give both --ssl-certfile and --ssl-keyfile, or neither")
    direct_tls = ssl_certfile is not None
    server = create_app(db or STATE.database, https=https or direct_tls)
    scheme = "https" if https or direct_tls else "http"
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    imported = status.describe(server.state.database).last_import or {}
    users_hint = (
        "sign in as admin, demand, sales, supply, finance, exec or viewer, password 'demo'"
        if imported.get("demo")
        else "sign in with your snop user"
    )
    console.print(
        f"snop serves {server.state.database.display_url}\n"
        f"  web app:  [bold]{scheme}://{shown}:{port}/[/] ({users_hint})\n"
        f"  REST API: {scheme}://{shown}:{port}/docs (OpenAPI at /openapi.json)\n"
        "Stop with Ctrl+C.",
        highlight=False,
    )
    uvicorn.run(
        server,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
    )


@app.command("status")
def status_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show what the database holds: company, data per sheet, history range, last import."""
    summary = status.describe(open_db(db))
    if as_json:
        print_json(summary.to_dict())
        return
    console.print(summary.render(), highlight=False, soft_wrap=True)


app.add_typer(demand_cli.app, name="demand")
app.command("forecast")(demand_cli.forecast)
app.command("forecast-csv")(demand_cli.forecast_csv)
app.add_typer(supply_cli.app, name="supply")
app.command("plan")(supply_cli.plan)
app.command("capacity")(supply_cli.capacity)
app.command("money")(reconcile_cli.money)
app.command("scorecard")(reconcile_cli.scorecard)
app.command("kpis")(reconcile_cli.kpis)
app.command("exceptions")(reconcile_cli.exceptions)
app.add_typer(scenario_cli.app, name="scenario")
app.command("tradeoff")(scenario_cli.tradeoff)
app.command("publish")(cycle_cli.publish)
app.add_typer(cycle_cli.app, name="cycle")
app.add_typer(cycle_cli.versions_app, name="versions")
app.add_typer(users_cli.app, name="user")
app.add_typer(collab_cli.comment_app, name="comment")
app.add_typer(collab_cli.assumption_app, name="assumption")
app.add_typer(collab_cli.decision_app, name="decision")
app.command("inbox")(collab_cli.inbox)
app.command("report")(report_cli.report)
app.command("simulate")(simulate_cli.simulate)


def run() -> None:
    """Run the CLI, turning snop's errors into messages and exit codes (no tracebacks)."""
    try:
        app()
    except InvalidInput as exc:
        if STATE.debug:
            raise
        if STATE.json:
            print_json(
                {
                    "ok": False,
                    "error": str(exc),
                    "errors": [i.to_dict() for i in exc.issues],
                    "warnings": [w.to_dict() for w in exc.warnings],
                }
            )
        else:
            print_issues(exc.issues, title="Errors", to=err_console)
            print_issues(exc.warnings, title="Warnings", to=err_console)
            err_console.print(f"[bold red]{exc}[/]. Fix the rows above and run again.")
        sys.exit(2)
    except SnopError as exc:
        if STATE.debug:
            raise
        if STATE.json:
            print_json({"ok": False, "error": str(exc)})
        else:
            err_console.print(f"[bold red]Error:[/] {exc}")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: name it, no traceback
        if STATE.debug:
            raise
        err_console.print(
            f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}\n"
            "This is a bug in snop; run again with --debug for the traceback and report it."
        )
        sys.exit(1)
