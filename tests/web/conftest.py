"""The web app over the demo company: built once, copied for every test that changes it.

`client(role)` signs a demo user in through the real sign-in form (the session cookie is
kept by the client), so every request goes through the same permission and stage rules
as a person in a browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from snop.web.app import create_app
from web_tools import ClientFor, sign_in


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
