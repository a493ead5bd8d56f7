"""What the comments, inbox, assumptions and decisions share.

The refusal of a stale edit (:class:`StaleEdit`), timestamps, the check that a named user
exists and is active, the check of a period, and the inbox item a change leaves for
someone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.errors import Conflict, Issue
from snop.frames import PERIOD_PATTERN
from snop.services.auth import Actor, Caller
from snop.store.tables import AppUser, InboxItem
from snop.team.roles import Role

_PREVIEW = 120


class StaleEdit(Conflict):
    """An edit of a version that is no longer the stored one; carries both values."""

    def __init__(self, what: str, version: int, stored: Any, submitted: Any):
        self.version = version
        self.stored = stored
        self.submitted = submitted
        super().__init__(
            f"{what} was changed since you read it (it is now version {version}); "
            f"stored: {show_value(stored)}; yours: {show_value(submitted)}. "
            "Read it again and redo your change on top of it."
        )


def show_value(value: Any) -> str:
    """A stored or submitted value as the stale-edit message shows it."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={show_value(v)}" for k, v in value.items())
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def utc_now() -> dt.datetime:
    """The current moment, in UTC."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | dt.date | None) -> str | None:
    """A moment or date as ISO text, None as None."""
    return None if moment is None else moment.isoformat()


def preview(text: str) -> str:
    """The text on one line, cut to the length an inbox item shows."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW else flat[: _PREVIEW - 1] + "…"


def is_admin(actor: Actor) -> bool:
    """Whether the actor may act on anyone's rows: an admin, or a local owner working alone."""
    # A local owner working alone (a plain name) may do anything, as in `require`.
    return not isinstance(actor, Caller) or Role.ADMIN in actor.roles


def find_user(s: Session, username: str) -> AppUser | None:
    """The user of that name, or None."""
    return s.scalars(select(AppUser).where(AppUser.username == username)).first()


def known_users(s: Session) -> list[str]:
    """Every username, sorted."""
    return list(s.scalars(select(AppUser.username).order_by(AppUser.username)).all())


def check_user(s: Session, username: str, column: str, *, shown: str | None = None) -> Issue | None:
    """An ``unknown_user`` issue unless ``username`` is an active user."""
    user = find_user(s, username)
    if user is not None and user.active:
        return None
    known = ", ".join(known_users(s)) or "none yet"
    what = "is not an active user" if user is not None else "is not a user"
    return Issue(
        "unknown_user",
        f"{shown or repr(username)} {what} (users: {known})",
        column=column,
        value=username,
    )


def check_period(value: str | None, column: str) -> Issue | None:
    """A ``bad_period`` issue unless ``value`` is None or a month written YYYY-MM."""
    if value is None or PERIOD_PATTERN.match(value):
        return None
    return Issue("bad_period", f"'{value}' is not a month written YYYY-MM", column=column)


def notify(s: Session, username: str, kind: str, ref: str, text: str) -> None:
    """Leave an item in ``username``'s inbox (in the caller's transaction)."""
    s.add(InboxItem(username=username, kind=kind, ref=ref, text=text))
