"""`snop forecast`, `snop forecast-csv` and the `snop demand` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.progress import progress_bar
from snop.cli.render import console, print_json
from snop.demand.forecast import ForecastSettings, Method
from snop.frames import records
from snop.services import demand as demand_service
from snop.services import forecast_csv as csv_service

app = typer.Typer(
    help="Demand review: profile, forecast, overrides, accuracy.", no_args_is_help=True
)


def forecast(
    db: DbOption = None,
    horizon: Annotated[int, typer.Option(help="Months to forecast.")] = 18,
    method: Annotated[
        str, typer.Option(help="select (best model per series) or ensemble.")
    ] = "ensemble",
    cutoff: Annotated[
        str | None, typer.Option(help="Last month of history to use (YYYY-MM).")
    ] = None,
    engine: Annotated[str | None, typer.Option(help="dask or ray: run on a cluster.")] = None,
    address: Annotated[str | None, typer.Option(help="Cluster scheduler address.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the statistical forecast and store it as a new version (older ones are kept)."""
    from snop.services.engines import connect

    settings = ForecastSettings(horizon=horizon, method=cast(Method, method), n_jobs=-1)
    database = open_db(db)
    with (
        connect(engine, address) as cluster,
        progress_bar("reading the demand history", unit="series") as bar,
    ):
        summary = demand_service.run_forecast(
            database,
            actor=actor(),
            settings=settings,
            cutoff=cutoff,
            engine=cluster,
            progress=bar,
        )
    if as_json:
        print_json(summary.to_dict())
        return
    console.print(
        f"Forecast version {summary.version_id}: {summary.series} series from history up to "
        f"{summary.cutoff}, months {summary.first_period} .. {summary.last_period} "
        f"({summary.seconds:.0f} s).",
        highlight=False,
        soft_wrap=True,
    )
    models = ", ".join(f"{name} {count}" for name, count in summary.models.items())
    console.print(f"  models: {models}", highlight=False, soft_wrap=True)
    console.print(
        f"  reconciliation: {summary.reconciliation}; outliers cleansed: {summary.outliers}",
        highlight=False,
    )
    totals = summary.totals
    console.print(
        f"  total over the horizon: statistical {totals.get('statistical', 0):,.0f}, "
        f"consensus {totals.get('consensus', 0):,.0f}, naive {totals.get('naive', 0):,.0f} units",
        highlight=False,
    )
    console.print(
        "Next: snop demand show --level family   |   snop demand accuracy", highlight=False
    )


def forecast_csv(
    source: Annotated[Path, typer.Argument(help="CSV with series_id, period, quantity.")],
    target: Annotated[Path, typer.Argument(help="Where to write the forecast CSV.")],
    horizon: Annotated[int, typer.Option(help="Steps to forecast.")] = 12,
    season_length: Annotated[int, typer.Option(help="Steps per season (12 for monthly).")] = 12,
    method: Annotated[str, typer.Option(help="select or ensemble.")] = "ensemble",
    as_json: JsonOption = False,
) -> None:
    """Forecast any long-format CSV file: series_id, period (YYYY-MM or dates), quantity."""
    with progress_bar(f"reading {source.name}", unit="series") as bar:
        report = csv_service.forecast_file(
            source,
            target,
            horizon=horizon,
            season_length=season_length,
            method=cast(Method, method),
            progress=bar,
        )
    if as_json:
        print_json(report.to_dict())
        return
    console.print(
        f"Wrote {target}: {report.series} series x {horizon} steps "
        f"({report.seconds:.1f} s). Models: "
        + ", ".join(f"{k} {v}" for k, v in report.models.items()),
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def profile(
    db: DbOption = None,
    by: Annotated[str, typer.Option(help="product or segment (product x segment).")] = "product",
    as_json: JsonOption = False,
) -> None:
    """ABC/XYZ, demand class, trend, seasonality and fill rate of every product."""
    result = demand_service.profile(open_db(db))
    frame = result.by_product if by == "product" else result.by_product_segment
    if as_json:
        print_json(frame.to_dict("records"))
        return
    columns = [
        "product_id",
        "family",
        *(["segment"] if by != "product" else []),
        "abc",
        "xyz",
        "demand_class",
        "trend",
        "seasonal",
        "revenue",
        "cv",
        "adi",
        "cv2",
        "fill_rate",
    ]
    print_frame(frame[columns], title=f"Demand profile by {by}", percent=["fill_rate"])
    print_frame(
        result.summary(),
        title="Products by ABC class and demand class",
        percent=["revenue_share"],
        integers=True,
    )


@app.command()
def show(
    db: DbOption = None,
    level: Annotated[
        str, typer.Option(help="total, family, segment, product, product_segment")
    ] = "family",
    key: Annotated[str | None, typer.Option(help="One family, product, ... only.")] = None,
    version: Annotated[int | None, typer.Option(help="Forecast version (default latest).")] = None,
    as_json: JsonOption = False,
) -> None:
    """The forecast streams by month next to recent actuals."""
    table = demand_service.forecast_table(
        open_db(db),
        level=cast(demand_service.Level, level),
        key=key,
        version_id=version,
    )
    if as_json:
        print_json(table.to_dict("records"))
        return
    streams = [c for c in table.columns if c not in ("key", "period")]
    for name, rows in table.groupby("key", sort=True):
        print_frame(rows[["period", *streams]], title=f"{level} {name}", integers=True)


@app.command()
def accuracy(
    db: DbOption = None,
    level: Annotated[str, typer.Option(help="Detail level for the table.")] = "family",
    as_json: JsonOption = False,
) -> None:
    """Forecast value added and accuracy (WAPE, MAPE, sMAPE, MASE, bias) at lag 1 and 3."""
    report = demand_service.accuracy(open_db(db))
    if as_json:
        print_json(
            {
                "summary": report.summary.to_dict("records"),
                "errors": report.errors.to_dict("records"),
                "fva": report.fva.to_dict("records"),
            }
        )
        return
    lags = sorted(report.summary["lag"].unique())
    percent = [f"{m}_lag{lag}" for m in ("wape", "bias", "fva") for lag in lags]
    for name in ("product", "family", "total"):
        print_frame(
            report.headline(name),
            percent=percent,
            title=f"Accuracy at {name} level: WAPE and bias (volume-weighted); fva = WAPE "
            "points gained over naive (statistical) or over statistical (the rest)",
        )
    shown = report.errors["stream"].isin(["naive", "statistical", "consensus"])
    detail = report.errors[(report.errors["level"] == level) & shown]
    print_frame(
        detail[["key", "stream", "lag", "n", "wape", "bias", "mase", "smape"]],
        title=f"By {level}",
        percent=["wape", "bias"],
    )


override_app = typer.Typer(
    help="Sales and marketing overrides of the forecast.", no_args_is_help=True
)
app.add_typer(override_app, name="override")


@override_app.command("add")
def override_add(
    level: Annotated[str, typer.Argument(help="product, family or segment.")],
    key: Annotated[str, typer.Argument(help="Which product, family or segment.")],
    period_from: Annotated[str, typer.Option("--from", help="First month (YYYY-MM).")],
    period_to: Annotated[str, typer.Option("--to", help="Last month (YYYY-MM).")],
    reason: Annotated[str, typer.Option(help="Reason code, e.g. promotion, customer_plan.")],
    pct: Annotated[float | None, typer.Option(help="Change in percent (20 = +20%).")] = None,
    qty: Annotated[float | None, typer.Option(help="Change in units per month.")] = None,
    comment: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    db: DbOption = None,
) -> None:
    """Override the forecast; the consensus of the latest version is updated at once."""
    database = open_db(db)
    who = actor()
    override_id = demand_service.add_override(
        database,
        actor=who,
        level=level,
        key=key,
        period_from=period_from,
        period_to=period_to,
        reason_code=reason,
        change_pct=pct,
        change_qty=qty,
        comment=comment,
    )
    console.print(f"Override {override_id} recorded by {who}; consensus updated.")


@override_app.command("list")
def override_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Active overrides with their authors and reasons."""
    frame = demand_service.list_overrides(open_db(db))
    if as_json:
        print_json(frame.to_dict("records"))
        return
    print_frame(frame.drop(columns=["created_at"]), title="Overrides")


@override_app.command("conflicts")
def override_conflicts(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Overrides by different people on the same key and months: the demand planner keeps one."""
    table = demand_service.override_conflicts(open_db(db))
    if as_json:
        print_json(records(table))
        return
    if table.empty:
        console.print("No conflicting overrides.")
        return
    print_frame(table, title="Conflicting overrides (`snop demand override resolve ID`)")


@override_app.command("resolve")
def override_resolve(
    drop: Annotated[int, typer.Argument(help="The override to withdraw.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
    db: DbOption = None,
) -> None:
    """Withdraw one override of a conflict; the consensus is rebuilt without it."""
    database = open_db(db)
    demand_service.resolve_conflict(database, actor=actor(), drop=drop, reason=reason)
    console.print(f"Override {drop} withdrawn; consensus updated.")


@app.command()
def models(
    db: DbOption = None,
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    version: Annotated[int | None, typer.Option(help="Forecast version (default latest).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Which model each series got, and why (every candidate's backtest error)."""
    frame = demand_service.forecast_details(open_db(db), version_id=version)["models"]
    if product is not None:
        frame = frame[frame["product_id"] == product]
    columns = ["level", "family", "product_id", "segment", "pool", "model", "reason"]
    if as_json:
        print_json(frame[columns].to_dict("records"))
        return
    print_frame(frame[columns], title="Models chosen by backtest")


@app.command()
def outliers(
    db: DbOption = None,
    version: Annotated[int | None, typer.Option(help="Forecast version (default latest).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Months of history cleansed before fitting (the raw history is kept)."""
    frame = demand_service.forecast_details(open_db(db), version_id=version)["outliers"]
    columns = ["product_id", "segment", "period", "raw", "cleansed", "expected"]
    if as_json:
        print_json(frame[columns].to_dict("records"))
        return
    print_frame(
        frame[columns].sort_values(["product_id", "segment", "period"]),
        title="Outliers cleansed for fitting",
        integers=True,
    )
