"""The team: users and their tokens (admins), and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query

from snop.api.deps import Db, Who
from snop.api.plain import obj, plain
from snop.api.routes import router as make_router
from snop.api.schemas.team import AuditRead, TokenIn, TokenRead, UserIn, UserRead, UsersRead
from snop.services import audit, users

router = make_router("team")


@router.get("/api/users", response_model=UsersRead)
def user_list(who: Who, db: Db) -> dict[str, Any]:
    """Every user."""
    return {"users": plain(users.list_users(db))}


@router.post("/api/users", status_code=201, response_model=UserRead)
def user_add(body: UserIn, who: Who, db: Db) -> dict[str, Any]:
    """Add a user (admins)."""
    return obj(users.add_user(db, actor=who, **body.model_dump()))


@router.post("/api/users/{username}/disable", response_model=UserRead)
def user_disable(username: str, who: Who, db: Db) -> dict[str, Any]:
    """Stop a user signing in (admins)."""
    return obj(users.disable_user(db, actor=who, username=username))


@router.post("/api/users/{username}/tokens", status_code=201, response_model=TokenRead)
def user_token(username: str, body: TokenIn, who: Who, db: Db) -> dict[str, Any]:
    """A new API token (admins, or the user for themself); shown once."""
    return {"token": users.create_token(db, actor=who, username=username, name=body.name)}


@router.get("/api/audit", response_model=AuditRead)
def audit_log(
    who: Who,
    db: Db,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    entity: Annotated[str | None, Query(max_length=100)] = None,
    since: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 200,
) -> dict[str, Any]:
    """The audit trail, newest first, filtered."""
    rows = audit.log(db, actor=actor, action=action, entity=entity, since=since, limit=limit)
    return {"rows": plain(rows)}
