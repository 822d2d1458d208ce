"""Runs started, queued and cancelled from the dashboard, against a real Prefect deployment.

One `prefect server start` for the module, prefect.yaml deployed as the README says, its
concurrency limit lowered to 1, one process worker of the `voc` pool, and the dashboard
app served by uvicorn on loopback talking to that server. The flow runs reach a slow
loopback OpenAI-shaped provider and a loopback Gamma whose decks can take for ever.
"""

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import DeploymentUpdate

from flows.launcher import DEPLOYMENT, WEEKLY
from flows.run_request import RunRequest
from monitor.dashboard import create_app
from monitor.dashboard.launch import Launcher, QueueFull
from monitor.store import ResultsStore
from tasks.llm import DEFAULT_MODELS
from tests.browser import snapshot
from tests.dashboard_helpers import LiveServer
from tests.polling import until
from tests.prefect_server import PrefectServer, prefect_server
from tests.servers.gamma import FakeGamma
from tests.servers.openai import FakeOpenAI
from tests.test_deployment import checkout, deploy, wait_for_workers, worker_env

pytestmark = pytest.mark.deployment
__all__ = ["checkout"]  # a fixture, used by name

SLOW_REPLY_S = 2.0  # a run of it lasts about 20 s: long enough to queue behind
AGENTS = 16


@pytest.fixture(scope="module")
def server(tmp_path_factory, checkout) -> Iterator[PrefectServer]:
    """prefect.yaml deployed; then one run at a time, so a second one has to wait."""
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as running:
        deploy(running, checkout)
        with SyncPrefectClient(running.api_url) as client:
            deployment = client.read_deployment_by_name(DEPLOYMENT)
            assert deployment.global_concurrency_limit.limit == 5  # prefect.yaml's
            client.update_deployment(deployment.id, DeploymentUpdate(concurrency_limit=1))
            assert client.read_deployment(deployment.id).global_concurrency_limit.limit == 1
        yield running


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeOpenAI, FakeGamma]]:
    with FakeOpenAI() as openai, FakeGamma(pending_polls=0) as gamma:
        openai.delay_s = SLOW_REPLY_S
        yield openai, gamma


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("launch")


@pytest.fixture(scope="module")
def store_url(workdir) -> str:
    return f"sqlite:///{workdir / 'voc.db'}"


@pytest.fixture(scope="module")
def worker(server, checkout, fakes, workdir, store_url) -> Iterator[Path]:
    """One process worker of the pool; yields its log."""
    openai, gamma = fakes
    log = workdir / "worker.log"
    env = worker_env(
        checkout,
        workdir,
        store_url,
        OPENAI_API_KEY=openai.api_key,
        GAMMA_API_KEY=gamma.api_key,
        GAMMA_BASE_URL=gamma.url,
    )
    server.start_worker("voc", "voc-launch-worker", log, **env)
    wait_for_workers(server, {"voc-launch-worker"}, [log])
    yield log
    server.stop_workers()


@pytest.fixture(scope="module")
def dashboard(server, store_url, worker, fakes) -> Iterator[httpx.Client]:
    """The dashboard over the workers' store, started against the server; its reaper
    looks for dead runs every second, as eager as it can be to call a run crashed. The
    operator lets a browser choose the fake OpenAI server."""
    app = create_app(ResultsStore(store_url), Launcher(WEEKLY, server.api_url), reap_every=1.0)
    with (
        pytest.MonkeyPatch.context() as env,
        LiveServer(app) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        env.setenv("VOC_DASHBOARD_BASE_URLS", fakes[0].base_url)
        http.headers["x-csrf-token"] = http.get("/api/csrf").json()["token"]
        yield http


@pytest.fixture(autouse=True)
def open_gate(fakes) -> Iterator[None]:
    """A test that closes the fake provider's gate leaves it open, even when it fails."""
    yield
    fakes[0].gate.set()


def start(http: httpx.Client, **form: Any) -> dict[str, Any]:
    answer = http.post("/api/runs", json={"window": "last_week", **form})
    assert answer.status_code == 201, answer.text
    return answer.json()


def tail(log: Path) -> Callable[[], str]:
    """The end of the worker's log, read when a wait fails."""
    return lambda: log.read_text(errors="replace")[-4000:]


def prefect_state(server: PrefectServer, flow_run_id: str) -> str:
    with SyncPrefectClient(server.api_url) as client:
        return client.read_flow_run(flow_run_id).state.name


def recorded(store: ResultsStore, run_id: str) -> dict[str, Any] | None:
    return store.run(run_id) if store.has_run(run_id) else None


def test_a_second_run_waits_in_prefect_for_the_first_then_runs(
    server, dashboard, store_url, fakes, worker
):
    openai, _ = fakes
    store = ResultsStore(store_url)
    openai.gate.clear()  # the first run holds its worker until the queue is checked
    slow = start(dashboard, provider="openai", model="gpt-4o-mini", base_url=openai.base_url)
    assert slow["state"] == "Scheduled" and slow["run_id"] == slow["flow_run_id"]

    def first_running() -> bool:
        run = recorded(store, slow["run_id"])
        return run is not None and run["status"] == "running"

    until("the first run running", first_running, 120, tail(worker))
    quick = start(dashboard)
    assert quick["state"] == "Scheduled" and quick["ahead"] == 0

    states = []

    def waiting_behind_the_running_one() -> dict[str, Any] | None:
        queue = dashboard.get("/api/queue").json()["queue"]
        mine = next((q for q in queue if q["flow_run_id"] == quick["run_id"]), None)
        states.append(mine and mine["state"])
        # Still waiting well after a worker (polling every second) could have taken it.
        return mine if len(states) > 12 and all(states[-12:]) else None

    queued = until("the second run queued", waiting_behind_the_running_one, 120, tail(worker))
    assert queued["position"] == 1 and queued["recorded"] is False
    # Prefect 3.9's names for a run no worker may start yet: Scheduled and Late before a
    # worker took it, Submitting and Pending while the worker holds it for a slot, and
    # AwaitingConcurrencySlot when the server sends it back to wait.
    waiting = {"Scheduled", "Late", "Submitting", "Pending", "AwaitingConcurrencySlot"}
    assert set(states) <= waiting, states

    # With room for one waiting run, a second one is refused (429 over HTTP).
    with pytest.raises(QueueFull, match=r"the queue is full \(1 waiting, at most 1\)"):
        asyncio.run(Launcher(WEEKLY, server.api_url, max_waiting=1).start(RunRequest()))

    # A third, behind it, cancelled before any worker started it: it leaves the queue.
    third = start(dashboard)
    assert third["ahead"] == 1
    positions = {
        q["flow_run_id"]: q["position"] for q in dashboard.get("/api/queue").json()["queue"]
    }
    assert positions == {quick["run_id"]: 1, third["run_id"]: 2}
    cancelled = dashboard.post(f"/api/runs/{third['run_id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] in {"Cancelling", "Cancelled"}
    gone = lambda: prefect_state(server, third["run_id"]) == "Cancelled"  # noqa: E731
    until("the waiting run cancelled", gone, 60, tail(worker))
    queue = dashboard.get("/api/queue").json()["queue"]
    assert [q["flow_run_id"] for q in queue] == [quick["run_id"]]
    assert not store.has_run(quick["run_id"])  # the monitor has no rows for it yet
    assert store.run(slow["run_id"])["status"] == "running"
    openai.gate.set()

    def both_ended() -> tuple[dict, dict] | None:
        runs = [recorded(store, r["run_id"]) for r in (slow, quick)]
        if all(r and r["status"] != "running" for r in runs):
            return tuple(runs)
        return None

    first, second = until("both runs finished", both_ended, 300, tail(worker))
    assert first["status"] == second["status"] == "completed"
    assert first["agents_done"] == second["agents_done"] == AGENTS
    assert second["started_at"] >= first["ended_at"]  # one at a time: it waited its turn
    assert first["provider"] == "openai" and first["calls"] > 0
    assert dashboard.get("/api/queue").json()["queue"] == []
    assert prefect_state(server, quick["run_id"]) == "Completed"
    assert not store.has_run(third["run_id"])  # it never ran


def test_a_running_run_cancelled_from_the_dashboard_ends_cancelled_with_its_rows(
    server, dashboard, store_url, fakes, worker
):
    _, gamma = fakes
    gamma.pending_polls = 10**6  # the deck never comes: the run sits in its last agent
    store = ResultsStore(store_url)
    run_id = start(dashboard)["run_id"]

    def in_gamma() -> dict[str, Any] | None:
        run = recorded(store, run_id)
        agents = {a["key"]: a["status"] for a in run["agents"]} if run else {}
        return run if agents.get("gamma_presentation") == "running" and run["files"] else None

    before = until("the run in its Gamma agent", in_gamma, 180, tail(worker))
    answer = dashboard.post(f"/api/runs/{run_id}/cancel")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] in {"Cancelling", "Cancelled"}

    def ended() -> dict[str, Any] | None:
        run = store.run(run_id)
        return run if run["status"] != "running" else None

    run = until("the run ended in the store", ended, 90, tail(worker))
    cancelled = lambda: prefect_state(server, run_id) == "Cancelled"  # noqa: E731
    until("Prefect's Cancelled", cancelled, 60, tail(worker))
    # What the dashboard's reaper (every second) asks must not turn it into `crashed`.
    assert run_id not in store.mark_dead_runs()
    run = store.run(run_id)
    assert run["status"] == "cancelled", run["error"]
    agents = {a["key"]: a for a in run["agents"]}
    assert agents["gamma_presentation"]["status"] == "cancelled"
    top = [a for a in run["agents"] if a["key"] == a["agent"]]
    assert [a["status"] for a in top].count("cancelled") == 1
    assert run["agents_done"] == AGENTS - 1  # completed rows stay completed
    assert run["calls"] == before["calls"] and run["cost"] == before["cost"]

    assert {f["path"] for f in run["files"]} == {"report.md", "results.json", "topics.csv"}
    report = dashboard.get(f"/api/runs/{run_id}/files/report.md")
    assert report.status_code == 200 and report.text.startswith("#")

    again = dashboard.post(f"/api/runs/{run_id}/cancel")
    assert again.status_code == 409 and "already ended" in again.json()["detail"]


def test_run_analysis_in_the_browser_follows_the_new_run_live_to_16_of_16(
    page, dashboard, fakes, store_url, worker
):
    openai, gamma = fakes
    gamma.pending_polls = 0
    page.goto(str(dashboard.base_url) + "/")
    page.wait_for_selector("#launch-form")
    assert page.input_value("#launch-model") == DEFAULT_MODELS["local"]  # from GET /api/launch
    page.wait_for_selector("#queue-empty")  # Prefect answers, and nothing waits
    page.evaluate("window.__sameDocument = true")

    page.select_option("#launch-window", "custom")
    page.fill("#launch-start", "2026-11-22")
    page.fill("#launch-end", "2026-11-16")
    page.click("#launch-submit")
    error = page.wait_for_selector("#launch-error")
    assert "end 2026-11-16 is before start 2026-11-22" in error.text_content()

    page.select_option("#launch-window", "last_week")
    # The slow provider spreads the agents' ends over seconds: the offline one finishes
    # the run in about one, faster than the page can show it counting.
    page.select_option("#launch-provider", "openai")
    assert page.input_value("#launch-model") == DEFAULT_MODELS["openai"]
    page.fill("#launch-base-url", openai.base_url)
    page.fill("#launch-budget", "1.50")
    page.click("#launch-submit")
    # Polled: a string predicate for wait_for_function is an eval, which the CSP refuses.
    opened = lambda: page.evaluate("location.hash").startswith("#/runs/")  # noqa: E731
    until("the new run's page", opened, 30, tail(worker))
    run_id = page.evaluate("decodeURIComponent(location.hash.slice('#/runs/'.length))")

    seen = []

    def completed() -> bool:
        now = snapshot(page)
        if not seen or seen[-1] != now["progress"]:
            seen.append(now["progress"])
        return now["run"] == "completed" and now["progress"] == f"{AGENTS}/{AGENTS} agents"

    until("the page to show the run completed", completed, 240, tail(worker))
    assert len(seen) > 3, seen  # it counted up live, not in one jump
    assert page.evaluate("window.__sameDocument") is True  # no reload on the way
    # The browser logs every non-2xx fetch: the refused form (422), and the run's page
    # asking for rows the worker had not written yet (404). Nothing else may appear.
    expected = ("422 (Unprocessable Entity)", "404 (Not Found)")
    assert [p for p in page.problems if not p.endswith(expected)] == [], page.problems

    run = ResultsStore(store_url).run(run_id)
    assert run["status"] == "completed" and run["agents_done"] == AGENTS
    assert run["parameters"]["budget"] == "1.50" and run["source"] == "sample"
