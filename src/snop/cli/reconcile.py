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
    show_all: Annotated[
        bool, typer.Option("--all", help="Every month's targets, not only the next three.")
    ] = False,
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
    shown = card if show_all else _near(card, str(evaluation.version["first_period"]))
    colours = {"green": "green", "amber": "yellow", "red": "red"}
    shown = shown.assign(status=shown["status"].map(lambda s: f"[{colours.get(s, 'dim')}]{s}[/]"))
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
    hidden = card.loc[~card.index.isin(shown.index)]
    if len(hidden):
        red = int((hidden["status"] == "red").sum())
        console.print(
            f"{len(hidden)} later months' targets not shown ({red} red): `snop scorecard --all`.",
            style="dim",
        )
    for sentence in evaluation.sentences:
        console.print(f"  - {sentence}", highlight=False, soft_wrap=True)


NEAR_MONTHS = 3


def _near(card: pd.DataFrame, first: str) -> pd.DataFrame:
    """Year targets and the next few months' (a planner's view of the scorecard)."""
    months = sorted(p for p in card["period"].astype(str).unique() if len(p) == 7 and p >= first)
    keep = card["period"].astype(str).str.len().eq(4) | card["period"].isin(months[:NEAR_MONTHS])
    return card[keep]


SCOPES = ("all", "segment", "family", "resource", "product")


def kpis(
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="Scopes to show (repeat): all, segment, family, resource."),
    ] = None,
    version: VersionOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """KPIs of the last 12 months (actuals) next to the plan's next 12, per scope."""
    kinds = list(scope) if scope else ["all", "segment", "resource"]
    wrong = [k for k in kinds if k not in SCOPES]
    if wrong:
        raise typer.BadParameter(f"--scope takes {', '.join(SCOPES)}, not {', '.join(wrong)}")
    evaluation = reconcile.evaluate(open_db(db), version_id=version)
    table = evaluation.kpis
    if as_json:
        print_json({"version": evaluation.version["id"], "kpis": records(table)})
        return
    shown = _with_text(table[table["scope_kind"].isin(kinds)])
    wide = shown.pivot_table(
        index=["kpi", "scope_kind", "scope"], columns="basis", values="text", aggfunc="first"
    ).reset_index()
    wide.columns = [str(c) for c in wide.columns]
    for basis in ("actual", "plan"):
        if basis not in wide:
            wide[basis] = ""
    wide = wide[(wide["actual"].fillna("") != "") | (wide["plan"].fillna("") != "")]
    order = {k: i for i, k in enumerate(SCOPES)}
    wide = wide.assign(_kind=wide["scope_kind"].map(order)).sort_values(["kpi", "_kind", "scope"])
    windows = shown.groupby("basis")[["period_from", "period_to"]].agg(
        {"period_from": "min", "period_to": "max"}
    )
    labels = {b: f"{b} {r['period_from']}..{r['period_to']}" for b, r in windows.iterrows()}
    wide = wide.rename(columns=labels)
    columns = ["kpi", "scope", *[labels.get(b, b) for b in ("actual", "plan")]]
    print_frame(
        wide.fillna("")[columns],
        title=f"KPIs — {_where(evaluation)}",
    )
    console.print(
        "Flows are totals over each window; stocks and rates are means or ratios of sums. "
        "plan_change: production changed inside the fence since the last published plan.",
        style="dim",
        soft_wrap=True,
    )


def _with_text(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(
        text=[_format(v, u) for v, u in zip(table["value"], table["unit"], strict=True)]
    )


def _format(value: float, unit: str) -> str:
    """A KPI value as a planner reads it: 95.9%, $1,234,567, 18.4 days, 1,234 units."""
    if value is None or pd.isna(value):
        return ""
    if unit == "share":
        return f"{value:.1%}"
    if unit == "money":
        return f"${value:,.0f}"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "turns":
        return f"{value:.1f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


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
