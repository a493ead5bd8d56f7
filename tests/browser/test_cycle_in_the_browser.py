"""The whole monthly cycle in Chromium, each step by the role that owns it.

Sales overrides a forecast with a reason; the demand planner sees it and signs off; the
supply planner plans, sees the bottleneck and signs off; finance reads the scorecard and
signs off; the executive compares two scenarios, records a decision and publishes. Every
page is saved as a screenshot (test-artifacts/screenshots/), and no page logs a script error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pages.base import Session
from pages.screens import CyclePage, DemandPage, ScenariosPage, SupplyPage
from playwright.sync_api import Browser, expect

from snop.services import simulate
from snop.services.database import open_database

pytestmark = pytest.mark.slow


EVERY_PAGE = [
    "/",
    "/demand",
    "/supply",
    "/family",
    "/family/Tents",
    "/money",
    "/proof",
    "/scenarios",
    "/cycle",
    "/audit",
    "/data",
    "/admin",
]


def test_the_cycle_walked_in_the_browser_by_every_role(
    browser: Browser, server: str, screenshots: Path
) -> None:
    def session(username: str) -> Session:
        return Session(browser, server, screenshots, username)

    demand = session("demand")
    cycle = CyclePage(demand)
    cycle.look_at_data_health()
    demand.shot("cycle-data-health")
    cycle.sign_off("Data gathering")

    sales = session("sales")
    page = DemandPage(sales)
    expect(sales.page.get_by_test_id("demand-chart").locator(".main-svg").first).to_be_visible()
    page.override("Tents", "2027-03", "10", "one_off_event", "Spring trade fair orders")
    sales.shot("demand-after-sales-override")

    DemandPage(demand)
    expect(demand.page.get_by_test_id("overrides")).to_contain_text("Spring trade fair orders")
    expect(demand.page.get_by_test_id("overrides")).to_contain_text("sales")
    CyclePage(demand).sign_off("Demand review")

    supply = session("supply")
    SupplyPage(supply).run_plan()
    bottlenecks = supply.page.get_by_test_id("bottlenecks")
    expect(bottlenecks).to_contain_text("one more hour")
    expect(supply.page.get_by_test_id("capacity-chart").locator(".main-svg").first).to_be_visible()
    supply.shot("supply-after-plan")
    CyclePage(supply).sign_off("Supply review")

    finance = session("finance")
    finance.open("/money")
    expect(finance.page.get_by_test_id("scorecard")).to_contain_text("Revenue")
    finance.shot("money-finance")
    CyclePage(finance).sign_off("Pre-S&OP")

    execs = session("exec")
    scenarios = ScenariosPage(execs)
    scenarios.compare("base", "peak-surge")
    expect(execs.page.get_by_test_id("comparison")).to_contain_text("peak-surge")
    execs.shot("scenarios-compared")
    decisions = CyclePage(execs)
    decisions.record_decision("Fund a Saturday packing shift", "supply", "peak-surge")
    decisions.publish()
    expect(execs.page.get_by_test_id("cycle-stage")).to_contain_text("Published")
    execs.shot("cycle-published")

    admin = session("admin")
    trail = admin.open("/audit?limit=500").get_by_test_id("audit")
    for done in ("demand.override_added", "supply.plan_run", "cycle.publish"):
        expect(trail).to_contain_text(done)
    for path in EVERY_PAGE:
        admin.open(path)
        expect(admin.page.locator("main h1").first).to_be_visible()
        name = path.strip("/").replace("/", "-") or "home"
        admin.shot(f"page-{name}")

    everyone = [demand, sales, supply, finance, execs, admin]
    errors = {s.username: s.errors for s in everyone if s.errors}
    assert not errors, json.dumps(errors, indent=1)
    for s in everyone:
        s.close()


def test_keyboard_only_sign_in_and_navigation(
    browser: Browser, server: str, screenshots: Path
) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 800})
    page = context.new_page()
    page.goto("/signin")
    expect(page.get_by_label("User name")).to_be_focused()  # autofocus
    page.keyboard.type("viewer")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("signed-in-as")).to_have_text("viewer", timeout=30_000)
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip")).to_be_focused()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Money & strategy":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server}/money", timeout=30_000)
    context.close()


def test_the_proof_page_draws_the_simulation(
    browser: Browser, server: str, served_copy: Path, screenshots: Path
) -> None:
    db = open_database(str(served_copy))
    try:
        options = simulate.SimulationOptions(months=3, warm_up=0, policies=("naive", "minmax"))
        simulate.run_simulation(db, actor="supply", options=options)
    finally:
        db.close()
    finance = Session(browser, server, screenshots, "finance")
    finance.open("/proof")
    for chart in ("position-chart", "fill-chart", "stock-chart"):
        expect(finance.page.get_by_test_id(chart).locator(".main-svg").first).to_be_visible()
    expect(finance.page.get_by_test_id("segments")).to_contain_text("Key Accounts")
    expect(finance.page.get_by_test_id("sentences")).to_contain_text("naive served")
    finance.shot("proof-finance")
    assert not finance.errors, finance.errors
    finance.close()
