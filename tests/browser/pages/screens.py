"""What each role does on each screen, as steps a person takes."""

from __future__ import annotations

from playwright.sync_api import expect

from pages.base import Session


class CyclePage:
    """Stages, sign-off, data health, decisions and publishing."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.page = session.open("/cycle")

    def look_at_data_health(self) -> None:
        self.page.get_by_test_id("health-button").click()
        expect(self.page.get_by_test_id("health")).to_be_visible()

    def sign_off(self, stage_title: str) -> None:
        self.page.get_by_role("button", name=f"Sign off the {stage_title.lower()}").click()
        expect(self.page.locator("#messages")).to_contain_text("Signed off", timeout=20_000)

    def record_decision(self, title: str, owner: str, scenario: str) -> None:
        form = self.page.get_by_test_id("decision-form")
        form.get_by_label("Decision").fill(title)
        form.get_by_label("Owner (user name)").fill(owner)
        form.get_by_label("Scenario it chose").select_option(scenario)
        form.get_by_role("button", name="Record the decision").click()
        expect(self.page.get_by_test_id("decisions")).to_contain_text(title)

    def publish(self) -> None:
        self.page.get_by_role("button", name="Publish the plan of record").click()
        expect(self.page.locator("#messages")).to_contain_text(
            "as the plan of record", timeout=30_000
        )


class DemandPage:
    """The forecast with its lines, and the overrides."""

    def __init__(self, session: Session, query: str = "?level=family&key=Tents") -> None:
        self.session = session
        self.page = session.open(f"/demand{query}")

    def override(self, key: str, month: str, pct: str, reason: str, comment: str) -> None:
        self.page.get_by_text("Override a range of months").click()
        form = self.page.get_by_test_id("override-form")
        form.locator("select[name=level]").select_option("family")
        form.locator("input[name=key]").fill(key)
        form.locator("input[name=period_from]").fill(month)
        form.locator("input[name=period_to]").fill(month)
        form.locator("input[name=change_pct]").fill(pct)
        form.locator("select[name=reason_code]").select_option(reason)
        form.locator("input[name=comment]").fill(comment)
        form.get_by_role("button", name="Add override").click()
        expect(self.page.get_by_test_id("overrides")).to_contain_text(comment)


class SupplyPage:
    """The plan, the capacity load, the bottlenecks; running the plan."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.page = session.open("/supply")

    def run_plan(self) -> None:
        form = self.page.get_by_test_id("run-plan")
        form.get_by_role("button", name="Run the plan").click()
        self.page.wait_for_load_state("networkidle")
        # Planning takes seconds; the page comes back with what the run says.
        expect(self.page.locator("#messages")).to_contain_text("Plan version", timeout=90_000)


class ScenariosPage:
    """Comparing scenarios side by side."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.page = session.open("/scenarios")

    def compare(self, *names: str) -> None:
        form = self.page.get_by_test_id("compare-form")
        for box in form.locator("input[name=names]").all():
            if box.is_checked():
                box.uncheck()
        for name in names:
            form.locator(f"input[name=names][value='{name}']").check()
        form.get_by_role("button", name="Compare").click()
        expect(self.page.get_by_test_id("comparison")).to_be_visible(timeout=30_000)
