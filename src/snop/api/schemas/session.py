"""Signing in and who is signed in."""

from __future__ import annotations

from pydantic import BaseModel, Field

from snop.api.schemas.common import Read


class SignIn(BaseModel):
    """A user name and password."""

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class MeRead(Read):
    """A signed-in user and their roles."""

    username: str
    roles: list[str]


class SessionRead(Read):
    """A new session: the token to send as ``Authorization: Bearer TOKEN``, and its user."""

    token: str
    username: str
    roles: list[str]
