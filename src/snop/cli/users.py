"""`snop user add|list|disable|token`: the team's accounts."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from snop.cli.common import DbOption, JsonOption, actor, open_db, print_frame
from snop.cli.render import console, print_json
from snop.frames import records
from snop.services import users

app = typer.Typer(help="Users, their roles and API tokens.", no_args_is_help=True)


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="One word: what the user signs in with.")],
    role: Annotated[
        list[str],
        typer.Option(
            "--role",
            help="admin, demand planner, sales, supply planner, finance, executive or viewer "
            "(repeat for several).",
        ),
    ],
    name: Annotated[str | None, typer.Option(help="The person's name as others see it.")] = None,
    family: Annotated[
        list[str] | None, typer.Option("--family", help="Scope a sales user to a family.")
    ] = None,
    segment: Annotated[
        list[str] | None, typer.Option("--segment", help="Scope a sales user to a segment.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user; the password is read from $SNOP_NEW_PASSWORD or asked for."""
    password = os.environ.get("SNOP_NEW_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    view = users.add_user(
        open_db(db),
        actor=actor(),
        username=username,
        password=password,
        roles=role,
        display_name=name,
        families=family or [],
        segments=segment or [],
    )
    if as_json:
        print_json(view)
        return
    console.print(f"User {view['username']} added: {', '.join(view['roles'])}.", highlight=False)


@app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every user with roles and scope."""
    table = users.list_users(open_db(db))
    if as_json:
        print_json(records(table))
        return
    shown = table.assign(
        roles=table["roles"].map(", ".join),
        families=table["families"].map(", ".join),
        segments=table["segments"].map(", ".join),
    )
    print_frame(shown.drop(columns=["version"]), title="Users")


@app.command()
def disable(
    username: Annotated[str, typer.Argument(help="The user to stop.")],
    db: DbOption = None,
) -> None:
    """Stop a user signing in (their history stays) and revoke their tokens."""
    users.disable_user(open_db(db), actor=actor(), username=username)
    console.print(f"User {username} disabled; their tokens are revoked.", highlight=False)


@app.command()
def token(
    username: Annotated[str, typer.Argument(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    db: DbOption = None,
) -> None:
    """Create an API token (shown once): send it as `Authorization: Bearer TOKEN`."""
    secret = users.create_token(open_db(db), actor=actor(), username=username, name=name)
    console.print(secret, highlight=False, soft_wrap=True)
