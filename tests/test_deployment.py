"""The weekly deployment as users run it: `prefect server start`, prefect.yaml, process workers.

One server for the module. The pull step clones a git repository made from the working
tree as it is now; the worker's flow runs talk to loopback fakes (Gamma, a webhook).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flows.launcher import DEPLOYMENT  # prefect.yaml's, as the dashboard starts it
from monitor.store import ResultsStore
from tests.conftest import POSTGRES_URL, VOC
from tests.polling import until
from tests.prefect_server import PrefectServer, flow_run_id, prefect_server
from tests.servers.base import FakeServer, Reply, Seen
from tests.servers.gamma import FakeGamma

pytestmark = pytest.mark.deployment

ROOT = Path(__file__).resolve().parents[1]
# A Monday 06:00 UTC, two days ago for the sample: its window is the sample's last week.
SCHEDULED = "2026-11-23 06:00:00"
SAMPLE_LAST_WEEK = (date(2026, 11, 16), date(2026, 11, 22))
DASHBOARD = "http://voc.example:8787"


class Webhook(FakeServer):
    """A loopback webhook receiver: takes any POST."""

    def route(self, seen: Seen) -> Reply:
        return Reply(204) if seen.method == "POST" else super().route(seen)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> PrefectServer:
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as running:
        yield running


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A git repository of the working tree as it is now, new files included: what is cloned."""
    repo = tmp_path_factory.mktemp("origin") / "prefect-voc"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git = ["git", "-c", "user.name=voc-test", "-c", "user.email=voc-test@localhost"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *args], cwd=repo, check=True)
    return repo


def deploy(server: PrefectServer, checkout: Path) -> str:
    """Blocks registered, the work pool created, prefect.yaml deployed: the README's commands."""
    assert "VoC Gamma Credentials" in server.cli("block", "register", "-m", "blocks", cwd=checkout)
    server.cli("work-pool", "create", "voc", "--type", "process")
    server.cli("--no-prompt", "deploy", "--all", cwd=checkout)
    with SyncPrefectClient(server.api_url) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "0 6 * * 1" and schedule.schedule.timezone == "UTC"
    assert deployment.work_pool_name == "voc"
    return str(deployment.id)


@pytest.fixture(scope="module")
def deployment_id(server, checkout) -> str:
    return deploy(server, checkout)


@pytest.fixture
def workers(server):
    yield server
    server.stop_workers()


@pytest.fixture(scope="module")
def server_on_postgresql(postgres_url, checkout, tmp_path_factory) -> PrefectServer:
    """A second server, keeping its own state in a fresh PostgreSQL database, deployed to."""
    name = f"voc_prefect_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    try:
        home = tmp_path_factory.mktemp("prefect-server-pg")
        with prefect_server(home, url.render_as_string(hide_password=False)) as running:
            deploy(running, checkout)
            yield running
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def workers_on_postgresql(server_on_postgresql):
    yield server_on_postgresql
    server_on_postgresql.stop_workers()


def worker_env(checkout: Path, tmp_path: Path, store: str, **extra: str) -> dict[str, str]:
    """What the README tells a worker's environment to hold."""
    return {
        "VOC_GIT_REPOSITORY": checkout.as_uri(),
        "VOC_OUTPUT_DIR": str(tmp_path / "outputs"),
        "VOC_STORE_URL": store,
        "VOC_DASHBOARD_URL": DASHBOARD,
        **extra,
    }


def run_deployment(server: PrefectServer, *args: str) -> str:
    return flow_run_id(server.cli("deployment", "run", DEPLOYMENT, *args))


def finished(flow_run: FlowRun) -> bool:
    """Final, and its process gone: its state hooks (store rows, artifacts, messages) ran."""
    if not (flow_run.state and flow_run.state.is_final()):
        return False
    if not flow_run.infrastructure_pid:
        return True
    try:
        os.kill(int(flow_run.infrastructure_pid), 0)
    except ProcessLookupError:
        return True
    return False


def wait_final(server: PrefectServer, ids: list[str], logs: list[Path], timeout_s: float = 240):
    """The flow runs, once every one has finished."""
    with SyncPrefectClient(server.api_url) as client:

        def final() -> list | None:
            runs = [client.read_flow_run(run_id) for run_id in ids]
            return runs if all(map(finished, runs)) else None

        return until(f"flow runs {ids} to be final", final, timeout_s, tails(logs))


def tails(logs: list[Path]) -> Callable[[], str]:
    """The ends of the logs, read when a wait fails."""
    return lambda: "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)


PUBLISHED_LAST = ("voc-cost-breakdown", "voc-report")


def artifacts(server: PrefectServer, run_id: str, timeout_s: float = 60) -> dict[str, object]:
    """The flow run's artifacts, by key, read back through the Prefect client once its cost
    table and report are there: the run's process publishes them after the run is final."""
    runs = FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
    with SyncPrefectClient(server.api_url) as client:

        def published() -> dict[str, object] | None:
            found = {a.key: a for a in client.read_artifacts(flow_run_filter=runs)}
            return found if set(PUBLISHED_LAST) <= set(found) else None

        return until(f"{', '.join(PUBLISHED_LAST)} of run {run_id}", published, timeout_s)


def artifact_events(server: PrefectServer, resources: set[str]) -> set[str]:
    """Those of the artifacts `resources` the server has a `prefect.artifact.created` event for."""
    query = {
        "filter": {
            "event": {"name": ["prefect.artifact.created"]},
            "resource": {"id": [*resources]},
        },
        "limit": 50,
    }
    answer = httpx.post(f"{server.api_url}/events/filter", json=query, timeout=30)
    answer.raise_for_status()
    return {event["resource"]["prefect.resource.id"] for event in answer.json()["events"]}


def test_a_scheduled_week_runs_on_a_worker_with_rows_artifacts_and_files(
    workers, checkout, deployment_id, tmp_path
):
    server = workers
    store_url = f"sqlite:///{tmp_path / 'voc.db'}"
    log = tmp_path / "worker.log"
    with FakeGamma(pending_polls=0) as gamma:
        env = worker_env(
            checkout, tmp_path, store_url, GAMMA_API_KEY=gamma.api_key, GAMMA_BASE_URL=gamma.url
        )
        server.start_worker("voc", "voc-worker-1", log, **env)
        # Scheduled for a past Monday: a late run still analyses the week before that Monday.
        run_id = run_deployment(server, "--start-at", SCHEDULED, "--param", "topic_concurrency=3")
        (flow_run,) = wait_final(server, [run_id], [log])
    assert flow_run.state.is_completed(), log.read_text()[-3000:]

    run = ResultsStore(store_url).run(run_id)
    assert run["status"] == "completed" and run["agents_done"] == 16
    assert (run["window_start"], run["window_end"]) == SAMPLE_LAST_WEEK
    assert run["deployment_id"] == deployment_id and run["deployment_name"] == "weekly"
    assert run["parameters"]["topic_concurrency"] == 3  # the --param override
    assert run["parameters"]["start"] == "2026-11-16"  # recorded, so a resume redoes this week
    assert run["gamma_url"] == "https://gamma.app/docs/voc-gen0001"
    assert flow_run.labels["prefect.worker.name"] == "voc-worker-1"

    output_dir = Path(run["output_dir"])
    assert output_dir.parent == tmp_path / "outputs"
    assert {f["path"] for f in run["files"]} == {"report.md", "results.json", "topics.csv"}
    for recorded in run["files"]:
        data = (output_dir / recorded["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == recorded["sha256"]

    found = artifacts(server, run_id)
    assert {"voc-cost-breakdown", "voc-progress", "voc-report", "voc-gamma"} <= set(found)
    assert found["voc-progress"].data == 100.0
    table = json.loads(found["voc-cost-breakdown"].data)
    assert table[-1]["agent"] == "TOTAL" and len(table) == 17
    assert found["voc-report"].data == (output_dir / "report.md").read_text(encoding="utf-8")
    assert "https://gamma.app/docs/voc-gen0001" in found["voc-gamma"].data
    link = found["voc-file-report-md"]
    assert f"{DASHBOARD}/api/runs/{run_id}/files/report.md" in link.data
    assert {"voc-file-results-json", "voc-file-topics-csv"} <= set(found)
    created = {f"prefect.artifact.{a.id}" for a in found.values()}
    until(
        "an artifact-created event per artifact",
        lambda: artifact_events(server, created) == created,
        60,
    )
    assert "Error emitting event" not in log.read_text()

    shown = subprocess.run(
        [VOC, "show", run_id[:8]],
        env=server.env(VOC_STORE_URL=store_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "deployment voice-of-customer/weekly" in shown.stdout
    assert f"Prefect UI: {server.ui_url}/runs/flow-run/{run_id}" in shown.stdout


@pytest.mark.postgres
def test_a_server_on_postgresql_two_workers_and_a_postgresql_store(
    workers_on_postgresql, checkout, tmp_path, postgres_url
):
    """The README's "Running at scale" on one machine: server, workers and store apart."""
    server = workers_on_postgresql
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import PREFECT_API_URL, temporary_settings

    logs = [tmp_path / "worker-2.log", tmp_path / "worker-3.log"]
    with Webhook() as webhook:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            CustomWebhookNotificationBlock(
                name="voc", url=f"{webhook.url}/hook", json_data={"text": "{{subject}}\n{{body}}"}
            ).save("voc-alerts", overwrite=True)
        env = worker_env(checkout, tmp_path, postgres_url)
        for number, log in enumerate(logs, start=2):
            server.start_worker("voc", f"voc-worker-{number}", log, "--limit", "1", **env)
        wait_for_workers(server, {"voc-worker-2", "voc-worker-3"}, logs)

        # Two runs at once, each worker taking at most one: they run side by side.
        weekly = run_deployment(server, "--param", "start=2026-11-09", "--param", "end=2026-11-15")
        broken = run_deployment(
            server,
            "--start-at",
            SCHEDULED,
            "--param",
            "source=/nonexistent/export.json",
            "--param",
            "notify=custom-webhook/voc-alerts",
        )
        done, failed = wait_final(server, [weekly, broken], logs)
    assert done.state.is_completed() and failed.state.is_failed()
    assert {done.labels["prefect.worker.name"], failed.labels["prefect.worker.name"]} == {
        "voc-worker-2",
        "voc-worker-3",
    }

    store = ResultsStore(postgres_url)
    ok = store.run(weekly)
    assert ok["status"] == "completed" and ok["agents_done"] == 16
    assert (ok["window_start"], ok["window_end"]) == (date(2026, 11, 9), date(2026, 11, 15))
    bad = store.run(broken)
    assert bad["status"] == "failed" and "export.json" in bad["error"]
    assert (bad["window_start"], bad["window_end"]) == SAMPLE_LAST_WEEK
    assert ok["deployment_name"] == bad["deployment_name"] == "weekly"

    sent = [seen for seen in webhook.requests if seen.path == "/hook"]
    assert len(sent) == 1, "\n".join(log.read_text(errors="replace")[-3000:] for log in logs)
    (message,) = sent
    text = message.body["text"]
    assert text.startswith("voc: voice-of-customer run failed (2026-11-16 to 2026-11-22)")
    assert broken in text and "SourceError" in text
    assert f"{server.ui_url}/runs/flow-run/{broken}" in text


def wait_for_workers(server: PrefectServer, names: set[str], logs: list[Path]) -> None:
    """Until every named worker has said it is polling the pool."""
    with SyncPrefectClient(server.api_url) as client:
        online = lambda: names <= {w.name for w in client.read_workers_for_work_pool("voc")}  # noqa: E731
        until(f"workers {names} to poll the pool", online, 90, tails(logs))


SERVE = """
from prefect.schedules import Cron
from flows.voice_of_customer import voice_of_customer
voice_of_customer.serve(
    name="served",
    schedule=Cron("0 6 * * 1", timezone="Europe/Berlin"),
    parameters={"timezone": "Europe/Berlin"},
)
"""


def test_flow_serve_records_the_same_rows(workers, checkout, tmp_path):
    """`flow.serve()` runs the flow cloudpickled in a process of its own: recorded all the same."""
    server = workers
    store_url = f"sqlite:///{tmp_path / 'voc.db'}"
    log = tmp_path / "serve.log"
    env = server.env(VOC_STORE_URL=store_url, VOC_OUTPUT_DIR=str(tmp_path / "outputs"))
    server.workers.append(  # killed with the workers
        subprocess.Popen(
            [sys.executable, "-c", SERVE],
            env=env,
            cwd=checkout,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    served = lambda: "is being served" in log.read_text(errors="replace")  # noqa: E731
    until("the flow to be served", served, 90, tails([log]))
    # 05:00 UTC is Monday 06:00 in Berlin: the week before is cut in Berlin's calendar.
    out = server.cli(
        "deployment", "run", "voice-of-customer/served", "--start-at", "2026-11-23 05:00:00"
    )
    (flow_run,) = wait_final(server, [flow_run_id(out)], [log])
    assert flow_run.state.is_completed(), log.read_text()[-3000:]

    run = ResultsStore(store_url).run(str(flow_run.id))
    assert run["status"] == "completed" and run["agents_done"] == 16
    assert (run["window_start"], run["window_end"]) == SAMPLE_LAST_WEEK
    assert run["deployment_name"] == "served" and len(run["files"]) == 3
    assert {"voc-cost-breakdown", "voc-report"} <= set(artifacts(server, str(flow_run.id)))
