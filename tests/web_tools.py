"""Helpers for the web tests: signing in (with the form token), HTMX headers, the database."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from snop.services.database import Database
from snop.web.forgery import HEADER

HX = {"HX-Request": "true"}
ClientFor = Callable[[str], TestClient]
"""``client("sales")``: a TestClient signed in as that demo user."""


def database_of(client: TestClient) -> Database:
    """The database behind the client's app."""
    db: Database = client.app.state.database  # type: ignore[attr-defined]
    return db


def error_text(response: object) -> str:
    """The error message a page shows (tags stripped, entities decoded)."""
    text = getattr(response, "text", "")
    assert 'data-testid="error"' in text, text[:500]
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def sign_in(client: TestClient, username: str, password: str = "demo") -> TestClient:
    response = client.post(
        "/signin",
        data={"username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.headers[HEADER] = page_token(client.get("/").text)
    return client


def page_token(page: str) -> str:
    """The form token a page carries in its <meta> tag (what snop.js sends with HTMX)."""
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]*)">', page)
    assert found and found.group(1), "the page carries no form token"
    return found.group(1)
