"""The dashboard's edges: Host names that only look like loopback, origins of another scheme."""

import signal
from datetime import date

import httpx
import pytest
from fastapi import HTTPException
from starlette.requests import Request

from monitor.dashboard.access import LOOPBACK_NAMES, host_name
from monitor.dashboard.csrf import HEADER, WriteGuard
from monitor.store import ResultsStore
from tests.conftest import voc_environment
from tests.dashboard_helpers import (
    LiveServer,
    next_event,
    record_file,
    sse_messages,
    start_run,
    voc_dashboard,
    voc_dashboard_process,
)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("127.0.0.1:8787", "127.0.0.1"),
        ("localhost", "localhost"),
        ("LOCALHOST:80", "localhost"),
        ("[::1]:8787", "::1"),
        ("[::1]", "::1"),
        ("[::1]evil.example", ""),
        ("[::1]:8787evil.example", ""),
        ("localhost:8787:1", ""),
        ("localhost:port", ""),
        ("evil.example@127.0.0.1", ""),
        ("", ""),
    ],
)
def test_a_host_header_is_a_name_and_at_most_a_port(header, name):
    assert host_name(header) == name


def test_only_loopback_names_pass_for_loopback():
    assert host_name("[::1]evil.example") not in LOOPBACK_NAMES
    assert host_name("[::1]:8787") in LOOPBACK_NAMES


def write(guard: WriteGuard, origin: str, scheme: str = "http") -> None:
    headers = [(b"host", b"127.0.0.1:8787"), (HEADER.encode(), guard.csrf_token.encode())]
    headers.append((b"origin", origin.encode()))
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": scheme,
        "path": "/api/runs",
        "query_string": b"",
        "headers": headers,
        "server": ("127.0.0.1", 8787),
    }
    guard(Request(scope))


def test_a_write_from_the_same_host_by_another_scheme_is_cross_origin():
    guard = WriteGuard(token=None, loopback_only=True)
    write(guard, "http://127.0.0.1:8787")
    for origin in ("https://127.0.0.1:8787", "ftp://127.0.0.1:8787", "127.0.0.1:8787"):
        with pytest.raises(HTTPException) as refused:
            write(guard, origin)
        assert refused.value.status_code == 403


@pytest.fixture
def store(tmp_path):
    return ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}")


def test_a_stream_asked_to_start_past_the_newest_event(store, tmp_path):
    run_id = start_run(store, date(2025, 11, 17))
    with (
        LiveServer(voc_dashboard(store)) as live,
        httpx.Client(base_url=live.url, timeout=10) as http,
    ):
        refused = http.get("/api/events", params={"after": 10**9})
        assert refused.status_code == 422 and "after" in refused.json()["detail"]
        # A browser's Last-Event-ID from a store since replaced: follow from the end.
        headers = {"last-event-id": str(10**9)}
        with http.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as stream:
            assert stream.status_code == 200
            messages = sse_messages(stream)
            record_file(store, run_id, tmp_path, "report.md", "# hi")
            assert next_event(messages)["event"] == "file"


def test_ctrl_c_with_a_live_stream_open_stops_at_once_and_quietly(tmp_path):
    env = voc_environment(tmp_path, tmp_path / "prefect-home")
    with voc_dashboard_process(env, tmp_path) as (process, url):
        with httpx.stream("GET", f"{url}api/events", timeout=10) as response:
            messages = sse_messages(response)
            assert next(messages)["comment"] == "connected"
            process.send_signal(signal.SIGINT)
            # The server ends the stream itself rather than waiting it out.
            assert [m for m in messages if "event" in m] == []
        assert process.wait(15) == 130
        assert process.stderr.read() == ""
