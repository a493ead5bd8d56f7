"""The web app over the demo company: built once, copied for every test that changes it.

`client(role)` signs a demo user in through the real sign-in form (the session cookie is
kept by the client), so every request goes through the same permission and stage rules
as a person in a browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from snop.services.database import open_database
from snop.services.demo import build_demo
from snop.web.app import create_app

DEMO_END = "2026-10"
ClientFor = Callable[[str], TestClient]


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo company, built once per test run (SQLite)."""
    path = tmp_path_factory.mktemp("web") / "demo.db"
    db = open_database(f"sqlite:///{path}", create=True)
    build_demo(db, last_history_month=DEMO_END, actor="setup")
    db.close()
    return path


def sign_in(client: TestClient, username: str, password: str = "demo") -> TestClient:
    response = client.post(
        "/signin",
        data={"username": username, "password": password, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path) -> Path:
    """A copy of the demo company this test may change."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture
def client(demo_copy: Path) -> Iterator[ClientFor]:
    """``client("sales")``: a browser-like client signed in as that demo user."""
    app = create_app(f"sqlite:///{demo_copy}")
    made: list[TestClient] = []

    def for_user(username: str) -> TestClient:
        test_client = TestClient(app)
        made.append(test_client)
        return sign_in(test_client, username)

    yield for_user
    for test_client in made:
        test_client.close()
    app.state.database.close()
