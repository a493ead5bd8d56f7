"""The team: users, tokens, sessions, cycle stages, comments, inbox, assumptions, decisions.

Users hold roles (and sales users a scope of families or segments); the cycle's stages
carry owners, due dates and sign-offs; comments, the assumptions register and the
decisions log are what the team writes down as it works.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from snop.store.tables.base import PERIOD, Base, Versioned


def _now() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class AppUser(Versioned, Base):
    """A person (or a script's account) with roles; sales users may be scoped."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    families: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Families a scoped user may change (empty = all)."""
    segments: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Segments a scoped user may change (empty = all)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = _now()


class ApiToken(Base):
    """A token a script sends as ``Authorization: Bearer``; only its hash is kept."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = _now()
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A signed-in person's session (the web app's cookie); only its hash is kept."""

    __tablename__ = "user_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = _now()
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class CycleStage(Versioned, Base):
    """One stage of a cycle: its owner role, due date and sign-off."""

    __tablename__ = "cycle_stage"
    cycle_period: Mapped[str] = mapped_column(
        ForeignKey("plan_cycle.period", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    owner_role: Mapped[str] = mapped_column(String(40))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    """waiting | open | signed_off."""
    signed_off_by: Mapped[str | None] = mapped_column(String(100))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    """The sign-off's note, or why the stage was reopened."""


class Comment(Versioned, Base):
    """A comment on a family, product, period, scenario, stage or plan number."""

    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    author: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[dt.datetime] = _now()
    entity: Mapped[str] = mapped_column(String(40))
    """family | product | period | scenario | stage | plan."""
    entity_key: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str | None] = mapped_column(PERIOD)
    """For a plan number: the month it is about (kept across cycles)."""
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(JSON, default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"))
    hidden_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """Hidden by its author or an admin (kept, with the audit trail saying who)."""


class InboxItem(Base):
    """Something a user must act on or read: a mention, a sign-off due, a decision."""

    __tablename__ = "inbox_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = _now()
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Assumption(Versioned, Base):
    """An assumption the plan rests on, the inputs tied to it, and how it held up."""

    __tablename__ = "assumption"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = _now()
    level: Mapped[str] = mapped_column(String(20))
    """total | family | product | segment: what the expected demand is for."""
    key: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[str] = mapped_column(PERIOD)
    period_to: Mapped[str] = mapped_column(PERIOD)
    expected: Mapped[float | None] = mapped_column(Float)
    """Units expected over the months (scored against actual orders when they arrive)."""
    inputs: Mapped[list[str]] = mapped_column(JSON, default=list)
    """What rests on it: 'override:12', 'scenario:peak-surge', ..."""
    status: Mapped[str] = mapped_column(String(20), default="open")
    """open | held | missed | dropped."""
    score: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Decision(Versioned, Base):
    """A decision of the executive review, its owner and due date, and what it chose."""

    __tablename__ = "decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cycle_period: Mapped[str] = mapped_column(PERIOD, index=True)
    title: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    """open | done | dropped."""
    scenario: Mapped[str | None] = mapped_column(String(200))
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_version.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = _now()
    notes: Mapped[str | None] = mapped_column(Text)
