"""The team: users, their API tokens, and the audit trail."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from snop.api.schemas.common import Read


class UserIn(BaseModel):
    """A new user."""

    username: str = Field(min_length=1, max_length=100, pattern=r"^\S+$")
    password: str = Field(min_length=4, max_length=200)
    roles: list[str] = Field(min_length=1, max_length=7)
    display_name: str | None = Field(default=None, max_length=200)
    families: list[str] = Field(default_factory=list, max_length=100)
    segments: list[str] = Field(default_factory=list, max_length=100)


class TokenIn(BaseModel):
    """What a new API token is for."""

    name: str = Field(default="script", min_length=1, max_length=200)


class UserRead(Read):
    """A user, their roles and the families and segments they may change (empty = all)."""

    username: str
    display_name: str | None
    roles: list[str]
    families: list[str]
    segments: list[str]
    active: bool
    version: int


class UsersRead(Read):
    """Every user."""

    users: list[UserRead]


class TokenRead(Read):
    """A new API token, shown once."""

    token: str


class AuditRowRead(Read):
    """Who did what, when, and the details (old and new values of a change)."""

    id: int
    at: str | None
    actor: str
    action: str
    entity: str | None
    entity_key: str | None
    details: dict[str, Any] | None


class AuditRead(Read):
    """The audit trail, newest first."""

    rows: list[AuditRowRead]
