"""`snop simulate`: replay held-out months under snop's cycle and the policies it must beat."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.progress import progress_bar
from snop.cli.render import console, print_json
from snop.demand.forecast import FAST_MODELS, ForecastSettings
from snop.report.format import by_kind
from snop.services import simulate as service
from snop.simulate.report import MEASURES
from snop.web.charts.simulate import standalone_html


def simulate(
    months: Annotated[
        int, typer.Option(help="Months to score (the last ones of the history).")
    ] = 12,
    first_month: Annotated[
        str | None, typer.Option("--from", help="First month to score (YYYY-MM).")
    ] = None,
    warm_up: Annotated[
        int, typer.Option(help="Months simulated before, not scored (the start fades).")
    ] = 3,
    frozen: Annotated[
        int | None, typer.Option(help="Frozen fence in months (default: the cycle's).")
    ] = None,
    horizon: Annotated[int, typer.Option(help="Months snop forecasts and plans each month.")] = 12,
    policy: Annotated[
        list[str] | None,
        typer.Option(help="Built-in policy: snop, naive, minmax (repeat; default all three)."),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option(help="Your own policy: module:function or file.py:function (repeat)."),
    ] = None,
    fast: Annotated[
        bool,
        typer.Option(
            "--fast", help="Forecast without AutoARIMA, the slowest model (for many series)."
        ),
    ] = False,
    frontier: Annotated[
        bool,
        typer.Option(
            "--frontier/--no-frontier",
            help="Also replay naive and min/max with more cover, to compare at equal service.",
        ),
    ] = True,
    chart: Annotated[
        Path | None,
        typer.Option(help="Also write the service-inventory chart to this .html file."),
    ] = None,
    last: Annotated[
        bool, typer.Option("--last", help="Show the last stored simulation; run nothing.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Replay the last months: each month plan from what was known, then real orders arrive.

    Compares snop's full cycle (forecast, safety stock, optimised plan) with a seasonal
    naive rule and a moving-average min/max rule on the same months; takes minutes, as
    snop forecasts every series again for every month.
    """
    database = open_db(db)
    if last:
        stored = service.latest_simulation(database)
    else:
        custom = dict(service.load_policy(spec) for spec in add or [])
        options = service.SimulationOptions(
            months=months,
            first_month=first_month,
            warm_up=warm_up,
            frozen_months=frozen,
            horizon=horizon,
            policies=tuple(policy) if policy else service.DEFAULT_POLICIES,
            custom=custom,
            forecast=ForecastSettings(n_jobs=-1, models=FAST_MODELS if fast else None),
            frontier=frontier,
        )
        with progress_bar("reading the company's history", unit="months") as bar:
            summary = service.run_simulation(database, actor=actor(), options=options, progress=bar)
        stored = summary.to_dict()
    if chart is not None:
        chart.write_text(standalone_html(stored), encoding="utf-8")
    if as_json:
        print_json(stored)
        return
    _print(stored)
    if chart is not None:
        console.print(f"Chart written to {chart}.", highlight=False)


def _print(stored: dict[str, Any]) -> None:
    settings = stored["settings"]
    head = pd.DataFrame(stored["headline"]).set_index("policy")
    policies = list(head.index)
    rows = []
    shown = [(k, label, kind) for k, label, kind in MEASURES if k in head.columns]  # older runs
    for key, label, kind in shown:
        rows.append({"measure": label, **{p: by_kind(head.loc[p, key], kind) for p in policies}})
    met = {
        p: f"{int(head.loc[p, 'segments_met'])} of {int(head.loc[p, 'segments'])}" for p in policies
    }
    rows.append({"measure": "segments at target (±1 pt)", **met})
    title = (
        f"Simulation {stored.get('run', '')} — {stored['first_month']} to {stored['last_month']} "
        f"scored ({settings['warm_up']} warm-up months before), frozen fence "
        f"{settings['frozen_months']}, plan horizon {settings['horizon']}"
    )
    print_frame(pd.DataFrame(rows), title=title, right=policies)
    service_table = pd.DataFrame(stored["service"])
    wide = service_table.pivot_table(
        index=["priority", "segment", "target"],
        columns="policy",
        values="fill_rate",
        aggfunc="first",
    )[policies]
    table = wide.reset_index()
    table["target"] = table["target"].map(lambda v: f"{v:.1%}")
    for p in policies:
        table[p] = table[p].map(lambda v: f"{v:.1%}")
    print_frame(
        table.drop(columns="priority"), title="Fill rate by segment (highest priority first)"
    )
    costs = pd.DataFrame(stored["costs"]).pivot_table(
        index="component", columns="policy", values="amount", aggfunc="sum"
    )[policies]
    order = ["material", "regular_hours", "overtime", "subcontract", "holding", "backorder"]
    print_frame(
        costs.reindex(order).reset_index(), title="Cost over the scored months", integers=True
    )
    use = pd.DataFrame(stored["capacity"]).pivot_table(
        index="resource_id", columns="policy", values="utilisation", aggfunc="first"
    )[policies]
    print_frame(use.reset_index(), title="Capacity use (load / regular)", percent=policies)
    _print_frontier(stored)
    for sentence in stored["sentences"]:
        console.print(f"- {sentence}", highlight=False, soft_wrap=True)
    for name, notes in (stored.get("notes") or {}).items():
        for note in notes[:5]:
            console.print(f"  note ({name}): {note}", style="dim", highlight=False, soft_wrap=True)


def _print_frontier(stored: dict[str, Any]) -> None:
    """The simple rules with more cover: the stock each fill rate costs them."""
    curve = pd.DataFrame(stored.get("frontier") or [])
    if curve.empty:
        return
    table = pd.DataFrame(
        {
            "rule": curve["policy"],
            "months of cover added": curve["safety_months"].map(lambda v: f"{v:g}"),
            "fill rate": curve["fill_rate"].map(lambda v: f"{v:.1%}"),
            "stock, mean value": curve["inventory_value"].map(lambda v: by_kind(v, "money")),
            "total cost": curve["total_cost"].map(lambda v: by_kind(v, "money")),
        }
    )
    print_frame(
        table,
        title="The simple rules with more cover (to compare at equal service)",
        right=["fill rate", "stock, mean value", "total cost"],
    )
