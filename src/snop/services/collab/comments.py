"""Comments on a family, product, period, scenario, stage or plan number, and @mentions.

A comment on a plan number is keyed by what and when, not by a plan version, so it stays
with the number from cycle to cycle. ``@name`` mentions reach the named user's inbox. A
hidden comment keeps its row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from snop.errors import Conflict, Forbidden, InvalidInput, Issue, NotFound
from snop.services import audit
from snop.services.auth import Actor, name_of, require
from snop.services.collab.shared import (
    StaleEdit,
    check_period,
    check_user,
    is_admin,
    iso,
    notify,
    preview,
    utc_now,
)
from snop.services.database import Database
from snop.store import cycles as cycle_store
from snop.store.tables import Comment, Product
from snop.team.roles import Action
from snop.team.stages import STAGE_NAMES

ENTITIES = ("family", "product", "period", "scenario", "stage", "plan")
"""What a comment can be on; 'plan' is a plan number: a product or family in a month."""

_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def mentions_in(body: str) -> list[str]:
    """The user names mentioned as ``@name`` in a text, in order, each once.

    E-mail addresses are not mentions; a name's trailing full stop or dash is punctuation.
    """
    names: list[str] = []
    for match in _MENTION.finditer(body):
        name = match.group(1).rstrip(".-")
        if name and name not in names:
            names.append(name)
    return names


def _check_mentions(s: Session, names: Sequence[str]) -> None:
    issues = [i for n in names if (i := check_user(s, n, "body", shown=f"@{n}")) is not None]
    if issues:
        raise InvalidInput(issues)


def _check_target(s: Session, entity: str, key: str, period: str | None) -> list[Issue]:
    if entity not in ENTITIES:
        known = ", ".join(ENTITIES)
        return [Issue("bad_entity", f"'{entity}' is not something to comment on ({known})")]
    issues = [i for i in [check_period(period, "period")] if i is not None]
    if entity == "plan" and period is None:
        issues.append(
            Issue("no_period", "a comment on a plan number needs its month", column="period")
        )
    if entity == "period":
        bad = check_period(key, "key")
        return issues + ([bad] if bad else [])
    if entity == "stage":
        if key not in STAGE_NAMES:
            known = ", ".join(STAGE_NAMES)
            issues.append(Issue("unknown_stage", f"'{key}' is not a stage ({known})", column="key"))
        return issues
    if entity == "scenario":
        if cycle_store.scenario_named(s, key) is None:
            issues.append(Issue("unknown_scenario", f"there is no scenario '{key}'", column="key"))
        return issues
    products = s.get(Product, key) is not None
    families = s.scalars(select(Product.family).where(Product.family == key)).first() is not None
    exists = {"product": products, "family": families, "plan": products or families}[entity]
    if not exists:
        what = "product or family" if entity == "plan" else entity
        issues.append(Issue(f"unknown_{entity}", f"there is no {what} '{key}'", column="key"))
    return issues


def _comment_view(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "entity": comment.entity,
        "key": comment.entity_key,
        "period": comment.period,
        "author": comment.author,
        "created_at": iso(comment.created_at),
        "body": comment.body,
        "mentions": list(comment.mentions or []),
        "parent_id": comment.parent_id,
        "hidden_at": iso(comment.hidden_at),
        "version": comment.version,
    }


def _where(comment: Comment) -> str:
    when = f" {comment.period}" if comment.period else ""
    return f"{comment.entity} {comment.entity_key}{when}"


def add_comment(
    db: Database,
    *,
    actor: Actor,
    entity: str,
    key: str,
    body: str,
    period: str | None = None,
    parent_id: int | None = None,
) -> dict[str, Any]:
    """Comment on a family, product, period, scenario, stage or plan number (``plan``).

    ``@name`` mentions must name users; each mentioned user gets an inbox item, and the
    author of the comment replied to (``parent_id``) gets one too. A reply is on the same
    thing as the comment it answers.
    """
    body = body.strip()
    if not body:
        raise InvalidInput([Issue("empty", "a comment needs some text", column="body")])
    with db.sessions.begin() as s:
        who = require(s, actor, Action.COMMENT, stage_rule=False)
        parent = None
        if parent_id is not None:
            parent = s.get(Comment, parent_id)
            if parent is None:
                raise NotFound(f"there is no comment {parent_id} to reply to")
            if (parent.entity, parent.entity_key, parent.period) != (entity, key, period):
                raise InvalidInput(
                    [
                        Issue(
                            "wrong_thread",
                            f"comment {parent_id} is on {_where(parent)}: a reply goes there too",
                            column="reply_to",
                        )
                    ]
                )
        issues = _check_target(s, entity, key, period)
        if issues:
            raise InvalidInput(issues)
        names = mentions_in(body)
        _check_mentions(s, names)
        comment = Comment(
            author=who,
            entity=entity,
            entity_key=key,
            period=period,
            body=body,
            mentions=names,
            parent_id=parent_id,
        )
        s.add(comment)
        s.flush()
        for name in names:
            if name != who:
                notify(
                    s,
                    name,
                    "mention",
                    f"comment:{comment.id}",
                    f"{who} mentioned you on {_where(comment)}: {preview(body)}",
                )
        if parent is not None and parent.author != who and parent.author not in names:
            notify(
                s,
                parent.author,
                "reply",
                f"comment:{comment.id}",
                f"{who} replied on {_where(comment)}: {preview(body)}",
            )
        view = _comment_view(comment)
        audit.record(
            s,
            who,
            "comment.add",
            entity="comment",
            entity_key=str(comment.id),
            details={"old": None, "new": {k: view[k] for k in ("entity", "key", "period", "body")}}
            | {"mentions": names, "parent_id": parent_id},
        )
        return view


def list_comments(
    db: Database,
    *,
    entity: str | None = None,
    key: str | None = None,
    period: str | None = None,
    include_hidden: bool = False,
) -> list[dict[str, Any]]:
    """Comments, oldest first, on what is named (all of them when nothing is).

    The comments on a plan number (``entity='plan'``, a product or family, a month) are the
    same whichever plan version is current: they are kept by what and when.
    """
    with db.sessions.begin() as s:
        query = select(Comment).order_by(Comment.created_at, Comment.id)
        if entity is not None:
            query = query.where(Comment.entity == entity)
        if key is not None:
            query = query.where(Comment.entity_key == key)
        if period is not None:
            query = query.where(Comment.period == period)
        if not include_hidden:
            query = query.where(Comment.hidden_at.is_(None))
        return [_comment_view(c) for c in s.scalars(query)]


def _own_comment(s: Session, actor: Actor, comment_id: int, doing: str) -> Comment:
    comment = s.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"there is no comment {comment_id}")
    if not is_admin(actor) and name_of(actor) != comment.author:
        raise Forbidden(
            f"only {comment.author} (the author) or an admin may {doing} comment {comment_id}"
        )
    return comment


def edit_comment(
    db: Database, *, actor: Actor, comment_id: int, expected_version: int, body: str
) -> dict[str, Any]:
    """Change a comment's text (its author or an admin), from the version the editor read.

    Refused with both texts when the comment changed since that version. Users newly
    mentioned get an inbox item.
    """
    body = body.strip()
    if not body:
        raise InvalidInput([Issue("empty", "a comment needs some text", column="body")])
    with db.sessions.begin() as s:
        who = require(s, actor, Action.COMMENT, stage_rule=False)
        comment = _own_comment(s, actor, comment_id, "edit")
        if comment.version != expected_version:
            raise StaleEdit(f"comment {comment_id}", comment.version, comment.body, body)
        if comment.hidden_at is not None:
            raise Conflict(f"comment {comment_id} is hidden: it is kept as it was")
        names = mentions_in(body)
        _check_mentions(s, names)
        old, old_mentions = comment.body, list(comment.mentions or [])
        comment.body = body
        comment.mentions = names
        comment.version += 1
        comment.updated_at = utc_now()
        for name in names:
            if name not in old_mentions and name != who:
                notify(
                    s,
                    name,
                    "mention",
                    f"comment:{comment.id}",
                    f"{who} mentioned you on {_where(comment)}: {preview(body)}",
                )
        audit.record(
            s,
            who,
            "comment.edit",
            entity="comment",
            entity_key=str(comment_id),
            details={
                "old": {"body": old, "mentions": old_mentions, "version": expected_version},
                "new": {"body": body, "mentions": names, "version": comment.version},
            },
        )
        return _comment_view(comment)


def hide_comment(
    db: Database, *, actor: Actor, comment_id: int, expected_version: int | None = None
) -> dict[str, Any]:
    """Hide a comment (its author or an admin): the row and its history are kept."""
    with db.sessions.begin() as s:
        who = require(s, actor, Action.COMMENT, stage_rule=False)
        comment = _own_comment(s, actor, comment_id, "hide")
        if expected_version is not None and comment.version != expected_version:
            raise StaleEdit(
                f"comment {comment_id}",
                comment.version,
                comment.body,
                "(hide it)",
            )
        if comment.hidden_at is not None:
            raise Conflict(f"comment {comment_id} is hidden already")
        comment.hidden_at = utc_now()
        comment.version += 1
        comment.updated_at = comment.hidden_at
        audit.record(
            s,
            who,
            "comment.hide",
            entity="comment",
            entity_key=str(comment_id),
            details={
                "old": {"hidden_at": None, "version": comment.version - 1},
                "new": {"hidden_at": iso(comment.hidden_at), "version": comment.version},
                "body": comment.body,
            },
        )
        return _comment_view(comment)
