"""Starting and cancelling runs from the dashboard: who may, what is checked, and the
answers without a Prefect server. A real uvicorn on loopback; Prefect's real API where
one is needed (the session's test harness), never a stand-in for it.
"""

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from prefect import Flow
from prefect.client.orchestration import get_client

from flows.launcher import WEEKLY
from flows.run_request import Provider, RunRequest, allowed_base_url
from monitor.dashboard import create_app
from monitor.dashboard.launch import Launcher
from monitor.store import ResultsStore
from tasks.llm.client import DEFAULT_MODELS, PROVIDERS
from tests.dashboard_helpers import LiveServer, start_run
from tests.prefect_server import free_port

HOW_TO_DEPLOY = (
    "prefect work-pool create voc --type process",
    "prefect --no-prompt deploy --all",
    "prefect worker start --pool voc",
)


@pytest.fixture
def store(store_url) -> ResultsStore:
    return ResultsStore(store_url)


def serve(store: ResultsStore, launcher: Launcher, **options) -> Iterator[httpx.Client]:
    with (
        LiveServer(create_app(store, launcher, **options)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        yield http


@pytest.fixture
def no_prefect(store) -> Iterator[httpx.Client]:
    """The dashboard where Prefect has no server configured (ephemeral mode)."""
    yield from serve(store, Launcher(WEEKLY, None))


def csrf(http: httpx.Client, **headers: str) -> dict[str, str]:
    return {"x-csrf-token": http.get("/api/csrf", headers=headers).json()["token"], **headers}


def test_without_a_prefect_server_starting_answers_409_with_how_to_deploy(no_prefect):
    answer = no_prefect.post("/api/runs", json={}, headers=csrf(no_prefect))
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert all(command in detail for command in HOW_TO_DEPLOY), detail

    queue = no_prefect.get("/api/queue").json()
    assert queue["configured"] is False and queue["queue"] == []
    assert all(command in queue["detail"] for command in HOW_TO_DEPLOY)

    cancel = no_prefect.post(
        "/api/runs/0b6a1f0e-3c2d-4d55-9c1e-000000000000/cancel", headers=csrf(no_prefect)
    )
    assert cancel.status_code == 409 and "prefect server start" in cancel.json()["detail"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"window": "custom", "start": "2026-11-20", "end": "2026-11-10"},
            "end 2026-11-10 is before start 2026-11-20",
        ),
        (
            {"window": "custom", "start": "2026-01-01", "end": "2026-04-03"},
            "the window is 93 days long; at most 92 are allowed",
        ),
        ({"window": "custom", "start": "2026-11-10"}, "needs both start and end"),
        ({"window": "last_week", "start": "2026-11-10"}, "start and end go with window 'custom'"),
        ({"budget": "0"}, "budget: Input should be greater than 0"),
        ({"budget": "-3"}, "budget: Input should be greater than 0"),
        ({"provider": "mistral"}, "provider: Input should be 'local', 'openai' or 'anthropic'"),
        ({"source": "/etc/passwd"}, "source: Input should be 'sample' or 'intercom'"),
        ({"model": "gpt; rm -rf /"}, "model: String should match pattern"),
        ({"provider": "local", "base_url": "http://127.0.0.1:1/v1"}, "base_url is for the openai"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
        ({"command": "voc run"}, "command: Extra inputs are not permitted"),
    ],
)
def test_bad_run_requests_are_422_with_a_message_that_says_why(no_prefect, form, message):
    answer = no_prefect.post("/api/runs", json=form, headers=csrf(no_prefect))
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"], answer.json()


def test_a_window_of_92_days_is_allowed(no_prefect):
    form = {"window": "custom", "start": "2026-01-01", "end": "2026-04-02", "budget": "2.50"}
    answer = no_prefect.post("/api/runs", json=form, headers=csrf(no_prefect))
    assert answer.status_code == 409  # valid: it got as far as asking for Prefect


def test_writes_need_the_csrf_token_and_the_same_origin(no_prefect):
    for headers in ({}, {"x-csrf-token": "guessed"}):
        answer = no_prefect.post("/api/runs", json={}, headers=headers)
        assert answer.status_code == 403, answer.text
        assert "X-CSRF-Token" in answer.json()["detail"]
    foreign = csrf(no_prefect, origin="http://evil.example")
    answer = no_prefect.post("/api/runs", json={}, headers=foreign)
    assert answer.status_code == 403 and "cross-origin" in answer.json()["detail"]
    # A GET never starts anything: the endpoint only answers POST.
    assert no_prefect.get("/api/runs/x/cancel").status_code in (404, 405)


def test_with_a_dashboard_token_writes_need_it_and_the_csrf_token(store):
    for http in serve(store, Launcher(WEEKLY, None), token="s3cret-token", loopback_only=False):
        assert http.post("/api/runs", json={}).status_code == 401
        assert http.get("/api/csrf").status_code == 401  # no token, no CSRF token either
        bearer = {"authorization": "Bearer s3cret-token"}
        assert http.post("/api/runs", json={}, headers=bearer).status_code == 403
        answer = http.post("/api/runs", json={}, headers=csrf(http, **bearer))
        assert answer.status_code == 409  # let through: no Prefect server here


def test_beyond_loopback_without_a_token_writes_are_refused(store):
    for http in serve(store, Launcher(WEEKLY, None), loopback_only=False):
        answer = http.post("/api/runs", json={}, headers=csrf(http))
        assert answer.status_code == 403
        assert "VOC_DASHBOARD_TOKEN" in answer.json()["detail"]
        assert http.get("/api/runs").status_code == 200  # reads are as before


def test_an_unreachable_prefect_server_is_503(store):
    url = f"http://127.0.0.1:{free_port()}/api"
    for http in serve(store, Launcher(WEEKLY, url)):
        answer = http.post("/api/runs", json={}, headers=csrf(http))
        assert answer.status_code == 503 and url in answer.json()["detail"]
        queue = http.get("/api/queue")  # polled by the page: says why, as a 200
        assert queue.status_code == 200 and url in queue.json()["detail"]


def test_a_prefect_server_without_the_deployment_is_409(store, prefect_harness):
    launcher = Launcher.from_settings(WEEKLY)  # the harness's temporary server
    assert launcher.api_url
    for http in serve(store, launcher):
        answer = http.post("/api/runs", json={}, headers=csrf(http))
        assert answer.status_code == 409
        detail = answer.json()["detail"]
        assert "no deployment 'voice-of-customer/weekly'" in detail
        assert "prefect --no-prompt deploy --all" in detail
        queue = http.get("/api/queue").json()
        assert queue["queue"] == [] and "no deployment" in queue["detail"]
        unknown = http.post(
            "/api/runs/0b6a1f0e-3c2d-4d55-9c1e-000000000000/cancel", headers=csrf(http)
        )
        assert unknown.status_code == 404
        assert http.post("/api/runs/not-a-uuid/cancel", headers=csrf(http)).status_code == 404

        # A flow run of no deployment (`voc run` against this server) has no worker to stop it.
        with get_client(sync_client=True) as client:
            flow_run = client.create_flow_run(flow=Flow(lambda: None, name="voc-local"))
        local = http.post(f"/api/runs/{flow_run.id}/cancel", headers=csrf(http))
        assert local.status_code == 409 and "Ctrl-C" in local.json()["detail"]


def test_the_form_providers_are_the_flows():
    assert set(Provider.__args__) == set(PROVIDERS)


def test_the_page_gets_the_form_from_the_flows_launcher(no_prefect):
    """The providers and default models the page offers are `voc run`'s, served once."""
    offer = no_prefect.get("/api/launch").json()
    assert offer == {"deployment": "voice-of-customer/weekly", "default_models": DEFAULT_MODELS}
    assert set(offer["default_models"]) == set(PROVIDERS)
    assert offer["default_models"]["local"] == RunRequest().model


def test_last_week_and_this_week_are_monday_to_sunday_in_the_requests_timezone():
    wednesday = date(2026, 11, 25)
    assert RunRequest(window="last_week").dates(wednesday) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    assert RunRequest(window="this_week").dates(wednesday) == (date(2026, 11, 23), wednesday)
    # 23:30 UTC on Sunday is already Monday in Berlin: its last week is the one just ended.
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    berlin = RunRequest(window="last_week", timezone="Europe/Berlin")
    params = WEEKLY.parameters(berlin, {}, sunday_night)
    assert (params["start"], params["end"]) == ("2026-11-23", "2026-11-29")
    params = WEEKLY.parameters(RunRequest(window="last_week"), {}, sunday_night)
    assert (params["start"], params["end"]) == ("2026-11-16", "2026-11-22")
    # No timezone asked for: the deployment's (its `timezone` parameter) cuts the week.
    deployment = {"timezone": "Europe/Berlin"}
    params = WEEKLY.parameters(RunRequest(window="last_week"), deployment, sunday_night)
    assert (params["start"], params["end"], params["timezone"]) == (
        "2026-11-23",
        "2026-11-29",
        "Europe/Berlin",
    )
    custom = RunRequest(window="custom", start="2026-11-01", end="2026-11-07", budget="0.5")
    assert WEEKLY.parameters(custom, {}, sunday_night)["budget"] == "0.5"


def test_a_cancelled_run_wins_over_the_reapers_crashed_but_not_over_an_ending(store):
    """The worker kills the run's process before its cancellation hook runs elsewhere:
    the reaper may call the run crashed first, and Prefect's `cancelled` replaces that."""
    gone = {"host": socket.gethostname(), "pid": 2**22 + 17}  # above Linux's pid_max
    run_id = start_run(store, date(2026, 11, 16), **gone)
    store.agent_started(run_id, "load_conversations", "t1")
    store.agent_finished(run_id, "load_conversations", "completed")
    store.agent_started(run_id, "topic_detection", "t2")
    assert store.mark_dead_runs() == [run_id]
    assert store.run(run_id)["status"] == "crashed"

    assert store.cancel_run(run_id, "Flow run was cancelled.") is True
    run = store.run(run_id)
    assert (run["status"], run["error"]) == ("cancelled", "Flow run was cancelled.")
    agents = {a["key"]: a["status"] for a in run["agents"]}
    assert agents == {"load_conversations": "completed", "topic_detection": "cancelled"}

    done = start_run(store, date(2026, 11, 9))
    store.finish_run(done, "completed")
    assert store.cancel_run(done, "too late") is False
    assert store.run(done)["status"] == "completed"


SERVER = "http://127.0.0.1:1/v1"


def test_a_browser_chosen_server_is_refused_unless_the_operator_lists_it(no_prefect, monkeypatch):
    form = {"provider": "openai", "model": "gpt-4o-mini", "base_url": SERVER}
    refused = no_prefect.post("/api/runs", json=form, headers=csrf(no_prefect))
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("base_url: not a server the operator allows")
    monkeypatch.setenv("VOC_DASHBOARD_BASE_URLS", f"https://other.example, {SERVER}")
    listed = no_prefect.post("/api/runs", json=form, headers=csrf(no_prefect))
    assert listed.status_code == 409, listed.text  # not refused for it: on to Prefect
    secret = {**form, "base_url": "http://user:pw@127.0.0.1:1/v1"}
    answer = no_prefect.post("/api/runs", json=secret, headers=csrf(no_prefect))
    assert answer.status_code == 422 and "pw" not in answer.text


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:1/v1", True),
        ("http://127.0.0.1:1/v1/", True),
        ("http://127.0.0.1:1/v1/deployments/x", True),
        ("http://127.0.0.1:1/v10", False),
        ("http://127.0.0.1:2/v1", False),
        ("https://127.0.0.1:1/v1", False),
        ("http://127.0.0.2:1/v1", False),
        ("http://127.0.0.1:1/", False),
    ],
)
def test_a_listed_server_matches_on_scheme_host_port_and_path(url, allowed):
    assert allowed_base_url(url, ["http://127.0.0.1:1/v1"]) is allowed
