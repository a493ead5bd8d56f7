"""What every page needs: the signed-in user, the cycle's stage, rendering and replies.

People sign in with a password and get a session cookie (HttpOnly, SameSite=Lax, Secure
over HTTPS), and every change they post carries its form token (`snop.web.forgery`); the
pages call the same services as the API with that user, so the services' permission and
stage rules hold here too. A page route returns the whole page; an HTMX request for the
same route may get only the part it swaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from snop.errors import NotSignedIn
from snop.report import format as fmt
from snop.services import cycle, users
from snop.services.auth import Caller
from snop.services.database import Database
from snop.team.roles import Action, Role, can
from snop.team.stages import STAGES
from snop.web import forgery

COOKIE = forgery.COOKIE
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


@dataclass(frozen=True, slots=True)
class NavItem:
    """One entry of the navigation bar."""

    href: str
    label: str
    key: str


NAV: tuple[NavItem, ...] = (
    NavItem("/", "Home", "home"),
    NavItem("/demand", "Demand", "demand"),
    NavItem("/supply", "Supply", "supply"),
    NavItem("/family", "Family sheets", "family"),
    NavItem("/money", "Money & strategy", "money"),
    NavItem("/scenarios", "Scenarios", "scenarios"),
    NavItem("/proof", "Proof", "proof"),
    NavItem("/cycle", "Cycle", "cycle"),
    NavItem("/audit", "Audit", "audit"),
    NavItem("/data", "Data", "data"),
    NavItem("/admin", "Admin", "admin"),
)


def database(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.database
    return db


def address(request: Request) -> str | None:
    """The caller's network address (the proxy's, behind a proxy), for sign-in limits."""
    return request.client.host if request.client else None


Db = Annotated[Database, Depends(database)]


def signed_in(request: Request) -> Caller:
    """The user of the session cookie; pages redirect to the sign-in without one."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise NotSignedIn("sign in to use snop")
    return users.caller_from_token(database(request), token)


User = Annotated[Caller, Depends(signed_in)]


def is_htmx(request: Request) -> bool:
    """Whether HTMX sent the request (it swaps a part of the page)."""
    return request.headers.get("HX-Request") == "true"


def may(who: Caller, action: Action) -> bool:
    """Whether any of the user's roles allows an action (stage rules are the services')."""
    return can(who.roles, action)


def role_names(who: Caller) -> str:
    """The user's roles as words."""
    return ", ".join(role.value for role in who.roles)


def _when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and "T" in value:
        return value.replace("T", " ")[:16]
    return "" if value is None else str(value)


def _query(value: str) -> str:
    return quote(value, safe="")


templates.env.filters.update(
    money=lambda v, sign=False: fmt.money(v, sign=sign) or "–",
    units=lambda v, sign=False: fmt.units(v, sign=sign) or "–",
    pct=lambda v, sign=False: fmt.percent(v, sign=sign) or "–",
    when=_when,
    q=_query,
)
templates.env.globals.update(
    Action=Action,
    Role=Role,
    may=may,
    stages=STAGES,
    csrf_field=forgery.hidden_field,
    csrf_token=forgery.page_token,
)


def page(
    request: Request,
    template: str,
    who: Caller,
    nav: str,
    *,
    partial: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole page, or only ``partial`` when HTMX asked for it."""
    db = database(request)
    if partial is not None and is_htmx(request):
        return templates.TemplateResponse(
            request, partial, {"who": who, **context}, status_code=status_code
        )
    view = cycle.status(db)
    stage = next((s for s in STAGES if s.name == view.stage), STAGES[0])
    body = {
        "who": who,
        "roles": role_names(who),
        "nav": NAV,
        "active": nav,
        "cycle": view,
        "stage": stage,
        "flash": request.query_params.get("ok"),
        **context,
    }
    return templates.TemplateResponse(request, template, body, status_code=status_code)


def done(request: Request, to: str, message: str) -> Response:
    """After a change: the page reloads with the message (HTMX or a plain form post).

    HTMX is told to load the page as a whole (HX-Redirect), not to swap it in, so a page
    that answers HTMX requests with a part of itself is still shown whole.
    """
    path, hash_, fragment = to.partition("#")
    target = f"{path}{'&' if '?' in path else '?'}ok={_query(message)}{hash_}{fragment}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def error_html(request: Request, message: str, status_code: int, details: list[str]) -> Response:
    """An error as a message the page shows (HTMX puts it in the page's message area)."""
    context = {"message": message, "details": details}
    if is_htmx(request):
        response = templates.TemplateResponse(
            request, "_error.html", context, status_code=status_code
        )
        response.headers["HX-Retarget"] = "#messages"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)


def sign_in_redirect(request: Request) -> Response:
    """Send someone who is not signed in to the sign-in page, and back afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = f"/signin?next={_query(back)}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def json_script(value: Any) -> Markup:
    """A value as JSON safe to put inside a <script> element."""
    import json

    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)  # noqa: S704 - escaped above


templates.env.filters["json_script"] = json_script
