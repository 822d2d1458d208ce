"""Take docs/traces.md's picture: a run's trace in Arize Phoenix's UI, one LLM call selected.

    make phoenix && .venv/bin/python -m scripts.phoenix_screenshot [docs/phoenix-trace.png]

Does what a user does, in a temporary directory: starts `phoenix serve` (from
.venv-phoenix) on loopback, runs `voc run --provider openai` against the loopback
OpenAI server of the tests (so the calls cost what gpt-4o-mini costs) with
OTEL_EXPORTER_OTLP_ENDPOINT pointing at Phoenix, opens the trace in Debian's chromium,
and selects the first LLM call of a per-topic agent.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from tests.browser import launch_chromium
from tests.servers.openai import FakeOpenAI
from tests.test_traces_phoenix import PHOENIX, free_port, wait_until_up

VOC = str(Path(sys.executable).with_name("voc"))


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": tmp,
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(port),
            "PHOENIX_GRPC_PORT": str(free_port()),
            "PHOENIX_WORKING_DIR": tmp,
            "PHOENIX_TELEMETRY_ENABLED": "false",
        }
        log = Path(tmp, "phoenix.log")
        with log.open("w") as out:
            phoenix = subprocess.Popen([str(PHOENIX), "serve"], env=env, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, phoenix, log)
            run_id = run_voc(tmp, url)
            shoot(url, run_id, target)
        finally:
            phoenix.terminate()
            phoenix.wait()


def run_voc(tmp: str, phoenix: str) -> str:
    """`voc run` exporting to Phoenix; returns the flow run's name (the trace's root)."""
    with FakeOpenAI() as llm:
        env = {
            **os.environ,
            "VOC_HOME": f"{tmp}/voc",
            "PREFECT_HOME": f"{tmp}/prefect",
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": llm.api_key,
            "OTEL_EXPORTER_OTLP_ENDPOINT": phoenix,
        }
        command = [VOC, "run", "--provider", "openai", "--model", "gpt-4o-mini"]
        subprocess.run(command, env=env, cwd=tmp, check=True, capture_output=True)
    # The flow span arrives last: wait until Phoenix has it.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = httpx.get(f"{phoenix}/v1/projects/prefect-voc/spans", params={"parent_id": "null"})
        if answer.status_code == 200 and answer.json()["data"]:
            return answer.json()["data"][0]["name"]
        time.sleep(0.5)
    raise TimeoutError("no flow span in Phoenix")


def shoot(phoenix: str, root: str, target: Path) -> None:
    projects = httpx.get(f"{phoenix}/v1/projects").json()["data"]
    project = next(p["id"] for p in projects if p["name"] == "prefect-voc")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page.goto(f"{phoenix}/projects/{project}/traces", wait_until="networkidle")
        page.get_by_text(root).first.click(timeout=60_000)
        page.get_by_text("topic_sentiment[Billing]").first.wait_for(timeout=60_000)
        page.get_by_text("chat gpt-4o-mini").nth(1).click()
        page.get_by_text("llm.token_count.prompt", exact=False).first.wait_for(timeout=30_000)
        time.sleep(1)  # the panel's last layout pass
        target.write_bytes(page.screenshot())
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/phoenix-trace.png"))
