"""Take the README's picture of the dashboard's live view, mid-run, in headless Chromium.

    .venv/bin/python -m scripts.dashboard_screenshot [docs/dashboard-live.png]

Runs what a user runs, in a temporary directory: `voc run` on the sample's first
week, then `voc dashboard`, opens it in Debian's chromium (through Playwright), starts
`voc run` on the second week, opens that run from the history as it appears, and
keeps the picture, of those taken all through the run, with the most agents running.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from subprocess import DEVNULL

from playwright.sync_api import sync_playwright

from tests.browser import launch_chromium

VOC = str(Path(sys.executable).with_name("voc"))
RUNNING = "document.querySelectorAll('tr[data-status=\"running\"]').length"


def wait_until(page, expression: str, timeout: float = 60) -> None:
    """Poll `expression` from outside: the page's CSP forbids Playwright's in-page eval."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.02)


def best_live_view(page, run: subprocess.Popen) -> bytes:
    """Pictures taken all through the run; the one with the most agents running."""
    best, most = b"", -1
    while run.poll() is None:
        running = page.evaluate(RUNNING)
        if running > most:
            best, most = page.screenshot(), running
        time.sleep(0.02)
    return best


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VOC_OUTPUT_DIR": f"{tmp}/outputs", "PREFECT_HOME": f"{tmp}/ph"}
        env.update(PYTHONUNBUFFERED="1", COLUMNS="120")
        env.pop("VOC_STORE_URL", None)
        first = [VOC, "run", "--start", "2026-11-09", "--end", "2026-11-15"]
        subprocess.run(first, env=env, cwd=tmp, check=True, capture_output=True)
        server = subprocess.Popen(
            [VOC, "dashboard", "--port", "0"], env=env, cwd=tmp, stdout=subprocess.PIPE, text=True
        )
        try:
            url = server.stdout.readline().split()[2]
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page(viewport={"width": 1280, "height": 820})
                page.goto(url)
                page.wait_for_selector("tr[data-run-id]")
                run = subprocess.Popen(
                    [VOC, "run"], env=env, cwd=tmp, stdout=DEVNULL, stderr=DEVNULL
                )
                wait_until(page, "document.querySelectorAll('tr[data-run-id]').length == 2")
                page.click("tr[data-run-id] a")
                target.write_bytes(best_live_view(page, run))
                browser.close()
        finally:
            server.terminate()
            server.wait(15)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard-live.png"))
