"""Roles and the actions each may take.

A user may hold several roles; an action is allowed when any of them allows it. Sales
users may be scoped to families or segments: their overrides must stay inside the scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    """The people of the S&OP process (PRODUCT.md)."""

    ADMIN = "admin"
    DEMAND = "demand planner"
    SALES = "sales"
    SUPPLY = "supply planner"
    FINANCE = "finance"
    EXECUTIVE = "executive"
    VIEWER = "viewer"


class Action(StrEnum):
    """What a user may ask snop to do; reading is open to every signed-in role."""

    READ = "read"
    MANAGE_USERS = "manage users"
    IMPORT_DATA = "import data"
    FORECAST = "run the forecast"
    OVERRIDE = "override the forecast"
    RESOLVE_CONFLICT = "resolve override conflicts"
    PLAN_SUPPLY = "plan supply"
    EDIT_TARGETS = "edit targets and tolerances"
    SCENARIO = "create and run scenarios"
    PROMOTE = "promote a scenario"
    PUBLISH = "publish the plan"
    CLOSE_MONTH = "close the month"
    SIGN_OFF = "sign off a stage"
    REOPEN = "reopen a stage"
    COMMENT = "comment"
    ASSUMPTION = "record assumptions"
    DECIDE = "record decisions"
    CHANGE_FROZEN = "change inside the frozen fence"


_EVERYONE = {Action.READ}
_CONTRIBUTOR = _EVERYONE | {Action.COMMENT, Action.ASSUMPTION}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.DEMAND: frozenset(
        _CONTRIBUTOR
        | {
            Action.IMPORT_DATA,
            Action.FORECAST,
            Action.OVERRIDE,
            Action.RESOLVE_CONFLICT,
            Action.SIGN_OFF,
            Action.SCENARIO,
        }
    ),
    Role.SALES: frozenset(_CONTRIBUTOR | {Action.OVERRIDE}),
    Role.SUPPLY: frozenset(
        _CONTRIBUTOR
        | {
            Action.IMPORT_DATA,
            Action.PLAN_SUPPLY,
            Action.SCENARIO,
            Action.SIGN_OFF,
            Action.CLOSE_MONTH,
            Action.CHANGE_FROZEN,
        }
    ),
    Role.FINANCE: frozenset(_CONTRIBUTOR | {Action.EDIT_TARGETS, Action.SCENARIO, Action.SIGN_OFF}),
    Role.EXECUTIVE: frozenset(
        _CONTRIBUTOR
        | {
            Action.SCENARIO,
            Action.PROMOTE,
            Action.PUBLISH,
            Action.DECIDE,
            Action.SIGN_OFF,
            Action.REOPEN,
            Action.CHANGE_FROZEN,
        }
    ),
    Role.VIEWER: frozenset(_EVERYONE),
}
"""Each role's actions. The admin may do everything; a viewer only reads."""

DEMO_USERS: dict[str, Role] = {
    "admin": Role.ADMIN,
    "demand": Role.DEMAND,
    "sales": Role.SALES,
    "supply": Role.SUPPLY,
    "finance": Role.FINANCE,
    "exec": Role.EXECUTIVE,
    "viewer": Role.VIEWER,
}
"""One demo user per role, named after it (password 'demo'; demo databases only)."""


def parse_roles(names: Iterable[str]) -> list[Role]:
    """Roles from their names ('supply planner' or 'supply'); ValueError names a wrong one."""
    aliases = {r.value: r for r in Role} | {r.name.lower(): r for r in Role}
    aliases |= {"demand": Role.DEMAND, "supply": Role.SUPPLY, "exec": Role.EXECUTIVE}
    roles = []
    for name in names:
        role = aliases.get(name.strip().lower())
        if role is None:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"'{name}' is not a role (roles: {known})")
        if role not in roles:
            roles.append(role)
    return roles


def can(roles: Iterable[Role | str], action: Action) -> bool:
    """True when any of the roles allows the action."""
    return any(action in PERMISSIONS.get(Role(role), frozenset()) for role in roles)


def roles_allowed(action: Action) -> list[Role]:
    """The roles that may take an action (for messages: 'ask a supply planner')."""
    return [role for role, actions in PERMISSIONS.items() if action in actions]
