"""What the routes share: the database, the signed-in caller, and the id and period rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from snop.errors import NotSignedIn
from snop.services import users
from snop.services.auth import Caller
from snop.services.database import Database

PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
MAX_ID = 2_147_483_647
"""Ids are 32-bit in PostgreSQL: larger numbers are refused at the door."""

_bearer = HTTPBearer(auto_error=False, description="An API token or a session token.")


def get_database(request: Request) -> Database:
    """The database the app was made over (`snop.api.app.create_app`)."""
    database: Database = request.app.state.database
    return database


Db = Annotated[Database, Depends(get_database)]


def get_caller(
    db: Db,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The signed-in caller of a request (401 without a valid token)."""
    if credentials is None:
        raise NotSignedIn(
            "send `Authorization: Bearer TOKEN` (a token from `snop user token`, or from "
            "POST /api/session)"
        )
    return users.caller_from_token(db, credentials.credentials)


Who = Annotated[Caller, Depends(get_caller)]
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Version = Annotated[int | None, Query(ge=1, le=MAX_ID)]
