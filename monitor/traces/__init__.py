"""OpenTelemetry traces of runs: Prefect's flow and task spans, and the monitor's LLM calls.

Prefect 3.9 makes a span for every flow run and task run once an SDK tracer provider
is set; the monitor adds one span per LLM call under the task run that made it, and
the run's figures to the flow run's span. Traces are on in a process when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`, or the block `VOC_OTEL_BLOCK`
names) is set; otherwise nothing here loads the SDK or costs more than a look at the
current span.

- `settings`: the settings from the environment or a `TraceExport` block;
- `export`: the SDK's provider and exporter (loaded only when traces are on);
- `spans`: the attributes, the LLM call spans.

What a run adds stays off its agents' threads: an LLM call's span is made by the run's
writer thread (the agent's thread only notes its parent span and end time), and the
run's figures on its span are the ones added up as those spans were made, not read
back from the store.

`voc run` and `voc resume` call `start()` before the flow, so Prefect's flow span is
recorded from its start. A run started elsewhere (a deployment's worker, `serve`) sets
the SDK up as it opens (`run_opened`): Prefect's flow span has already begun unrecorded
then, so the monitor opens the run's span in its place with Prefect's own code.
"""

import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from opentelemetry import context, trace
from prefect.client.schemas.objects import FlowRun

from monitor.traces import spans
from monitor.traces.settings import TraceSettings, TraceSettingsError, named_block, trace_settings
from monitor.writer import StoreWriter
from tasks.llm.types import LLMCall

__all__ = ["TraceSettingsError", "flush", "record_llm_call", "run_closed", "run_opened", "start"]

log = logging.getLogger("voc.traces")


@dataclass
class _Exporting:
    """This process's trace export, once started."""

    settings: TraceSettings | None = None


@dataclass
class _TracedRun:
    """A traced run while it runs: its span (Prefect's, or the one opened in its place), the
    `RunTelemetry` that opened it in its place if one did, and its calls added up."""

    span: Any
    telemetry: Any | None
    totals: spans.RunTotals = field(default_factory=spans.RunTotals)


_exporting = _Exporting()
_runs: dict[str, _TracedRun] = {}  # by run id


def start() -> bool:
    """Export this process's traces if the settings say where; True if they do.

    Raises a one-line `TraceSettingsError` for a setting that cannot be used.
    """
    if _exporting.settings is not None:
        return True
    settings = trace_settings(named_block())
    if settings is None:
        return False
    from monitor.traces.export import configure

    configure(settings)
    _exporting.settings = settings
    return True


def flush() -> None:
    """Send what is queued now: for a process about to end without its exit hooks."""
    if _exporting.settings is not None:
        from monitor.traces.export import flush as flush_spans

        flush_spans()


def run_opened(flow_run: FlowRun, spec: Any) -> None:
    """Put the run's description on its span (opening one if Prefect's is not recorded)."""
    span, telemetry = trace.get_current_span(), None
    if not span.is_recording():
        telemetry = _open_in_place(flow_run)
        if telemetry is None:
            return
        span = telemetry.span
    span.set_attributes(spans.run_attributes(spec, str(flow_run.id)))
    _runs[str(flow_run.id)] = _TracedRun(span, telemetry)


def _open_in_place(flow_run: FlowRun) -> Any | None:
    """Start exporting and open the flow run's span as Prefect would have; None: no traces."""
    if _exporting.settings is not None:
        return None  # exporting already, but Prefect records no span here: leave it so
    try:
        if not start():
            return None
    except TraceSettingsError as exc:
        log.error("voc: traces are off for this run: %s", exc)
        return None
    from prefect.client.orchestration import get_client
    from prefect.telemetry.run_telemetry import RunTelemetry

    telemetry = RunTelemetry()
    with get_client(sync_client=True) as client:
        telemetry.start_span(flow_run, client, flow_run.parameters)
    # Current from here on in the flow's context (the hook runs in it), as Prefect makes
    # its own span: task runs take the current span for their parent. Prefect's context
    # manager around the flow restores the context it found when the flow ends.
    context.attach(trace.set_span_in_context(telemetry.span))
    return telemetry


def run_closed(run_id: str, status: str, error: str | None, agents_done: int) -> None:
    """Put the run's final figures on its span; end a span opened in Prefect's place.

    Called once the run's writer is done, so every call's span is made and counted.
    """
    traced = _runs.pop(run_id, None)
    if traced is None:
        return
    traced.span.set_attributes(spans.run_result_attributes(status, traced.totals, agents_done))
    if traced.telemetry is None:
        return
    if status == "completed":
        traced.telemetry.end_span_on_success()
    else:
        traced.telemetry.end_span_on_failure(error)


def record_llm_call(
    writer: StoreWriter, run_id: str, agent_key: str, task_run_id: str, call: LLMCall, cost: Decimal
) -> None:
    """The call's span, if the task run that made it is traced: made by the run's `writer`
    once the call's row is committed, not in the agent's thread."""
    parent = trace.get_current_span()
    if not parent.is_recording():
        return
    where = spans.CallOf(parent, time.time_ns(), run_id, agent_key, task_run_id)
    writer.after_commit(partial(_trace_call, _runs.get(run_id), where, call, cost))


def _trace_call(
    traced: _TracedRun | None, where: spans.CallOf, call: LLMCall, cost: Decimal
) -> None:
    content = _exporting.settings is not None and _exporting.settings.capture_content
    row = spans.record_llm_call(where, call, cost, content)
    if traced is not None:
        traced.totals.add(row)
