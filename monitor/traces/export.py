"""The OpenTelemetry SDK set up for one process: OTLP over HTTP, batched, flushed at exit.

Imported only when traces are on: the SDK and the exporter are not loaded otherwise.
An endpoint that refuses, fails or does not answer costs one warning line and at most
one export timeout: after the first batch it did not take, later ones are dropped
rather than each waiting out its own timeout (at exit above all).
"""

import logging
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from monitor.traces.settings import TraceSettings

log = logging.getLogger("voc.traces")
# The exporter's own lines: a warning per retry and an error per lost batch, which
# `FirstFailure` turns into the one line above.
EXPORTER_LOGGER = "opentelemetry.exporter.otlp.proto.http.trace_exporter"


class LastProblem(logging.Filter):
    """Keeps why the exporter's last batch failed, and drops every line it logs."""

    def __init__(self) -> None:
        super().__init__()
        self.message = "no answer"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            self.message = _reason(record) or self.message
        return False


def _reason(record: logging.LogRecord) -> str | None:
    """The cause in a few words: the HTTP status, or what became of the connection."""
    message = str(record.msg)
    if message.startswith("Failed to export %s batch code"):
        _, status, reason = record.args
        return f"HTTP {status} {reason}" if status else str(reason)[:200]
    if not message.startswith("Transient error"):
        return None
    cause = str(record.args[0])
    known = ("Connection refused", "timed out", "Name or service not known", "Connection reset")
    return next((k.lower() for k in known if k in cause), cause[:200])


class FirstFailure(SpanExporter):
    """The OTLP exporter, saying once that the endpoint did not take a batch, then quiet."""

    def __init__(self, exporter: SpanExporter, endpoint: str, problem: LastProblem) -> None:
        self._exporter = exporter
        self._endpoint = endpoint
        self._problem = problem
        self.failed = False

    def export(self, spans: "list[ReadableSpan]") -> SpanExportResult:
        if self.failed:
            return SpanExportResult.FAILURE
        try:
            result = self._exporter.export(spans)
        except Exception as exc:  # an exporter must not take the batch thread down
            self._problem.message = f"{type(exc).__name__}: {exc}"
            result = SpanExportResult.FAILURE
        if result is SpanExportResult.FAILURE:
            self.failed = True
            log.warning(
                "voc: traces not exported: %s did not take them (%s); the run is recorded as usual",
                self._endpoint,
                self._problem.message,
            )
        return result

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)


def configure(settings: TraceSettings) -> None:
    """Make an SDK tracer provider exporting to `settings` this process's global one.

    The provider flushes and shuts down at the interpreter's exit (its atexit hook);
    `flush()` does it sooner, for a process about to `os._exit`.
    """
    if not log.handlers:  # the one warning, as voc's other one-line messages
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    problem = LastProblem()
    logging.getLogger(EXPORTER_LOGGER).addFilter(problem)
    exporter = OTLPSpanExporter(
        endpoint=settings.endpoint, headers=settings.headers, timeout=settings.timeout_s
    )
    # Phoenix files spans under the project a resource names, others by the service.
    resource = Resource.create(
        {"service.name": settings.service_name, "openinference.project.name": settings.service_name}
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(
        BatchSpanProcessor(FirstFailure(exporter, settings.endpoint, problem))
    )
    trace.set_tracer_provider(provider)


def flush() -> None:
    """Send the spans still queued now (bounded by the exporter's timeout)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()
