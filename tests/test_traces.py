"""Traces: the settings, the LLM span's attributes, a flow run's whole trace, and bad input.

In this process the SDK's in-memory exporter takes the spans (`memory`); `voc` and a
flow run as a worker starts it run as processes of their own, exporting over real
OTLP/HTTP to a loopback collector (`tests.servers.otlp`).
"""

import contextlib
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, SecretStr

from blocks.traces import TraceExport
from monitor import export as exporting
from monitor.store import ResultsStore
from monitor.traces import spans as llm_spans_of
from monitor.traces.settings import TraceSettingsError, trace_settings
from tasks.llm.types import LLMCall, LLMRequest, Usage
from tests.conftest import voc_environment
from tests.servers.base import Reply
from tests.servers.openai import FakeOpenAI
from tests.servers.otlp import FakeCollector
from tests.test_flow import MONDAY, run_small_week, small_export
from tests.trace_checks import check_run_trace

SECRET = "c2stbGYtc2VjcmV0OnBrLWxmLXB1YmxpYw"  # a header value: never repeated in an error


@pytest.fixture(scope="module")
def memory() -> Iterator[InMemorySpanExporter]:
    """This process's global tracer provider, keeping finished spans in memory while this
    module runs (a process has one provider for good: later tests' spans are dropped)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def as_phoenix(span: ReadableSpan) -> dict:
    """An SDK span in the shape Phoenix's REST API returns (tests.trace_checks reads it)."""
    parent = span.parent.span_id if span.parent else None
    attributes = dict(span.attributes)
    return {
        "name": span.name,
        "context": {
            "trace_id": f"{span.context.trace_id:032x}",
            "span_id": f"{span.context.span_id:016x}",
        },
        "parent_id": f"{parent:016x}" if parent is not None else None,
        "span_kind": attributes.get("openinference.span.kind", "UNKNOWN"),
        "status_code": span.status.status_code.name,
        "attributes": attributes,
        "events": [{"name": e.name} for e in span.events],
    }


# -- settings -------------------------------------------------------------------------------


def test_no_endpoint_no_traces():
    assert trace_settings(environ={"OTEL_SERVICE_NAME": "x"}) is None


def test_the_standard_variables_set_the_export():
    settings = trace_settings(
        environ={
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://cloud.langfuse.com/api/public/otel/",
            "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Basic%20{SECRET}, x-team = voc",
            "VOC_OTEL_CAPTURE_CONTENT": "true",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2.5",
        }
    )
    assert settings.endpoint == "https://cloud.langfuse.com/api/public/otel/v1/traces"
    assert settings.headers == {"authorization": f"Basic {SECRET}", "x-team": "voc"}
    assert (settings.service_name, settings.capture_content, settings.timeout_s) == (
        "prefect-voc",
        True,
        2.5,
    )
    assert SECRET not in repr(settings)
    exact = trace_settings(environ={"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/x"})
    assert exact.endpoint == "http://c:4318/x"


def test_the_environment_wins_over_the_block_setting_by_setting():
    block = TraceExport(
        endpoint="http://collector:4318",
        headers=SecretStr(f"authorization=Bearer%20{SECRET}"),
        service_name="weekly-voc",
        capture_content=True,
    )
    from_block = trace_settings(block, environ={})
    assert from_block.endpoint == "http://collector:4318/v1/traces"
    assert from_block.headers == {"authorization": f"Bearer {SECRET}"}
    assert (from_block.service_name, from_block.capture_content) == ("weekly-voc", True)
    mixed = trace_settings(
        block,
        environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318", "VOC_OTEL_CAPTURE_CONTENT": "0"},
    )
    assert mixed.endpoint == "http://env:4318/v1/traces" and not mixed.capture_content
    assert mixed.headers == {"authorization": f"Bearer {SECRET}"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"OTEL_EXPORTER_OTLP_HEADERS": f"Authorization: Basic {SECRET}"},
            "OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not name=value",
        ),
        (
            {"OTEL_EXPORTER_OTLP_HEADERS": f'x-team=voc,Authorization="{SECRET}"'},
            "OTEL_EXPORTER_OTLP_HEADERS: entry 2 (Authorization) is not name=value",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://user:{SECRET}@collector:4318"},
            "OTEL_EXPORTER_OTLP_ENDPOINT has credentials in it",
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
            "OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL",
        ),
        ({"VOC_OTEL_CAPTURE_CONTENT": "maybe"}, "VOC_OTEL_CAPTURE_CONTENT must be true or false"),
        ({"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, "OTEL_EXPORTER_OTLP_TIMEOUT must be a number"),
    ],
)
def test_a_bad_setting_is_one_line_that_never_repeats_a_secret(environ, message):
    environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"} | environ
    with pytest.raises(TraceSettingsError) as raised:
        trace_settings(environ=environ)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value) and SECRET not in str(raised.value)


# -- the LLM call's span --------------------------------------------------------------------


class Labels(BaseModel):
    labels: list[str]


def test_an_llm_call_span_carries_the_stored_numbers_and_text_only_when_asked(memory):
    memory.clear()
    request = LLMRequest("classify_topics", "Label each item.", {"items": ["[email]"]}, Labels)
    usage = Usage(1200, 80, cached_tokens=1024, reasoning_tokens=16)
    call = LLMCall(
        "openai", "gpt-4o-mini", "classify_topics", usage, 812.5, attempt=2,
        finish_reason="stop", request=request, reply='{"labels": ["Billing"]}',
    )  # fmt: skip
    failed = LLMCall("openai", "gpt-4o-mini", "classify_topics", Usage(0, 0), 3.0, error="HTTP 500")
    with trace.get_tracer("test").start_as_current_span("topic_detection") as parent:
        where = llm_spans_of.CallOf(parent, time.time_ns(), "run-1", "topic_detection", "tr-1")
    # Made later (as the run's writer makes them), after the task run's span ended.
    llm_spans_of.record_llm_call(where, call, Decimal("0.00021"), False)
    llm_spans_of.record_llm_call(where, call, Decimal("0.00021"), True)
    llm_spans_of.record_llm_call(where, failed, Decimal(0), False)
    _, plain, with_text, refused = memory.get_finished_spans()

    assert plain.parent.span_id == parent.get_span_context().span_id
    assert plain.context.trace_id == parent.get_span_context().trace_id
    assert plain.name == "chat gpt-4o-mini" and plain.kind is trace.SpanKind.CLIENT
    assert plain.end_time == where.ended_ns
    assert (plain.end_time - plain.start_time) == 812_500_000
    a = plain.attributes
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.provider.name"] == "openai"
    assert a["gen_ai.request.model"] == a["gen_ai.response.model"] == a["llm.model_name"]
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (1200, 80)
    assert (
        a["gen_ai.usage.cache_read.input_tokens"]
        == a["llm.token_count.prompt_details.cache_read"]
        == 1024
    )
    assert (
        a["gen_ai.usage.reasoning.output_tokens"]
        == a["llm.token_count.completion_details.reasoning"]
        == 16
    )
    assert (
        a["llm.token_count.prompt"],
        a["llm.token_count.completion"],
        a["llm.token_count.total"],
    ) == (1200, 80, 1280)
    assert a["gen_ai.response.finish_reasons"] == ("stop",)
    assert a["openinference.span.kind"] == "LLM" and a["llm.provider"] == "openai"
    assert a["voc.cost_usd"] == a["llm.cost.total"] == 0.00021 and a["voc.attempt"] == 2
    assert not any(k.startswith(("input.", "output.", "gen_ai.input", "llm.input")) for k in a)

    b = with_text.attributes
    assert "[email]" in b["input.value"] and "Label each item." in b["input.value"]
    assert b["output.value"] == '{"labels": ["Billing"]}'
    assert b["llm.input_messages.0.message.role"] == "system"
    assert '"finish_reason": "stop"' in b["gen_ai.output.messages"]

    assert refused.status.status_code is trace.StatusCode.ERROR
    assert refused.status.description == "HTTP 500"
    assert (
        refused.attributes["voc.cost_usd"] == 0
        and "gen_ai.response.finish_reasons" not in refused.attributes
    )
    # Counts of what did not happen are left out, except the ones the issue names.
    assert refused.attributes["gen_ai.usage.reasoning.output_tokens"] == 0
    assert refused.attributes["gen_ai.usage.cache_read.input_tokens"] == 0
    for absent in (
        "gen_ai.usage.cache_creation.input_tokens",
        "llm.token_count.prompt_details.cache_write",
        "llm.token_count.completion_details.reasoning",
        "voc.tokens_estimated",
    ):
        assert absent not in refused.attributes, absent


# -- a whole run, in this process -----------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_a_flow_run_is_one_trace_of_its_agents_and_calls(memory, tmp_path, output_dir, store_url):
    memory.clear()
    state = run_small_week(tmp_path, output_dir, store_url)
    assert state.is_completed(), state.message
    store = ResultsStore(store_url)
    run = store.run(str(state.state_details.flow_run_id))
    calls = exporting.call_rows(store, run["id"])
    assert calls
    spans = [as_phoenix(s) for s in memory.get_finished_spans()]
    root = check_run_trace(spans, run, calls)
    assert root["attributes"]["voc.run.status"] == "completed"
    assert root["attributes"]["voc.run.source"].endswith("export.json")


# -- processes of their own: `voc run`, and a flow run as a worker starts one ---------------


def run_voc(
    tmp_path: Path, prefect_home: Path, *args: str, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("voc")), *args],
        env=voc_environment(tmp_path, prefect_home) | env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_malformed_headers_are_one_line_before_the_run(tmp_path, prefect_home):
    done = run_voc(
        tmp_path,
        prefect_home,
        "run",
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318",
        OTEL_EXPORTER_OTLP_HEADERS=f"Authorization Basic {SECRET}",
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "voc: OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not name=value (a header name, '=', then "
        "the value URL-encoded, entries separated by commas)"
    ]
    assert not ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}").runs()


def test_an_endpoint_that_refuses_costs_one_warning_and_the_run_is_recorded(tmp_path, prefect_home):
    with closed_port() as port:
        done = run_voc(
            tmp_path,
            prefect_home,
            "run",
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}",
            OTEL_EXPORTER_OTLP_TIMEOUT="3",
        )
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 1, done.stderr
    assert warnings[0].startswith(
        f"voc: traces not exported: http://127.0.0.1:{port}/v1/traces did not take them ("
    )
    assert warnings[0].endswith("); the run is recorded as usual")
    (run,) = ResultsStore(f"sqlite:///{tmp_path / 'voc.db'}").runs()
    assert run["status"] == "completed"


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port nobody listens on (bound, so nobody else takes it meanwhile)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_a_flow_run_started_outside_voc_sets_traces_up_as_it_opens(tmp_path, prefect_home):
    """As a deployment's worker runs it: the flow called in a process of its own, with only
    the standard variables set; the run's span is opened in Prefect's place."""
    store_url = f"sqlite:///{tmp_path / 'voc.db'}"
    source = small_export(tmp_path / "export.json", MONDAY)
    script = (
        "from datetime import date\n"
        "from flows.voice_of_customer import voice_of_customer\n"
        f"state = voice_of_customer(start=date(2025, 11, 17), end=date(2025, 11, 23), "
        f"source={str(source)!r}, output_dir={str(tmp_path / 'out')!r}, store={store_url!r}, "
        "return_state=True)\n"
        "assert state.is_completed(), state.message\n"
    )
    with FakeCollector() as collector:
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=voc_environment(tmp_path, prefect_home)
            | {
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
                "OTEL_SERVICE_NAME": "weekly-voc",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            },
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    store = ResultsStore(store_url)
    (listed,) = store.runs()
    run = store.run(listed["id"])
    root = check_run_trace(collector.spans, run, exporting.call_rows(store, run["id"]))
    assert root["attributes"]["voc.run.status"] == "completed"
    assert {r["service.name"] for r in collector.resources} == {"weekly-voc"}
    assert {r["openinference.project.name"] for r in collector.resources} == {"weekly-voc"}


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.mark.usefixtures("prefect_harness")
def test_a_resumed_run_shows_its_cached_agents_as_cached_with_no_llm_spans(
    memory, tmp_path, output_dir, store_url, monkeypatch
):
    from flows.voice_of_customer import voice_of_customer

    parameters = dict(
        start=date(2025, 11, 17),
        end=date(2025, 11, 23),
        source=str(small_export(tmp_path / "export.json", MONDAY)),
        provider="openai",
        model="gpt-4o-mini",
        output_dir=str(output_dir),
        store=store_url,
        resume_key=f"traces-{uuid.uuid4()}",  # results persist beyond this session
    )
    with FakeOpenAI() as llm:
        monkeypatch.setenv("OPENAI_API_KEY", llm.api_key)
        monkeypatch.setenv("OPENAI_BASE_URL", llm.base_url)
        # The report's summary is refused (a 400, never retried): output formatting fails.
        refused = Reply(400, {"error": {"message": "refused", "type": "invalid_request_error"}})
        llm.refuse = lambda seen: refused if "one-line headline" in json.dumps(seen.body) else None
        first = voice_of_customer(**parameters, return_state=True)
        assert first.is_failed(), [r.path for r in llm.requests]
        llm.refuse = lambda seen: None
        memory.clear()
        state = voice_of_customer(**parameters, return_state=True)
    assert state.is_completed(), state.message
    store = ResultsStore(store_url)
    run = store.run(str(state.state_details.flow_run_id))
    cached = {a["key"] for a in run["agents"] if a["status"] == "cached"}
    assert {"topic_detection", "sub_topic_detection"} <= cached

    spans = [as_phoenix(s) for s in memory.get_finished_spans()]
    root = check_run_trace(spans, run, exporting.call_rows(store, run["id"]))
    assert root["attributes"]["voc.run.id"] == run["id"]
    by_name = {s["name"]: s for s in spans if s["span_kind"] != "LLM"}
    parents = {s["parent_id"] for s in spans if s["span_kind"] == "LLM"}
    for key in cached:
        assert "Cached" in [e["name"] for e in by_name[key]["events"]], key
        assert by_name[key]["context"]["span_id"] not in parents, key
    assert len([s for s in spans if s["span_kind"] == "LLM"]) == run["calls"] == 1


def test_a_killed_runs_exported_spans_stay_consistent(tmp_path, prefect_home):
    """kill -9 mid-run: what had been exported is one trace of the run's agents and calls,
    each call under its own task run's span (the flow span and the running agents' spans
    never arrive)."""
    from tests.test_resume import about_billing, kill_when, topic_done_before_its_agent

    with FakeCollector() as collector, FakeOpenAI() as provider:
        # Billing's per-topic requests wait at the gate, so the moment to kill at lasts
        # (other topics' runs done, their agents still running on Billing).
        provider.held = about_billing
        provider.gate.clear()
        env = voc_environment(tmp_path, prefect_home) | {
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "50",  # spans leave every 50 ms, not every 5 s
            "OPENAI_API_KEY": provider.api_key,
        }
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("voc")), "run"]
            + ["--provider", "openai", "--base-url", provider.base_url],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # Mid-run, once the collector holds an LLM call's span.
        try:
            run_id = kill_when(
                process,
                tmp_path / "voc.db",
                lambda agents: (
                    topic_done_before_its_agent(agents)
                    and any(s["span_kind"] == "LLM" for s in collector.spans)
                ),
            )
        finally:
            provider.gate.set()
        exported = list(collector.spans)
    # The store and the exporter each lose what they had not sent when the process died,
    # so the trace is checked against itself and the run's id.
    llm = [s for s in exported if s["span_kind"] == "LLM"]
    tasks = {s["context"]["span_id"]: s for s in exported if s["span_kind"] != "LLM"}
    assert llm, "nothing was exported before the kill"
    assert len({s["context"]["trace_id"] for s in exported}) == 1
    assert not [s for s in exported if s["parent_id"] is None]  # the flow span never ended
    assert {s["attributes"]["prefect.run.type"] for s in tasks.values()} == {"task"}
    assert {s["attributes"]["voc.run_id"] for s in llm} == {run_id}
    for span in llm:
        if span["parent_id"] in tasks:  # else its task run was still going
            assert tasks[span["parent_id"]]["name"] == span["attributes"]["voc.agent_key"]
