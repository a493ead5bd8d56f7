"""Sign-in, home, cycle, audit, data and admin pages over the demo company (TestClient).

Each test reads a page as a person would and checks it against the services' own answer,
or submits a form and checks what changed — and that what a role may not do is refused with
the message shown.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from clitools import snop
from snop.services import audit, collab, cycle, users
from snop.web.app import create_app
from web_tools import HX, ClientFor, database_of, error_text, page_token, sign_in


def test_pages_need_a_session_and_a_right_password(client: ClientFor) -> None:
    anonymous = TestClient(client("viewer").app)
    response = anonymous.get("/cycle", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fcycle"
    wrong = anonymous.post("/signin", data={"username": "demand", "password": "nope"})
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text.lower()
    back = anonymous.post(
        "/signin",
        data={"username": "demand", "password": "demo", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert back.headers["location"] == "/"
    page = anonymous.get("/cycle")
    assert page.status_code == 200
    # Signing out is a change too: another site cannot sign you out without the form token.
    assert anonymous.post("/signout").status_code == 403
    assert anonymous.get("/", follow_redirects=False).status_code == 200
    anonymous.post("/signout", data={"csrf_token": page_token(page.text)})
    assert anonymous.get("/", follow_redirects=False).status_code == 303


def test_home_shows_the_stage_the_inbox_and_the_scorecard(client: ClientFor) -> None:
    demand = client("demand")
    page = demand.get("/").text
    assert "Cycle 2026-11: Data gathering" in page
    assert "Sign off the data gathering of cycle 2026-11" in page
    assert 'data-testid="headline"' in page
    finance = client("finance").get("/").text
    assert "Revenue, next 12 months" in finance
    # Revenue gaps are finance's to act on: they reach finance's inbox as exceptions.
    inbox = finance.split('data-testid="inbox"', 1)[1].split("</ul>", 1)[0]
    assert '<span class="status amber">exception</span>' in inbox
    assert "at stake" in inbox


def test_the_cycle_is_signed_off_stage_by_stage_by_its_owners(client: ClientFor) -> None:
    demand, sales = client("demand"), client("sales")
    refused = demand.post("/cycle/advance", headers=HX)
    assert refused.status_code == 409
    assert refused.headers["HX-Retarget"] == "#messages"
    assert "look at the data-health report first" in error_text(refused)
    health = demand.post("/cycle/health", headers=HX)
    assert 'data-testid="health"' in health.text and "<html" not in health.text
    not_owner = sales.post("/cycle/advance", headers=HX)
    assert not_owner.status_code == 403
    assert "sales may not sign off a stage" in error_text(not_owner)
    signed = demand.post("/cycle/advance", data={"note": "data ok"}, follow_redirects=False)
    assert signed.status_code == 303
    assert "demand%20review" in signed.headers["location"]
    page = demand.get(signed.headers["location"]).text
    assert "Signed off; the cycle is now in demand review." in page
    assert "Cycle 2026-11 · <strong>Demand review</strong>" in page
    refused = demand.post(
        "/cycle/reopen", data={"stage": "data_gathering", "reason": "late orders"}, headers=HX
    )
    assert refused.status_code == 403 and "may not reopen a stage" in error_text(refused)
    reopened = client("admin").post(
        "/cycle/reopen", data={"stage": "data_gathering", "reason": "late orders"}, headers=HX
    )
    assert reopened.status_code == 204 and "HX-Redirect" in reopened.headers
    assert cycle.status(database_of(demand)).stage == "data_gathering"


def test_decisions_comments_and_assumptions_from_the_page(client: ClientFor) -> None:
    execs = client("exec")
    execs.post(
        "/cycle/decisions",
        data={
            "title": "Fund a Saturday packing shift",
            "owner": "supply",
            "scenario": "peak-surge",
            "due_date": "2026-12-01",
        },
    )
    execs.post(
        "/cycle/comments",
        data={"entity": "family", "key": "Tents", "body": "@supply can South pack more?"},
    )
    execs.post(
        "/cycle/assumptions",
        data={
            "text": "Trade fair lifts Tents",
            "owner": "sales",
            "level": "family",
            "key": "Tents",
            "period_from": "2027-03",
            "period_to": "2027-03",
            "expected": "1200",
        },
    )
    page = execs.get("/cycle").text
    assert "Fund a Saturday packing shift" in page and "peak-surge" in page
    assert "@supply can South pack more?" in page
    assert "Trade fair lifts Tents" in page
    db = database_of(execs)
    supply_inbox = collab.inbox(db, "supply")
    assert any("Saturday" in item["text"] for item in supply_inbox)
    assert any(item["kind"] == "mention" for item in supply_inbox)
    decision = collab.list_decisions(db)[-1]
    stale = str(decision["version"])
    done = execs.post(
        f"/cycle/decisions/{decision['id']}", data={"status": "done", "version": stale}
    )
    assert done.status_code == 200
    again = execs.post(
        f"/cycle/decisions/{decision['id']}",
        data={"status": "dropped", "version": stale},
        headers=HX,
    )
    assert again.status_code == 409
    message = error_text(again)
    assert "changed since you read it" in message and "done" in message and "dropped" in message
    assert collab.list_decisions(db)[-1]["status"] == "done"
    bad = execs.post(
        "/cycle/assumptions",
        data={
            "text": "x",
            "owner": "sales",
            "level": "family",
            "period_from": "2027-03",
            "period_to": "2027-03",
            "expected": "lots",
        },
        headers=HX,
    )
    assert bad.status_code == 422 and "expected is a number, not 'lots'" in error_text(bad)


def test_the_audit_page_lists_and_filters_what_was_done(client: ClientFor) -> None:
    demand = client("demand")
    demand.post("/cycle/health")
    page = demand.get("/audit?actor=demand").text
    rows = re.findall(r"<tr><td class=\"small\">", page)
    expected = audit.log(database_of(demand), actor="demand")
    assert len(rows) == len(expected) > 0
    assert "user.sign_in" in page
    partial = demand.get("/audit?action=demo.", headers=HX).text
    assert "<html" not in partial and "demo.users" in partial and "user.sign_in" not in partial
    bad = demand.get("/audit?since=yesterday", headers=HX)
    assert bad.status_code == 422 and "'since' is a date" in error_text(bad)


@pytest.mark.slow
def test_a_workbook_upload_shows_every_error_and_writes_nothing(client: ClientFor) -> None:
    demand = client("demand")
    exported = demand.get("/data/export")
    assert exported.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    sheet = book["products"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("price") + 1, value="cheap")
    sheet.cell(row=3, column=header.index("price") + 1, value="lots")
    broken = io.BytesIO()
    book.save(broken)
    db = database_of(demand)
    before = len(audit.log(db, action="data."))
    response = demand.post(
        "/data/import",
        files={"workbook": ("mine.xlsx", broken.getvalue())},
        headers=HX,
    )
    assert response.status_code == 422
    text = error_text(response)
    assert "products" in text and "row 2" in text and "price" in text
    assert "row 3" in text and "'lots'" in text
    assert len(audit.log(db, action="data.")) == before
    checked = demand.post(
        "/data/import",
        files={"workbook": ("same.xlsx", exported.content)},
        data={"dry_run": "1"},
        headers=HX,
    )
    assert checked.status_code == 200 and "no errors, nothing written" in checked.text


@pytest.mark.slow
def test_the_meeting_pack_and_a_close_with_a_wrong_file(client: ClientFor) -> None:
    admin = client("admin")
    pack = admin.get("/cycle/report")
    assert pack.status_code == 200 and pack.text.lstrip().lower().startswith("<!doctype html")
    month = cycle.status(database_of(admin)).period
    wrong = admin.post("/data/close", files={"actuals": ("month.csv", b"a,b\n")}, headers=HX)
    assert wrong.status_code == 422 and ".xlsx" in error_text(wrong)
    assert cycle.status(database_of(admin)).period == month


def test_admin_adds_and_changes_users_without_losing_an_edit(client: ClientFor) -> None:
    admin = client("admin")
    assert client("sales").get("/admin").status_code == 403
    admin.post(
        "/admin/users",
        data={"username": "ann", "password": "secret123", "roles": ["sales"], "families": "Tents"},
    )
    db = database_of(admin)
    ann = users.list_users(db).set_index("username").loc["ann"]
    assert list(ann["roles"]) == ["sales"] and list(ann["families"]) == ["Tents"]
    version = str(ann["version"])
    admin.post("/admin/users/ann/roles", data={"version": version, "roles": ["sales", "viewer"]})
    late = admin.post(
        "/admin/users/ann/roles", data={"version": version, "roles": ["finance"]}, headers=HX
    )
    assert late.status_code == 409
    assert "stored: roles sales, viewer" in error_text(late) and "yours: roles finance" in (
        error_text(late)
    )
    token = admin.post("/admin/users/ann/token", data={"name": "nightly"}).text
    assert 'data-testid="new-token"' in token
    secret = re.search(r'data-testid="token-secret">([^<]+)<', token)
    assert secret is not None
    assert users.caller_from_token(db, secret.group(1)).username == "ann"
    admin.post("/admin/users/ann/disable")
    refused = TestClient(admin.app).post(
        "/signin", data={"username": "ann", "password": "secret123"}
    )
    assert refused.status_code == 401
    assert sign_in(TestClient(admin.app), "viewer")


def test_the_sign_in_form_refuses_a_guesser_after_ten_wrong_passwords(demo_copy: Path) -> None:
    app = create_app(f"sqlite:///{demo_copy}", refresh_seconds=0)
    with TestClient(app) as browser:
        form = {"username": "admin", "next": "/"}
        codes = [
            browser.post("/signin", data={**form, "password": f"guess{n}"}).status_code
            for n in range(11)
        ]
        assert codes == [401] * 10 + [429]
        page = browser.post("/signin", data={**form, "password": "demo"}, follow_redirects=False)
        assert page.status_code == 429 and "too many wrong passwords" in page.text


@pytest.mark.slow
def test_a_closed_month_is_reviewed_in_words_on_the_cycle_page(
    demo_copy: Path, tmp_path: Path
) -> None:
    where = ("--db", str(demo_copy))
    actuals = tmp_path / "actuals.xlsx"
    for command in (("publish",), ("cycle", "simulate-month", str(actuals))):
        assert snop(*where, *command).returncode == 0
    assert snop(*where, "cycle", "close", str(actuals)).returncode == 0
    app = create_app(f"sqlite:///{demo_copy}")
    with TestClient(app) as raw:
        page = sign_in(raw, "finance").get("/cycle")
        closed = cycle.status(database_of(raw)).closed
    app.state.database.close()
    assert [month.period for month in closed] == ["2026-11"]
    text = re.sub(r"\s+", " ", page.text)
    for sentence in closed[0].sentences:
        assert sentence in text
    assert "Production kept to plan at" in text and "plan adherence:" not in text
