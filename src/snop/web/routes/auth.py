"""Sign in and out: a password gives a session cookie; signing out ends the session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from snop.errors import NotSignedIn, TooManyAttempts
from snop.services import status, users
from snop.web import deps

router = APIRouter(include_in_schema=False)
SESSION_SECONDS = 12 * 3600


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) to go back to after signing in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _form(
    request: Request, *, error: str = "", username: str = "", status_code: int = 200
) -> HTMLResponse:
    db = deps.database(request)
    summary = status.describe_kept(db)
    context = {
        "company": summary.company or "snop",
        "next": _safe_next(request.query_params.get("next") or request.headers.get("X-Next")),
        "error": error,
        "username": username,
        "demo": bool(summary.last_import and summary.last_import.get("demo")),
    }
    return deps.templates.TemplateResponse(request, "signin.html", context, status_code=status_code)


def _over_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (served so, or `snop serve --https`)."""
    return request.url.scheme == "https" or bool(getattr(request.app.state, "https", False))


@router.get("/signin")
def sign_in_form(request: Request) -> HTMLResponse:
    """The sign-in page."""
    return _form(request)


@router.post("/signin", response_model=None)
def sign_in(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and start a session (a cookie the browser sends back)."""
    try:
        _, token = users.start_session(
            deps.database(request), username, password, address=deps.address(request)
        )
    except NotSignedIn as wrong:
        status = 429 if isinstance(wrong, TooManyAttempts) else 401
        return _form(request, error=str(wrong), username=username, status_code=status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        deps.COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_over_https(request),
    )
    return response


@router.post("/signout")
def sign_out(request: Request) -> RedirectResponse:
    """End the session."""
    token = request.cookies.get(deps.COOKIE)
    if token:
        users.end_session(deps.database(request), token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(deps.COOKIE, httponly=True, samesite="lax", secure=_over_https(request))
    return response
