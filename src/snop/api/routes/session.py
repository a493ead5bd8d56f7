"""Signing in with a password, and who a token belongs to."""

from __future__ import annotations

from fastapi import Request

from snop.api.deps import Db, Who
from snop.api.routes import router as make_router
from snop.api.schemas.session import MeRead, SessionRead, SignIn
from snop.services import users

router = make_router("auth")


@router.post("/api/session", response_model=SessionRead)
def sign_in(body: SignIn, request: Request, db: Db) -> SessionRead:
    """Sign in with a password; returns a session token to send as a Bearer token.

    After 10 wrong passwords for a user (or 30 from one address) within 15 minutes,
    sign-in is refused with 429 for a while.
    """
    address = request.client.host if request.client else None
    who, token = users.start_session(db, body.username, body.password, address=address)
    return SessionRead(token=token, username=who.username, roles=[r.value for r in who.roles])


@router.get("/api/me", response_model=MeRead)
def me(who: Who) -> MeRead:
    """Who the token belongs to."""
    return MeRead(username=who.username, roles=[r.value for r in who.roles])
