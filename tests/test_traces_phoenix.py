"""A run's trace in a real Arize Phoenix: `phoenix serve` on loopback, `voc run` exporting to
it, the spans read back through Phoenix's REST API and held against the store.

Phoenix lives in a virtual environment of its own, `.venv-phoenix` (`make phoenix`;
`.ci/run` prepares it): its pins are not ours. Without it the test skips, except in CI,
where it fails.
"""

import json
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.polling import until
from tests.servers.base import Reply
from tests.servers.openai import FakeOpenAI
from tests.trace_checks import check_run_trace, llm_spans

ROOT = Path(__file__).resolve().parent.parent
PHOENIX = ROOT / ".venv-phoenix" / "bin" / "phoenix"
STARTUP_S = 180  # a cold start on a busy 2-core machine (about 20 s on a quiet one)
INGEST_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory) -> Iterator[str]:
    """A Phoenix server on 127.0.0.1, its data in a temporary directory; yields its URL."""
    if not PHOENIX.exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Phoenix at {PHOENIX}: .ci/run installs it (make phoenix)")
        pytest.skip(f"no Phoenix at {PHOENIX}: `make phoenix` installs it")
    home = tmp_path_factory.mktemp("phoenix")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(free_port()),
        "PHOENIX_WORKING_DIR": str(home),
        "PHOENIX_TELEMETRY_ENABLED": "false",
    }
    with (home / "phoenix.log").open("w") as log:
        process = subprocess.Popen(
            [str(PHOENIX), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=home
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, home / "phoenix.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"phoenix serve exited: {log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    until("Phoenix to answer", answers, STARTUP_S)


def phoenix_spans(url: str, project: str, llm_calls: int) -> list[dict]:
    """Every span of the project, once Phoenix has taken in `llm_calls` LLM spans and the
    flow run's span (it ingests in the background)."""

    def ingested() -> list[dict] | None:
        spans = project_spans(url, project)
        roots = [s for s in spans if s["parent_id"] is None]
        return spans if len(llm_spans(spans)) >= llm_calls and roots else None

    return until(f"Phoenix to hold {llm_calls} LLM spans and the flow's", ingested, INGEST_S)


def project_spans(url: str, project: str) -> list[dict]:
    """The project's spans so far, page by page; none before its first span arrives."""
    spans, cursor = [], None
    while True:
        params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
        answer = httpx.get(f"{url}/v1/projects/{project}/spans", params=params, timeout=10)
        if answer.status_code == 404:  # no span of the project arrived yet
            return spans
        answer.raise_for_status()
        spans += answer.json()["data"]
        cursor = answer.json()["next_cursor"]
        if not cursor:
            return spans


def read_json(done: subprocess.CompletedProcess):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_run_is_one_trace_in_phoenix_with_the_stores_calls_tokens_and_cost(voc, phoenix):
    project = f"voc-test-{uuid.uuid4().hex[:8]}"
    with FakeOpenAI() as llm:
        # One attempt refused: its span is there too, attempt 1, in error, costing nothing.
        llm.fail_next(Reply(429, {"error": {"message": "slow down"}}, headers={"retry-after": "1"}))
        ran = voc(
            "run",
            "--provider", "openai",
            "--model", "gpt-4o-mini",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_API_KEY=llm.api_key,
            OTEL_EXPORTER_OTLP_ENDPOINT=phoenix,
            OTEL_SERVICE_NAME=project,
        )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "traces not exported" not in ran.stderr
    (listed,) = read_json(voc("runs", "--json"))
    run = read_json(voc("show", listed["id"], "--json"))
    calls = read_json(voc("export", "--format", "json", "--run", run["id"]))
    assert Decimal(run["cost"]) > 0 and any(c["error"] for c in calls)

    spans = phoenix_spans(phoenix, project, len(calls))
    root = check_run_trace(spans, run, calls)
    assert root["span_kind"] == "CHAIN"
    assert root["attributes"]["voc.run.provider"] == "openai"
    assert root["attributes"]["voc.run.window_start"] == run["window_start"]

    llm_span = llm_spans(spans)
    assert all(s["span_kind"] == "LLM" for s in llm_span)
    (refused,) = [s for s in llm_span if s["status_code"] == "ERROR"]
    assert refused["attributes"]["voc.attempt"] == 1 and "429" in refused["status_message"]
    answered = [s for s in llm_span if s["status_code"] != "ERROR"]
    assert {s["attributes"]["gen_ai.response.finish_reasons"][0] for s in answered} == {"stop"}
    assert any(s["attributes"]["llm.token_count.prompt_details.cache_read"] for s in answered)
    # No prompt or reply text by default, and no key anywhere.
    assert not any("input.value" in s["attributes"] for s in llm_span)
    assert llm.api_key not in json.dumps(spans)
