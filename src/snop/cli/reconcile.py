"""Pre-S&OP commands: `snop money`, `snop scorecard`, `snop kpis`, `snop exceptions`."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer

from snop.cli.common import DbOption, JsonOption, open_db, print_frame
from snop.cli.render import console, print_json
from snop.frames import records
from snop.services import reconcile

VersionOption = Annotated[
    int | None,
    typer.Option("--version", help="Plan version (default: the plan of record, else the latest)."),
]
MONEY_BY = ("period", "family", "segment")


def _where(evaluation: reconcile.Evaluation) -> str:
    v = evaluation.version
    published = " (plan of record)" if v.get("published_at") else ""
    return f"plan version {v['id']}{published}, {v['first_period']} on, {v['strategy']} strategy"


def money(
    by: Annotated[
        list[str] | None,
        typer.Option("--by", help="Group by period, family and/or segment (repeat)."),
    ] = None,
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The plan in money: revenue, cost of goods, margin, stock value, overtime, backlog."""
    groups = list(by) if by else ["family"]
    wrong = [g for g in groups if g not in MONEY_BY]
    if wrong:
        raise typer.BadParameter(f"--by takes {', '.join(MONEY_BY)}, not {', '.join(wrong)}")
    evaluation = reconcile.evaluate(open_db(db), version_id=version)
    table = evaluation.money_table(groups)
    if as_json:
        print_json({"version": evaluation.version["id"], "by": groups, "rows": records(table)})
        return
    total = evaluation.money_table([])
    print_frame(
        pd.concat([table, total.assign(**{g: "total" for g in groups})], ignore_index=True),
        title=f"Money by {', '.join(groups)} — {_where(evaluation)}",
        integers=True,
    )
    console.print(
        "Revenue and cost of goods on shipments at standard cost; inventory value is the sum "
        "of month-end values (divide by the months for the average); overtime, subcontracting "
        "and holding are period costs outside the gross margin.",
        style="dim",
        soft_wrap=True,
    )


def scorecard(
    tolerance: Annotated[
        float | None,
        typer.Option(
            "--tolerance",
            help="Amber band as a fraction of the target (0.05 = 5%); kept for next time.",
        ),
    ] = None,
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The plan against every strategy target: value, gap in units and money, status."""
    evaluation = reconcile.evaluate(open_db(db), version_id=version, tolerance=tolerance)
    card = evaluation.scorecard
    if as_json:
        print_json(
            {
                "version": evaluation.version["id"],
                "tolerance": evaluation.tolerance,
                "sentences": evaluation.sentences,
                "scorecard": records(card),
            }
        )
        return
    colours = {"green": "green", "amber": "yellow", "red": "red"}
    shown = card.assign(status=card["status"].map(lambda s: f"[{colours.get(s, 'dim')}]{s}[/]"))
    columns = [
        c
        for c in (
            "period",
            "metric",
            "scope",
            "target",
            "value",
            "gap",
            "gap_units",
            "gap_money",
            "status",
        )
        if c in shown.columns
    ]
    print_frame(
        shown[columns],
        title=f"Strategy scorecard — {_where(evaluation)}, tolerance {evaluation.tolerance:.0%}",
    )
    for sentence in evaluation.sentences:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)


def kpis(
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """KPIs of the last 12 months (actuals) next to the plan's, per scope."""
    evaluation = reconcile.evaluate(open_db(db), version_id=version)
    table = evaluation.kpis
    if as_json:
        print_json({"version": evaluation.version["id"], "kpis": records(table)})
        return
    wide = table.pivot_table(
        index=["kpi", "scope_kind", "scope"], columns="basis", values="value", aggfunc="first"
    ).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    order = {"all": 0, "segment": 1, "family": 2, "resource": 3, "product": 4}
    wide = wide[wide["scope_kind"] != "product"]
    wide = wide.sort_values(
        ["kpi", "scope_kind"], key=lambda c: c.map(order) if c.name == "scope_kind" else c
    )
    print_frame(wide, title=f"KPIs: actuals (last 12 months) and plan — {_where(evaluation)}")


def exceptions(
    top: Annotated[int, typer.Option("--top", help="How many to show (0 = all).")] = 20,
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What needs attention, ranked by money at stake, and who should act."""
    evaluation = reconcile.evaluate(open_db(db), version_id=version)
    table = evaluation.exceptions
    if as_json:
        print_json({"version": evaluation.version["id"], "exceptions": records(table)})
        return
    if table.empty:
        console.print("Nothing needs attention: no exception passed its threshold.")
        return
    shown = table if top <= 0 else table.head(top)
    print_frame(
        shown[["rank", "kind", "what", "money", "owner"]],
        title=f"Exceptions by money at stake ({len(table)} in all) — {_where(evaluation)}",
    )
    console.print("Actions:", style="bold")
    for row in shown.to_dict("records"):
        console.print(f"  {row['rank']}. {row['action']}", highlight=False, soft_wrap=True)
