"""`snop comment|inbox|assumption|decision`: the conversation around the plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
import typer

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.render import console, print_json
from snop.services import collab
from snop.services.auth import name_of

app = typer.Typer(
    help="Comments, the inbox, the assumptions register and the decisions log.",
    no_args_is_help=True,
)
comment_app = typer.Typer(
    help="Comments on a family, product, period, scenario, stage or plan number.",
    no_args_is_help=True,
)
assumption_app = typer.Typer(
    help="The assumptions register: what the plan rests on, and whether it held.",
    no_args_is_help=True,
)
decision_app = typer.Typer(
    help="The decisions log of the executive review: owners, due dates, status.",
    no_args_is_help=True,
)

ENTITY_HELP = "family, product, period, scenario, stage or plan (a plan number)."
Version = Annotated[int, typer.Option("--version", help="The version you read (from list).")]


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"'{value}' is not a date written YYYY-MM-DD") from error


def _table(rows: list[dict[str, Any]], columns: list[str], title: str, empty: str) -> None:
    if not rows:
        console.print(empty, highlight=False)
        return
    print_frame(pd.DataFrame(rows)[columns], title=title, percent=["error %"])


# --- comments ---------------------------------------------------------------------------


@comment_app.command("add")
def comment_add(
    entity: Annotated[str, typer.Argument(help=ENTITY_HELP)],
    key: Annotated[str, typer.Argument(help="Which one: a product id, family, month, ...")],
    text: Annotated[str, typer.Argument(help="The comment; @name mentions a user.")],
    period: Annotated[
        str | None, typer.Option(help="The month (YYYY-MM); needed for a plan number.")
    ] = None,
    reply_to: Annotated[
        int | None, typer.Option("--reply-to", help="The comment this answers.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Comment on something; mentioned users find it in their inbox."""
    database = open_db(db)
    view = collab.add_comment(
        database,
        actor=actor(),
        entity=entity,
        key=key,
        body=text,
        period=period,
        parent_id=reply_to,
    )
    if as_json:
        print_json(view)
        return
    told = f"; told {', '.join(view['mentions'])}" if view["mentions"] else ""
    console.print(f"Comment {view['id']} added{told}.", highlight=False)


@comment_app.command("list")
def comment_list(
    entity: Annotated[str | None, typer.Argument(help=ENTITY_HELP)] = None,
    key: Annotated[str | None, typer.Argument(help="Which one.")] = None,
    period: Annotated[str | None, typer.Option(help="Only this month (YYYY-MM).")] = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Show hidden comments too.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Comments, oldest first (replies name the comment they answer)."""
    rows = collab.list_comments(
        open_db(db), entity=entity, key=key, period=period, include_hidden=hidden
    )
    if as_json:
        print_json(rows)
        return
    shown = [
        r
        | {
            "on": f"{r['entity']} {r['key']}" + (f" {r['period']}" if r["period"] else ""),
            "when": (r["created_at"] or "")[:16],
            "reply to": r["parent_id"],
            "hidden": "hidden" if r["hidden_at"] else "",
        }
        for r in rows
    ]
    columns = ["id", "on", "author", "when", "body", "reply to", "version"]
    _table(shown, columns + (["hidden"] if hidden else []), "Comments", "No comments.")


@comment_app.command("edit")
def comment_edit(
    comment_id: Annotated[int, typer.Argument(metavar="ID", help="The comment.")],
    version: Version,
    text: Annotated[str, typer.Argument(help="The new text.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change your comment; refused with both texts if it changed since you read it."""
    database = open_db(db)
    view = collab.edit_comment(
        database, actor=actor(), comment_id=comment_id, expected_version=version, body=text
    )
    if as_json:
        print_json(view)
        return
    console.print(f"Comment {comment_id} is now version {view['version']}.", highlight=False)


@comment_app.command("hide")
def comment_hide(
    comment_id: Annotated[int, typer.Argument(metavar="ID", help="The comment.")],
    version: Annotated[
        int | None, typer.Option("--version", help="The version you read (optional).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hide your comment (it is kept, and the audit trail says who hid it)."""
    database = open_db(db)
    view = collab.hide_comment(
        database, actor=actor(), comment_id=comment_id, expected_version=version
    )
    if as_json:
        print_json(view)
        return
    console.print(f"Comment {comment_id} hidden.", highlight=False)


app.add_typer(comment_app, name="comment")


# --- inbox ------------------------------------------------------------------------------


@app.command("inbox")
def inbox(
    user: Annotated[str | None, typer.Option(help="Whose inbox (default: yours).")] = None,
    read: Annotated[
        list[int] | None, typer.Option("--read", help="Mark an item read (repeat for several).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What needs your action: sign-offs due, mentions, replies, decisions you own."""
    database = open_db(db)
    who = actor()
    username = user or name_of(who)
    for item_id in read or []:
        collab.mark_read(database, username, item_id, actor=who)
    items = collab.inbox(database, username)
    if as_json:
        print_json(items)
        return
    shown = [
        i
        | {
            "id": "" if i["id"] is None else str(i["id"]),
            "due": (i["due"] or "") + (" overdue" if i["overdue"] else ""),
        }
        for i in items
    ]
    _table(shown, ["id", "kind", "text", "due"], f"Inbox of {username}", "Nothing to act on.")


# --- assumptions ------------------------------------------------------------------------


@assumption_app.command("add")
def assumption_add(
    text: Annotated[str, typer.Argument(help="The assumption, in words.")],
    owner: Annotated[str, typer.Option(help="Who answers for it.")],
    period_from: Annotated[str, typer.Option("--from", help="First month (YYYY-MM).")],
    period_to: Annotated[str, typer.Option("--to", help="Last month (YYYY-MM).")],
    level: Annotated[str, typer.Option(help="total, family, product or segment.")] = "total",
    key: Annotated[str, typer.Option(help="The family, product or segment.")] = "all",
    expected: Annotated[
        float | None, typer.Option(help="Units of orders expected over the months.")
    ] = None,
    input_: Annotated[
        list[str] | None,
        typer.Option("--input", help="What rests on it: override:12, scenario:NAME (repeat)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put an assumption on the register."""
    database = open_db(db)
    view = collab.add_assumption(
        database,
        actor=actor(),
        text=text,
        owner=owner,
        level=level,
        key=key,
        period_from=period_from,
        period_to=period_to,
        expected=expected,
        inputs=input_ or [],
    )
    if as_json:
        print_json(view)
        return
    console.print(f"Assumption {view['id']} added.", highlight=False)


def _assumption_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        r
        | {
            "for": r["level"] if r["level"] == "total" else f"{r['level']} {r['key']}",
            "months": f"{r['period_from']}..{r['period_to']}",
            "actual": r["score"].get("actual"),
            "error %": r["score"].get("error_pct"),
            "inputs": ", ".join(r["inputs"]),
        }
        for r in rows
    ]


_ASSUMPTION_COLUMNS = [
    "id",
    "text",
    "owner",
    "for",
    "months",
    "expected",
    "actual",
    "error %",
    "status",
    "inputs",
    "version",
]


@assumption_app.command("list")
def assumption_list(
    status: Annotated[str | None, typer.Option(help="open, held, missed or dropped.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The register and how each assumption held up."""
    rows = collab.list_assumptions(open_db(db), status=status, owner=owner)
    if as_json:
        print_json(rows)
        return
    shown = _assumption_rows(rows)
    _table(shown, _ASSUMPTION_COLUMNS, "Assumptions", "No assumptions.")


@assumption_app.command("edit")
def assumption_edit(
    assumption_id: Annotated[int, typer.Argument(metavar="ID", help="The assumption.")],
    version: Version,
    text: Annotated[str | None, typer.Option(help="New text.")] = None,
    owner: Annotated[str | None, typer.Option(help="New owner.")] = None,
    expected: Annotated[float | None, typer.Option(help="New expected units.")] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="New first month.")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="New last month.")] = None,
    input_: Annotated[
        list[str] | None, typer.Option("--input", help="Replace the inputs (repeat).")
    ] = None,
    status: Annotated[str | None, typer.Option(help="open or dropped.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change an assumption; refused with both values if it changed since you read it."""
    database = open_db(db)
    view = collab.update_assumption(
        database,
        actor=actor(),
        assumption_id=assumption_id,
        expected_version=version,
        text=text,
        owner=owner,
        expected=expected,
        period_from=period_from,
        period_to=period_to,
        inputs=input_,
        status=status,
    )
    if as_json:
        print_json(view)
        return
    console.print(f"Assumption {assumption_id} is now version {view['version']}.")


@assumption_app.command("score")
def assumption_score(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Score open assumptions whose months have actual orders: held within 10%, or missed."""
    database = open_db(db)
    result = collab.score_assumptions(database, actor=actor())
    if as_json:
        print_json(result)
        return
    _table(
        _assumption_rows(result["scored"]),
        _ASSUMPTION_COLUMNS,
        "Scored",
        "No assumption could be scored yet.",
    )
    for waiting in result["waiting"]:
        months = ", ".join(waiting["months"])
        console.print(f"Assumption {waiting['id']} waits: {waiting['reason']} {months}".strip())


app.add_typer(assumption_app, name="assumption")


# --- decisions --------------------------------------------------------------------------


@decision_app.command("add")
def decision_add(
    title: Annotated[str, typer.Argument(help="The decision, in words.")],
    owner: Annotated[str, typer.Option(help="The user who carries it out.")],
    cycle: Annotated[
        str | None, typer.Option(help="The cycle (YYYY-MM); default: the open one.")
    ] = None,
    due: Annotated[str | None, typer.Option(help="Due date (YYYY-MM-DD).")] = None,
    scenario: Annotated[str | None, typer.Option(help="The scenario it chose.")] = None,
    plan_version: Annotated[
        int | None, typer.Option("--plan-version", help="The plan version it chose.")
    ] = None,
    notes: Annotated[str | None, typer.Option(help="Why, and what else was weighed.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Log a decision; its owner finds it in their inbox."""
    database = open_db(db)
    view = collab.record_decision(
        database,
        actor=actor(),
        title=title,
        owner=owner,
        cycle_period=cycle,
        due_date=_date(due),
        scenario=scenario,
        plan_version_id=plan_version,
        notes=notes,
    )
    if as_json:
        print_json(view)
        return
    console.print(
        f"Decision {view['id']} logged for cycle {view['cycle']}, owned by {view['owner']}.",
        highlight=False,
    )


@decision_app.command("list")
def decision_list(
    cycle: Annotated[str | None, typer.Option(help="Only this cycle (YYYY-MM).")] = None,
    status: Annotated[str | None, typer.Option(help="open, done or dropped.")] = None,
    owner: Annotated[str | None, typer.Option(help="Only this owner's.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The decisions log."""
    rows = collab.list_decisions(open_db(db), cycle_period=cycle, status=status, owner=owner)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "cycle", "title", "owner", "due_date", "status", "scenario", "notes"]
    _table(rows, columns + ["version"], "Decisions", "No decisions.")


@decision_app.command("update")
def decision_update(
    decision_id: Annotated[int, typer.Argument(metavar="ID", help="The decision.")],
    version: Version,
    status: Annotated[str | None, typer.Option(help="open, done or dropped.")] = None,
    notes: Annotated[str | None, typer.Option(help="New notes (replace the old).")] = None,
    owner: Annotated[str | None, typer.Option(help="Hand it to another user.")] = None,
    due: Annotated[str | None, typer.Option(help="New due date (YYYY-MM-DD).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a decision; refused with both values if it changed since you read it."""
    database = open_db(db)
    view = collab.update_decision(
        database,
        actor=actor(),
        decision_id=decision_id,
        expected_version=version,
        status=status,
        notes=notes,
        owner=owner,
        due_date=_date(due),
    )
    if as_json:
        print_json(view)
        return
    console.print(
        f"Decision {decision_id} is {view['status']} (version {view['version']}).",
        highlight=False,
    )


app.add_typer(decision_app, name="decision")
