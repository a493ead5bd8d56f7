"""A change posted by another site is refused: the form token and the origin check."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from snop.services import collab
from snop.web import forgery
from snop.web.app import create_app
from web_tools import HX, ClientFor, database_of, error_text, page_token

TEMPLATES = Path(forgery.__file__).parent / "templates"
DECISION = {"title": "Fund a Saturday shift", "owner": "supply", "due_date": "2026-12-01"}


def _bare(client: TestClient) -> TestClient:
    """The same browser (its session cookie) without the token header the helper adds."""
    client.headers.pop(forgery.HEADER, None)
    return client


def test_a_change_without_the_form_token_is_refused_and_changes_nothing(
    client: ClientFor,
) -> None:
    execs = _bare(client("exec"))
    db = database_of(execs)
    before = len(collab.list_decisions(db))
    refused = execs.post("/cycle/decisions", data=DECISION, headers=HX)
    assert refused.status_code == 403
    assert "form token" in error_text(refused)
    stale = execs.post("/cycle/decisions", data={**DECISION, "csrf_token": "0" * 64})
    assert stale.status_code == 403
    assert len(collab.list_decisions(db)) == before
    # The page's own form carries the token in a hidden field: posted as is, it works.
    page = execs.get("/cycle").text
    hidden = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page)
    assert hidden is not None and hidden.group(1) == page_token(page)
    made = execs.post(
        "/cycle/decisions", data={**DECISION, "csrf_token": hidden.group(1)}, follow_redirects=False
    )
    assert made.status_code == 303
    assert len(collab.list_decisions(db)) == before + 1


def test_the_token_is_the_sessions_own(client: ClientFor) -> None:
    demand, execs = client("demand"), client("exec")
    demands_token = demand.headers[forgery.HEADER]
    assert demands_token != execs.headers[forgery.HEADER]
    borrowed = _bare(execs).post(
        "/cycle/decisions", data=DECISION, headers={forgery.HEADER: demands_token}
    )
    assert borrowed.status_code == 403


def test_a_request_from_another_origin_is_refused_even_with_the_token(client: ClientFor) -> None:
    execs = client("exec")
    db = database_of(execs)
    before = len(collab.list_decisions(db))
    for header in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        response = execs.post("/cycle/decisions", data=DECISION, headers=header)
        assert response.status_code == 403, header
        assert "evil.example" in error_text(response)
    assert len(collab.list_decisions(db)) == before
    same_site = execs.post(
        "/cycle/decisions",
        data=DECISION,
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same_site.status_code == 303


def test_signing_in_from_another_site_is_refused(client: ClientFor) -> None:
    browser = TestClient(client("viewer").app)
    form = {"username": "demand", "password": "demo", "next": "/"}
    forged = browser.post(
        "/signin", data=form, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert forged.status_code == 403 and forgery.COOKIE not in forged.cookies
    signed = browser.post("/signin", data=form, follow_redirects=False)
    assert signed.status_code == 303 and forgery.COOKIE in signed.cookies


def test_reading_needs_no_token(client: ClientFor) -> None:
    viewer = _bare(client("viewer"))
    for path in ("/", "/demand", "/cycle", "/audit"):
        assert viewer.get(path, headers={"Origin": "https://elsewhere.example"}).status_code == 200


def test_every_post_form_of_every_page_carries_the_token() -> None:
    forms = 0
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for opening in re.finditer(r'<form\b[^>]*method="post"[^>]*>', text, flags=re.S):
            forms += 1
            after = text[opening.end() : opening.end() + 40]
            assert after.startswith("{{ csrf_field() }}"), f"{template.name}: {opening.group()}"
    assert forms >= 20


def test_the_session_cookie_is_secure_when_served_over_https(demo_copy: Path) -> None:
    form = {"username": "viewer", "password": "demo", "next": "/"}
    for https, secure in ((False, False), (True, True)):
        app = create_app(f"sqlite:///{demo_copy}", refresh_seconds=0, https=https)
        with TestClient(app) as browser:
            cookie = browser.post("/signin", data=form, follow_redirects=False).headers[
                "set-cookie"
            ]
        assert ("; secure" in cookie.lower()) is secure, cookie
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
