"""Who is calling, and may they: sign-in, tokens, sessions and the permission check.

Every service that changes something calls :func:`require` inside its transaction with the
caller it was given. A caller is either a signed-in :class:`Caller` (roles, scope, and the
cycle's stage rules apply) or a plain name: the owner of a local database working alone
(the command line on a SQLite file, or a database with no users yet), who may do anything
and is recorded under that name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from snop.errors import Forbidden, NotSignedIn, TooManyAttempts
from snop.store import cycles as cycle_store
from snop.store.tables import ApiToken, AppUser, AuditEvent, UserSession
from snop.team.roles import Action, Role, can, roles_allowed
from snop.team.stages import STAGE_NAMES, allowed_in, stage_allowing, stage_named

_HASHER = PasswordHasher()
SESSION_HOURS = 12
SIGNED_IN = "user.sign_in"
SIGN_IN_FAILED = "user.sign_in_failed"
SIGN_IN_REFUSED = "user.sign_in_refused"
FAILURE_WINDOW = dt.timedelta(minutes=15)
"""Wrong passwords older than this no longer count against a user or an address."""
MAX_FAILURES_PER_USER = 10
"""Wrong passwords for one user (since their last sign-in) before sign-in is refused."""
MAX_FAILURES_PER_ADDRESS = 30
"""Wrong passwords from one address (for any users) before sign-in is refused."""


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in user: name, roles and, for scoped sales users, families and segments."""

    username: str
    roles: tuple[Role, ...]
    families: tuple[str, ...] = field(default_factory=tuple)
    segments: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.username


Actor = Caller | str
"""A signed-in caller, or the name of a local owner working alone."""


def name_of(actor: Actor) -> str:
    """The name recorded in the audit trail."""
    return actor.username if isinstance(actor, Caller) else actor


def hash_password(password: str) -> str:
    """An argon2 hash of the password."""
    return _HASHER.hash(password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _caller(user: AppUser) -> Caller:
    roles = tuple(Role(r) for r in user.roles)
    return Caller(user.username, roles, tuple(user.families or ()), tuple(user.segments or ()))


def sign_in(s: Session, username: str, password: str) -> Caller:
    """The user, when the password is theirs and the account active."""
    user = s.scalars(select(AppUser).where(AppUser.username == username)).first()
    try:
        if user is None or not user.active or not _HASHER.verify(user.password_hash, password):
            raise NotSignedIn("wrong user name or password")
    except (VerificationError, InvalidHashError) as error:
        raise NotSignedIn("wrong user name or password") from error
    return _caller(user)


def check_attempts(s: Session, username: str, address: str | None) -> None:
    """Refuse to check a password after too many wrong ones lately (TooManyAttempts).

    Wrong passwords are read from the audit trail (`record_failure`), so the limit holds
    across server processes and restarts: 10 for one user within 15 minutes since their last
    sign-in, 30 from one address. Sign-in opens again 15 minutes after the failures.
    """
    last_ok = select(func.coalesce(func.max(AuditEvent.id), 0)).where(
        AuditEvent.action == SIGNED_IN, AuditEvent.entity_key == username
    )
    for clause, limit, who in (
        (
            (AuditEvent.entity_key == username) & (AuditEvent.id > last_ok.scalar_subquery()),
            MAX_FAILURES_PER_USER,
            f"user '{username}'",
        ),
        (AuditEvent.actor == (address or ""), MAX_FAILURES_PER_ADDRESS, f"address {address}"),
    ):
        if who.startswith("address") and not address:
            continue
        times = s.scalars(
            select(AuditEvent.at)
            .where(AuditEvent.action == SIGN_IN_FAILED, clause)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        ).all()
        cutoff = dt.datetime.now(dt.UTC) - FAILURE_WINDOW
        recent = [at for at in map(_utc, times) if at >= cutoff]
        if len(recent) >= limit:
            wait = max(1, round((min(recent) - cutoff).total_seconds() / 60))
            raise TooManyAttempts(
                f"too many wrong passwords for {who} in the last "
                f"{FAILURE_WINDOW.seconds // 60} minutes: sign-in is refused for about "
                f"{wait} more minute(s)"
            )


def record_failure(s: Session, username: str, address: str | None, *, refused: bool) -> None:
    """A wrong password (or a refused attempt) in the audit trail, under its address."""
    s.add(
        AuditEvent(
            actor=address or "unknown address",
            action=SIGN_IN_REFUSED if refused else SIGN_IN_FAILED,
            entity="user",
            entity_key=username,
            details={"address": address},
        )
    )


def _utc(at: dt.datetime) -> dt.datetime:
    # SQLite hands back naive UTC times, PostgreSQL aware ones.
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at


def new_token() -> str:
    """A fresh random secret (shown once; only its hash is stored)."""
    return secrets.token_urlsafe(32)


def issue_token(s: Session, user: AppUser, name: str) -> str:
    """Create an API token for a user; return the secret."""
    token = new_token()
    s.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token)))
    return token


def caller_for_token(s: Session, token: str) -> Caller:
    """The user an API token (or a session) belongs to; NotSignedIn if none is valid."""
    digest = _digest(token)
    now = dt.datetime.now(dt.UTC)
    row = s.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is not None and row.revoked_at is None:
        user = s.get(AppUser, row.user_id)
        if user is not None and user.active:
            row.last_used_at = now
            return _caller(user)
    session = s.get(UserSession, digest)
    if session is not None and session.revoked_at is None:
        expires = session.expires_at
        expires = expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)
        user = s.get(AppUser, session.user_id)
        if expires > now and user is not None and user.active:
            return _caller(user)
    raise NotSignedIn("the token or session is not valid (unknown, revoked or expired)")


def open_session(s: Session, caller: Caller) -> str:
    """Start a session for a signed-in person; return its secret (the web app's cookie)."""
    user = s.scalars(select(AppUser).where(AppUser.username == caller.username)).one()
    token = new_token()
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=SESSION_HOURS)
    s.add(UserSession(token_hash=_digest(token), user_id=user.id, expires_at=expires))
    return token


def close_session(s: Session, token: str) -> None:
    """End a session (sign out)."""
    session = s.get(UserSession, _digest(token))
    if session is not None:
        session.revoked_at = dt.datetime.now(dt.UTC)


def has_users(s: Session) -> bool:
    """True once anyone has an account: from then on, people sign in."""
    return bool(s.scalar(select(func.count()).select_from(AppUser)))


def require(
    s: Session,
    actor: Actor,
    action: Action,
    *,
    families: tuple[str, ...] | list[str] = (),
    segments: tuple[str, ...] | list[str] = (),
    stage_rule: bool = True,
) -> str:
    """Refuse the action unless the caller may take it now; return the name to record.

    A local owner (a plain name) may do anything. A signed-in caller needs a role that
    allows it, must stay inside their families and segments (when scoped), and the open
    cycle's stage must allow the change (``stage_rule``).
    """
    if not isinstance(actor, Caller):
        return actor
    if not can(actor.roles, action):
        allowed = ", ".join(r.value for r in roles_allowed(action))
        raise Forbidden(f"{actor.username} may not {action.value}: that needs a role of {allowed}")
    _check_scope(actor, families, segments)
    if stage_rule and action is not Action.READ:
        cycle = cycle_store.open_cycle(s)
        # Before anyone opened the first cycle, it is about to open in data gathering.
        stage = cycle.stage if cycle is not None else STAGE_NAMES[0]
        if not allowed_in(stage, action):
            stages = ", ".join(stage_named(n).title for n in stage_allowing(action)) or "no stage"
            title = stage_named(stage).title.lower()
            which = f"cycle {cycle.period}" if cycle is not None else "the cycle"
            raise Forbidden(
                f"{which} is in the {title}: to {action.value} it must be in "
                f"{stages} (reopen a stage with `snop cycle reopen` if this must change)"
            )
    return actor.username


def _check_scope(
    caller: Caller, families: tuple[str, ...] | list[str], segments: tuple[str, ...] | list[str]
) -> None:
    if Role.ADMIN in caller.roles:
        return
    outside_family = [f for f in families if caller.families and f not in caller.families]
    outside_segment = [g for g in segments if caller.segments and g not in caller.segments]
    if outside_family or outside_segment:
        what = ", ".join([*outside_family, *outside_segment])
        mine = ", ".join([*caller.families, *caller.segments])
        raise Forbidden(f"{caller.username} works on {mine}, not on {what}")
