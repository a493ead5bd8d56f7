"""Admin: users, their roles and sales scope, disabling, and API tokens for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from snop.errors import Forbidden
from snop.services import status, users
from snop.services.auth import Caller
from snop.services.database import Database
from snop.team.roles import Action, Role
from snop.web import deps, forms

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]
Many = Annotated[list[str], Form()]


def _admin(who: Caller) -> None:
    if not deps.may(who, Action.MANAGE_USERS):
        raise Forbidden(f"{who.username} may not manage users: ask an admin")


@router.get("/admin")
def admin_page(request: Request, who: deps.User, db: deps.Db) -> HTMLResponse:
    """Every user with their roles; forms to add, change and disable."""
    _admin(who)
    return _render(request, who, db)


def _render(
    request: Request, who: Caller, db: Database, token: dict[str, str] | None = None
) -> HTMLResponse:
    return deps.page(
        request,
        "admin/page.html",
        who,
        "admin",
        users=users.list_users(db).to_dict("records"),
        all_roles=[r.value for r in Role],
        families=status.describe_kept(db).families,
        token=token,
    )


@router.post("/admin/users")
def add(
    request: Request,
    who: deps.User,
    db: deps.Db,
    username: Text,
    password: Text,
    roles: Many,
    display_name: Text = "",
    families: Text = "",
    segments: Text = "",
) -> Response:
    """Create a user."""
    users.add_user(
        db,
        actor=who,
        username=username,
        password=password,
        roles=roles,
        display_name=display_name.strip() or None,
        families=forms.names(families),
        segments=forms.names(segments),
    )
    return deps.done(request, "/admin", f"Added {username}.")


@router.post("/admin/users/{username}/roles")
def change_roles(
    request: Request,
    who: deps.User,
    db: deps.Db,
    username: str,
    version: Annotated[int, Form()],
    roles: Many,
    families: Text = "",
    segments: Text = "",
) -> Response:
    """Change a user's roles and scope from the version shown (a newer one is refused)."""
    users.update_user(
        db,
        actor=who,
        username=username,
        expected_version=version,
        roles=roles,
        families=forms.names(families),
        segments=forms.names(segments),
    )
    return deps.done(request, "/admin", f"Saved {username}'s roles.")


@router.post("/admin/users/{username}/disable")
def disable(request: Request, who: deps.User, db: deps.Db, username: str) -> Response:
    """Stop a user signing in (kept, with everything they did)."""
    users.disable_user(db, actor=who, username=username)
    return deps.done(request, "/admin", f"Disabled {username}.")


@router.post("/admin/users/{username}/token")
def token(
    request: Request, who: deps.User, db: deps.Db, username: str, name: Text = "script"
) -> HTMLResponse:
    """A new API token for a user's scripts, shown once."""
    _admin(who)
    secret = users.create_token(db, actor=who, username=username, name=name.strip() or "script")
    return _render(request, who, db, {"username": username, "secret": secret})
