"""Changes only from snop's own pages: a form token and an origin check (CSRF defence).

The session cookie alone proves who the browser is, not that the person meant the request:
another site could post a hidden form to snop and the browser would send the cookie with it
(SameSite=Lax stops most of that, not all: a top-level POST navigation from an old browser,
a sibling subdomain). So every state-changing page request must also

- come from this site: its ``Origin`` (or, without one, its ``Referer``) names this host; and
- carry the session's form token, in the ``csrf_token`` field every form holds or in the
  ``X-CSRF-Token`` header that HTMX adds. The token is an HMAC of the session's secret
  token, so a page of another site, which never sees the cookie, cannot know it.

The sign-in form has no session yet: the origin check guards it. The REST API (``/api``)
is not a page: it takes a bearer token in a header, which a browser never adds by itself.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from snop.errors import Forbidden

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
COOKIE = "snop_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def token_for(session: str) -> str:
    """The form token of a session (hex HMAC-SHA256 keyed by the session's token)."""
    return hmac.new(session.encode(), b"snop form", hashlib.sha256).hexdigest()


def token_of(request: Request) -> str:
    """The form token of the request's session, or "" when nobody is signed in."""
    session = request.cookies.get(COOKIE)
    return token_for(session) if session else ""


async def refuse_forgery(request: Request) -> None:
    """Refuse a state-changing page request that another site could have made."""
    if request.method not in UNSAFE_METHODS:
        return
    _check_origin(request)
    expected = token_of(request)
    if not expected:
        return
    sent = request.headers.get(HEADER) or await _form_token(request)
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            "this form did not come from a snop page of your session (its form token is "
            "missing or stale): reload the page and try again"
        )


def _check_origin(request: Request) -> None:
    """The request's Origin (else Referer), when the browser sent one, must be this host."""
    claimed = request.headers.get("Origin") or request.headers.get("Referer")
    if claimed is None:
        return
    host = request.headers.get("Host", request.url.netloc)
    if claimed == "null" or urlsplit(claimed).netloc.lower() != host.lower():
        raise Forbidden(f"a request from {claimed!r} may not change anything on {host}")


async def _form_token(request: Request) -> str | None:
    """The token field of a form body (FastAPI has parsed and cached it for a Form route)."""
    kind = request.headers.get("Content-Type", "")
    if not kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    value = (await request.form()).get(FIELD)
    return value if isinstance(value, str) else None


@pass_context
def hidden_field(context: Context) -> Markup:
    """The hidden input every POST form of a page holds (empty before signing in)."""
    request = context.get("request")
    token = token_of(request) if isinstance(request, Request) else ""
    if not token:
        return Markup("")
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token))


@pass_context
def page_token(context: Context) -> str:
    """The token for the page's <meta> tag, which snop.js copies into HTMX's header."""
    request = context.get("request")
    return token_of(request) if isinstance(request, Request) else ""
