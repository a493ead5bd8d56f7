"""Users, their roles and tokens: `snop user add|list|disable|token`, and signing in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    Issue,
    NotFound,
    NotSignedIn,
    TooManyAttempts,
)
from snop.services import audit
from snop.services.auth import (
    SIGNED_IN,
    Actor,
    Caller,
    caller_for_token,
    check_attempts,
    close_session,
    has_users,
    hash_password,
    issue_token,
    name_of,
    open_session,
    record_failure,
    require,
    sign_in,
)
from snop.services.database import Database
from snop.store.tables import ApiToken, AppUser
from snop.team.roles import DEMO_USERS, Action, Role, parse_roles

DEMO_PASSWORD = "demo"
MIN_PASSWORD = 8


def _roles(names: Sequence[str]) -> list[Role]:
    try:
        roles = parse_roles(names)
    except ValueError as error:
        raise InvalidInput([Issue("bad_role", str(error), column="role")]) from error
    if not roles:
        raise InvalidInput([Issue("no_role", "a user needs at least one role", column="role")])
    return roles


def _view(user: AppUser) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles),
        "families": list(user.families or []),
        "segments": list(user.segments or []),
        "active": user.active,
        "version": user.version,
    }


def _user(s: Session, username: str) -> AppUser:
    user = s.scalars(select(AppUser).where(AppUser.username == username)).first()
    if user is None:
        raise NotFound(f"there is no user '{username}'")
    return user


def add_user(
    db: Database,
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Sequence[str],
    display_name: str | None = None,
    families: Sequence[str] = (),
    segments: Sequence[str] = (),
) -> dict[str, Any]:
    """Create a user; the password is kept only as an argon2 hash."""
    parsed = _roles(roles)
    username = username.strip()
    issues = []
    if not username or " " in username:
        issues.append(Issue("bad_username", "a user name is one word", column="username"))
    if len(password) < MIN_PASSWORD and password != DEMO_PASSWORD:
        issues.append(Issue("weak_password", f"a password has {MIN_PASSWORD} characters or more"))
    if issues:
        raise InvalidInput(issues)
    with db.sessions.begin() as s:
        name = require(s, actor, Action.MANAGE_USERS, stage_rule=False)
        if s.scalars(select(AppUser).where(AppUser.username == username)).first():
            raise Conflict(f"there is already a user '{username}'")
        user = AppUser(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            roles=[r.value for r in parsed],
            families=list(families),
            segments=list(segments),
            active=True,
        )
        s.add(user)
        s.flush()
        audit.record(
            s,
            name,
            "user.add",
            entity="user",
            entity_key=username,
            details={"new": _view(user)},
        )
        return _view(user)


def list_users(db: Database) -> pd.DataFrame:
    """Every user, active or not."""
    with db.sessions.begin() as s:
        users = s.scalars(select(AppUser).order_by(AppUser.username)).all()
        rows = [_view(u) for u in users]
    columns = ["username", "display_name", "roles", "families", "segments", "active", "version"]
    return pd.DataFrame(rows, columns=columns)


def update_user(
    db: Database,
    *,
    actor: Actor,
    username: str,
    expected_version: int,
    roles: Sequence[str],
    families: Sequence[str] = (),
    segments: Sequence[str] = (),
) -> dict[str, Any]:
    """Change a user's roles and sales scope from the version the admin read.

    Saving over a newer version (another admin changed the user meanwhile) is refused with
    both values, so no change is lost.
    """
    parsed = _roles(roles)
    with db.sessions.begin() as s:
        name = require(s, actor, Action.MANAGE_USERS, stage_rule=False)
        user = _user(s, username)
        old = _view(user)
        new = {
            "roles": [r.value for r in parsed],
            "families": list(families),
            "segments": list(segments),
        }
        if user.version != expected_version:
            raise Conflict(
                f"user {username} was changed since you read it (it is now version "
                f"{user.version}); stored: {_access(old)}; yours: {_access(new)}. Read it "
                "again and redo your change on top of it."
            )
        user.roles, user.families, user.segments = new["roles"], new["families"], new["segments"]
        user.version += 1
        audit.record(
            s,
            name,
            "user.roles",
            entity="user",
            entity_key=username,
            details={"old": old, "new": _view(user)},
        )
        return _view(user)


def _access(view: dict[str, Any]) -> str:
    """'roles sales, viewer; families Tents; segments all' for conflict messages."""
    return "; ".join(
        f"{key} {', '.join(view[key]) or 'all'}" for key in ("roles", "families", "segments")
    )


def disable_user(db: Database, *, actor: Actor, username: str) -> dict[str, Any]:
    """Stop a user signing in (kept, with everything they did)."""
    with db.sessions.begin() as s:
        name = require(s, actor, Action.MANAGE_USERS, stage_rule=False)
        user = _user(s, username)
        old = _view(user)
        user.active = False
        user.version += 1
        for token in s.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            token.revoked_at = token.revoked_at or dt.datetime.now(dt.UTC)
        audit.record(
            s,
            name,
            "user.disable",
            entity="user",
            entity_key=username,
            details={"old": old, "new": _view(user)},
        )
        return _view(user)


def create_token(db: Database, *, actor: Actor, username: str, name: str = "script") -> str:
    """An API token for a user (an admin for anyone; a user for themself)."""
    with db.sessions.begin() as s:
        if not (isinstance(actor, Caller) and actor.username == username):
            require(s, actor, Action.MANAGE_USERS, stage_rule=False)
        user = _user(s, username)
        if not user.active:
            raise Forbidden(f"user '{username}' is disabled")
        token = issue_token(s, user, name)
        audit.record(
            s,
            name_of(actor),
            "user.token",
            entity="user",
            entity_key=username,
            details={"token": name},
        )
        return token


def authenticate(
    db: Database, username: str, password: str, *, address: str | None = None
) -> Caller:
    """The signed-in user for a name and password (wrong ones are counted, `start_session`)."""
    return _checked_sign_in(db, username, password, address, lambda s, caller: None)[0]


def caller_from_token(db: Database, token: str) -> Caller:
    """The user an API token or a session belongs to."""
    with db.sessions.begin() as s:
        return caller_for_token(s, token)


def start_session(
    db: Database, username: str, password: str, *, address: str | None = None
) -> tuple[Caller, str]:
    """Sign in with a password and open a session; return the caller and its secret.

    ``address`` is the caller's network address: wrong passwords are recorded in the audit
    trail under it, and after too many of them, for the user or from the address, sign-in
    is refused for a while (`TooManyAttempts`, `auth.check_attempts`).
    """

    def open_it(s: Session, caller: Caller) -> str:
        token = open_session(s, caller)
        audit.record(s, caller.username, SIGNED_IN, entity="user", entity_key=caller.username)
        return token

    caller, token = _checked_sign_in(db, username, password, address, open_it)
    assert token is not None
    return caller, token


def _checked_sign_in(
    db: Database,
    username: str,
    password: str,
    address: str | None,
    then: Callable[[Session, Caller], str | None],
) -> tuple[Caller, str | None]:
    try:
        with db.sessions.begin() as s:
            check_attempts(s, username, address)
            caller = sign_in(s, username, password)
            return caller, then(s, caller)
    except NotSignedIn as refused:
        # In a transaction of its own: the one above was rolled back by the error.
        with db.sessions.begin() as s:
            record_failure(s, username, address, refused=isinstance(refused, TooManyAttempts))
        raise


def end_session(db: Database, token: str) -> None:
    """Sign out."""
    with db.sessions.begin() as s:
        close_session(s, token)


def has_any(db: Database) -> bool:
    """True once the database has user accounts."""
    with db.sessions.begin() as s:
        return has_users(s)


def create_demo_users(s: Session) -> list[str]:
    """One user per role named after it, password 'demo' (demo databases only)."""
    made = []
    for username, role in DEMO_USERS.items():
        if s.scalars(select(AppUser).where(AppUser.username == username)).first():
            continue
        s.add(
            AppUser(
                username=username,
                display_name=f"Demo {role.value}",
                password_hash=hash_password(DEMO_PASSWORD),
                roles=[role.value],
                families=[],
                segments=[],
                active=True,
            )
        )
        made.append(username)
    return made
