"""Debian's chromium, headless, through Playwright: the browser the dashboard tests use.

Playwright's own browsers are never downloaded (`.ci/run` installs Debian's chromium).
The fixtures `browser` and `page` reach every test through `tests/conftest.py`;
`scripts/dashboard_screenshot.py` launches the same browser with `launch_chromium`.
"""

import os
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# The flags this machine needs: no sandbox as root, and no calls home on a closed network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright: Any) -> Any:
    """A headless chromium browser started by `playwright` (a `sync_playwright()`)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is missing: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every script error, dialog and console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))

    def on_dialog(dialog) -> None:
        page.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def snapshot(page) -> dict:
    """What the run page shows: the progress text, the run's status, each agent's status."""
    return page.evaluate(
        """() => ({
            progress: document.querySelector('#progress-text')?.textContent || '',
            run: document.querySelector('#run-status')?.dataset.status || '',
            agents: Object.fromEntries([...document.querySelectorAll('tr[data-agent]')]
                .map((tr) => [tr.dataset.agent, tr.dataset.status])),
        })"""
    )
