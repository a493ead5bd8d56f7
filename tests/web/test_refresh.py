"""The server computes the slow views in the background after each change."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from snop.services import audit, memo
from snop.web.app import create_app
from snop.web.routes.demand_analysis import ACCURACY_KEY, PROFILE_KEY
from web_tools import sign_in


@pytest.mark.slow
def test_views_are_ready_before_the_first_request_and_again_after_a_change(
    demo_copy: Path,
) -> None:
    app = create_app(f"sqlite:///{demo_copy}", refresh_seconds=0.1)
    with TestClient(app) as client:
        refresher = app.state.refresher
        db = app.state.database
        assert refresher.wait(timeout=120)
        evaluation = memo.peek(db, ("evaluate", None))
        assert evaluation is not None
        assert memo.peek(db, PROFILE_KEY, since="imports") is not None
        assert memo.peek(db, ACCURACY_KEY) is not None
        # The demand page shows both sections in itself: nothing is left for later.
        page = sign_in(client, "demand").get("/demand").text
        assert 'hx-get="/demand/profile' not in page and 'hx-get="/demand/accuracy' not in page
        assert 'id="profile"' in page and 'id="accuracy"' in page

        with db.sessions.begin() as s:  # a change from elsewhere (another process, the CLI)
            audit.record(s, "tester", "comment.added", entity="family", entity_key="Tents")
        assert memo.peek(db, ("evaluate", None)) is None
        assert refresher.wait(timeout=120)
        again = memo.peek(db, ("evaluate", None))
        assert again is not None and again is not evaluation
        assert refresher.refreshed >= 2


def test_no_refresh_when_it_is_turned_off(demo_copy: Path) -> None:
    app = create_app(f"sqlite:///{demo_copy}", refresh_seconds=0)
    with TestClient(app) as client:
        assert app.state.refresher is None
        page = sign_in(client, "demand").get("/demand").text
        assert 'hx-get="/demand/profile' in page  # computed on request, as before
