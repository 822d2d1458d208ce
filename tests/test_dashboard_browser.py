"""The dashboard in a real headless Chromium (Debian's, driven by Playwright).

A real `voc dashboard` process serves a real store while a real `voc run` writes
it: the page must follow the run live, and hostile text in quotes, errors, file
names and log lines must stay text.
"""

import html
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from monitor.store import ResultsStore, now
from monitor.store.schema import events
from tasks.load import SAMPLE
from tests.browser import snapshot
from tests.conftest import VOC, intercom_conversation, voc_environment
from tests.dashboard_helpers import start_run, voc_dashboard_process
from tests.polling import until
from tests.servers.gamma import FakeGamma

SCRIPT = "<script>window.__xss = 1</script>"
IMG = '<img src=x onerror="window.__xss = 2">'
# Each names more of Billing's terms than any customer of the sample, so the offline
# provider quotes both: it picks the sentences that name the topic's most shared terms.
HOSTILE = [
    f"I was charged twice {SCRIPT} on my credit card, the payment was declined, and the "
    "invoice and receipt are wrong",
    f"I want a refund {IMG} and my money back for this billing payment, with a VAT invoice "
    "and a receipt",
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="module")
def env(workdir: Path) -> dict[str, str]:
    return voc_environment(workdir, workdir / "prefect-home")


@pytest.fixture(scope="module")
def dashboard(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """`voc dashboard --port 0` as a user starts it; yields its URL."""
    with voc_dashboard_process(env, workdir) as (_, url):
        yield url


def export_with_hostile_quotes(workdir: Path) -> Path:
    """The bundled sample plus two customers whose words are HTML and script."""
    data = json.loads(SAMPLE.read_text())
    at = int(datetime(2026, 11, 18, 12, tzinfo=UTC).timestamp())
    for n, words in enumerate(HOSTILE):
        # Intercom sends bodies as HTML: the customer's literal "<script>" arrives escaped.
        data["conversations"].append(
            intercom_conversation(f"hostile-{n}", at + n, html.escape(words), customer=f"h{n}")
        )
    path = workdir / "export.json"
    path.write_text(json.dumps(data))
    return path


def assert_nothing_ran(page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("document.scripts.length") == 1  # app.js itself
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript:\"]').length") == 0
    assert page.problems == []


def open_first_run(page) -> None:
    """Click the history's first run until its page shows: the all-runs stream redraws the
    table as the run goes on, and a press and release that land on two versions of the row
    are no click (a user clicks again)."""
    link = page.locator("tr[data-run-id] a").first
    link.wait_for(timeout=90_000)

    def opened() -> bool:
        if "#/runs/" not in page.url:
            link.click(timeout=10_000)
        return page.locator("#progress-text").count() > 0

    until("the run's page to open", opened, 30, lambda: page.url)


def test_a_live_run_fills_in_without_a_reload(page, dashboard, env, workdir):
    page.goto(dashboard)
    page.wait_for_selector("#no-runs")
    page.evaluate("window.__sameDocument = true")
    source = export_with_hostile_quotes(workdir)
    # The offline agents are done in about a second; a Gamma deck that takes one poll
    # more (about 6 s) keeps the run going long enough for the page to be seen counting.
    gamma = FakeGamma(pending_polls=1).start()
    run = subprocess.Popen(
        [VOC, "run", "--source", str(source), "--start", "2026-11-16", "--end", "2026-11-22"],
        env=env | {"GAMMA_API_KEY": gamma.api_key, "GAMMA_BASE_URL": gamma.url},
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The run appears in the history by itself (the all-runs stream), and opens.
        open_first_run(page)
        seen = []

        def completed() -> bool:
            seen.append(snapshot(page))
            return seen[-1]["progress"] == "16/16 agents" and seen[-1]["run"] == "completed"

        until("the page to show the run completed", completed, 90, lambda: str(seen[-1:]))
        out, err = run.communicate(timeout=60)
    finally:
        run.kill()
        gamma.stop()
    assert run.returncode == 0, err
    assert page.evaluate("window.__sameDocument") is True  # never reloaded
    assert seen[0]["progress"] != "16/16 agents"
    # At least one agent was seen running, then completed, in the same document.
    changed = [
        name
        for name, status in seen[-1]["agents"].items()
        if status == "completed" and any(s["agents"].get(name) == "running" for s in seen)
    ]
    assert changed, seen[0]
    assert len(seen[-1]["agents"]) == 16
    assert set(seen[-1]["agents"].values()) <= {"completed", "skipped"}

    # The report's quotes hold the customers' script and image: shown as text only.
    quotes = page.locator("blockquote.quote")
    quotes.filter(has_text=SCRIPT).first.wait_for(timeout=10_000)
    assert quotes.filter(has_text=IMG).count() >= 1
    assert_nothing_ran(page)


def test_hostile_text_in_a_run_stays_text(page, dashboard, env):
    store = ResultsStore(f"sqlite:///{env['VOC_HOME']}/voc.db")
    run_id = start_run(
        store,
        datetime(2026, 11, 9).date(),
        source="<script>window.__xss = 3</script>",
        flow_run_name='<img src=x onerror="window.__xss = 4">',
    )
    store.agent_started(run_id, "topic_detection", "t1")
    store.agent_finished(run_id, "topic_detection", "failed", '<img src=x onerror="alert(5)">')
    store.record_file(run_id, "<script>alert(6)</script>.md", 10, "0" * 64)
    page.goto(f"{dashboard}#/runs/{run_id}")
    page.wait_for_selector("tr[data-agent='topic_detection'][data-status='failed']")
    # Later changes arrive live, hostile ones included.
    with store.engine.begin() as conn:
        conn.execute(
            insert(events).values(
                run_id=run_id,
                kind="log",
                payload={"level": "ERROR", "message": "<svg onload=alert(7)>"},
                created_at=now(),
            )
        )
    store.update_run(run_id, gamma_url="javascript:alert(8)")
    store.finish_run(run_id, "failed", error="<script>alert(9)</script>")
    page.wait_for_selector("#run-error")
    log = page.locator("#log")
    log.filter(has_text="<svg onload=alert(7)>").wait_for(timeout=10_000)
    body = page.inner_text("body")
    for text in (
        "<script>window.__xss = 3</script>",
        '<img src=x onerror="window.__xss = 4">',
        '<img src=x onerror="alert(5)">',
        "<script>alert(6)</script>.md",
        "<script>alert(9)</script>",
    ):
        assert text in body
    assert page.get_by_text("Gamma presentation").count() == 0  # not a safe URL: no link
    assert_nothing_ran(page)
