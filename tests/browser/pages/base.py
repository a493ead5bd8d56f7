"""Page objects: what a person does on each screen, found by role, label or data-testid."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect


class Session:
    """One person's browser tab, signed in through the sign-in form."""

    def __init__(self, browser: Browser, base_url: str, shots: Path, username: str) -> None:
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1366, "height": 800}
        )
        self.page: Page = self.context.new_page()
        self.username = username
        self.shots = shots
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.sign_in()

    def sign_in(self, password: str = "demo") -> None:
        page = self.page
        page.goto("/signin")
        page.get_by_label("User name").fill(self.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_test_id("signed-in-as")).to_have_text(self.username, timeout=30_000)

    def open(self, path: str) -> Page:
        self.page.goto(path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot as a test artefact."""
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def message(self) -> str:
        return self.page.locator("#messages").inner_text()

    def close(self) -> None:
        self.context.close()
